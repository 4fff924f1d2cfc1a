import { Asset, dag, Metadata, type TaskContext, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { MINUTE, useTestEnvironments } from "./support.js";

/** Declared only by the producer: the readers name it by `Asset.ref`. */
const orders = new Asset<{ rowCount: number }>({ uri: "s3://warehouse/orders.parquet", name: "orders" });

/** Writes `orders` with the row count of the run's conf. */
const producer = dag({ dagId: "producer", schedule: null }, () => {
  task({ taskId: "write", outlets: [orders] }, function* (ctx) {
    yield new Metadata(orders, { rowCount: Number(ctx.conf.rowCount) });
  });
});

/** Runs the producer once per row count, a minute apart. */
async function produce(env: Awaited<ReturnType<ReturnType<typeof useTestEnvironments>>>, ...rowCounts: number[]) {
  for (const rowCount of rowCounts) {
    await env.triggerDag("producer", { conf: { rowCount } });
    await env.runUntilIdle();
    env.clock.advance(MINUTE);
  }
}

describe("Asset.ref in a task's inlets: resolved to the registered asset when the task runs", () => {
  const start = useTestEnvironments();

  it("a builder task with inlets [Asset.ref({ name })] reads the events of the asset of that name", async () => {
    const report = dag({ dagId: "report", schedule: null }, () => {
      task({ taskId: "read", inlets: [Asset.ref({ name: "orders" })] }, async (ctx) => {
        const byRef = ctx.inletEvents.get(Asset.ref({ name: "orders" }));
        const latest = await byRef.at(-1);
        return {
          length: await byRef.length(),
          rowCounts: (await byRef.slice()).map((event) => event.extra.rowCount),
          asset: latest?.asset ?? null,
          // The asset the ref resolved to is an inlet too, as in Airflow.
          byAsset: (await ctx.inletEvents.get(orders).at(-1))?.extra.rowCount ?? null,
          byUriRef: await ctx.inletEvents.get(Asset.ref({ uri: orders.uri })).length(),
        };
      });
    });
    const env = await start([producer, report], { start: Date.UTC(2025, 0, 1) });
    await produce(env, 10, 20);
    const runId = await env.triggerDag("report");
    await env.runUntilIdle();

    const [read] = await env.getTaskInstances("report", runId);
    expect(read?.error ?? null).toBeNull();
    expect(read?.result).toEqual({
      length: 2,
      rowCounts: [10, 20],
      asset: { name: "orders", uri: orders.uri },
      byAsset: 20,
      byUriRef: 2,
    });
  });

  it("a decorated @task with inlets [Asset.ref({ uri })] reads the events of the asset at that URI", async () => {
    @dag({ dagId: "report", schedule: null })
    class Report {
      @task({ taskId: "read", inlets: [Asset.ref({ uri: "s3://warehouse/orders.parquet" })] })
      async read(ctx: TaskContext) {
        const events = ctx.inletEvents.get(Asset.ref({ uri: "s3://warehouse/orders.parquet" }));
        return { length: await events.length(), latest: (await events.at(-1))?.extra ?? null };
      }
    }
    const env = await start([producer, Report]);
    await produce(env, 3, 4, 5);
    const runId = await env.triggerDag("report");
    await env.runUntilIdle();

    const [read] = await env.getTaskInstances("report", runId);
    expect(read?.error ?? null).toBeNull();
    expect(read?.result).toEqual({ length: 3, latest: { rowCount: 5 } });
  });

  it("a ref resolved before any event reads as an empty sequence", async () => {
    const report = dag({ dagId: "report", schedule: null }, () => {
      task({ taskId: "read", inlets: [Asset.ref({ name: "orders" })] }, async (ctx) => {
        const events = ctx.inletEvents.get(Asset.ref({ name: "orders" }));
        return { length: await events.length(), latest: (await events.at(-1)) ?? null };
      });
    });
    const env = await start([producer, report]);
    const runId = await env.triggerDag("report");
    await env.runUntilIdle();
    const [read] = await env.getTaskInstances("report", runId);
    expect(read?.result).toEqual({ length: 0, latest: null });
  });

  it("a ref to an asset the store does not know fails the try before the task runs, naming the ref", async () => {
    let ran = false;
    const report = dag({ dagId: "report", schedule: null }, () => {
      task({ taskId: "read", inlets: [Asset.ref({ name: "no-such-asset" })] }, () => {
        ran = true;
      });
    });
    const env = await start([producer, report]);
    await produce(env, 1);
    const runId = await env.triggerDag("report");
    await env.runUntilIdle();

    const [read] = await env.getTaskInstances("report", runId);
    expect(read?.state).toBe("failed");
    expect(ran).toBe(false);
    expect(read?.error?.code).toBe("INLET_REF_UNRESOLVED");
    expect(read?.error?.message).toContain('Asset.ref({ name: "no-such-asset" })');
    expect(read?.error?.message).toContain('Task "read" of DAG "report"');
  });

  it("reading a ref that is not among the task's inlets fails the task", async () => {
    const report = dag({ dagId: "report", schedule: null }, () => {
      task({ taskId: "read", inlets: [Asset.ref({ name: "orders" })] }, async (ctx) =>
        ctx.inletEvents.get(Asset.ref({ name: "customers" })).length(),
      );
    });
    const env = await start([producer, report]);
    const runId = await env.triggerDag("report");
    await env.runUntilIdle();
    const [read] = await env.getTaskInstances("report", runId);
    expect(read?.state).toBe("failed");
    expect(read?.error?.code).toBe("INLET_UNDECLARED");
    expect(read?.error?.message).toContain('Asset.ref({ name: "customers" })');
  });
});
