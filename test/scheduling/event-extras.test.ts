import { Asset, dag, Metadata, type TaskContext, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { useTestEnvironments } from "./support.js";

const orders = new Asset<{ rowCount?: number; source?: string; day?: string }>({
  uri: "s3://warehouse/orders.parquet",
  name: "orders",
  extra: { team: "trainees" },
});

const reader = dag({ dagId: "reader", schedule: [orders] }, () => {
  task({ taskId: "read" }, (ctx) => ctx.triggeringAssetEvents.get(orders).map((event) => event.extra));
});

describe("extras attached to emitted events", () => {
  const start = useTestEnvironments();

  async function emittedExtras(producer: Parameters<typeof start>[0][number]) {
    const env = await start([producer, reader]);
    await env.triggerDag("producer");
    await env.runUntilIdle();
    const runs = await env.getDagRuns("reader");
    expect(runs).toHaveLength(1);
    const [read] = await env.getTaskInstances("reader", runs[0]?.runId ?? "");
    return {
      stored: (await env.getAssetEvents(orders)).map((event) => event.extra),
      consumed: runs[0]?.consumedEvents.map((event) => event.extra),
      seenByConsumer: read?.result,
    };
  }

  it("yielded Metadata becomes the event's extra", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, function* () {
        yield new Metadata(orders, { rowCount: 3 });
      });
    });
    expect(await emittedExtras(producer)).toEqual({
      stored: [{ rowCount: 3 }],
      consumed: [{ rowCount: 3 }],
      seenByConsumer: [{ rowCount: 3 }],
    });
  });

  it("Metadata yielded from a decorated generator method becomes the event's extra", async () => {
    @dag({ dagId: "producer", schedule: null })
    class Producer {
      @task({ taskId: "write", outlets: [orders] })
      async *write(_ctx: TaskContext) {
        await Promise.resolve();
        yield new Metadata(orders, { rowCount: 7 });
      }
    }
    expect(await emittedExtras(Producer)).toEqual({
      stored: [{ rowCount: 7 }],
      consumed: [{ rowCount: 7 }],
      seenByConsumer: [{ rowCount: 7 }],
    });
  });

  it("an extra set through ctx.outletEvents becomes the event's extra", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, async (ctx) => {
        await Promise.resolve();
        ctx.outletEvents.get(orders).extra = { rowCount: 5, source: "api" };
      });
    });
    expect(await emittedExtras(producer)).toEqual({
      stored: [{ rowCount: 5, source: "api" }],
      consumed: [{ rowCount: 5, source: "api" }],
      seenByConsumer: [{ rowCount: 5, source: "api" }],
    });
  });

  it("outletEvents and several Metadata yields merge into one event, later keys winning", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, function* (ctx) {
        ctx.outletEvents.get(orders).extra = { source: "api", rowCount: 1 };
        yield new Metadata(orders, { rowCount: 10 });
        yield new Metadata(orders, { day: "2025-01-01" });
      });
    });
    const expected = { source: "api", rowCount: 10, day: "2025-01-01" };
    expect(await emittedExtras(producer)).toEqual({
      stored: [expected],
      consumed: [expected],
      seenByConsumer: [expected],
    });
  });

  it("a task that attaches nothing emits an empty extra, not the asset's static extra", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, () => undefined);
    });
    expect(await emittedExtras(producer)).toEqual({ stored: [{}], consumed: [{}], seenByConsumer: [{}] });
  });

  it("an extra that is not JSON fails the producer, records nothing and triggers nothing", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, (ctx) => {
        ctx.outletEvents.get(orders).extra = { rowCount: 1, day: new Date(0) as unknown as string };
      });
    });
    const env = await start([producer, reader]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();
    const [write] = await env.getTaskInstances("producer", runId);
    expect(write?.state).toBe("failed");
    expect(write?.error?.message).toContain(orders.uri);
    expect(write?.error?.message).toContain("day");
    expect(await env.getAssetEvents(orders)).toEqual([]);
    expect(await env.getDagRuns("reader")).toEqual([]);
  });
});
