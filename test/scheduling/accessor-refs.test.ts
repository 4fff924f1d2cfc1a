/**
 * `Asset.ref` wherever a task's context takes an asset, as Airflow allows
 * (`outlet_events[Asset.ref(name=...)]`, `inlet_events[ref]`,
 * `triggering_asset_events[ref]`, `outlet_events[alias].add(ref)`): the ref
 * stands for the asset it names, and one naming no asset there, or several,
 * fails the task with `ASSET_REF_UNRESOLVED` (SQLite and PostgreSQL).
 */
import { Asset, AssetAlias, dag, type TaskContext, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { useTestEnvironments } from "./support.js";

const orders = new Asset<{ rowCount: number }>({ uri: "s3://warehouse/orders.parquet", name: "orders" });
/** Two assets of one name, at different URIs. */
const euSales = new Asset({ uri: "s3://warehouse/eu/sales", name: "sales" });
const usSales = new Asset({ uri: "s3://warehouse/us/sales", name: "sales" });

/** The events of `asset` the store recorded, as (source task, extra). */
async function eventsOf(env: Awaited<ReturnType<ReturnType<typeof useTestEnvironments>>>, asset: Asset<object>) {
  return (await env.getAssetEvents(asset)).map((event) => ({ task: event.sourceTaskId, extra: event.extra }));
}

describe("Asset.ref in ctx.outletEvents, ctx.inletEvents and ctx.triggeringAssetEvents", () => {
  const start = useTestEnvironments();

  it("a builder task sets its outlet's extra through ctx.outletEvents.get(Asset.ref({ name }))", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, (ctx) => {
        ctx.outletEvents.get(Asset.ref({ name: "orders" })).extra = { rowCount: 7 };
      });
    });
    const env = await start([producer]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    expect(await eventsOf(env, orders)).toEqual([{ task: "write", extra: { rowCount: 7 } }]);
  });

  it("a decorated @task sets its outlet's extra through a ref by URI, and reads its trigger by ref", async () => {
    @dag({ dagId: "producer", schedule: null })
    class Producer {
      @task({ outlets: [orders] })
      write(ctx: TaskContext) {
        ctx.outletEvents.get(Asset.ref({ uri: "s3://warehouse/orders.parquet" })).extra = { rowCount: 11 };
      }
    }
    @dag({ dagId: "consumer", schedule: [orders] })
    class Consumer {
      @task({})
      read(ctx: TaskContext) {
        const byName = ctx.triggeringAssetEvents.get(Asset.ref({ name: "orders" }));
        const byUri = ctx.triggeringAssetEvents.get(Asset.ref({ uri: orders.uri }));
        return {
          byName: byName.map((event) => event.extra),
          byUri: byUri.length,
          has: ctx.triggeringAssetEvents.has(Asset.ref({ name: "orders" })),
        };
      }
    }
    const env = await start([Producer, Consumer]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    const [run] = await env.getDagRuns("consumer");
    const [read] = await env.getTaskInstances("consumer", run?.runId as string);
    expect(read?.error ?? null).toBeNull();
    expect(read?.result).toEqual({ byName: [{ rowCount: 11 }], byUri: 1, has: true });
  });

  it("a ref naming an asset of the schedule that did not trigger the run reads as no events", async () => {
    const other = new Asset({ uri: "s3://warehouse/other", name: "other" });
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, () => undefined);
    });
    const consumer = dag({ dagId: "consumer", schedule: orders.or(Asset.ref({ name: "other" })) }, () => {
      task({ taskId: "read" }, (ctx) => ({
        other: ctx.triggeringAssetEvents.get(Asset.ref({ name: "other" })).length,
        orders: ctx.triggeringAssetEvents.get(Asset.ref({ name: "orders" })).length,
      }));
    });
    const declaresOther = dag({ dagId: "declares_other", schedule: null }, () => {
      task({ taskId: "t", outlets: [other] }, () => undefined);
    });
    const env = await start([producer, consumer, declaresOther]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    const [run] = await env.getDagRuns("consumer");
    const [read] = await env.getTaskInstances("consumer", run?.runId as string);
    expect(read?.error ?? null).toBeNull();
    expect(read?.result).toEqual({ other: 0, orders: 1 });
  });

  it("a ref in triggeringAssetEvents naming no triggering or schedule asset fails with ASSET_REF_UNRESOLVED", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, () => undefined);
    });
    const consumer = dag({ dagId: "consumer", schedule: [orders] }, () => {
      task({ taskId: "read" }, (ctx) => ctx.triggeringAssetEvents.get(Asset.ref({ name: "ordres" })).length);
    });
    const env = await start([producer, consumer]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    const [run] = await env.getDagRuns("consumer");
    const [read] = await env.getTaskInstances("consumer", run?.runId as string);
    expect(read?.state).toBe("failed");
    expect(read?.error?.code).toBe("ASSET_REF_UNRESOLVED");
    expect(read?.error?.message).toContain('Task "read" of DAG "consumer" uses Asset.ref({ name: "ordres" })');
    expect(read?.error?.message).toContain("no asset of this run's triggering events and its DAG's schedule");
  });

  it("a ref naming none of the task's outlets fails with OUTLET_UNDECLARED, and nothing is recorded", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, (ctx) => {
        ctx.outletEvents.get(Asset.ref({ name: "customers" })).extra = { rowCount: 1 };
      });
    });
    const env = await start([producer]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();
    const [write] = await env.getTaskInstances("producer", runId);
    expect(write?.error?.code).toBe("OUTLET_UNDECLARED");
    expect(write?.error?.message).toContain('Asset.ref({ name: "customers" })');
    expect(await eventsOf(env, orders)).toEqual([]);
  });

  it("a ref naming two of the task's outlets (or inlets) fails with ASSET_REF_UNRESOLVED naming both", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [euSales, usSales] }, (ctx) => {
        ctx.outletEvents.get(Asset.ref({ name: "sales" })).extra = { region: "?" };
      });
      task({ taskId: "read", inlets: [euSales, usSales] }, (ctx) =>
        ctx.inletEvents.get(Asset.ref({ name: "sales" })).length(),
      );
    });
    const env = await start([producer]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();
    const instances = await env.getTaskInstances("producer", runId);
    for (const taskId of ["write", "read"]) {
      const instance = instances.find((ti) => ti.taskId === taskId);
      expect(instance?.state).toBe("failed");
      expect(instance?.error?.code).toBe("ASSET_REF_UNRESOLVED");
      expect(instance?.error?.message).toContain(`2 assets of the task's ${taskId === "write" ? "outlets" : "inlets"}`);
      expect(instance?.error?.message).toContain(
        '"sales" at s3://warehouse/eu/sales, "sales" at s3://warehouse/us/sales',
      );
    }
    expect(await eventsOf(env, euSales)).toEqual([]);
  });

  it("an alias adds the asset a ref names; a ref naming no asset fails the try instead of creating one", async () => {
    const outputs = new AssetAlias("outputs");
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "declare", outlets: [orders] }, () => undefined);
      task({ taskId: "known", outlets: [outputs] }, (ctx) => {
        ctx.outletEvents.get(outputs).add(Asset.ref({ name: "orders" }), { rowCount: 5 });
      });
    });
    const unknown = dag({ dagId: "unknown", schedule: null }, () => {
      task({ taskId: "add", outlets: [outputs] }, (ctx) => {
        ctx.outletEvents.get(outputs).add(Asset.ref({ uri: "s3://warehouse/nowhere" }));
      });
    });
    const env = await start([producer, unknown]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    expect(await eventsOf(env, orders)).toContainEqual({ task: "known", extra: { rowCount: 5 } });

    const runId = await env.triggerDag("unknown");
    await env.runUntilIdle();
    const [add] = await env.getTaskInstances("unknown", runId);
    expect(add?.state).toBe("failed");
    expect(add?.error?.code).toBe("ASSET_REF_UNRESOLVED");
    expect(add?.error?.message).toContain('Asset.ref({ uri: "s3://warehouse/nowhere" })');
    expect(await env.getAssetEvents(new Asset("s3://warehouse/nowhere"))).toEqual([]);
  });
});
