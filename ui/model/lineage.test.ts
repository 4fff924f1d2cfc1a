import { describe, expect, it } from "vitest";
import type { AssetGraph } from "../api/types.js";
import {
  buildLineage,
  focusNodes,
  LABEL_FONT_PX,
  labelsVisible,
  MIN_LABEL_PX,
  MIN_LABEL_ZOOM,
  searchNodes,
  subgraph,
  wrapLabel,
} from "./lineage.js";

const asset = (id: number, uri: string, name = uri) =>
  ({
    kind: "asset",
    id: `asset:${id}`,
    assetId: id,
    name,
    uri,
    group: "asset",
    eventCount: 0,
    lastEventAt: null,
    queuedEventCount: 0,
  }) as const;
const dag = (dagId: string, condition: unknown = null) =>
  ({
    kind: "dag",
    id: `dag:${dagId}`,
    dagId,
    isPaused: false,
    scheduleKind: condition ? "assets" : "none",
    lastRun: null,
    queuedEventCount: 0,
    condition,
  }) as const;
const leaf = (uri: string) => ({ kind: "asset", name: uri, uri });

/** a, b produced by p; c = a AND (b OR alias x); d = a OR b; e scheduled on a alone. */
const graph = {
  nodes: [
    asset(1, "a"),
    asset(2, "b"),
    { kind: "alias", id: "alias:x", name: "x" },
    dag("p"),
    dag("c", {
      kind: "all",
      conditions: [leaf("a"), { kind: "any", conditions: [leaf("b"), { kind: "alias", name: "x" }] }],
    }),
    dag("d", { kind: "any", conditions: [leaf("a"), leaf("b")] }),
    dag("e", leaf("a")),
  ],
  edges: [
    { kind: "producer", source: "dag:p", target: "asset:1", taskIds: ["t"] },
    { kind: "producer", source: "dag:p", target: "asset:2", taskIds: ["t"] },
    { kind: "alias", source: "alias:x", target: "asset:2", taskIds: [] },
    { kind: "consumer", source: "asset:1", target: "dag:c", taskIds: [] },
    { kind: "consumer", source: "asset:2", target: "dag:c", taskIds: [] },
    { kind: "consumer", source: "alias:x", target: "dag:c", taskIds: [] },
    { kind: "consumer", source: "asset:1", target: "dag:d", taskIds: [] },
    { kind: "consumer", source: "asset:2", target: "dag:d", taskIds: [] },
    { kind: "consumer", source: "asset:1", target: "dag:e", taskIds: [] },
  ],
} as unknown as AssetGraph;

describe("the lineage graph", () => {
  it("draws AND and OR as distinct gates between a consumer's assets and the consumer", () => {
    const lineage = buildLineage(graph);
    const gates = lineage.nodes.filter((node) => node.kind === "and" || node.kind === "or");
    expect(gates.map((gate) => [gate.id, gate.kind])).toEqual([
      ["gate:c:0", "and"],
      ["gate:c:0.1", "or"],
      ["gate:d:0", "or"],
    ]);
    const edges = lineage.edges.map((edge) => `${edge.source} -> ${edge.target} (${edge.kind})`);
    expect(edges).toEqual(
      expect.arrayContaining([
        "gate:c:0 -> dag:c (gate-and)",
        "asset:1 -> gate:c:0 (consumer)",
        "gate:c:0.1 -> gate:c:0 (gate-or)",
        "asset:2 -> gate:c:0.1 (consumer)",
        "alias:x -> gate:c:0.1 (consumer)",
        "gate:d:0 -> dag:d (gate-or)",
        "asset:1 -> dag:e (consumer)",
      ]),
    );
    // Gated consumers get no direct asset -> DAG edges.
    expect(edges.filter((edge) => edge.endsWith("dag:c (consumer)") || edge.endsWith("dag:d (consumer)"))).toEqual([]);
  });

  it("falls back to the API's consumer edges when a DAG node has no condition", () => {
    const plain = {
      ...graph,
      nodes: graph.nodes.map((node) => (node.kind === "dag" ? { ...node, condition: null } : node)),
    } as AssetGraph;
    expect(buildLineage(plain).edges.filter((edge) => edge.kind === "consumer")).toHaveLength(6);
  });

  it("focuses on the upstream, the downstream or both of a selection", () => {
    const lineage = buildLineage(graph);
    expect([...focusNodes(lineage, "dag:e", "upstream")].sort()).toEqual(["asset:1", "dag:e", "dag:p"]);
    expect([...focusNodes(lineage, "asset:2", "downstream")].sort()).toEqual([
      "asset:2",
      "dag:c",
      "dag:d",
      "gate:c:0",
      "gate:c:0.1",
      "gate:d:0",
    ]);
    const both = focusNodes(lineage, "alias:x", "both");
    expect(both.has("dag:p")).toBe(false);
    expect(both.has("dag:c")).toBe(true);
    expect(focusNodes(lineage, "dag:e", "all").size).toBe(lineage.nodes.length);
    expect(focusNodes(lineage, "dag:unknown", "both").size).toBe(lineage.nodes.length);
    const shown = subgraph(lineage, focusNodes(lineage, "dag:e", "upstream"));
    expect(shown.edges.map((edge) => edge.id).sort()).toEqual(["consumer:asset:1->dag:e", "producer:dag:p->asset:1"]);
  });

  it("never draws labels below 11 px: they hide below the zoom that would shrink them", () => {
    expect(MIN_LABEL_PX).toBe(11);
    expect(LABEL_FONT_PX * MIN_LABEL_ZOOM).toBeCloseTo(11);
    expect(labelsVisible(1)).toBe(true);
    expect(labelsVisible(MIN_LABEL_ZOOM)).toBe(true);
    expect(labelsVisible(MIN_LABEL_ZOOM - 0.01)).toBe(false);
  });

  it("wraps long names instead of cutting them, eliding only the middle of very long ones", () => {
    const uri = "s3://warehouse/orders/year=2025/month=01/day=31/hour=23/minute=59/part-0000.parquet";
    const lines = wrapLabel(uri, 24, 3);
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines.every((line) => line.length <= 24)).toBe(true);
    expect(lines[0]).toBe("s3://warehouse/orders/");
    expect(lines[2]?.startsWith("…")).toBe(true);
    expect(uri.endsWith(lines[2]?.slice(1) ?? "x")).toBe(true);
    expect(wrapLabel("short")).toEqual(["short"]);
    expect(wrapLabel("a".repeat(50), 20, 3)).toEqual(["a".repeat(20), "a".repeat(20), "a".repeat(10)]);
  });

  it("sizes nodes to their wrapped labels and finds nodes by name or URI", () => {
    const lineage = buildLineage({
      nodes: [asset(1, "s3://bucket/a-very-long-key-name-that-wraps/over-several/lines.csv", "orders")],
      edges: [],
    } as unknown as AssetGraph);
    const [node] = lineage.nodes;
    expect(node?.lines).toEqual(["orders"]);
    expect(node?.detail).toContain("s3://bucket");
    expect(node?.data).toEqual({
      uri: "s3://bucket/a-very-long-key-name-that-wraps/over-several/lines.csv",
      name: "orders",
    });
    expect(searchNodes(lineage, "LINES.csv").map((found) => found.id)).toEqual(["asset:1"]);
    expect(searchNodes(lineage, " ")).toEqual([]);
  });
});

describe("URI patterns in a lineage condition", () => {
  it("draws a pattern as its own node into the gate, fed by the assets only the pattern names", () => {
    const withPattern = {
      nodes: [
        asset(1, "a"),
        asset(2, "s3://landing/2025-01-01/orders.csv"),
        dag("c", {
          kind: "all",
          conditions: [leaf("a"), { kind: "pattern", pattern: "s3://landing/{date}/orders.csv" }],
        }),
      ],
      edges: [
        { kind: "consumer", source: "asset:1", target: "dag:c", taskIds: [] },
        { kind: "consumer", source: "asset:2", target: "dag:c", taskIds: [] },
      ],
    } as unknown as AssetGraph;
    const lineage = buildLineage(withPattern);
    const pattern = lineage.nodes.find((node) => node.kind === "pattern");
    expect(pattern).toMatchObject({ id: "pattern:c:0.1", label: "s3://landing/{date}/orders.csv" });
    expect(lineage.edges.map((edge) => `${edge.source} -> ${edge.target}`).sort()).toEqual([
      "asset:1 -> gate:c:0",
      "asset:2 -> pattern:c:0.1",
      "gate:c:0 -> dag:c",
      "pattern:c:0.1 -> gate:c:0",
    ]);
  });
});
