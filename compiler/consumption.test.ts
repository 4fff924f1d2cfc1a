import { manifestToJson } from "assetflow";
import { describe, expect, it } from "vitest";
import { emit } from "./emit.js";
import { buildAssetGraph, downstream, upstream } from "./graph.js";
import { codes, compileSource, dagOf, withCode } from "./test-support.js";

const project = `import { Asset, AssetPattern, dag, task } from "assetflow";
const landed = Asset.pattern("S3://landing/{date}/orders_{part}.csv");
const success = new AssetPattern("s3://lake/{**path}/_SUCCESS");
const clicks = new Asset("s3://lake/clicks");
const daily = new Asset("s3://landing/2025-01-01/orders_1.csv");
dag({ dagId: "write_orders", schedule: "@daily" }, () => { task({ taskId: "write", outlets: [daily] }, () => {}); });
dag({ dagId: "load_each_file", schedule: landed, consume: "each", catchup: "latest" }, () => {});
dag({ dagId: "orders_and_clicks", schedule: landed.and(clicks), consume: { maxEvents: 10 } }, () => {});
dag({ dagId: "quiet_rollup", schedule: [clicks], consume: { debounce: "5m", maxWait: "1h" }, whilePaused: "catchup" }, () => {});
dag({ dagId: "hourly", schedule: success.or(clicks), consume: { window: "1h", minEvents: 2 }, catchup: { since: new Date("2025-01-01T00:00:00Z") } }, () => {});
`;

describe("consumption options and URI patterns in the compiler", () => {
  const { manifest, diagnostics } = compileSource(project);

  it("writes the options and pattern leaves the SDK would", () => {
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === "error")).toEqual([]);
    expect(dagOf(manifest, "load_each_file")).toMatchObject({
      schedule: { kind: "assets", condition: { kind: "pattern", pattern: "s3://landing/{date}/orders_{part}.csv" } },
      consume: { kind: "each" },
      assetCatchup: { kind: "latest" },
      catchup: false,
    });
    expect(dagOf(manifest, "orders_and_clicks")).toMatchObject({ consume: { kind: "maxEvents", maxEvents: 10 } });
    expect(dagOf(manifest, "quiet_rollup")).toMatchObject({
      consume: { kind: "debounce", debounceMs: 300_000, maxWaitMs: 3_600_000 },
      whilePaused: "catchup",
    });
    expect(dagOf(manifest, "hourly")).toMatchObject({
      schedule: {
        condition: {
          kind: "any",
          conditions: [{ kind: "pattern", pattern: "s3://lake/{**path}/_SUCCESS" }, { kind: "asset" }],
        },
      },
      consume: { kind: "window", windowMs: 3_600_000, minEvents: 2 },
      assetCatchup: { kind: "all", since: "2025-01-01T00:00:00.000Z" },
    });
    expect(manifestToJson(manifest)).not.toContain('"whilePaused": "buffer"');
  });

  it("reports a malformed pattern (AF3015) and a bad consume (AF3006) with the SDK's words", () => {
    const result = compileSource(`import { Asset, dag } from "assetflow";
const broken = Asset.pattern("s3://landing/{date");
dag({ dagId: "a", schedule: [new Asset("s3://x/a")], consume: { debounce: "soon" } }, () => {});
dag({ dagId: "b", schedule: "@daily", consume: "each" }, () => {});
dag({ dagId: "c", schedule: [new Asset("s3://x/c"), new Asset("s3://x/d")], consume: { maxEvents: 1 } }, () => {});
`);
    expect(codes(result.diagnostics)).toEqual([
      "AF3015 dags.ts:2:16",
      "AF3006 dags.ts:3:54",
      "AF3006 dags.ts:4:39",
      "AF3006 dags.ts:5:77",
    ]);
    expect(withCode(result.diagnostics, "AF3015")[0]?.message).toContain('has a "{" without its "}"');
    expect(withCode(result.diagnostics, "AF3006").map((d) => d.message)).toEqual([
      'Invalid option "consume" in dag "a": consume.debounce must be a duration such as "30s", "5m", "1h", "2d" or "1h30m" (or milliseconds), got the string "soon".',
      'Invalid option "consume" in dag "b": consume "each" applies to asset schedules only, and this DAG is not scheduled on assets: remove it, or schedule the DAG on assets.',
      'Invalid option "consume" in dag "c": consume.maxEvents is 1, but one complete set of the schedule\'s condition takes 2 events: raise maxEvents to at least 2.',
    ]);
  });

  it("shows patterns in the graph, linked to the manifest's assets they match", () => {
    const graph = buildAssetGraph(manifest);
    expect(graph.nodes.filter((node) => node.kind === "pattern").map((node) => node.id)).toEqual([
      "pattern:s3://lake/{**path}/_SUCCESS",
      "pattern:s3://landing/{date}/orders_{part}.csv",
    ]);
    expect(graph.edges.filter((edge) => edge.kind === "match")).toEqual([
      {
        kind: "match",
        from: 'asset:["s3://landing/2025-01-01/orders_1.csv","s3://landing/2025-01-01/orders_1.csv"]',
        to: "pattern:s3://landing/{date}/orders_{part}.csv",
        tasks: [],
      },
    ]);
    expect(emit(manifest, "mermaid")).toContain('[/"pattern: s3://landing/{date}/orders_{part}.csv"/]');
    expect(emit(manifest, "dot")).toContain("shape=parallelogram");
  });

  it("graph downstream <uri> includes the DAGs whose patterns the URI matches", () => {
    const result = downstream(manifest, "s3://landing/2025-03-04/orders_9.csv");
    expect(result.target.known).toBe(true);
    expect(result.dags).toEqual([
      { dagId: "load_each_file", depth: 1, via: ["pattern:s3://landing/{date}/orders_{part}.csv"], runs: true },
      {
        dagId: "orders_and_clicks",
        depth: 1,
        via: ["pattern:s3://landing/{date}/orders_{part}.csv"],
        runs: false,
      },
    ]);
    expect(downstream(manifest, "s3://lake/sales/2025/_SUCCESS").dags.map((dag) => dag.dagId)).toEqual(["hourly"]);
    expect(downstream(manifest, "s3://landing/2025-03-04/customers.csv").target.known).toBe(false);
  });

  it("graph upstream finds the producers of assets a pattern matches", () => {
    expect(upstream(manifest, "load_each_file").dags).toEqual([
      { dagId: "write_orders", depth: 1, via: ["pattern:s3://landing/{date}/orders_{part}.csv"], runs: true },
    ]);
  });
});
