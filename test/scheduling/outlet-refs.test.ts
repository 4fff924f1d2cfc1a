/**
 * `Asset.ref` in a task's outlets, as Airflow 3 allows: resolved when the try
 * starts to the registered asset of that name or URI, whose event the try
 * emits; one naming no asset (or several) fails the try before the task runs
 * with `OUTLET_REF_UNRESOLVED` (SQLite and PostgreSQL).
 */
import { Asset, dag, type TaskContext, task } from "assetflow";
import { describe, expect, it } from "vitest";
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
