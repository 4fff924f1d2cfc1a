/**
 * `Asset.ref` in a task's outlets, as Airflow 3 allows: resolved when the try
 * starts to the registered asset of that name or URI, whose event the try
 * emits; one naming no asset (or several) fails the try before the task runs
 * with `OUTLET_REF_UNRESOLVED` (SQLite and PostgreSQL).
 */
import { Asset, AssetAlias, dag, Metadata, type TaskContext, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestEnvironments } from "./support.js";

const orders = new Asset<{ rowCount: number }>({ uri: "s3://warehouse/orders.parquet", name: "orders" });

/** Declares `orders` (a consumer scheduled on it), so that the store knows it. */
const consumer = dag({ dagId: "consumer", schedule: [orders] }, () => {
  task({ taskId: "read" }, (ctx) => ctx.triggeringAssetEvents.get(orders).map((event) => event.extra));
});

describe("Asset.ref in a task's outlets", () => {
  const start = useTestEnvironments();

  it("a builder task with outlets [Asset.ref({ name })] emits the named asset's event, which triggers its consumer", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [Asset.ref({ name: "orders" })] }, (ctx) => {
        ctx.outletEvents.get(Asset.ref({ name: "orders" })).extra = { rowCount: 3 };
      });
    });
    const env = await start([producer, consumer]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    expect((await env.getAssetEvents(orders)).map((event) => event.extra)).toEqual([{ rowCount: 3 }]);
    const [run] = await env.getDagRuns("consumer");
    const [read] = await env.getTaskInstances("consumer", run?.runId as string);
    expect(read?.result).toEqual([{ rowCount: 3 }]);
  });

  it("a decorated @task with outlets [Asset.ref({ uri })] sets the extra through the asset itself", async () => {
    @dag({ dagId: "producer", schedule: null })
    class Producer {
      @task({ outlets: [Asset.ref({ uri: "s3://warehouse/orders.parquet" })] })
      write(ctx: TaskContext) {
        ctx.outletEvents.get(orders).extra = { rowCount: 9 };
      }
    }
    const env = await start([Producer, consumer]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    expect((await env.getAssetEvents(orders)).map((event) => event.extra)).toEqual([{ rowCount: 9 }]);
  });

  it("a ref outlet naming no asset fails the try before the task runs, with OUTLET_REF_UNRESOLVED", async () => {
    let ran = false;
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [Asset.ref({ name: "nowhere" })] }, () => {
        ran = true;
      });
    });
    const env = await start([producer, consumer]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();
    const [write] = await env.getTaskInstances("producer", runId);
    expect(write?.state).toBe("failed");
    expect(ran).toBe(false);
    expect(write?.error?.code).toBe("OUTLET_REF_UNRESOLVED");
    expect(write?.error?.message).toContain('declares the outlet Asset.ref({ name: "nowhere" })');
  });
});

describe("Metadata for an Asset.ref, as Airflow's Metadata takes an asset", () => {
  const start = useTestEnvironments();

  it("new Metadata(Asset.ref({ name }), extra) sets the extra of the outlet the ref names (the rule of ctx.outletEvents.get)", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, function* () {
        yield new Metadata(Asset.ref({ name: "orders" }), { rowCount: 4 });
      });
    });
    const env = await start([producer, consumer]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    expect((await env.getAssetEvents(orders)).map((event) => event.extra)).toEqual([{ rowCount: 4 }]);
  });

  it("new Metadata(Asset.ref({ uri }), extra) for a ref outlet sets that outlet's extra", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [Asset.ref({ uri: "s3://warehouse/orders.parquet" })] }, function* () {
        yield new Metadata(Asset.ref({ uri: "s3://warehouse/orders.parquet" }), { rowCount: 6 });
      });
    });
    const env = await start([producer, consumer]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    expect((await env.getAssetEvents(orders)).map((event) => event.extra)).toEqual([{ rowCount: 6 }]);
  });

  it("with { alias }, the asset the scheduler knows by the ref is added through the alias", async () => {
    const exported = new AssetAlias("exported");
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [exported] }, function* () {
        yield new Metadata(Asset.ref({ name: "orders" }), { rowCount: 8 }, { alias: exported });
      });
    });
    const env = await start([producer, consumer]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    expect((await env.getAssetEvents(orders)).map((event) => event.extra)).toEqual([{ rowCount: 8 }]);
  });

  it("a ref naming none of the outlets fails the try with OUTLET_UNDECLARED, as ctx.outletEvents.get does", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, function* () {
        yield new Metadata(Asset.ref({ name: "elsewhere" }), { rowCount: 1 });
      });
    });
    const env = await start([producer, consumer]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();
    const [write] = await env.getTaskInstances("producer", runId);
    expect(write?.state).toBe("failed");
    expect(write?.error?.code).toBe("OUTLET_UNDECLARED");
    expect(write?.error?.message).toContain('Asset.ref({ name: "elsewhere" })');
    expect(await env.getAssetEvents(orders)).toEqual([]);
  });
});

describe("the extra of a ref outlet's event is checked against the asset's schema", () => {
  const start = useTestEnvironments();
  const audited = new Asset("s3://warehouse/audit.parquet", {
    name: "audit",
    schema: z.object({ rowCount: z.number().int() }),
  });
  const auditReader = dag({ dagId: "audit_reader", schedule: [audited] }, () => {
    task({ taskId: "read" }, () => undefined);
  });

  it("an extra the stored schema refuses fails the try with EXTRA_INVALID and records nothing, as for the asset itself", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [Asset.ref({ name: "audit" })] }, (ctx) => {
        ctx.outletEvents.get(Asset.ref({ name: "audit" })).extra = { rowCount: "x" };
      });
    });
    const env = await start([producer, auditReader]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();
    const [write] = await env.getTaskInstances("producer", runId);
    expect(write?.state).toBe("failed");
    expect(write?.error?.code).toBe("EXTRA_INVALID");
    expect(write?.error?.message).toMatch(
      /^The extra of asset "audit" \(s3:\/\/warehouse\/audit\.parquet\) emitted by task "write" of DAG "producer" does not match the asset's schema: key "rowCount": expected integer/,
    );
    expect(await env.getAssetEvents(audited)).toEqual([]);
    expect(await env.getDagRuns("audit_reader")).toEqual([]);
  });

  it("so is an extra added through an alias for a ref, and Metadata for a ref; a valid extra is recorded", async () => {
    const audits = new AssetAlias("audits");
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "bad_alias", outlets: [audits] }, (ctx) => {
        ctx.outletEvents.get(audits).add(Asset.ref({ uri: "s3://warehouse/audit.parquet" }), { rowCount: 1.5 });
      });
      task({ taskId: "bad_metadata", outlets: [Asset.ref({ name: "audit" })] }, function* () {
        yield new Metadata(Asset.ref({ name: "audit" }), { rowCount: true });
      });
      task({ taskId: "good", outlets: [Asset.ref({ name: "audit" })] }, function* () {
        yield new Metadata(Asset.ref({ name: "audit" }), { rowCount: 2 });
      });
    });
    const env = await start([producer, auditReader]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();
    const states = Object.fromEntries(
      (await env.getTaskInstances("producer", runId)).map((ti) => [ti.taskId, [ti.state, ti.error?.code ?? null]]),
    );
    expect(states).toEqual({
      bad_alias: ["failed", "EXTRA_INVALID"],
      bad_metadata: ["failed", "EXTRA_INVALID"],
      good: ["success", null],
    });
    expect((await env.getAssetEvents(audited)).map((event) => event.extra)).toEqual([{ rowCount: 2 }]);
  });
});
