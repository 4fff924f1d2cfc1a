/**
 * Builds the manifest from the DAGs found in source, exactly as the SDK's
 * `serializeDags` serializes loaded DAGs: DAGs by id, tasks by id, upstream
 * ids and tags sorted, assets and aliases sorted, and the first declaration
 * (DAGs by id, then tasks by id with outlets before inlets, then the
 * schedule) wins an asset's `group` and `extra`. Source locations are added
 * as the optional `source` fields.
 */
import { compare, dagManifestOf, ManifestDeclarations, taskManifestOf } from "../sdk/manifest/assemble.js";
import type { AssetManifest, DagManifest, Manifest, TaskAssetNode, TaskInletNode } from "../sdk/manifest/schema.js";
import { createDiagnostic, type Diagnostic, DiagnosticCatalog } from "./diagnostics.js";
import type { DagModel } from "./model.js";
import { type AliasValue, type AssetValue, type InletValue, type Location, sortedBy } from "./values.js";

/** Options of {@link buildManifest}. */
export interface BuildManifestOptions {
  /** Add `source` locations to DAGs and tasks (default true). */
  readonly sourceLocations?: boolean;
}

/** The manifest, the DAGs it holds, and the duplicate-id diagnostics. */
export interface BuiltManifest {
  readonly manifest: Manifest;
  /** The DAGs in the manifest (the first of each id), sorted by id. */
  readonly dags: readonly DagModel[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Builds the manifest from DAGs in definition order; of two DAGs with one id,
 * the first is kept and the second gets an `AF4001` error.
 */
export function buildManifest(dags: readonly DagModel[], options: BuildManifestOptions = {}): BuiltManifest {
  const sources = options.sourceLocations ?? true;
  const diagnostics: Diagnostic[] = [];
  const byId = new Map<string, DagModel>();
  for (const dag of dags) {
    const first = byId.get(dag.dagId);
    if (first) {
      const other = first.site;
      diagnostics.push(
        createDiagnostic(
          DiagnosticCatalog.duplicateDagId,
          { dagId: dag.dagId, other: `${other.file}:${other.line}:${other.column}` },
          dag.site,
        ),
      );
    } else byId.set(dag.dagId, dag);
  }
  const kept = [...byId.values()].sort((a, b) => compare(a.dagId, b.dagId));
  const declarations = new ManifestDeclarations();
  // Most assets are declared many times (each task that names them); only the first declaration counts.
  const declared = new Set<string>();
  const declare = (item: AssetValue | AliasValue): void => {
    if (item.kind === "asset") {
      if (declared.has(item.key)) return;
      declared.add(item.key);
      declarations.asset(item.key, () => assetEntry(item));
    } else declarations.alias(item.name, item.group);
  };
  const dagManifests = kept.map((dag) => {
    const tasks = sortedBy(dag.tasks.values(), (task) => task.taskId);
    for (const task of tasks) {
      // A ref declares nothing: it names an asset declared elsewhere.
      for (const item of [...task.outlets, ...task.inlets]) if (item.kind !== "ref") declare(item);
    }
    for (const item of dag.scheduleLeaves) declare(item);
    const cached = dag.manifest;
    if (cached && cached.sources === sources) return cached.manifest;
    const taskManifests = tasks.map((task) => {
      const entry = taskManifestOf({
        taskId: task.taskId,
        operator: task.operator,
        outlets: task.outlets.map(toTaskInletNode),
        inlets: task.inlets.map(toTaskInletNode),
        upstream: dag.upstream.get(task.taskId) ?? NO_UPSTREAM,
        retries: task.retries,
        retryDelayMs: task.retryDelayMs,
        executionTimeoutMs: task.executionTimeoutMs,
      });
      // A fresh object: `source` is added last, as a spread would.
      if (sources) entry.source = sourceOf(task.site);
      return entry;
    });
    const manifest = dagManifestOf(dag, taskManifests);
    if (sources) manifest.source = sourceOf(dag.site);
    dag.manifest = { sources, manifest };
    return manifest;
  });
  const manifest = declarations.manifest(dagManifests);
  return { manifest, dags: kept, diagnostics };
}

/**
 * The manifest without `source` locations: what `serializeDags` makes from
 * the same DAGs loaded at run time.
 *
 * @example
 * ```ts
 * expect(manifestToJson(stripSourceLocations(compiled.manifest))).toBe(manifestToJson(serializeDags(dags)));
 * ```
 */
export function stripSourceLocations(manifest: Manifest): Manifest {
  return {
    ...manifest,
    dags: manifest.dags.map(({ source: _source, tasks, ...dag }) => ({
      ...dag,
      tasks: tasks.map(({ source: _taskSource, ...task }) => task),
    })),
  };
}

/**
 * A loaded manifest without the JSON Schemas of its assets: the static part,
 * which the compiler reads from source. `assetflow compile` does not run
 * extras validators (`new Asset(uri, { schema })`), so its manifest has no
 * `assets[].schema`; the DAG processor's manifest has them. Parity compares
 * the two after this.
 *
 * @example
 * ```ts
 * expect(manifestToJson(compiled.manifest)).toBe(manifestToJson(stripExtraSchemas(serializeDags(dags))));
 * ```
 */
export function stripExtraSchemas(manifest: Manifest): Manifest {
  return { ...manifest, assets: manifest.assets.map(({ schema: _schema, ...asset }) => asset) };
}

const NO_UPSTREAM: readonly string[] = Object.freeze([]);

function assetEntry(item: AssetValue): AssetManifest {
  const entry: AssetManifest = { name: item.name, uri: item.uri, group: item.group, extra: item.extra };
  if (item.watchers) entry.watchers = item.watchers as AssetManifest["watchers"];
  return entry;
}

function sourceOf({ file, line, column }: Location): { file: string; line: number; column: number } {
  return { file, line, column };
}

function toTaskAssetNode(item: AssetValue | AliasValue): TaskAssetNode {
  return item.kind === "asset" ? { kind: "asset", name: item.name, uri: item.uri } : { kind: "alias", name: item.name };
}

function toTaskInletNode(item: InletValue): TaskInletNode {
  if (item.kind !== "ref") return toTaskAssetNode(item);
  return item.name !== undefined ? { kind: "ref", name: item.name } : { kind: "ref", uri: item.uri ?? "" };
}
