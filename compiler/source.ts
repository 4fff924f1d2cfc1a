/**
 * One parsed source file and the summary of its module shape (imports,
 * exports, star re-exports), read from the syntax tree alone.
 */
import { ts } from "ts-morph";

/** A named import binding: `import { a as b } from "./x.js"` binds `b` to `a` of "./x.js". */
export interface ImportBinding {
  readonly specifier: string;
  /** The imported name, `"default"`, or `"*"` for a namespace import. */
  readonly imported: string;
  readonly node: ts.Node;
}

/** What an exported name refers to. */
export type ExportEntry =
  | { readonly kind: "local"; readonly local: string; readonly node: ts.Node }
  | { readonly kind: "reexport"; readonly specifier: string; readonly imported: string; readonly node: ts.Node };

/** The module shape of a file. */
export interface ModuleSummary {
  readonly imports: ReadonlyMap<string, ImportBinding>;
  readonly exports: ReadonlyMap<string, ExportEntry>;
  readonly starExports: readonly { readonly specifier: string; readonly node: ts.Node }[];
  /** Specifiers this module loads when it runs (value imports and re-exports), in source order. */
  readonly requests: readonly { readonly specifier: string; readonly node: ts.Node }[];
}

/** A source file, parsed. */
export interface ParsedFile {
  /** Absolute path with `/` separators. */
  readonly path: string;
  /** Path shown in diagnostics and manifests: relative to the compile root. */
  readonly display: string;
  readonly text: string;
  readonly sourceFile: ts.SourceFile;
  readonly summary: ModuleSummary;
  readonly syntaxErrors: readonly { readonly start: number; readonly length: number; readonly message: string }[];
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

/** Parses a file (without parent pointers: the compiler walks top-down) and summarizes its module shape. */
export function parseFile(path: string, display: string, text: string): ParsedFile {
  const extension = sourceExtension(path) ?? ".ts";
  const sourceFile = ts.createSourceFile(
    path,
    text,
    ts.ScriptTarget.Latest,
    false,
    SOURCE_EXTENSIONS.get(extension) ?? ts.ScriptKind.TS,
  );
  return { path, display, text, sourceFile, summary: summarize(sourceFile), syntaxErrors: syntaxErrorsOf(sourceFile) };
}

/** Wraps a source file parsed elsewhere (a ts-morph project). */
export function wrapSourceFile(path: string, display: string, sourceFile: ts.SourceFile): ParsedFile {
  return {
    path,
    display,
    text: sourceFile.text,
    sourceFile,
    summary: summarize(sourceFile),
    syntaxErrors: syntaxErrorsOf(sourceFile),
  };
}

interface WithParseDiagnostics {
  readonly parseDiagnostics?: readonly ts.DiagnosticWithLocation[];
}

function syntaxErrorsOf(sourceFile: ts.SourceFile): ParsedFile["syntaxErrors"] {
  const parsed = (sourceFile as ts.SourceFile & WithParseDiagnostics).parseDiagnostics ?? [];
  return parsed.map((diagnostic) => ({
    start: diagnostic.start,
    length: diagnostic.length,
    message: ts.flattenDiagnosticMessageText(diagnostic.messageText, " "),
  }));
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((modifier) => modifier.kind === kind) ?? false);
}

/** Names bound by a binding name (an identifier or a destructuring pattern). */
export function boundNames(name: ts.BindingName, into: string[] = []): string[] {
  if (ts.isIdentifier(name)) into.push(name.text);
  else {
    for (const element of name.elements) {
      if (!ts.isOmittedExpression(element)) boundNames(element.name, into);
    }
  }
  return into;
}

function summarize(sourceFile: ts.SourceFile): ModuleSummary {
  const imports = new Map<string, ImportBinding>();
  const exports = new Map<string, ExportEntry>();
  const starExports: { specifier: string; node: ts.Node }[] = [];
  const requests: { specifier: string; node: ts.Node }[] = [];
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement)) {
      if (!ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const specifier = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      requests.push({ specifier, node: statement.moduleSpecifier });
      if (!clause) continue;
      if (clause.name) imports.set(clause.name.text, { specifier, imported: "default", node: clause.name });
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) {
        imports.set(bindings.name.text, { specifier, imported: "*", node: bindings.name });
      } else if (bindings) {
        for (const element of bindings.elements) {
          if (element.isTypeOnly) continue;
          imports.set(element.name.text, {
            specifier,
            imported: (element.propertyName ?? element.name).text,
            node: element.name,
          });
        }
      }
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue;
      const specifierNode = statement.moduleSpecifier;
      const specifier = specifierNode && ts.isStringLiteral(specifierNode) ? specifierNode.text : undefined;
      if (specifier !== undefined && specifierNode) requests.push({ specifier, node: specifierNode });
      const clause = statement.exportClause;
      if (!clause) {
        if (specifier !== undefined) starExports.push({ specifier, node: statement });
      } else if (ts.isNamespaceExport(clause)) {
        if (specifier !== undefined)
          exports.set(clause.name.text, { kind: "reexport", specifier, imported: "*", node: clause });
      } else {
        for (const element of clause.elements) {
          if (element.isTypeOnly) continue;
          const exported = element.name.text;
          const local = (element.propertyName ?? element.name).text;
          exports.set(
            exported,
            specifier === undefined
              ? { kind: "local", local, node: element }
              : { kind: "reexport", specifier, imported: local, node: element },
          );
        }
      }
    } else if (ts.isExportAssignment(statement)) {
      if (!statement.isExportEquals) {
        exports.set("default", { kind: "local", local: DEFAULT_EXPORT_LOCAL, node: statement });
      }
    } else if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
      const isDefault = hasModifier(statement, ts.SyntaxKind.DefaultKeyword);
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          for (const name of boundNames(declaration.name)) exports.set(name, { kind: "local", local: name, node: declaration });
        }
      } else if (
        ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isEnumDeclaration(statement)
      ) {
        const local = statement.name?.text ?? DEFAULT_EXPORT_LOCAL;
        exports.set(isDefault ? "default" : local, { kind: "local", local, node: statement });
      }
    }
  }
  return { imports, exports, starExports, requests };
}
