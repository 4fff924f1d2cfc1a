import { describe, expect, it } from "vitest";
import { codes, compileSource, compileSources, withCode } from "./test-support.js";

const imports = `import { Asset, AssetAlias, dag, Metadata, task, type TaskContext } from "assetflow";
const orders = new Asset("s3://b/orders");
const report = new Asset({ uri: "s3://b/report", name: "report" });
const outputs = new AssetAlias("outputs");
`;

describe("Metadata, outletEvents and inletEvents against a task's declarations", () => {
  it("accepts what a task declares, in both styles, through aliases of ctx", () => {
    const result = compileSource(`${imports}
dag({ dagId: "ok" }, () => {
  task({ taskId: "yield", outlets: [orders] }, function* () { yield new Metadata(orders, { rows: 1 }); });
  task({ taskId: "extra", outlets: [report] }, (ctx) => { ctx.outletEvents.get(report).extra = { rows: 2 }; });
  task({ taskId: "destructured", outlets: [orders] }, ({ outletEvents }) => { outletEvents.get(orders).extra = {}; });
  task({ taskId: "alias", outlets: [outputs] }, (ctx) => {
    const events = ctx.outletEvents;
    events.get(outputs).add(new Asset("s3://b/resolved"), { k: "v" });
  });
  task({ taskId: "metadata_alias", outlets: [outputs] }, function* () {
    yield new Metadata(new Asset("s3://b/through"), {}, { alias: "outputs" });
  });
  task({ taskId: "read", inlets: [orders] }, async (ctx) => { await ctx.inletEvents.get(orders).at(-1); });
});
@dag({ dagId: "ok_class" })
export class OkClass {
  @task({ outlets: [orders] }) *write() { yield new Metadata(orders, { rows: 3 }); }
  @task({ outlets: [report] }) extra(ctx: TaskContext) { ctx.outletEvents.get(report).extra = {}; }
}
`);
    expect(result.diagnostics).toEqual([]);
  });

  it("reports Metadata for an asset that is not an outlet (AF4002), in both styles", () => {
    const result = compileSource(`${imports}
dag({ dagId: "bad" }, () => {
  task({ taskId: "t", outlets: [report] }, function* () { yield new Metadata(orders, { rows: 1 }); });
  task({ taskId: "u", outlets: [report] }, function* () { yield new Metadata(report, {}, { alias: "outputs" }); });
});
@dag({ dagId: "bad_class" })
export class BadClass {
  @task() *write() { const local = new Asset("s3://b/local"); yield new Metadata(local, {}); }
}
`);
    expect(withCode(result.diagnostics, "AF4002").map((d) => [d.line, d.message])).toEqual([
      [
        7,
        'Task "t" of DAG "bad" yields Metadata for asset "s3://b/orders", which is not among its outlets: the task would fail when it runs. Add asset "s3://b/orders" to the task\'s outlets.',
      ],
      [8, expect.stringContaining('yields Metadata for alias "outputs", which is not among its outlets')],
      [12, expect.stringContaining('Task "write" of DAG "bad_class" yields Metadata for asset "s3://b/local"')],
    ]);
  });

  it("reports outletEvents on an undeclared asset or alias (AF4003) and inletEvents on an undeclared inlet (AF4008)", () => {
    const result = compileSource(`${imports}
dag({ dagId: "bad" }, () => {
  task({ taskId: "t", outlets: [orders] }, (ctx) => {
    ctx.outletEvents.get(report).extra = {};
    ctx.outletEvents.get(outputs).add(orders);
    void ctx.inletEvents.get(orders);
  });
});
`);
    expect(codes(result.diagnostics)).toEqual(["AF4003 dags.ts:8:5", "AF4003 dags.ts:9:5", "AF4008 dags.ts:10:10"]);
    expect(result.diagnostics[0]?.message).toContain('sets ctx.outletEvents for asset "report" (s3://b/report)');
  });

  it("reports what it cannot check as information (AF2008), naming the call", () => {
    const result = compileSource(`${imports}
dag({ dagId: "dynamic" }, () => {
  task({ taskId: "t", outlets: [orders] }, (ctx, target: Asset) => { ctx.outletEvents.get(target).extra = {}; });
});
`);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        code: "AF2008",
        severity: "info",
        message:
          'Cannot check ctx.outletEvents.get(target) against the declarations of task "t": its argument is the parameter `target`. Pass an asset or alias declared as a constant.',
      }),
    ]);
  });
});

describe("project-wide rules", () => {
  it("reports duplicate DAG ids (AF4001) and keeps the first", () => {
    const result = compileSources({
      "a.ts": `import { dag } from "assetflow";\ndag({ dagId: "report", tags: ["a"] }, () => {});\n`,
      "b.ts": `import { dag } from "assetflow";\ndag({ dagId: "report", tags: ["b"] }, () => {});\n`,
    });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        code: "AF4001",
        file: "b.ts",
        line: 2,
        message:
          'Two DAGs have the id "report" (the other one is at a.ts:2:1): DAG ids must be unique in a project. Rename one of them.',
      }),
    ]);
    expect(result.manifest.dags.map((d) => d.tags)).toEqual([["a"]]);
  });

  it("warns (AF4004) about a consumer of an asset nothing produces, at its schedule", () => {
    const result = compileSource(`${imports}
dag({ dagId: "consumer", schedule: orders.or(Asset.ref({ name: "report" })).or(Asset.ref({ uri: "s3://b/nowhere" })) }, () => {});
dag({ dagId: "producer" }, () => { task({ taskId: "t", outlets: [report] }, () => {}); });
`);
    expect(withCode(result.diagnostics, "AF4004").map((d) => [d.line, d.column, d.message])).toEqual([
      [6, 26, expect.stringContaining('scheduled on Asset.ref({ uri: "s3://b/nowhere" })')],
      [
        6,
        26,
        expect.stringContaining(
          'DAG "consumer" is scheduled on asset "s3://b/orders", but no task of this project produces it',
        ),
      ],
    ]);
  });

  it("counts assets added through an alias at run time as produced", () => {
    const result = compileSource(`${imports}
dag({ dagId: "producer" }, () => {
  task({ taskId: "t", outlets: [outputs] }, (ctx) => { ctx.outletEvents.get(outputs).add(orders); });
});
dag({ dagId: "on_asset", schedule: [orders] }, () => {});
dag({ dagId: "on_alias", schedule: outputs }, () => {});
`);
    expect(result.diagnostics).toEqual([]);
  });

  it("warns (AF4005) about DAGs that trigger each other through assets, once per cycle", () => {
    const result = compileSource(`${imports}
dag({ dagId: "a", schedule: [report] }, () => { task({ taskId: "t", outlets: [orders] }, () => {}); });
dag({ dagId: "b", schedule: [orders] }, () => { task({ taskId: "t", outlets: [report] }, () => {}); });
dag({ dagId: "self", schedule: [new Asset("s3://b/self")] }, () => {
  task({ taskId: "t", outlets: [new Asset("s3://b/self")] }, () => {});
});
`);
    expect(withCode(result.diagnostics, "AF4005").map((d) => d.message)).toEqual([
      'DAGs trigger each other in a cycle through assets: a -> b (on asset "s3://b/orders") -> a (on asset "report" (s3://b/report)). Each run schedules the next, forever. Break the cycle unless this is what you want.',
      'DAGs trigger each other in a cycle through assets: self -> self (on asset "s3://b/self"). Each run schedules the next, forever. Break the cycle unless this is what you want.',
    ]);
  });
});
