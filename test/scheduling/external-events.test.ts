import { Asset, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { at, useTestEnvironments } from "./support.js";

const orders = new Asset<{ rowCount: number }>({ uri: "s3://warehouse/orders.parquet", name: "orders" });
const customers = new Asset("s3://warehouse/customers.parquet");

const consumer = dag({ dagId: "consumer", schedule: [orders] }, () => {
  task({ taskId: "read" }, (ctx) => ctx.triggeringAssetEvents.get(orders).map((event) => event.extra.rowCount));
});

describe("events recorded from outside", () => {
  const start = useTestEnvironments();

  it("an external event triggers the consumer with its extra", async () => {
    const env = await start([consumer], { start: at("2025-01-01T00:00:00Z") });
    const emitted = await env.emitAssetEvent(orders, { extra: { rowCount: 7 } });
    expect(emitted.runs).toHaveLength(1);
    await env.runUntilIdle();

    const runs = await env.getDagRuns("consumer");
    expect(runs.map((run) => run.runId)).toEqual(emitted.runs);
    expect(runs[0]).toMatchObject({ runType: "asset_triggered", state: "success" });
    expect(runs[0]?.consumedEvents).toEqual([
      {
        id: emitted.eventId,
        assetName: "orders",
        assetUri: orders.uri,
        extra: { rowCount: 7 },
        timestamp: at("2025-01-01T00:00:00Z"),
        sourceDagId: null,
        sourceTaskId: null,
        sourceRunId: null,
        sourceMapIndex: null,
        sourceAliases: [],
        sourceRun: null,
      },
    ]);
    const [read] = await env.getTaskInstances("consumer", runs[0]?.runId ?? "");
    expect(read?.result).toEqual([7]);
  });

  it("external and task events count alike towards a condition", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [customers] }, () => undefined);
    });
    const both = dag({ dagId: "both", schedule: [orders, customers] }, () => {
      task({ taskId: "noop" }, () => undefined);
    });
    const env = await start([producer, both]);
    await env.emitAssetEvent(orders, { extra: { rowCount: 1 } });
    expect(await env.getDagRuns("both")).toEqual([]);
    await env.triggerDag("producer");
    await env.runUntilIdle();

    const runs = await env.getDagRuns("both");
    expect(runs.map((run) => run.consumedEvents.map((event) => [event.assetUri, event.sourceDagId]))).toEqual([
      [
        [orders.uri, null],
        [customers.uri, "producer"],
      ],
    ]);
  });

  it("an event for an asset no DAG declares creates it and reaches consumers that reference it by URI", async () => {
    const byUri = dag({ dagId: "by-uri", schedule: Asset.ref({ uri: "s3://landing/drop.csv" }) }, () => {
      task({ taskId: "noop" }, () => undefined);
    });
    const env = await start([byUri]);
    await env.emitAssetEvent({ uri: "s3://landing/drop.csv", name: "landing-drop" }, { extra: { files: 2 } });

    const runs = await env.getDagRuns("by-uri");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.consumedEvents).toMatchObject([
      { assetName: "landing-drop", assetUri: "s3://landing/drop.csv", extra: { files: 2 } },
    ]);
    expect(await env.getAssetEvents(new Asset({ uri: "s3://landing/drop.csv", name: "landing-drop" }))).toHaveLength(1);
  });

  it("the scheduler refuses an external event for an unknown asset unless asked to create it", async () => {
    const env = await start([consumer]);
    await expect(env.scheduler.recordExternalEvent({ uri: "s3://nowhere/x" })).rejects.toMatchObject({
      code: "ASSET_NOT_FOUND",
    });
    const recorded = await env.scheduler.recordExternalEvent(
      { uri: orders.uri, name: "orders" },
      { extra: { rowCount: 3 } },
    );
    expect(recorded.runs).toHaveLength(1);
    expect((await env.getDagRuns("consumer"))[0]?.consumedEvents.map((event) => event.extra)).toEqual([
      { rowCount: 3 },
    ]);
  });
});
