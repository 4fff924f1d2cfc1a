import { all, any, type Condition, isCondition } from "./asset.js";
import { type RuleResult, throwAssetProblem } from "./asset-rules.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import { describeValue, UNDEFINED_OPERAND_HINT } from "./json.js";

/** The shape of a parsed `assets` template: interpolated value `index`, or all/any of parts. */
export type TemplateNode =
  | { readonly kind: "operand"; readonly index: number }
  | { readonly kind: "all" | "any"; readonly items: readonly TemplateNode[] };

type Token =
  | { kind: "operand"; index: number; position: number }
  | { kind: "and" | "or" | "open" | "close"; position: number };

/** A template's problem as the SDK reports it (thrown as a DefinitionError). */
class TemplateProblem {
  constructor(readonly error: DefinitionError) {}
}

/**
 * Builds a condition with the seed's operators: `&` (all) binds tighter than
 * `|` (any), and parentheses group. Interpolated values must be assets,
 * aliases, refs or conditions.
 *
 * @example
 * ```ts
 * const schedule = assets`${dag1Asset} | (${dag2Asset} & ${dag3Asset})`;
 * ```
 */
export function assets(strings: TemplateStringsArray, ...values: unknown[]): Condition {
  const parsed = parseAssetsTemplate(strings, values);
  if (!parsed.ok) throwAssetProblem(parsed.problem);
  const build = (node: TemplateNode): Condition =>
    node.kind === "operand"
      ? (values[node.index] as Condition)
      : (node.kind === "all" ? all : any)(...node.items.map(build));
  return build(parsed.value);
}

/**
 * The grammar of the `assets` template, written once: parses the template's
 * strings over its interpolated values (each must be a condition operand)
 * into a {@link TemplateNode}, or returns the first problem (code
 * `CONDITION_INVALID`, the message with the column and a pointer). Pure: the
 * SDK's {@link assets} throws the problem, the compiler reports it.
 *
 * @example
 * ```ts
 * parseAssetsTemplate(["", " & (", " | ", ")"], [a, b, c]).ok; // true: all(a, any(b, c))
 * ```
 */
export function parseAssetsTemplate(strings: readonly string[], values: readonly unknown[]): RuleResult<TemplateNode> {
  const source = renderSource(strings);
  try {
    const tokens = tokenize(strings, values, source);
    const parser = new Parser(tokens, source);
    const node = parser.parseExpression();
    parser.expectEnd();
    return { ok: true, value: node };
  } catch (error) {
    if (!(error instanceof TemplateProblem)) throw error;
    const { code, message, details } = error.error;
    return { ok: false, problem: { code: code as ErrorCode, message, path: [], ...(details ? { details } : {}) } };
  }
}

function renderSource(strings: readonly string[]): string {
  return strings.reduce((text, part, index) => (index === 0 ? part : `${text}\${${index - 1}}${part}`), "");
}

function tokenize(strings: readonly string[], values: readonly unknown[], source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  strings.forEach((part, index) => {
    for (const char of part) {
      const kind = char === "&" ? "and" : char === "|" ? "or" : char === "(" ? "open" : char === ")" ? "close" : null;
      if (kind) tokens.push({ kind, position });
      else if (!/\s/.test(char)) {
        throw syntaxError(
          source,
          position,
          `unexpected ${JSON.stringify(char)}; only & | ( ) and interpolated assets are allowed`,
        );
      }
      position++;
    }
    if (index < values.length) {
      const value = values[index];
      if (!isCondition(value)) {
        const hint =
          typeof value === "string"
            ? `wrap the URI, as in \${new Asset(${JSON.stringify(value)})}`
            : `interpolate an Asset, an AssetAlias, Asset.ref(...), or a condition made with and/or/all/any${value === undefined ? `. ${UNDEFINED_OPERAND_HINT}` : ""}`;
        throw syntaxError(source, position, `\${${index}} is ${describeValue(value)}, not an asset; ${hint}`);
      }
      tokens.push({ kind: "operand", index, position });
      position += `\${${index}}`.length;
    }
  });
  return tokens;
}

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parseExpression(): TemplateNode {
    const terms = [this.parseTerm()];
    while (this.peek()?.kind === "or") {
      this.index++;
      terms.push(this.parseTerm());
    }
    return terms.length === 1 ? (terms[0] as TemplateNode) : { kind: "any", items: terms };
  }

  expectEnd(): void {
    const token = this.peek();
    if (!token) return;
    if (token.kind === "operand" || token.kind === "open") {
      throw syntaxError(
        this.source,
        token.position,
        `expected '&' or '|' before ${describe(token)}: two operands in a row need an operator between them`,
      );
    }
    if (token.kind === "close") {
      throw syntaxError(this.source, token.position, "unexpected ')' with no matching '('");
    }
    throw syntaxError(this.source, token.position, `unexpected ${describe(token)}`);
  }

  private parseTerm(): TemplateNode {
    const factors = [this.parseFactor()];
    while (this.peek()?.kind === "and") {
      this.index++;
      factors.push(this.parseFactor());
    }
    return factors.length === 1 ? (factors[0] as TemplateNode) : { kind: "all", items: factors };
  }

  private parseFactor(): TemplateNode {
    const token = this.tokens[this.index++];
    if (!token) throw syntaxError(this.source, this.source.length, "expected an asset or '(' but the condition ended");
    if (token.kind === "operand") return { kind: "operand", index: token.index };
    if (token.kind === "open") {
      const inner = this.parseExpression();
      const close = this.tokens[this.index++];
      if (close?.kind !== "close") {
        throw syntaxError(this.source, close?.position ?? this.source.length, "missing ')'");
      }
      return inner;
    }
    throw syntaxError(this.source, token.position, `expected an asset or '(' but found ${describe(token)}`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case "operand":
      return "an asset";
    case "and":
      return "'&'";
    case "or":
      return "'|'";
    case "open":
      return "'('";
    case "close":
      return "')'";
  }
}

function syntaxError(source: string, position: number, problem: string): TemplateProblem {
  const pointer = `${" ".repeat(position)}^`;
  const empty = source.trim() === "";
  return new TemplateProblem(
    new DefinitionError(
      ErrorCode.conditionInvalid,
      empty
        ? // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows template syntax to the user
          "assets`` is empty: a condition needs at least one asset, as in assets`${a} & ${b}`."
        : `Invalid condition in assets\`...\` at column ${position + 1}: ${problem}.\n  ${source}\n  ${pointer}\nWrite it as assets\`\${a} & (\${b} | \${c})\`.`,
      { details: { source, column: position + 1 } },
    ),
  );
}
