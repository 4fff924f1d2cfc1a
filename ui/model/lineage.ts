/**
 * The lineage graph as the Lineage page draws it, from `GET /api/v1/graph`:
 * assets, aliases, unresolved references and DAGs, with each consumer's
 * asset condition drawn as AND / OR gates between its assets and the DAG
 * (so `a & b` and `a | b` look different), node sizes for labels that wrap
 * instead of being cut, and the upstream / downstream of a selection.
 */
import type { ConditionNode } from "../../sdk/manifest/schema.js";
import type { AssetGraph, AssetGraphNode } from "../api/types.js";
import type { GraphEdgeSpec, GraphNodeSpec } from "./graph-spec.js";
import type { LineageFocus } from "./routes.js";

/** The kinds of nodes drawn. */
export type LineageNodeKind = "asset" | "alias" | "dag" | "ref" | "pattern" | "and" | "or";

/** A node to draw. */
export interface LineageNode extends GraphNodeSpec {
  readonly kind: LineageNodeKind;
  /** The full name (tooltip, side panel, search). */
  readonly label: string;
  /** The API node it stands for (null for gates). */
  readonly source: AssetGraphNode | null;
}

/** The kinds of edges drawn. */
export type LineageEdgeKind = "producer" | "consumer" | "alias" | "gate-and" | "gate-or";

/** An edge to draw. */
export interface LineageEdge extends GraphEdgeSpec {
  readonly kind: LineageEdgeKind;
  /** The producing tasks of a producer edge. */
  readonly taskIds: readonly string[];
}

/** The graph to draw. */
export interface LineageGraph {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

/** The node text's size in px: names, and the smaller detail line. */
export const LABEL_FONT_PX = 13;
/** No label is drawn smaller than this (in screen px): below it, labels are hidden. */
export const MIN_LABEL_PX = 11;
/** Average glyph width of the label font, in px (system-ui at 13 px). */
const CHAR_PX = 7.3;
/** Characters per label line; longer names wrap. */
const LINE_CHARS = 34;
/** Lines a name wraps to at most; the middle of longer names is elided (the full name is in the tooltip and panel). */
const MAX_LINES = 3;

/** A DAG node of the API graph, with the asset condition the graph endpoint gives for it. */
type DagGraphNode = Extract<AssetGraphNode, { kind: "dag" }> & { readonly condition?: ConditionNode | null };

/**
 * The graph to draw from the API's asset graph.
 *
 * @example
 * ```ts
 * const lineage = buildLineage(await api.graph());
 * lineage.nodes.filter((node) => node.kind === "and").length; // one per AND in a condition
 * ```
 */
export function buildLineage(graph: AssetGraph): LineageGraph {
  const nodes: LineageNode[] = graph.nodes.map(toLineageNode);
  const edges: LineageEdge[] = [];
  const assetsByIdentity = new Map<string, string>();
  const assetsByName = new Map<string, string[]>();
  const assetsByUri = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (node.kind !== "asset") continue;
    assetsByIdentity.set(JSON.stringify([node.name, node.uri]), node.id);
    pushTo(assetsByName, node.name, node.id);
    pushTo(assetsByUri, node.uri, node.id);
  }
  const known = new Set(graph.nodes.map((node) => node.id));
  const leafNodes = (leaf: AssetLeaf): string[] => {
    switch (leaf.kind) {
      case "asset": {
        const id = assetsByIdentity.get(JSON.stringify([leaf.name, leaf.uri]));
        return id ? [id] : [];
      }
      case "alias":
        return known.has(`alias:${leaf.name}`) ? [`alias:${leaf.name}`] : [];
      case "ref": {
        const [refKind, value] = "name" in leaf ? (["name", leaf.name] as const) : (["uri", leaf.uri] as const);
        const matches = (refKind === "name" ? assetsByName : assetsByUri).get(value) ?? [];
        if (matches.length > 0) return matches;
        return known.has(`ref:${refKind}:${value}`) ? [`ref:${refKind}:${value}`] : [];
      }
    }
  };

  const context: GateContext = { nodes, edges, edgeIds: new Set(), leafNodes, patterns: new Map(), covered: new Set() };
  const gated = new Set<string>();
  for (const node of graph.nodes) {
    if (node.kind !== "dag") continue;
    const condition = (node as DagGraphNode).condition;
    if (!condition || (condition.kind !== "all" && condition.kind !== "any")) continue;
    gated.add(node.id);
    addCondition(condition, node.id, node.dagId, "0", context);
  }
  for (const edge of graph.edges) {
    // A gated consumer's assets reach it through its gates; an asset only a URI pattern names, through the pattern.
    if (edge.kind === "consumer" && gated.has(edge.target)) {
      const pattern = context.patterns.get(edge.target)?.[0];
      if (pattern !== undefined && !context.covered.has(`${edge.target}\n${edge.source}`)) {
        context.edges.push({
          id: `consumer:${edge.source}->${pattern}`,
          source: edge.source,
          target: pattern,
          kind: "consumer",
          taskIds: [],
        });
      }
      continue;
    }
    edges.push({
      id: `${edge.kind}:${edge.source}->${edge.target}`,
      source: edge.source,
      target: edge.target,
      kind: edge.kind,
      taskIds: edge.taskIds,
    });
  }
  return { nodes, edges };
}

/**
 * The nodes shown for a focus around a selection: everything (`all`), or the
 * selection with what feeds it (`upstream`), what it feeds (`downstream`),
 * or both.
 *
 * @example
 * ```ts
 * focusNodes(lineage, "asset:3", "downstream"); // Set { "asset:3", "dag:consumer", ... }
 * ```
 */
export function focusNodes(graph: LineageGraph, selected: string | null, focus: LineageFocus): Set<string> {
  const all = new Set(graph.nodes.map((node) => node.id));
  if (focus === "all" || selected === null || !all.has(selected)) return all;
  const forward = new Map<string, string[]>();
  const backward = new Map<string, string[]>();
  for (const edge of graph.edges) {
    pushTo(forward, edge.source, edge.target);
    pushTo(backward, edge.target, edge.source);
  }
  const reach = (next: Map<string, string[]>) => {
    const seen = new Set([selected]);
    const stack = [selected];
    while (stack.length > 0) {
      for (const neighbour of next.get(stack.pop() as string) ?? []) {
        if (!seen.has(neighbour)) {
          seen.add(neighbour);
          stack.push(neighbour);
        }
      }
    }
    return seen;
  };
  if (focus === "upstream") return reach(backward);
  if (focus === "downstream") return reach(forward);
  return new Set([...reach(backward), ...reach(forward)]);
}

/**
 * The part of the graph made of `ids` and the edges between them.
 *
 * @example
 * ```ts
 * const shown = subgraph(lineage, focusNodes(lineage, selected, "both"));
 * ```
 */
export function subgraph(graph: LineageGraph, ids: ReadonlySet<string>): LineageGraph {
  if (ids.size === graph.nodes.length) return graph;
  return {
    nodes: graph.nodes.filter((node) => ids.has(node.id)),
    edges: graph.edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)),
  };
}

/**
 * Whether labels are readable at a zoom: drawn labels are at least
 * {@link MIN_LABEL_PX} on screen; below that zoom they are hidden.
 *
 * @example
 * ```ts
 * labelsVisible(1); // true
 * labelsVisible(0.5); // false (6.5 px)
 * ```
 */
export function labelsVisible(zoom: number): boolean {
  return LABEL_FONT_PX * zoom >= MIN_LABEL_PX;
}

/** The smallest zoom at which labels are drawn. */
export const MIN_LABEL_ZOOM = MIN_LABEL_PX / LABEL_FONT_PX;

/**
 * The nodes whose label or detail contains `text` (case-insensitive), for the search box.
 *
 * @example
 * ```ts
 * searchNodes(lineage, "orders").map((node) => node.id); // ["asset:3", "dag:load_orders"]
 * ```
 */
export function searchNodes(graph: LineageGraph, text: string, limit = 20): LineageNode[] {
  const needle = text.trim().toLowerCase();
  if (needle === "") return [];
  const found: LineageNode[] = [];
  for (const node of graph.nodes) {
    if (node.kind === "and" || node.kind === "or") continue;
    if (node.label.toLowerCase().includes(needle) || (node.detail ?? "").toLowerCase().includes(needle)) {
      found.push(node);
      if (found.length >= limit) break;
    }
  }
  return found;
}

/**
 * A name wrapped into lines of at most `width` characters, breaking after
 * `/`, `.`, `_`, `-`, `:` or a space when one is near, and eliding the
 * middle of what does not fit in `maxLines`.
 *
 * @example
 * ```ts
 * wrapLabel("s3://warehouse/orders/2025/daily.parquet", 20); // ["s3://warehouse/", "orders/2025/daily.parquet"…]
 * ```
 */
export function wrapLabel(text: string, width = LINE_CHARS, maxLines = MAX_LINES): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = -1;
    for (let i = width; i >= Math.floor(width * 0.5); i--) {
      if (/[/._\-: ]/.test(rest[i - 1] ?? "")) {
        cut = i;
        break;
      }
    }
    if (cut === -1) cut = width;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  lines.push(rest);
  if (lines.length <= maxLines) return lines;
  const head = lines.slice(0, maxLines - 1);
  const tailRoom = width - 1;
  const tail = text.slice(text.length - tailRoom);
  return [...head, `…${tail}`];
}

function toLineageNode(node: AssetGraphNode): LineageNode {
  switch (node.kind) {
    case "asset":
      return sized({
        id: node.id,
        kind: "asset",
        label: node.name,
        detail: node.name === node.uri ? null : node.uri,
        title: node.name === node.uri ? `asset ${node.uri}` : `asset ${node.name} (${node.uri})`,
        data: { uri: node.uri, name: node.name },
        source: node,
      });
    case "alias":
      return sized({
        id: node.id,
        kind: "alias",
        label: node.name,
        detail: "alias",
        title: `alias ${node.name}`,
        data: { alias: node.name },
        source: node,
      });
    case "dag":
      return sized({
        id: node.id,
        kind: "dag",
        label: node.dagId,
        detail: node.isPaused
          ? "DAG · paused"
          : node.lastRun
            ? `DAG · last run ${node.lastRun.state}`
            : "DAG · no runs yet",
        title: `DAG ${node.dagId}`,
        state: node.lastRun?.state ?? null,
        data: { "dag-id": node.dagId },
        source: node,
      });
    case "ref":
      return sized({
        id: node.id,
        kind: "ref",
        label: node.value,
        detail: `unresolved ${node.refKind} reference`,
        title: `reference by ${node.refKind}: ${node.value} (no asset has it yet)`,
        data: { ref: node.value },
        source: node,
      });
  }
}

function sized(node: Omit<LineageNode, "lines" | "width" | "height">): LineageNode {
  const lines = wrapLabel(node.label);
  const detailChars = Math.min(node.detail?.length ?? 0, LINE_CHARS + 6);
  const widest = Math.max(...lines.map((line) => line.length), Math.ceil(detailChars * 0.85));
  const width = Math.max(120, Math.ceil(widest * CHAR_PX) + 28);
  const height = 14 + lines.length * 17 + (node.detail === null ? 0 : 15);
  return { ...node, lines, width, height };
}

/** A leaf of a condition that names assets directly. */
type AssetLeaf = Extract<ConditionNode, { kind: "asset" | "alias" | "ref" }>;

interface GateContext {
  readonly nodes: LineageNode[];
  readonly edges: LineageEdge[];
  readonly edgeIds: Set<string>;
  readonly leafNodes: (leaf: AssetLeaf) => string[];
  /** The pattern nodes of each gated DAG (by DAG node id). */
  readonly patterns: Map<string, string[]>;
  /** `<DAG node id>\n<source node id>` of every source a leaf of that DAG's condition names. */
  readonly covered: Set<string>;
}

function addCondition(
  node: Extract<ConditionNode, { kind: "all" | "any" }>,
  target: string,
  dagId: string,
  path: string,
  context: GateContext,
): void {
  // One child: no gate.
  if (node.conditions.length === 1) {
    const [only] = node.conditions;
    if (only) connect(only, target, dagId, path, context);
    return;
  }
  const kind = node.kind === "all" ? "and" : "or";
  const id = `gate:${dagId}:${path}`;
  const label = kind === "and" ? "AND" : "OR";
  context.nodes.push({
    id,
    kind,
    label,
    lines: [label],
    detail: null,
    width: 56,
    height: 34,
    title: `${label} gate of ${dagId}'s condition: ${kind === "and" ? "all" : "any"} of its inputs`,
    data: { gate: kind, "dag-id": dagId },
    source: null,
  });
  context.edges.push({ id: `gate:${id}->${target}`, source: id, target, kind: `gate-${kind}`, taskIds: [] });
  node.conditions.forEach((child, index) => {
    connect(child, id, dagId, `${path}.${index}`, context);
  });
}

function connect(child: ConditionNode, target: string, dagId: string, path: string, context: GateContext): void {
  if (child.kind === "all" || child.kind === "any") {
    addCondition(child, target, dagId, path, context);
    return;
  }
  if (child.kind === "pattern") {
    // The assets a pattern matches are the API's consumer edges of this DAG that no other leaf explains.
    const id = `pattern:${dagId}:${path}`;
    context.nodes.push(
      sized({
        id,
        kind: "pattern",
        label: child.pattern,
        detail: "URI pattern",
        title: `URI pattern ${child.pattern} of ${dagId}'s condition: any asset whose URI matches`,
        data: { pattern: child.pattern, "dag-id": dagId },
        source: null,
      }),
    );
    const dagNode = `dag:${dagId}`;
    context.patterns.set(dagNode, [...(context.patterns.get(dagNode) ?? []), id]);
    context.edges.push({ id: `consumer:${id}->${target}`, source: id, target, kind: "consumer", taskIds: [] });
    return;
  }
  for (const source of context.leafNodes(child)) {
    context.covered.add(`dag:${dagId}\n${source}`);
    const id = `consumer:${source}->${target}`;
    if (context.edgeIds.has(id)) continue;
    context.edgeIds.add(id);
    context.edges.push({ id, source, target, kind: "consumer", taskIds: [] });
  }
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
