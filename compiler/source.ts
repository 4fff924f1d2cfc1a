/**
 * One parsed source file and the summary of its module shape (imports,
 * exports, star re-exports), read from the syntax tree alone.
 */
import { ts } from "ts-morph";
import { detach } from "./values.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  canHaveModifiers,
  isClassDeclaration,
  isEnumDeclaration,
  isExportAssignment,
  isExportDeclaration,
  isFunctionDeclaration,
  isIdentifier,
  isImportDeclaration,
  isNamespaceExport,
  isNamespaceImport,
  isOmittedExpression,
  isStringLiteral,
  isVariableStatement,
  SyntaxKind: SK,
} = ts;

/** A span of a source file, as a syntax node's `pos` (before trivia) and `end`. */
export interface Span {
  readonly pos: number;
  readonly end: number;
}

/** A named import binding: `import { a as b } from "./x.js"` binds `b` to `a` of "./x.js". */
export interface ImportBinding {
  readonly specifier: string;
  /** The imported name, `"default"`, or `"*"` for a namespace import. */
  readonly imported: string;
  readonly span: Span;
}

/** What an exported name refers to. */
export type ExportEntry =
  | { readonly kind: "local"; readonly local: string }
  | { readonly kind: "reexport"; readonly specifier: string; readonly imported: string };

/** The module shape of a file. It holds no syntax nodes, so it can outlive the syntax tree. */
export interface ModuleSummary {
  readonly imports: ReadonlyMap<string, ImportBinding>;
  readonly exports: ReadonlyMap<string, ExportEntry>;
  readonly starExports: readonly { readonly specifier: string }[];
  /** Specifiers this module loads when it runs (value imports and re-exports), in source order. */
  readonly requests: readonly { readonly specifier: string; readonly span: Span }[];
}

/**
 * A source file: its text, module summary and syntax errors, and its syntax
 * tree, which can be released once the module has run (so that a large
 * project does not keep every tree alive) and is parsed again when needed.
 */
export class ParsedFile {
  /** What the module loads when it runs, kept when the tree is released. */
  readonly requests: ModuleSummary["requests"];
  readonly syntaxErrors: readonly { readonly start: number; readonly length: number; readonly message: string }[];
  /** The folder of the file (`path` without its last segment). */
  readonly directory: string;
  private print: string | undefined;
  private tree: ts.SourceFile | undefined;
  private starts: number[] | undefined;
  private shape: ModuleSummary | undefined;
  private content: string | undefined;

  constructor(
    /** Absolute path with `/` separators. */
    readonly path: string,
    /** Path shown in diagnostics and manifests: relative to the compile root. */
    readonly display: string,
    text: string,
    tree: ts.SourceFile,
    /** Gets the text and tree again after a release. */
    private readonly reload: () => { text: string; tree?: ts.SourceFile },
  ) {
    this.directory = path.slice(0, path.lastIndexOf("/")) || "/";
    this.content = text;
    this.tree = tree;
    this.shape = summarize(tree);
    this.requests = this.shape.requests;
    this.syntaxErrors = syntaxErrorsOf(tree);
  }

  /** The text (read again if it was released). */
  get text(): string {
    if (this.content === undefined) {
      const loaded = this.reload();
      this.content = loaded.text;
      this.tree ??= loaded.tree;
    }
    return this.content;
  }

  /** The module shape (summarized again from the tree if it was released). */
  get summary(): ModuleSummary {
    this.shape ??= summarize(this.sourceFile);
    return this.shape;
  }

  /** The syntax tree (parsed again if it was released). */
  get sourceFile(): ts.SourceFile {
    if (!this.tree) {
      const text = this.text;
      this.tree ??= parseSource(this.path, text);
    }
    return this.tree;
  }

  /** A fingerprint of the text, to tell whether a file changed (kept through a release when asked). */
  get fingerprint(): string {
    this.print ??= fingerprintOf(this.text);
    return this.print;
  }

  /**
   * Drops the syntax tree, the text and what derives from them, so that a
   * module that has run keeps only its results; they come back on demand.
   * With `keepFingerprint`, the text's fingerprint is computed first.
   */
  release(keepFingerprint = false): void {
    if (keepFingerprint && this.content !== undefined) this.print ??= fingerprintOf(this.content);
    this.tree = undefined;
    this.starts = undefined;
    this.shape = undefined;
    this.content = undefined;
  }

  /** 1-based line and column of a position, and the length of `[start, end)` on that line (at least 1). */
  location(start: number, end: number): { file: string; line: number; column: number; length: number } {
    const starts = this.lineStarts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= start) low = middle;
      else high = middle - 1;
    }
    const lineStart = starts[low] ?? 0;
    const nextLine = starts[low + 1] ?? this.text.length + 1;
    const lineEnd = Math.max(lineStart, nextLine - 1 - (this.text.charCodeAt(nextLine - 2) === 13 ? 1 : 0));
    return {
      file: this.display,
      line: low + 1,
      column: start - lineStart + 1,
      length: Math.max(1, Math.min(end, lineEnd) - start),
    };
  }

  private lineStarts(): number[] {
    if (!this.starts) {
      const starts = [0];
      let index = this.text.indexOf("\n");
      while (index >= 0) {
        starts.push(index + 1);
        index = this.text.indexOf("\n", index + 1);
      }
      this.starts = starts;
    }
    return this.starts;
  }
}

/** The local name that holds an anonymous `export default` expression. */
export const DEFAULT_EXPORT_LOCAL = "*default*";

/** Extensions the compiler reads, and the script kind of each. */
export const SOURCE_EXTENSIONS: ReadonlyMap<string, ts.ScriptKind> = new Map([
  [".ts", ts.ScriptKind.TS],
  [".tsx", ts.ScriptKind.TSX],
  [".mts", ts.ScriptKind.TS],
  [".cts", ts.ScriptKind.TS],
  [".js", ts.ScriptKind.JS],
  [".jsx", ts.ScriptKind.JSX],
  [".mjs", ts.ScriptKind.JS],
  [".cjs", ts.ScriptKind.JS],
]);

/** Extensions of TypeScript sources, the ones a folder walk collects. */
export const TYPESCRIPT_EXTENSIONS: readonly string[] = [".ts", ".tsx", ".mts", ".cts"];

/** The extension of `path` the compiler knows (`.d.ts` files are not sources), or undefined. */
export function sourceExtension(path: string): string | undefined {
  if (/\.d\.[mc]?ts$/.test(path)) return undefined;
  const match = /\.[a-z]+$/.exec(path);
  return match && SOURCE_EXTENSIONS.has(match[0]) ? match[0] : undefined;
}

/**
 * Parses source text without parent pointers (the compiler walks top-down)
 * and without JSDoc (the compiler never reads it).
 */
export function parseSource(path: string, text: string): ts.SourceFile {
  const extension = sourceExtension(path) ?? ".ts";
  return ts.createSourceFile(path, text, PARSE_OPTIONS, false, SOURCE_EXTENSIONS.get(extension) ?? ts.ScriptKind.TS);
}

const PARSE_OPTIONS: ts.CreateSourceFileOptions = {
  languageVersion: ts.ScriptTarget.Latest,
  jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
};

/** Parses a file and summarizes its module shape; `read` reads its text again after a release. */
export function parseFile(path: string, display: string, text: string, read: () => string): ParsedFile {
  return new ParsedFile(path, display, text, parseSource(path, text), () => ({ text: read() }));
}

/** A fingerprint of a text: its length and two 32-bit FNV-1a hashes. */
export function fingerprintOf(text: string): string {
  let first = 0x811c9dc5;
  let second = 0x01000193;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x811c9dc5) + index;
  }
  return `${text.length}:${(first >>> 0).toString(36)}:${(second >>> 0).toString(36)}`;
}

/** Wraps a source file parsed elsewhere (a ts-morph project); `reload` gets it again after a release. */
export function wrapSourceFile(
  path: string,
  display: string,
  sourceFile: ts.SourceFile,
  reload: () => ts.SourceFile,
): ParsedFile {
  return new ParsedFile(path, display, sourceFile.text, sourceFile, () => {
    const tree = reload();
    return { text: tree.text, tree };
  });
}

const NO_ERRORS: ParsedFile["syntaxErrors"] = Object.freeze([]);

interface WithParseDiagnostics {
  readonly parseDiagnostics?: readonly ts.DiagnosticWithLocation[];
}

function syntaxErrorsOf(sourceFile: ts.SourceFile): ParsedFile["syntaxErrors"] {
  const parsed = (sourceFile as ts.SourceFile & WithParseDiagnostics).parseDiagnostics ?? [];
  if (parsed.length === 0) return NO_ERRORS;
  return parsed.map((diagnostic) => ({
    start: diagnostic.start,
    length: diagnostic.length,
    message: ts.flattenDiagnosticMessageText(diagnostic.messageText, " "),
  }));
}

/** True when a node has a modifier of this kind (`export`, `static`, ...). */
export function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  const modifiers = canHaveModifiers(node) ? node.modifiers : undefined;
  if (!modifiers) return false;
  for (const modifier of modifiers) if (modifier.kind === kind) return true;
  return false;
}

/** Names bound by a binding name (an identifier or a destructuring pattern). */
export function boundNames(name: ts.BindingName, into: string[] = []): string[] {
  if (isIdentifier(name)) into.push(name.text);
  else {
    for (const element of name.elements) {
      if (!isOmittedExpression(element)) boundNames(element.name, into);
    }
  }
  return into;
}

function summarize(sourceFile: ts.SourceFile): ModuleSummary {
  const imports = new Map<string, ImportBinding>();
  const exports = new Map<string, ExportEntry>();
  const starExports: { specifier: string }[] = [];
  const requests: { specifier: string; span: Span }[] = [];
  const span = (node: ts.Node): Span => ({ pos: node.pos, end: node.end });
  for (const statement of sourceFile.statements) {
    if (isImportDeclaration(statement)) {
      if (!isStringLiteral(statement.moduleSpecifier)) continue;
      const specifier = detach(statement.moduleSpecifier.text);
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      requests.push({ specifier, span: span(statement.moduleSpecifier) });
      if (!clause) continue;
      if (clause.name) imports.set(clause.name.text, { specifier, imported: "default", span: span(clause.name) });
      const bindings = clause.namedBindings;
      if (bindings && isNamespaceImport(bindings)) {
        imports.set(bindings.name.text, { specifier, imported: "*", span: span(bindings.name) });
      } else if (bindings) {
        for (const element of bindings.elements) {
          if (element.isTypeOnly) continue;
          imports.set(element.name.text, {
            specifier,
            imported: (element.propertyName ?? element.name).text,
            span: span(element.name),
          });
        }
      }
    } else if (isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue;
      const specifierNode = statement.moduleSpecifier;
      const specifier = specifierNode && isStringLiteral(specifierNode) ? detach(specifierNode.text) : undefined;
      if (specifier !== undefined && specifierNode) requests.push({ specifier, span: span(specifierNode) });
      const clause = statement.exportClause;
      if (!clause) {
        if (specifier !== undefined) starExports.push({ specifier });
      } else if (isNamespaceExport(clause)) {
        if (specifier !== undefined) exports.set(clause.name.text, { kind: "reexport", specifier, imported: "*" });
      } else {
        for (const element of clause.elements) {
          if (element.isTypeOnly) continue;
          const exported = element.name.text;
          const local = (element.propertyName ?? element.name).text;
          exports.set(
            exported,
            specifier === undefined ? { kind: "local", local } : { kind: "reexport", specifier, imported: local },
          );
        }
      }
    } else if (isExportAssignment(statement)) {
      if (!statement.isExportEquals) {
        exports.set("default", { kind: "local", local: DEFAULT_EXPORT_LOCAL });
      }
    } else if (hasModifier(statement, SK.ExportKeyword)) {
      const isDefault = hasModifier(statement, SK.DefaultKeyword);
      if (isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          for (const name of boundNames(declaration.name)) exports.set(name, { kind: "local", local: name });
        }
      } else if (isFunctionDeclaration(statement) || isClassDeclaration(statement) || isEnumDeclaration(statement)) {
        const local = statement.name?.text ?? DEFAULT_EXPORT_LOCAL;
        exports.set(isDefault ? "default" : local, { kind: "local", local });
      }
    }
  }
  return { imports, exports, starExports, requests };
}
