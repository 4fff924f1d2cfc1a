import { Asset, dag, Metadata, TaskSkipped, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { useTestEnvironments } from "./support.js";

const example = new Asset<{ rowCount: number }>("s3://asset/example.csv");

const consumer = dag({ dagId: "consumer", schedule: [example] }, () => {
  task({ taskId: "read" }, (ctx) => ctx.triggeringAssetEvents.get(example)[0]?.extra.rowCount);
});

describe("producer and consumer", () => {
  const start = useTestEnvironments();

  it("a producer's success triggers the consumer with the producer's extra", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [example] }, function* () {
        yield new Metadata(example, { rowCount: 42 });
      });
    });
    const env = await start([producer, consumer]);
    const producerRun = await env.triggerDag("producer");
    await env.runUntilIdle();

    const runs = await env.getDagRuns("consumer");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.runType).toBe("asset_triggered");
    expect(runs[0]?.state).toBe("success");
    expect(runs[0]?.consumedEvents).toMatchObject([
      {
        assetUri: example.uri,
        extra: { rowCount: 42 },
        sourceDagId: "producer",
        sourceTaskId: "write",
        sourceRunId: producerRun,
      },
    ]);
    const [read] = await env.getTaskInstances("consumer", runs[0]?.runId ?? "");
    expect(read?.result).toBe(42);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
  });

  it("a failed producer records no event and triggers nothing", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [example] }, (ctx) => {
        ctx.outletEvents.get(example).extra = { rowCount: 1 };
        throw new Error("disk full");
      });
    });
    const env = await start([producer, consumer]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();

    const [write] = await env.getTaskInstances("producer", runId);
    expect(write?.state).toBe("failed");
    expect(write?.error?.message).toBe("disk full");
    expect((await env.getDagRuns("producer"))[0]?.state).toBe("failed");
    expect(await env.getAssetEvents(example)).toEqual([]);
    expect(await env.getDagRuns("consumer")).toEqual([]);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
  });

  it("a skipped producer records no event and triggers nothing", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [example] }, (ctx) => {
        ctx.outletEvents.get(example).extra = { rowCount: 1 };
        throw new TaskSkipped("nothing new today");
      });
    });
    const env = await start([producer, consumer]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();

    const [write] = await env.getTaskInstances("producer", runId);
    expect(write?.state).toBe("skipped");
    expect((await env.getDagRuns("producer"))[0]?.state).toBe("success");
    expect(await env.getAssetEvents(example)).toEqual([]);
    expect(await env.getDagRuns("consumer")).toEqual([]);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
  });

  it("a producer that fails once and succeeds on retry emits exactly one event, without the failed try's extra", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [example], retries: 2, retryDelay: 1000 }, function* (ctx) {
        if (ctx.tryNumber === 1) {
          ctx.outletEvents.get(example).extra = { rowCount: 1 };
          yield new Metadata(example, { rowCount: 1 });
          throw new Error("flaky network");
        }
        yield new Metadata(example, { rowCount: 2 });
      });
    });
    const env = await start([producer, consumer]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();

    const [afterFirstTry] = await env.getTaskInstances("producer", runId);
    expect(afterFirstTry).toMatchObject({ state: "up_for_retry", tryNumber: 1 });
    expect(await env.getAssetEvents(example)).toEqual([]);
    expect(await env.getDagRuns("consumer")).toEqual([]);

    env.clock.advance(999);
    await env.runUntilIdle();
    expect((await env.getTaskInstances("producer", runId))[0]?.state).toBe("up_for_retry");

    env.clock.advance(1);
    await env.runUntilIdle();
    const [afterRetry] = await env.getTaskInstances("producer", runId);
    expect(afterRetry).toMatchObject({ state: "success", tryNumber: 2 });
    expect((await env.getDagRuns("producer"))[0]?.state).toBe("success");

    const events = await env.getAssetEvents(example);
    expect(events.map((event) => event.extra)).toEqual([{ rowCount: 2 }]);
    const runs = await env.getDagRuns("consumer");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.consumedEvents.map((event) => event.id)).toEqual([events[0]?.id]);
    expect(runs[0]?.state).toBe("success");
    expect(env.getTaskLogs("producer").map((log) => [log.tryNumber, log.outcome.state])).toEqual([
      [1, "failed"],
      [2, "success"],
    ]);
  });

  it("a producer that fails every try records nothing after its retries are used up", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [example], retries: 2, retryDelay: 1000 }, (ctx) => {
        ctx.outletEvents.get(example).extra = { rowCount: ctx.tryNumber };
        throw new Error(`try ${ctx.tryNumber} failed`);
      });
    });
    const env = await start([producer, consumer]);
    const runId = await env.triggerDag("producer");
    for (let attempt = 0; attempt < 3; attempt++) {
      await env.runUntilIdle();
      env.clock.advance(1000);
    }
    await env.runUntilIdle();

    const [write] = await env.getTaskInstances("producer", runId);
    expect(write).toMatchObject({ state: "failed", tryNumber: 3, error: { message: "try 3 failed" } });
    expect((await env.getDagRuns("producer"))[0]?.state).toBe("failed");
    expect(await env.getAssetEvents(example)).toEqual([]);
    expect(await env.getDagRuns("consumer")).toEqual([]);
  });

  it("DAGs chained by assets run one after another, each triggered by the one before", async () => {
    const raw = new Asset<{ step: number }>("s3://chain/raw");
    const clean = new Asset<{ step: number }>("s3://chain/clean");
    const ingest = dag({ dagId: "ingest", schedule: null }, () => {
      task({ taskId: "ingest", outlets: [raw] }, function* () {
        yield new Metadata(raw, { step: 1 });
      });
    });
    const cleanup = dag({ dagId: "cleanup", schedule: [raw] }, () => {
      task({ taskId: "clean", outlets: [clean] }, function* (ctx) {
        const step = ctx.triggeringAssetEvents.get(raw)[0]?.extra.step ?? 0;
        yield new Metadata(clean, { step: step + 1 });
      });
    });
    const publish = dag({ dagId: "publish", schedule: [clean] }, () => {
      task({ taskId: "publish" }, (ctx) => ctx.triggeringAssetEvents.get(clean)[0]?.extra.step);
    });
    const env = await start([ingest, cleanup, publish]);
    await env.triggerDag("ingest");
    await env.runUntilIdle();

    const [cleanupRun] = await env.getDagRuns("cleanup");
    const [publishRun] = await env.getDagRuns("publish");
    expect(cleanupRun?.consumedEvents).toMatchObject([{ sourceDagId: "ingest", extra: { step: 1 } }]);
    expect(publishRun?.consumedEvents).toMatchObject([
      { sourceDagId: "cleanup", sourceRunId: cleanupRun?.runId, extra: { step: 2 } },
    ]);
    const [published] = await env.getTaskInstances("publish", publishRun?.runId ?? "");
    expect(published?.result).toBe(2);
  });

  it("the same scenario works on a SQLite file store", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [example] }, function* () {
        yield new Metadata(example, { rowCount: 5 });
      });
    });
    const env = await start([producer, consumer], { store: "file" });
    await env.triggerDag("producer");
    await env.runUntilIdle();
    const runs = await env.getDagRuns("consumer");
    expect(runs.map((run) => [run.state, run.consumedEvents.map((event) => event.extra)])).toEqual([
      ["success", [{ rowCount: 5 }]],
    ]);
  });
});
