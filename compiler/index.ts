/**
 * assetflow's compiler: reads DAG sources (both authoring styles) without
 * running them and produces the manifest, diagnostics with code frames, the
 * asset graph (JSON, DOT, Mermaid), graph queries, and a watch mode.
 *
 * @example
 * ```ts
 * import { compile, emit, formatDiagnostics, hasErrors } from "assetflow/compiler";
 *
 * const result = compile({ root: "dags" });
 * console.error(formatDiagnostics(result));
 * if (!hasErrors(result.diagnostics)) writeFileSync("manifest.json", emit(result.manifest, "json"));
 * ```
 *
 * @packageDocumentation
 */
export { compile, type FormatDiagnosticsOptions, formatDiagnostics } from "./compile.js";
export {
  createDiagnostic,
  type Diagnostic,
  DiagnosticCatalog,
  type DiagnosticDefinition,
  type DiagnosticName,
  type FormatDiagnosticOptions,
  formatDiagnostic,
  hasErrors,
  Severity,
  sortDiagnostics,
} from "./diagnostics.js";
export { EmitFormat, emit, toDot, toMermaid } from "./emit.js";
export {
  type AssetGraph,
  buildAssetGraph,
  diffManifests,
  downstream,
  type GraphChanges,
  type GraphEdge,
  type GraphNode,
  type GraphQueryResult,
  type QueryTarget,
  type ReachedDag,
  upstream,
} from "./graph.js";
export { stripExtraSchemas, stripSourceLocations } from "./manifest.js";
export { type CompileOptions, type CompileResult, CompilerProgram } from "./program.js";
export { createWatchCompiler, type WatchCompiler, type WatchHandle, type WatchUpdate } from "./watch.js";
