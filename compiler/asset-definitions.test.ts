import { describe, expect, it } from "vitest";
import { compileSource, withCode } from "./test-support.js";

describe("asset() and @asset in the compiler", () => {
  it("extracts asset(options, fn): the asset, its one-task DAG, and a consumer scheduled on it", () => {
    const result = compileSource(`import { asset, dag, task, Asset } from "assetflow";
const raw = new Asset("s3://landing/orders.csv");
export const land = dag({ dagId: "land" }, () => {
  task({ taskId: "land", outlets: [raw] }, () => undefined);
});
export const orders = asset(
  { uri: "s3://warehouse/orders.parquet", schedule: [raw], group: "warehouse", retries: 2, tags: ["t"] },
  async function* buildOrders(ctx) {
    ctx.outletEvents.get(orders).extra = { rowCount: 3 };
  },
);
export const report = dag({ dagId: "report", schedule: [orders] }, () => {
  task({ taskId: "report" }, () => undefined);
});
`);
    expect(result.diagnostics).toEqual([]);
    const dags = result.manifest.dags.map((d) => [d.dagId, d.tasks.map((t) => [t.taskId, t.outlets, t.retries])]);
    expect(dags).toEqual([
      [
        "buildOrders",
        [["buildOrders", [{ kind: "asset", name: "buildOrders", uri: "s3://warehouse/orders.parquet" }], 2]],
      ],
      ["land", [["land", [{ kind: "asset", name: "s3://landing/orders.csv", uri: "s3://landing/orders.csv" }], 0]]],
      ["report", [["report", [], 0]]],
    ]);
    expect(result.manifest.assets.find((a) => a.name === "buildOrders")?.group).toBe("warehouse");
  });

  it("extracts asset.multi and @asset / @asset.multi on static methods", () => {
    const result = compileSource(`import { asset, Asset } from "assetflow";
const left = new Asset("s3://split/left");
const right = new Asset("s3://split/right");
export const split = asset.multi({ outlets: [left, right] }, function splitBoth() {});
export class Warehouse {
  @asset({ uri: "s3://warehouse/daily", schedule: "@daily" })
  static daily() {}

  @asset.multi({ outlets: [left], dagId: "left_only" })
  static leftOnly() {}
}
`);
    expect(result.diagnostics).toEqual([]);
    expect(result.manifest.dags.map((d) => [d.dagId, d.tasks.map((t) => t.taskId)])).toEqual([
      ["daily", ["daily"]],
      ["left_only", ["leftOnly"]],
      ["splitBoth", ["splitBoth"]],
    ]);
  });

  it("reports an unknown option, a name that cannot be a DAG id, and @asset on an instance method", () => {
    const result = compileSource(`import { asset } from "assetflow";
asset({ uri: "s3://b/k", schedul: "@daily" }, function typo() {});
asset({ uri: "s3://b/anon" }, () => undefined);
export class Wrong {
  @asset({ uri: "s3://b/m" })
  make() {}
}
`);
    expect(withCode(result.diagnostics, "AF3001").length + result.diagnostics.length).toBeGreaterThan(0);
    const messages = result.diagnostics.map((d) => d.message).join("\n");
    expect(messages).toContain('"schedul"');
    expect(messages).toContain("is not a DAG id");
    expect(messages).toContain("@asset() can only decorate a public static method");
    expect(result.manifest.dags).toEqual([]);
  });
});
