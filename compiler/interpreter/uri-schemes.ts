/**
 * URI scheme rules a project registers with `registerUriScheme(scheme, rule)`,
 * applied at compile time as the SDK applies them at run time: from the
 * registration on, the SDK's `sanitizeUri` steps run with the user's rule,
 * which the interpreter evaluates on each URI of its scheme. So the assets of
 * the static manifest have the keys and URIs they have when the code runs.
 *
 * A rule the compiler cannot evaluate (imported from a package, only known at
 * run time, a result that depends on something unknown) is an error: the
 * identity of the assets of its scheme would be a guess.
 */
import type { ts } from "ts-morph";
import { AssetUriError } from "../../sdk/errors.js";
import type { ParsedUri, UriSchemeRule } from "../../sdk/uri/sanitize.js";
import { formatParsedUri } from "../../sdk/uri/schemes.js";
import { DiagnosticCatalog } from "../diagnostics.js";
import { operandProbe } from "../sdk-rules.js";
import { INVALID, SchemeRuleEscape } from "../semantics.js";
import {
  describeValueKind,
  type FunctionValue,
  locate,
  Props,
  siteText,
  UNDEFINED,
  type UnknownValue,
  type Value,
} from "../values.js";
import type { Interpreter } from "./interpreter.js";
import { BudgetExceeded, type Env, Thrown } from "./support.js";

/** A rule the compiler could not evaluate: the assets of its scheme are left out (the registration is reported). */
const NOT_EVALUABLE: UriSchemeRule = () => {
  throw new SchemeRuleEscape(INVALID);
};

/** The keys of a {@link ParsedUri}, in the order of its type. */
const PARSED_URI_KEYS = ["scheme", "userinfo", "host", "port", "path", "query", "fragment"] as const;

/**
 * The scheme rules of one compilation: registered by the interpreter when it
 * runs `registerUriScheme(...)`, kept in the compilation's caches where the
 * URI rules read them.
 */
export class UriSchemeRegistry {
  /** The module that registered each scheme's rule: its rule goes when the module is forgotten. */
  private readonly owners = new Map<string, string>();

  constructor(private readonly vm: Interpreter) {}

  /**
   * `registerUriScheme(scheme, rule)` whose arguments passed the SDK's
   * checks (or are not known): registers the rule, or reports why the
   * compiler cannot apply it.
   */
  register(scheme: Value | undefined, rule: Value | undefined, node: ts.CallExpression, env: Env): void {
    const site = { file: env.scope.file, node };
    if (scheme?.kind !== "string") {
      const reason = scheme?.kind === "unknown" ? `its scheme ${unknownText(scheme)}` : "its scheme is not a string";
      this.vm.report(DiagnosticCatalog.customUriScheme, { scheme: "...", reason }, site);
      return;
    }
    const name = scheme.value.toLowerCase();
    if (rule?.kind === "function") {
      this.set(name, this.interpreted(name, rule, node, env), env.scope.file.path);
      return;
    }
    const reason =
      rule?.kind === "unknown"
        ? `its rule ${unknownText(rule)}`
        : `its rule is ${rule ? describeValueKind(rule) : "missing"}, which the compiler does not evaluate`;
    this.vm.report(DiagnosticCatalog.customUriScheme, { scheme: name, reason }, site);
    this.set(name, NOT_EVALUABLE, env.scope.file.path);
  }

  /** Whether the module at `path` registered a rule that is still in force (its scope must stay: the rule runs in it). */
  owns(path: string): boolean {
    for (const owner of this.owners.values()) if (owner === path) return true;
    return false;
  }

  /** Drops the rules the modules at `paths` registered (they run again, and register them again). */
  forget(paths: Iterable<string>): void {
    const forgotten = new Set(paths);
    for (const [scheme, owner] of this.owners) {
      if (!forgotten.has(owner)) continue;
      this.owners.delete(scheme);
      this.vm.caches.uriSchemes.delete(scheme);
      this.vm.caches.sanitized.clear();
    }
  }

  private set(scheme: string, rule: UriSchemeRule, owner: string): void {
    this.vm.caches.uriSchemes.set(scheme, rule);
    this.owners.set(scheme, owner);
    // URIs sanitized so far keep what they got; from now on this scheme's URIs go through the rule.
    this.vm.caches.sanitized.clear();
  }

  /** The user's rule as the SDK calls it: evaluated by the interpreter, in the scope it was written in. */
  private interpreted(scheme: string, fn: FunctionValue, node: ts.CallExpression, env: Env): UriSchemeRule {
    const callEnv: Env = { ...env, dag: undefined };
    const escapeWith = (unknown: UnknownValue, uri: ParsedUri): SchemeRuleEscape =>
      new SchemeRuleEscape({
        ...unknown,
        what: `The result of the "${scheme}" scheme rule (registerUriScheme) for ${JSON.stringify(formatParsedUri(uri))}`,
        hint: "make the rule's result depend only on its argument and constants",
      });
    return (uri) => {
      let result: Value;
      try {
        result = this.vm.statements.callFunction(fn, [parsedUriValue(uri)], node, callEnv);
      } catch (error) {
        if (error instanceof Thrown) throw thrownError(error);
        if (error instanceof BudgetExceeded) throw new SchemeRuleEscape(INVALID, error);
        throw error;
      }
      if (result.kind === "unknown") throw escapeWith(result, uri);
      if (result.kind !== "object") return operandProbe(result) as ParsedUri; // the SDK says it is not a ParsedUri
      const unknown = result.havoc ?? result.unknownSpread;
      if (unknown) throw escapeWith(unknown, uri);
      const plain: Record<string, unknown> = {};
      for (const [key, item] of result.props) {
        if (item.kind === "unknown") throw escapeWith(item, uri);
        plain[key] = operandProbe(item);
      }
      return plain as unknown as ParsedUri;
    };
  }
}

/** A {@link ParsedUri} as a value of the interpreter. */
function parsedUriValue(uri: ParsedUri): Value {
  const props = new Props();
  for (const key of PARSED_URI_KEYS) {
    const part = uri[key];
    props.set(key, part === undefined ? UNDEFINED : { kind: "string", value: part });
  }
  return { kind: "object", props };
}

/**
 * What a rule that throws throws into the SDK's sanitizer, so that the
 * compiler reports what loading the code would: an `AssetUriError` as it is,
 * another error or a string as the cause of the rule's rejection.
 */
function thrownError(thrown: Thrown): unknown {
  const value = thrown.value;
  if (value.kind === "string") return value.value;
  if (value.kind === "object") {
    const message = value.props.get("message");
    const name = value.props.get("name");
    if (message?.kind === "string") {
      return name?.kind === "string" && name.value === "AssetUriError"
        ? new AssetUriError(message.value)
        : new Error(message.value);
    }
  }
  const at = locate(thrown.site);
  return new Error(`it throws at ${at.file}:${at.line}:${at.column}`);
}

/** Why an argument of `registerUriScheme` is not known, as the end of a sentence. */
function unknownText(value: UnknownValue): string {
  const reason = value.reason;
  switch (reason.kind) {
    case "external":
      return `is \`${reason.name}\`, imported from the package ${JSON.stringify(reason.specifier)}, which the compiler does not read`;
    case "call":
      return `comes from a call to \`${siteText(reason.callee)}(...)\`, which the compiler does not run`;
    case "parameter":
      return `is the parameter \`${reason.name}\`, whose value comes from the caller`;
    case "env":
      return `comes from the environment (\`${reason.text}\`)`;
    default:
      return "is only known at run time";
  }
}
