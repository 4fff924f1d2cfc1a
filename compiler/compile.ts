/**
 * The compiler's entry points: {@link compile} once, and
 * {@link formatDiagnostics} to print what it found.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Diagnostic, formatDiagnostic } from "./diagnostics.js";
import { type CompileOptions, type CompileResult, CompilerProgram } from "./program.js";

/**
 * Compiles DAG sources to the manifest without running them, and reports what
 * it could not resolve or what is wrong as diagnostics (never by throwing).
 *
 * @example
 * ```ts
 * const { manifest, diagnostics } = compile({ root: "dags" });
 * if (hasErrors(diagnostics)) process.exitCode = 1;
 * writeFileSync("manifest.json", emit(manifest, "json"));
 * ```
 */
export function compile(options: CompileOptions = {}): CompileResult {
  return new CompilerProgram(options).build().result;
}

/** Options of {@link formatDiagnostics}. */
export interface FormatDiagnosticsOptions {
  /** ANSI colors (default false). */
  color?: boolean;
  /** Reads a file for the code frames (default: from disk); return undefined to print no frame. */
  readFile?: (absolutePath: string) => string | undefined;
}

/**
 * Prints the diagnostics of a compilation, each with a code frame, followed by
 * a count of errors and warnings.
 *
 * @example
 * ```ts
 * const result = compile({ root: "dags" });
 * console.error(formatDiagnostics(result));
 * ```
 */
export function formatDiagnostics(
  result: Pick<CompileResult, "diagnostics" | "baseDir">,
  options: FormatDiagnosticsOptions = {},
): string {
  const cache = new Map<string, string | undefined>();
  const read =
    options.readFile ??
    ((file: string): string | undefined => {
      try {
        return readFileSync(file, "utf8");
      } catch {
        return undefined;
      }
    });
  const sourceOf = (diagnostic: Diagnostic): string | undefined => {
    if (diagnostic.line <= 0 || diagnostic.file === "") return undefined;
    const file = path.resolve(result.baseDir, diagnostic.file);
    if (!cache.has(file)) cache.set(file, read(file));
    return cache.get(file);
  };
  const blocks = result.diagnostics.map((diagnostic) =>
    formatDiagnostic(diagnostic, { source: sourceOf(diagnostic), color: options.color ?? false }),
  );
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === "error").length;
  const warnings = result.diagnostics.filter((diagnostic) => diagnostic.severity === "warning").length;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  blocks.push(`${plural(errors, "error")}, ${plural(warnings, "warning")}.`);
  return blocks.join("\n");
}
