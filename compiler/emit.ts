/**
 * Emitters: the manifest as JSON (the SDK's deterministic `manifestToJson`),
 * and its asset graph as Graphviz DOT or a Mermaid flowchart.
 */
import type { Manifest } from "../sdk/manifest/schema.js";
import { manifestToJson } from "../sdk/manifest/serialize.js";
import { buildAssetGraph, type GraphEdge, type GraphNode } from "./graph.js";

/**
 * Output formats of `assetflow compile --format`.
 *
 * @example
 * ```ts
 * const text = emit(manifest, EmitFormat.mermaid);
 * ```
 */
export const EmitFormat = { json: "json", dot: "dot", mermaid: "mermaid" } as const;

/** One of {@link EmitFormat}. */
export type EmitFormat = (typeof EmitFormat)[keyof typeof EmitFormat];

/**
 * Writes a manifest in a format: `json` (byte-identical to `manifestToJson`),
 * `dot` or `mermaid` (the asset graph).
 *
 * @example
 * ```ts
 * writeFileSync("graph.mmd", emit(result.manifest, "mermaid"));
 * ```
 */
export function emit(manifest: Manifest, format: EmitFormat): string {
  switch (format) {
    case "json":
      return manifestToJson(manifest);
    case "dot":
      return toDot(manifest);
    case "mermaid":
      return toMermaid(manifest);
  }
}

function nodeLabel(node: GraphNode): string {
  switch (node.kind) {
    case "dag":
      return node.dagId;
    case "asset":
      return node.name === node.uri ? node.uri : `${node.name}\n${node.uri}`;
    case "alias":
      return `alias: ${node.name}`;
    case "ref":
      return node.name !== undefined ? `ref name: ${node.name}` : `ref uri: ${node.uri}`;
    case "pattern":
      return `pattern: ${node.pattern}`;
  }
}

function edgeLabel(edge: GraphEdge): string | undefined {
  return edge.tasks.length > 0 ? edge.tasks.join(", ") : undefined;
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/**
 * The asset graph in Graphviz DOT: DAGs are boxes, assets ellipses, aliases
 * diamonds, references notes, URI patterns parallelograms; solid edges produce
 * and schedule, dashed edges read inlets, dotted edges resolve references and
 * link the manifest's assets to the patterns they match.
 *
 * @example
 * ```ts
 * writeFileSync("assets.dot", toDot(manifest)); // then: dot -Tsvg assets.dot > assets.svg
 * ```
 */
export function toDot(manifest: Manifest): string {
  const graph = buildAssetGraph(manifest);
  const shapes = {
    dag: "shape=box, style=rounded",
    asset: "shape=ellipse",
    alias: "shape=diamond",
    ref: "shape=note",
    pattern: "shape=parallelogram",
  } as const;
  const styles = {
    outlet: "",
    schedule: "",
    inlet: "style=dashed",
    ref: "style=dotted, arrowhead=none",
    match: "style=dotted, arrowhead=none",
  } as const;
  const lines = [
    "digraph assetflow {",
    "  rankdir=LR;",
    '  node [fontname="Helvetica"];',
    '  edge [fontname="Helvetica"];',
  ];
  for (const node of graph.nodes)
    lines.push(`  ${dotString(node.id)} [label=${dotString(nodeLabel(node))}, ${shapes[node.kind]}];`);
  for (const edge of graph.edges) {
    const attributes = [styles[edge.kind], edgeLabel(edge) ? `label=${dotString(edgeLabel(edge) ?? "")}` : ""].filter(
      Boolean,
    );
    lines.push(
      `  ${dotString(edge.from)} -> ${dotString(edge.to)}${attributes.length > 0 ? ` [${attributes.join(", ")}]` : ""};`,
    );
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function mermaidText(text: string): string {
  return `"${text.replace(/"/g, "#quot;").replace(/\n/g, "<br/>")}"`;
}

/**
 * The asset graph as a Mermaid flowchart: DAGs are rounded boxes, assets
 * stadiums, aliases hexagons, references flags, URI patterns parallelograms;
 * `-->` produces and schedules, `-.->` reads inlets, `-.-` resolves references
 * and matches patterns.
 *
 * @example
 * ```ts
 * const markdown = ["```mermaid", toMermaid(manifest), "```"].join("\n");
 * ```
 */
export function toMermaid(manifest: Manifest): string {
  const graph = buildAssetGraph(manifest);
  const ids = new Map(graph.nodes.map((node, index) => [node.id, `n${index}`]));
  const lines = ["flowchart LR"];
  for (const node of graph.nodes) {
    const id = ids.get(node.id);
    const label = mermaidText(nodeLabel(node));
    const shape =
      node.kind === "dag"
        ? `(${label})`
        : node.kind === "asset"
          ? `([${label}])`
          : node.kind === "alias"
            ? `{{${label}}}`
            : node.kind === "pattern"
              ? `[/${label}/]`
              : `>${label}]`;
    lines.push(`  ${id}${shape}`);
  }
  for (const edge of graph.edges) {
    const from = ids.get(edge.from);
    const to = ids.get(edge.to);
    const label = edgeLabel(edge);
    const arrow = edge.kind === "inlet" ? "-.->" : edge.kind === "ref" || edge.kind === "match" ? "-.-" : "-->";
    lines.push(`  ${from} ${arrow}${label ? `|${mermaidText(label)}|` : ""} ${to}`);
  }
  for (const [kind, style] of [
    ["dag", "fill:#e8f0fe,stroke:#4a6fa5"],
    ["asset", "fill:#e6f4ea,stroke:#3c8c5a"],
    ["alias", "fill:#fef7e0,stroke:#b08000"],
  ] as const) {
    const members = graph.nodes.filter((node) => node.kind === kind).map((node) => ids.get(node.id));
    if (members.length > 0) {
      lines.push(`  classDef ${kind} ${style}`);
      lines.push(`  class ${members.join(",")} ${kind}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
