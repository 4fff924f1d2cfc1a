import { Asset, type AssetEvent, dag, Metadata, type TaskContext, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { at, useTestEnvironments } from "./support.js";

const orders = new Asset<{ batch: string }>({ uri: "s3://warehouse/orders.parquet", name: "orders" });
const customers = new Asset<{ batch: string }>({ uri: "s3://warehouse/customers.parquet", name: "customers" });

const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

function describeEvent(event: AssetEvent<{ batch: string }>) {
  return {
    batch: event.extra.batch,
    timestamp: iso(event.timestamp),
    sourceDagId: event.sourceDagId,
    sourceRunType: event.sourceDagRun?.runType ?? null,
    sourceIntervalStart: iso(event.sourceDagRun?.dataIntervalStart),
    sourceIntervalEnd: iso(event.sourceDagRun?.dataIntervalEnd),
  };
}

/** What the consumer's task sees of the run that triggered it. */
function summarize(ctx: TaskContext) {
  const first = [...ctx.triggeringAssetEvents.values()][0]?.[0];
  return {
    runType: ctx.runType,
    dataIntervalStart: iso(ctx.dataIntervalStart),
    dataIntervalEnd: iso(ctx.dataIntervalEnd),
    keys: [...ctx.triggeringAssetEvents.keys()],
    orders: ctx.triggeringAssetEvents.get(orders).map(describeEvent),
    customers: ctx.triggeringAssetEvents.get(customers).map(describeEvent),
    // The seed's (triggering_asset_events.values() | first | first).source_dag_run.data_interval_start
    firstSourceIntervalStart: iso(first?.sourceDagRun?.dataIntervalStart),
  };
}

const report = dag({ dagId: "report", schedule: [orders, customers] }, () => {
  task({ taskId: "summarize" }, summarize);
});

describe("ctx.triggeringAssetEvents of an asset-triggered run", () => {
  const start = useTestEnvironments();

  it("lists the consumed events per asset in timestamp order, with each source run's data interval", async () => {
    const hourlyOrders = dag({ dagId: "hourly-orders", schedule: "@hourly" }, () => {
      task({ taskId: "load", outlets: [orders] }, function* (ctx) {
        yield new Metadata(orders, { batch: `orders ${iso(ctx.dataIntervalEnd)}` });
      });
    });
    // With a startDate, the first interval starts at the first tick after it (00:30-02:30).
    const customersEveryTwoHours = dag(
      { dagId: "customers", schedule: "30 */2 * * *", startDate: "2025-01-01T00:00:00Z" },
      () => {
        task({ taskId: "load", outlets: [customers] }, function* (ctx) {
          yield new Metadata(customers, { batch: `customers ${iso(ctx.dataIntervalEnd)}` });
        });
      },
    );
    const env = await start([hourlyOrders, customersEveryTwoHours, report], { start: at("2025-01-01T00:00:00Z") });

    env.clock.set(at("2025-01-01T01:00:01Z"));
    await env.runUntilIdle();
    env.clock.set(at("2025-01-01T02:00:01Z"));
    await env.runUntilIdle();
    expect(await env.getDagRuns("report")).toEqual([]);
    expect(await env.getQueuedEvents("report")).toMatchObject([{ assetName: "orders", count: 2 }]);

    env.clock.set(at("2025-01-01T02:30:01Z"));
    await env.runUntilIdle();

    const producerRuns = await env.getDagRuns("hourly-orders");
    expect(producerRuns.map((run) => [run.runType, run.dataIntervalStart, run.dataIntervalEnd])).toEqual([
      ["scheduled", at("2025-01-01T00:00:00Z"), at("2025-01-01T01:00:00Z")],
      ["scheduled", at("2025-01-01T01:00:00Z"), at("2025-01-01T02:00:00Z")],
    ]);

    const runs = await env.getDagRuns("report");
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run?.runType).toBe("asset_triggered");
    expect(run?.consumedEvents.map((event) => event.extra)).toEqual([
      { batch: "orders 2025-01-01T01:00:00.000Z" },
      { batch: "orders 2025-01-01T02:00:00.000Z" },
      { batch: "customers 2025-01-01T02:30:00.000Z" },
    ]);
    // The consumer run's own interval spans its source runs' intervals.
    expect([run?.dataIntervalStart, run?.dataIntervalEnd]).toEqual([
      at("2025-01-01T00:00:00Z"),
      at("2025-01-01T02:30:00Z"),
    ]);

    const [summary] = await env.getTaskInstances("report", run?.runId ?? "");
    expect(summary?.state).toBe("success");
    expect(summary?.result).toEqual({
      runType: "asset_triggered",
      dataIntervalStart: "2025-01-01T00:00:00.000Z",
      dataIntervalEnd: "2025-01-01T02:30:00.000Z",
      keys: [
        { kind: "asset", name: "orders", uri: orders.uri },
        { kind: "asset", name: "customers", uri: customers.uri },
      ],
      orders: [
        {
          batch: "orders 2025-01-01T01:00:00.000Z",
          timestamp: "2025-01-01T01:00:01.000Z",
          sourceDagId: "hourly-orders",
          sourceRunType: "scheduled",
          sourceIntervalStart: "2025-01-01T00:00:00.000Z",
          sourceIntervalEnd: "2025-01-01T01:00:00.000Z",
        },
        {
          batch: "orders 2025-01-01T02:00:00.000Z",
          timestamp: "2025-01-01T02:00:01.000Z",
          sourceDagId: "hourly-orders",
          sourceRunType: "scheduled",
          sourceIntervalStart: "2025-01-01T01:00:00.000Z",
          sourceIntervalEnd: "2025-01-01T02:00:00.000Z",
        },
      ],
      customers: [
        {
          batch: "customers 2025-01-01T02:30:00.000Z",
          timestamp: "2025-01-01T02:30:01.000Z",
          sourceDagId: "customers",
          sourceRunType: "scheduled",
          sourceIntervalStart: "2025-01-01T00:30:00.000Z",
          sourceIntervalEnd: "2025-01-01T02:30:00.000Z",
        },
      ],
      firstSourceIntervalStart: "2025-01-01T00:00:00.000Z",
    });
  });

  it("events recorded from outside have no source run, and neither has the run they trigger a data interval", async () => {
    const env = await start([report], { start: at("2025-01-01T00:00:00Z") });
    await env.emitAssetEvent(orders, { extra: { batch: "o1" } });
    env.clock.advance(1000);
    await env.emitAssetEvent(customers, { extra: { batch: "c1" } });
    await env.runUntilIdle();

    const [run] = await env.getDagRuns("report");
    expect([run?.dataIntervalStart, run?.dataIntervalEnd]).toEqual([null, null]);
    const [summary] = await env.getTaskInstances("report", run?.runId ?? "");
    expect(summary?.result).toMatchObject({
      dataIntervalStart: null,
      dataIntervalEnd: null,
      orders: [{ batch: "o1", sourceDagId: null, sourceRunType: null, sourceIntervalStart: null }],
      customers: [{ batch: "c1", timestamp: "2025-01-01T00:00:01.000Z", sourceDagId: null }],
      firstSourceIntervalStart: null,
    });
  });
});
