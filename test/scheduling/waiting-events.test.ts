import { Asset, dag, serializeDags, task } from "assetflow";
import type { TestEnvironment } from "assetflow/testing";
import { describe, expect, it } from "vitest";
import { useTestEnvironments } from "./support.js";

const orders = new Asset<{ n: number }>({ uri: "s3://warehouse/orders.parquet", name: "orders" });
const customers = new Asset<{ n: number }>({ uri: "s3://warehouse/customers.parquet", name: "customers" });

const producer = dag({ dagId: "producer", schedule: null }, () => {
  task({ taskId: "write", outlets: [orders] }, (ctx) => {
    ctx.outletEvents.get(orders).extra = { n: Number(ctx.conf.n) };
  });
});

/** Each run of `dagId` as the `n` extras of the events it consumed. */
async function consumed(env: TestEnvironment, dagId: string): Promise<unknown[][]> {
  return (await env.getDagRuns(dagId)).map((run) => run.consumedEvents.map((event) => event.extra.n));
}

describe("events that wait for a consumer", () => {
  const start = useTestEnvironments();

  it("at maxActiveRuns, events wait and are all consumed by one run once the active run finishes", async () => {
    const consumer = dag({ dagId: "consumer", schedule: [orders], maxActiveRuns: 1 }, () => {
      task({ taskId: "noop" }, () => undefined);
    });
    const env = await start([consumer]);
    await env.emitAssetEvent(orders, { extra: { n: 1 } });
    const [first] = await env.getDagRuns("consumer");
    expect(first).toMatchObject({ runType: "asset_triggered", state: "running" });

    const second = await env.emitAssetEvent(orders, { extra: { n: 2 } });
    const third = await env.emitAssetEvent(orders, { extra: { n: 3 } });
    expect(second.runs).toEqual([]);
    expect(third.runs).toEqual([]);
    expect(await consumed(env, "consumer")).toEqual([[1]]);
    expect(await env.getQueuedEvents("consumer")).toMatchObject([{ dagId: "consumer", uri: orders.uri, count: 2 }]);

    await env.runUntilIdle();
    const runs = await env.getDagRuns("consumer");
    expect(runs.map((run) => [run.runType, run.state])).toEqual([
      ["asset_triggered", "success"],
      ["asset_triggered", "success"],
    ]);
    expect(await consumed(env, "consumer")).toEqual([[1], [2, 3]]);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
  });

  it("a paused consumer buffers events, and unpausing it creates one run consuming them all", async () => {
    const consumer = dag({ dagId: "consumer", schedule: [orders] }, () => {
      task({ taskId: "noop" }, () => undefined);
    });
    const env = await start([producer, consumer]);
    await env.pauseDag("consumer");
    for (const n of [1, 2]) {
      await env.triggerDag("producer", { conf: { n } });
      await env.runUntilIdle();
    }
    expect(await env.getDagRuns("consumer")).toEqual([]);
    expect(await env.getQueuedEvents("consumer")).toMatchObject([{ dagId: "consumer", assetName: "orders", count: 2 }]);

    await env.unpauseDag("consumer");
    await env.runUntilIdle();
    expect(await consumed(env, "consumer")).toEqual([[1, 2]]);
    expect((await env.getDagRuns("consumer"))[0]?.state).toBe("success");
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
  });

  it("a consumer registered later ignores the events recorded before it", async () => {
    const early = dag({ dagId: "early", schedule: [orders] }, () => {
      task({ taskId: "noop" }, () => undefined);
    });
    const env = await start([producer, early]);
    await env.triggerDag("producer", { conf: { n: 1 } });
    await env.runUntilIdle();
    expect(await consumed(env, "early")).toEqual([[1]]);

    const late = dag({ dagId: "late", schedule: [orders, customers] }, () => {
      task({ taskId: "noop" }, () => undefined);
    });
    const registered = await env.scheduler.registerManifest(serializeDags([late]), { kind: "merge" });
    expect(registered.added).toEqual(["late"]);
    expect(await env.getQueuedEvents("late")).toEqual([]);

    // The old orders event does not count towards the late consumer's AND.
    await env.emitAssetEvent(customers, { extra: { n: 10 } });
    expect(await env.getDagRuns("late")).toEqual([]);
    await env.emitAssetEvent(orders, { extra: { n: 2 } });
    expect(await consumed(env, "late")).toEqual([[10, 2]]);
    // The consumer registered first saw both orders events.
    expect(await consumed(env, "early")).toEqual([[1], [2]]);
  });

  it("a DAG removed from the project stops consuming and drops its pending events", async () => {
    const consumer = dag({ dagId: "consumer", schedule: [orders, customers] }, () => {
      task({ taskId: "noop" }, () => undefined);
    });
    const env = await start([producer, consumer]);
    await env.triggerDag("producer", { conf: { n: 1 } });
    await env.runUntilIdle();
    expect(await env.getQueuedEvents("consumer")).toMatchObject([{ uri: orders.uri, count: 1 }]);

    const registered = await env.scheduler.registerManifest(serializeDags([producer]), { kind: "project" });
    expect(registered.deactivated).toEqual(["consumer"]);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);

    await env.emitAssetEvent(customers, { extra: { n: 10 } });
    await env.triggerDag("producer", { conf: { n: 2 } });
    await env.runUntilIdle();
    expect(await env.getDagRuns("consumer")).toEqual([]);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
    await expect(env.triggerDag("consumer")).rejects.toThrow(/No active DAG "consumer"/);

    // Brought back, it is a new consumer: nothing from its absence counts.
    await env.scheduler.registerManifest(serializeDags([producer, consumer]), { kind: "project" });
    await env.emitAssetEvent(customers, { extra: { n: 11 } });
    expect(await env.getDagRuns("consumer")).toEqual([]);
    await env.triggerDag("producer", { conf: { n: 3 } });
    await env.runUntilIdle();
    expect(await consumed(env, "consumer")).toEqual([[11, 3]]);
  });
});
