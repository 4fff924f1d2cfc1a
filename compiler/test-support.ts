/**
 * Helpers for compiler tests: compile inline sources in an in-memory ts-morph
 * project. Not part of the public API.
 */
import { Project } from "ts-morph";
import type { DagManifest, Manifest, TaskManifest } from "../sdk/manifest/schema.js";
import type { Diagnostic } from "./diagnostics.js";
import type { CompileOptions, CompileResult } from "./program.js";
import { CompilerProgram } from "./program.js";

/** The folder in-memory projects are written to. */
export const PROJECT_ROOT = "/project";

/** An in-memory project holding `files` (paths relative to {@link PROJECT_ROOT}). */
export function memoryProject(files: Readonly<Record<string, string>>): Project {
  const project = new Project({ useInMemoryFileSystem: true });
  for (const [name, text] of Object.entries(files)) project.createSourceFile(`${PROJECT_ROOT}/${name}`, text);
  return project;
}

/**
 * Compiles inline sources (paths relative to the project root, without
 * source locations unless asked).
 *
 * @example
 * ```ts
 * const { manifest } = compileSources({ "dags.ts": `import { dag } from "assetflow"; dag({ dagId: "a" }, () => {});` });
 * ```
 */
export function compileSources(
  files: Readonly<Record<string, string>>,
  options: Omit<CompileOptions, "project" | "root"> = {},
): CompileResult {
  const project = memoryProject(files);
  return new CompilerProgram({ sourceLocations: false, ...options, project, root: PROJECT_ROOT }).build().result;
}

/** Compiles one inline file, `dags.ts`. */
export function compileSource(text: string, options: Omit<CompileOptions, "project" | "root"> = {}): CompileResult {
  return compileSources({ "dags.ts": text }, options);
}

/** The DAG with this id, or a clear failure listing the DAGs. */
export function dagOf(manifest: Manifest, dagId: string): DagManifest {
  const found = manifest.dags.find((dag) => dag.dagId === dagId);
  if (!found)
    throw new Error(`no DAG "${dagId}"; DAGs: ${manifest.dags.map((dag) => dag.dagId).join(", ") || "(none)"}`);
  return found;
}

/** The task with this id in a DAG, or a clear failure. */
export function taskOf(dag: DagManifest, taskId: string): TaskManifest {
  const found = dag.tasks.find((task) => task.taskId === taskId);
  if (!found)
    throw new Error(
      `DAG "${dag.dagId}" has no task "${taskId}"; tasks: ${dag.tasks.map((task) => task.taskId).join(", ")}`,
    );
  return found;
}

/** Diagnostics as `CODE file:line:column` strings, for compact assertions. */
export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map(
    (diagnostic) => `${diagnostic.code} ${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`,
  );
}

/** The diagnostics with this code. */
export function withCode(diagnostics: readonly Diagnostic[], code: string): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.code === code);
}
