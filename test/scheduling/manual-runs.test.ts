import { Asset, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { at, useTestEnvironments } from "./support.js";

const orders = new Asset("s3://warehouse/orders.parquet");

/** A DAG whose task reports its params, conf, run type and data interval. */
const reporter = (dagId: string, schedule: null | string | Asset[]) =>
  dag({ dagId, schedule, params: { region: "eu", limit: 10 } }, () => {
    task({ taskId: "report" }, (ctx) => ({
      params: ctx.params,
      conf: ctx.conf,
      runType: ctx.runType,
      interval: [ctx.dataIntervalStart?.toISOString() ?? null, ctx.dataIntervalEnd?.toISOString() ?? null],
      triggers: ctx.triggeringAssetEvents.size,
    }));
  });

describe("manual runs", () => {
  const start = useTestEnvironments();

  it("conf reaches ctx.conf and overrides the DAG's params in ctx.params", async () => {
    const env = await start([reporter("manual", null)], { start: at("2025-01-01T10:00:00Z") });
    const runId = await env.triggerDag("manual", { conf: { limit: 5, date: "2025-01-01" } });
    await env.runUntilIdle();

    const [run] = await env.getDagRuns("manual");
    expect(run).toMatchObject({ runId, runType: "manual", state: "success", conf: { limit: 5, date: "2025-01-01" } });
    const [report] = await env.getTaskInstances("manual", runId);
    expect(report?.result).toEqual({
      params: { region: "eu", limit: 5, date: "2025-01-01" },
      conf: { limit: 5, date: "2025-01-01" },
      runType: "manual",
      interval: ["2025-01-01T10:00:00.000Z", "2025-01-01T10:00:00.000Z"],
      triggers: 0,
    });
  });

  it("without conf, ctx.params holds the DAG's params and ctx.conf is empty", async () => {
    const env = await start([reporter("manual", null)]);
    const runId = await env.triggerDag("manual");
    await env.runUntilIdle();
    const [report] = await env.getTaskInstances("manual", runId);
    expect(report?.result).toMatchObject({ params: { region: "eu", limit: 10 }, conf: {} });
  });

  it("a manual run of a cron DAG covers the latest complete interval", async () => {
    const env = await start([reporter("daily", "@daily")], { start: at("2025-01-03T10:00:00Z") });
    const runId = await env.triggerDag("daily");
    const [run] = (await env.getDagRuns("daily")).filter((candidate) => candidate.runId === runId);
    expect([run?.runType, run?.dataIntervalStart, run?.dataIntervalEnd]).toEqual([
      "manual",
      at("2025-01-02T00:00:00Z"),
      at("2025-01-03T00:00:00Z"),
    ]);
  });

  it("a manual run of an asset-scheduled DAG consumes nothing and leaves queued events waiting", async () => {
    const consumer = reporter("consumer", [orders, new Asset("s3://warehouse/customers.parquet")]);
    const env = await start([consumer]);
    await env.emitAssetEvent(orders);
    const runId = await env.triggerDag("consumer");
    await env.runUntilIdle();

    const runs = await env.getDagRuns("consumer");
    expect(runs.map((run) => [run.runType, run.state, run.consumedEvents.length])).toEqual([["manual", "success", 0]]);
    const [report] = await env.getTaskInstances("consumer", runId);
    expect(report?.result).toMatchObject({ runType: "manual", triggers: 0 });
    expect(await env.getQueuedEvents("consumer")).toMatchObject([{ uri: orders.uri, count: 1 }]);
  });

  it("triggering an unknown DAG fails with a message naming it", async () => {
    const env = await start([reporter("manual", null)]);
    await expect(env.triggerDag("nope")).rejects.toThrow(/No active DAG "nope"/);
  });
});
