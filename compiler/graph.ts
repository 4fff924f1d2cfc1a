/**
 * The asset graph of a manifest (DAGs, assets, aliases and references, with
 * producer and consumer edges), the queries "what runs if this asset changes"
 * ({@link downstream}) and "what must run before this" ({@link upstream}), and
 * the difference between two manifests ({@link diffManifests}).
 */

import { assetKey } from "../sdk/asset-key.js";
import { stableStringify } from "../sdk/json.js";
import { compare } from "../sdk/manifest/assemble.js";
import type { ConditionNode, DagManifest, Manifest, TaskAssetNode, TaskInletNode } from "../sdk/manifest/schema.js";
import { matchUriPattern, segmentPattern, type UriPattern } from "../sdk/uri/pattern.js";
import { looksLikePattern, sanitizeUri } from "../sdk/uri/sanitize.js";

/** A node of the asset graph. */
export type GraphNode =
  | { readonly kind: "dag"; readonly id: string; readonly dagId: string }
  | { readonly kind: "asset"; readonly id: string; readonly name: string; readonly uri: string }
  | { readonly kind: "alias"; readonly id: string; readonly name: string }
  | { readonly kind: "ref"; readonly id: string; readonly name?: string; readonly uri?: string }
  | { readonly kind: "pattern"; readonly id: string; readonly pattern: string };

/**
 * An edge: a DAG's tasks update an asset or alias (`outlet`), a DAG reads one
 * (`inlet`), a DAG is scheduled on one (`schedule`), a reference by name or
 * URI points at an asset (`ref`), or an asset of the manifest matches a URI
 * pattern (`match`).
 */
export interface GraphEdge {
  readonly kind: "outlet" | "inlet" | "schedule" | "ref" | "match";
  readonly from: string;
  readonly to: string;
  /** For `outlet` and `inlet` edges: the task ids, sorted. */
  readonly tasks: readonly string[];
}

/** The asset graph: nodes sorted by id, edges sorted by kind, source and target. */
export interface AssetGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** The id of a DAG node. */
export function dagNodeId(dagId: string): string {
  return `dag:${dagId}`;
}

/** The id of the node of an asset, alias or reference. */
export function targetNodeId(node: TaskAssetNode | ConditionNode): string {
  switch (node.kind) {
    case "asset":
      return `asset:${assetKey(node.name, node.uri)}`;
    case "alias":
      return `alias:${node.name}`;
    case "ref":
      return "name" in node ? `ref:name:${node.name}` : `ref:uri:${node.uri}`;
    case "pattern":
      return `pattern:${node.pattern}`;
    default:
      throw new Error(`assetflow compiler bug: no node for a ${node.kind} condition`);
  }
}

/** The asset, alias, reference and pattern leaves of a condition. */
export function conditionLeaves(node: ConditionNode): Exclude<ConditionNode, { kind: "all" | "any" }>[] {
  if (node.kind === "all" || node.kind === "any") return node.conditions.flatMap(conditionLeaves);
  return [node];
}

/** The condition of a DAG's schedule, if it has one. */
export function scheduleCondition(dag: DagManifest): ConditionNode | undefined {
  return dag.schedule.kind === "assets" || dag.schedule.kind === "assetOrTime" ? dag.schedule.condition : undefined;
}

/**
 * Builds the asset graph of a manifest.
 *
 * @example
 * ```ts
 * const graph = buildAssetGraph(manifest);
 * graph.edges.filter((edge) => edge.kind === "schedule"); // what each DAG is scheduled on
 * ```
 */
export function buildAssetGraph(manifest: Manifest): AssetGraph {
  const cached = graphs.get(manifest);
  if (cached) return cached;
  const graph = computeAssetGraph(manifest);
  graphs.set(manifest, graph);
  return graph;
}

/** Graphs of the manifests seen recently (a watch compiler diffs each manifest with the next one). */
const graphs = new WeakMap<Manifest, AssetGraph>();

function computeAssetGraph(manifest: Manifest): AssetGraph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, { kind: GraphEdge["kind"]; from: string; to: string; tasks: Set<string> }>();
  const addNode = (node: TaskAssetNode | ConditionNode): string => {
    const id = targetNodeId(node);
    if (!nodes.has(id)) {
      if (node.kind === "asset") nodes.set(id, { kind: "asset", id, name: node.name, uri: node.uri });
      else if (node.kind === "alias") nodes.set(id, { kind: "alias", id, name: node.name });
      else if (node.kind === "ref") {
        nodes.set(id, "name" in node ? { kind: "ref", id, name: node.name } : { kind: "ref", id, uri: node.uri });
      } else if (node.kind === "pattern") nodes.set(id, { kind: "pattern", id, pattern: node.pattern });
    }
    return id;
  };
  const addEdge = (kind: GraphEdge["kind"], from: string, to: string, task?: string): void => {
    const key = `${kind}\u0000${from}\u0000${to}`;
    let edge = edges.get(key);
    if (!edge) {
      edge = { kind, from, to, tasks: new Set() };
      edges.set(key, edge);
    }
    if (task !== undefined) edge.tasks.add(task);
  };
  for (const asset of manifest.assets) addNode({ kind: "asset", name: asset.name, uri: asset.uri });
  for (const alias of manifest.aliases) addNode({ kind: "alias", name: alias.name });
  for (const dag of manifest.dags) {
    const dagId = dagNodeId(dag.dagId);
    nodes.set(dagId, { kind: "dag", id: dagId, dagId: dag.dagId });
    for (const task of dag.tasks) {
      for (const outlet of task.outlets) addEdge("outlet", dagId, addNode(outlet), task.taskId);
      for (const inlet of task.inlets) addEdge("inlet", addNode(inlet), dagId, task.taskId);
    }
    const condition = scheduleCondition(dag);
    for (const leaf of condition ? conditionLeaves(condition) : []) addEdge("schedule", addNode(leaf), dagId);
  }
  for (const node of [...nodes.values()]) {
    if (node.kind === "ref") {
      for (const asset of manifest.assets) {
        if (
          (node.name !== undefined && asset.name === node.name) ||
          (node.uri !== undefined && asset.uri === node.uri)
        ) {
          addEdge("ref", targetNodeId({ kind: "asset", name: asset.name, uri: asset.uri }), node.id);
        }
      }
    } else if (node.kind === "pattern") {
      const pattern = segmented(node.pattern);
      for (const asset of manifest.assets) {
        if (matchUriPattern(pattern, asset.uri)) {
          addEdge("match", targetNodeId({ kind: "asset", name: asset.name, uri: asset.uri }), node.id);
        }
      }
    }
  }
  const kindOrder = { outlet: 0, schedule: 1, inlet: 2, ref: 3, match: 4 } as const;
  return {
    nodes: [...nodes.values()].sort((a, b) => compare(a.id, b.id)),
    edges: [...edges.values()]
      .map((edge) => ({ kind: edge.kind, from: edge.from, to: edge.to, tasks: [...edge.tasks].sort(compare) }))
      .sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || compare(a.from, b.from) || compare(a.to, b.to)),
  };
}

// ---- queries -----------------------------------------------------------------

/** What a query was asked about, resolved against the manifest. */
export interface QueryTarget {
  /** The assets that match (by URI, after sanitization, or by name). */
  readonly assets: readonly { readonly name: string; readonly uri: string }[];
  /** The aliases that match by name. */
  readonly aliases: readonly string[];
  /** The DAG that matches by id (for {@link upstream}). */
  readonly dagId: string | undefined;
  /**
   * False when nothing in the manifest declares or references the query (no
   * asset, alias or DAG, and no `Asset.ref` by that name or URI): a typo, or
   * the wrong DAG folder.
   */
  readonly known: boolean;
}

/** A DAG reached by a query. */
export interface ReachedDag {
  readonly dagId: string;
  /** 1 for DAGs next to the target, 2 for the DAGs after those, ... */
  readonly depth: number;
  /** The assets and aliases through which it is reached (`s3://b/k`, `alias:outputs`), sorted. */
  readonly via: readonly string[];
  /**
   * For {@link downstream}: true when the DAG's condition holds once the
   * assets before it are updated, false when it also waits for other assets.
   * Always true for {@link upstream}.
   */
  readonly runs: boolean;
}

/** The answer of {@link downstream} or {@link upstream}. */
export interface GraphQueryResult {
  readonly target: QueryTarget;
  /** DAGs by depth, then id. */
  readonly dags: readonly ReachedDag[];
}

function resolveTarget(manifest: Manifest, query: string): QueryTarget {
  let uri = query;
  try {
    uri = sanitizeUri(query).uri;
  } catch {
    // Not a valid URI: it may still be a name, an alias or a DAG id.
  }
  const assets = manifest.assets
    .filter((asset) => asset.uri === uri || asset.name === query)
    .map((asset) => ({ name: asset.name, uri: asset.uri }));
  const aliases = manifest.aliases.filter((alias) => alias.name === query).map((alias) => alias.name);
  const dagId = manifest.dags.find((dag) => dag.dagId === query)?.dagId;
  if (assets.length === 0 && aliases.length === 0 && dagId === undefined && !looksLikePattern(uri)) {
    const referenced = manifest.dags.some((dag) => {
      const condition = scheduleCondition(dag);
      return (condition ? conditionLeaves(condition) : []).some(
        (leaf) =>
          (leaf.kind === "ref" && ("name" in leaf ? leaf.name === query : leaf.uri === uri)) ||
          (leaf.kind === "pattern" && matchUriPattern(segmented(leaf.pattern), uri) !== null),
      );
    });
    return { assets: [{ name: query, uri }], aliases: [], dagId: undefined, known: referenced };
  }
  return { assets, aliases, dagId, known: assets.length > 0 || aliases.length > 0 || dagId !== undefined };
}

/** Updated assets and aliases while a query propagates. */
interface Updated {
  readonly keys: Set<string>;
  readonly names: Set<string>;
  readonly uris: Set<string>;
  readonly aliases: Set<string>;
}

function leafLabel(leaf: TaskAssetNode | ConditionNode): string {
  if (leaf.kind === "alias") return `alias:${leaf.name}`;
  if (leaf.kind === "asset") return leaf.uri;
  if (leaf.kind === "ref") return "name" in leaf ? `ref:name:${leaf.name}` : `ref:uri:${leaf.uri}`;
  if (leaf.kind === "pattern") return `pattern:${leaf.pattern}`;
  return leaf.kind;
}

/** A pattern of the manifest (validated by its schema), parsed. */
function segmented(text: string): UriPattern {
  const pattern = segmentPattern(text);
  if (typeof pattern === "string")
    throw new Error(`assetflow compiler bug: an invalid pattern in a manifest: ${pattern}`);
  return pattern;
}

function isUpdated(leaf: ConditionNode, updated: Updated): boolean {
  switch (leaf.kind) {
    case "asset":
      return updated.keys.has(assetKey(leaf.name, leaf.uri));
    case "alias":
      return updated.aliases.has(leaf.name);
    case "ref":
      return "name" in leaf ? updated.names.has(leaf.name) : updated.uris.has(leaf.uri);
    case "pattern": {
      const pattern = segmented(leaf.pattern);
      return [...updated.uris].some((uri) => matchUriPattern(pattern, uri) !== null);
    }
    case "all":
      return leaf.conditions.every((condition) => isUpdated(condition, updated));
    case "any":
      return leaf.conditions.some((condition) => isUpdated(condition, updated));
  }
}

/**
 * Marks what an outlet updates: an asset, an alias, or (a ref outlet) the
 * name or URI it names and the project's assets of that name or URI.
 */
function markUpdated(item: TaskInletNode, updated: Updated, manifest: Manifest): void {
  if (item.kind === "alias") updated.aliases.add(item.name);
  else if (item.kind === "ref") {
    if ("name" in item) updated.names.add(item.name);
    else updated.uris.add(item.uri);
    for (const asset of manifest.assets) {
      if ("name" in item ? asset.name === item.name : asset.uri === item.uri) {
        markUpdated({ kind: "asset", name: asset.name, uri: asset.uri }, updated, manifest);
      }
    }
  } else {
    updated.keys.add(assetKey(item.name, item.uri));
    updated.names.add(item.name);
    updated.uris.add(item.uri);
  }
}

/**
 * What runs if an asset changes: the DAGs scheduled on it (directly, through
 * an `Asset.ref`, through an `Asset.pattern` its URI matches, or on an alias
 * when `query` names one), then the DAGs
 * scheduled on what those update, and so on. A DAG whose condition also needs
 * other assets is listed with `runs: false` and does not propagate. `query` is
 * a URI (sanitized first), an asset name, or an alias name.
 *
 * Assets that tasks add to an alias at run time are not in the manifest, so
 * the propagation through an alias reaches the DAGs scheduled on the alias only.
 *
 * @example
 * ```ts
 * downstream(manifest, "s3://dag1/output_1.txt").dags;
 * // [{ dagId: "consume_1_or_2_with_asset_expressions", depth: 1, via: ["s3://dag1/output_1.txt"], runs: true }, ...]
 * ```
 */
export function downstream(manifest: Manifest, query: string): GraphQueryResult {
  const target = resolveTarget(manifest, query);
  const updated: Updated = { keys: new Set(), names: new Set(), uris: new Set(), aliases: new Set() };
  for (const asset of target.assets) markUpdated({ kind: "asset", ...asset }, updated, manifest);
  for (const alias of target.aliases) updated.aliases.add(alias);
  const reached = new Map<string, ReachedDag>();
  for (let depth = 1; depth <= manifest.dags.length + 1; depth++) {
    const triggered: DagManifest[] = [];
    for (const dag of manifest.dags) {
      const seen = reached.get(dag.dagId);
      if (seen?.runs) continue;
      const condition = scheduleCondition(dag);
      if (!condition) continue;
      const via = conditionLeaves(condition)
        .filter((leaf) => isUpdated(leaf, updated))
        .map(leafLabel);
      if (via.length === 0) continue;
      const runs = isUpdated(condition, updated);
      // A DAG still waiting keeps the depth where it was first reached; it takes a new one when it runs.
      if (seen && !runs) continue;
      reached.set(dag.dagId, { dagId: dag.dagId, depth, via: [...new Set(via)].sort(compare), runs });
      if (runs) triggered.push(dag);
    }
    if (triggered.length === 0) break;
    for (const dag of triggered) {
      for (const task of dag.tasks) for (const outlet of task.outlets) markUpdated(outlet, updated, manifest);
    }
  }
  return { target, dags: sortReached(reached.values()) };
}

/**
 * What must run for an asset to be updated, or for a DAG to be triggered: the
 * DAGs whose tasks produce it (or, for a DAG, the assets its schedule names),
 * then the DAGs that produce what those are scheduled on, and so on. `query`
 * is a DAG id, a URI (sanitized first), an asset name, or an alias name.
 *
 * @example
 * ```ts
 * upstream(manifest, "consumer").dags; // [{ dagId: "producer", depth: 1, via: ["s3://asset/example.csv"], runs: true }]
 * ```
 */
export function upstream(manifest: Manifest, query: string): GraphQueryResult {
  const target = resolveTarget(manifest, query);
  let wanted: ConditionNode[] = [];
  const targetDag = target.dagId === undefined ? undefined : manifest.dags.find((dag) => dag.dagId === target.dagId);
  if (targetDag) {
    const condition = scheduleCondition(targetDag);
    wanted = condition ? conditionLeaves(condition) : [];
  } else {
    wanted = [
      ...target.assets.map((asset): ConditionNode => ({ kind: "asset", name: asset.name, uri: asset.uri })),
      ...target.aliases.map((name): ConditionNode => ({ kind: "alias", name })),
    ];
  }
  const reached = new Map<string, ReachedDag>();
  if (targetDag) reached.set(targetDag.dagId, { dagId: targetDag.dagId, depth: 0, via: [], runs: true });
  for (let depth = 1; wanted.length > 0 && depth <= manifest.dags.length + 1; depth++) {
    const next: ConditionNode[] = [];
    for (const dag of manifest.dags) {
      if (reached.has(dag.dagId)) continue;
      const outlets = dag.tasks.flatMap((task) => task.outlets);
      const via = wanted.filter((leaf) => outlets.some((outlet) => produces(outlet, leaf))).map(leafLabel);
      if (via.length === 0) continue;
      reached.set(dag.dagId, { dagId: dag.dagId, depth, via: [...new Set(via)].sort(compare), runs: true });
      const condition = scheduleCondition(dag);
      if (condition) next.push(...conditionLeaves(condition));
    }
    wanted = next;
  }
  if (targetDag) reached.delete(targetDag.dagId);
  return { target, dags: sortReached(reached.values()) };
}

function produces(outlet: TaskInletNode, leaf: ConditionNode): boolean {
  if (leaf.kind === "alias") return outlet.kind === "alias" && outlet.name === leaf.name;
  if (outlet.kind === "ref") {
    // A ref outlet produces the asset of its name (or URI), and what a leaf names by the same key.
    if (leaf.kind === "asset" || leaf.kind === "ref") {
      return "name" in outlet ? "name" in leaf && leaf.name === outlet.name : "uri" in leaf && leaf.uri === outlet.uri;
    }
    return leaf.kind === "pattern" && "uri" in outlet && matchUriPattern(segmented(leaf.pattern), outlet.uri) !== null;
  }
  if (outlet.kind !== "asset") return false;
  if (leaf.kind === "asset") return outlet.name === leaf.name && outlet.uri === leaf.uri;
  if (leaf.kind === "ref") return "name" in leaf ? outlet.name === leaf.name : outlet.uri === leaf.uri;
  if (leaf.kind === "pattern") return matchUriPattern(segmented(leaf.pattern), outlet.uri) !== null;
  return false;
}

function sortReached(items: Iterable<ReachedDag>): ReachedDag[] {
  return [...items].sort((a, b) => a.depth - b.depth || compare(a.dagId, b.dagId));
}

// ---- differences -------------------------------------------------------------------

/** What changed in the graph between two manifests. */
export interface GraphChanges {
  readonly dagsAdded: readonly string[];
  readonly dagsRemoved: readonly string[];
  /** DAGs whose schedule, settings or tasks changed (source locations aside). */
  readonly dagsChanged: readonly string[];
  readonly assetsAdded: readonly { readonly name: string; readonly uri: string }[];
  readonly assetsRemoved: readonly { readonly name: string; readonly uri: string }[];
  readonly aliasesAdded: readonly string[];
  readonly aliasesRemoved: readonly string[];
  readonly edgesAdded: readonly GraphEdge[];
  readonly edgesRemoved: readonly GraphEdge[];
  /** True when nothing above changed. */
  readonly unchanged: boolean;
}

/**
 * The difference between two manifests, as changes to the asset graph.
 *
 * @example
 * ```ts
 * const changes = diffManifests(before, after);
 * if (!changes.unchanged) console.log(`changed DAGs: ${changes.dagsChanged.join(", ")}`);
 * ```
 */
export function diffManifests(before: Manifest, after: Manifest): GraphChanges {
  const beforeDags = new Map(before.dags.map((dag) => [dag.dagId, dag]));
  const afterDags = new Map(after.dags.map((dag) => [dag.dagId, dag]));
  const dagsAdded = [...afterDags.keys()].filter((id) => !beforeDags.has(id));
  const dagsRemoved = [...beforeDags.keys()].filter((id) => !afterDags.has(id));
  const dagsChanged = [...afterDags].flatMap(([id, dag]) => {
    const old = beforeDags.get(id);
    if (!old || old === dag) return [];
    return dagFingerprint(old) === dagFingerprint(dag) ? [] : [id];
  });
  const beforeAssets = new Map(before.assets.map((asset) => [assetKey(asset.name, asset.uri), asset]));
  const afterAssets = new Map(after.assets.map((asset) => [assetKey(asset.name, asset.uri), asset]));
  const assetsAdded = [...afterAssets]
    .filter(([key]) => !beforeAssets.has(key))
    .map(([, a]) => ({ name: a.name, uri: a.uri }));
  const assetsRemoved = [...beforeAssets]
    .filter(([key]) => !afterAssets.has(key))
    .map(([, a]) => ({ name: a.name, uri: a.uri }));
  const beforeAliases = new Set(before.aliases.map((alias) => alias.name));
  const afterAliases = new Set(after.aliases.map((alias) => alias.name));
  const aliasesAdded = [...afterAliases].filter((name) => !beforeAliases.has(name));
  const aliasesRemoved = [...beforeAliases].filter((name) => !afterAliases.has(name));
  const edgeKey = (edge: GraphEdge) => `${edge.kind}\u0000${edge.from}\u0000${edge.to}\u0000${edge.tasks.join(",")}`;
  const beforeEdges = new Map(buildAssetGraph(before).edges.map((edge) => [edgeKey(edge), edge]));
  const afterEdges = new Map(buildAssetGraph(after).edges.map((edge) => [edgeKey(edge), edge]));
  const edgesAdded = [...afterEdges].filter(([key]) => !beforeEdges.has(key)).map(([, edge]) => edge);
  const edgesRemoved = [...beforeEdges].filter(([key]) => !afterEdges.has(key)).map(([, edge]) => edge);
  const unchanged =
    dagsAdded.length +
      dagsRemoved.length +
      dagsChanged.length +
      assetsAdded.length +
      assetsRemoved.length +
      aliasesAdded.length +
      aliasesRemoved.length +
      edgesAdded.length +
      edgesRemoved.length ===
    0;
  return {
    dagsAdded: dagsAdded.sort(compare),
    dagsRemoved: dagsRemoved.sort(compare),
    dagsChanged: dagsChanged.sort(compare),
    assetsAdded,
    assetsRemoved,
    aliasesAdded: aliasesAdded.sort(compare),
    aliasesRemoved: aliasesRemoved.sort(compare),
    edgesAdded,
    edgesRemoved,
    unchanged,
  };
}

function dagFingerprint(dag: DagManifest): string {
  const { source: _source, tasks, ...rest } = dag;
  return stableStringify({ ...rest, tasks: tasks.map(({ source: _taskSource, ...task }) => task) }, 0);
}
