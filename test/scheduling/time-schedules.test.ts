import { Asset, AssetOrTimeSchedule, CronTriggerTimetable, dag, type Schedule, task } from "assetflow";
import type { DagRunView, TestEnvironment } from "assetflow/testing";
import { describe, expect, it } from "vitest";
import { at, DAY, useTestEnvironments } from "./support.js";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A run as `[runType, logical date, interval start, interval end]` in ISO form. */
const describeRun = (run: DagRunView) => [
  run.runType,
  iso(run.logicalDate),
  iso(run.dataIntervalStart),
  iso(run.dataIntervalEnd),
];

/** A DAG whose only task reports the data interval it saw. */
function timed(schedule: Schedule, options: { startDate?: string; catchup?: boolean } = {}) {
  return dag({ dagId: "timed", schedule, ...options }, () => {
    task({ taskId: "report" }, (ctx) => [
      ctx.runType,
      ctx.dataIntervalStart?.toISOString() ?? null,
      ctx.dataIntervalEnd?.toISOString() ?? null,
    ]);
  });
}

async function runs(env: TestEnvironment): Promise<unknown[][]> {
  return (await env.getDagRuns("timed")).map(describeRun);
}

describe("time-based schedules", () => {
  const start = useTestEnvironments();

  it("@once runs a single time, as soon as the DAG is registered", async () => {
    const env = await start([timed("@once")], { start: at("2025-01-01T00:00:00Z") });
    await env.runUntilIdle();
    env.clock.advance(30 * DAY);
    await env.runUntilIdle();

    const all = await env.getDagRuns("timed");
    expect(all.map((run) => [run.runType, run.state, iso(run.logicalDate)])).toEqual([
      ["scheduled", "success", "2025-01-01T00:00:00.000Z"],
    ]);
  });

  it("@once with a later startDate waits for it", async () => {
    const env = await start([timed("@once", { startDate: "2025-01-03T00:00:00Z" })], {
      start: at("2025-01-01T00:00:00Z"),
    });
    await env.runUntilIdle();
    env.clock.set(at("2025-01-02T23:59:59Z"));
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([]);

    env.clock.set(at("2025-01-03T00:00:01Z"));
    await env.runUntilIdle();
    expect((await env.getDagRuns("timed")).map((run) => [run.runType, iso(run.logicalDate)])).toEqual([
      ["scheduled", "2025-01-03T00:00:00.000Z"],
    ]);
  });

  it("a cron run covers the interval between two ticks and starts at its end", async () => {
    const env = await start([timed("@daily")], { start: at("2025-01-01T00:00:00Z") });
    await env.runUntilIdle();
    env.clock.set(at("2025-01-01T23:59:59Z"));
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([]);

    env.clock.set(at("2025-01-02T00:00:01Z"));
    await env.runUntilIdle();
    const [run] = await env.getDagRuns("timed");
    expect(run ? describeRun(run) : null).toEqual([
      "scheduled",
      "2025-01-01T00:00:00.000Z",
      "2025-01-01T00:00:00.000Z",
      "2025-01-02T00:00:00.000Z",
    ]);
    const [report] = await env.getTaskInstances("timed", run?.runId ?? "");
    expect(report?.result).toEqual(["scheduled", "2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z"]);
  });

  it("without catchup, a cron DAG whose startDate is long past runs only the latest missed interval", async () => {
    const env = await start([timed("@daily", { startDate: "2024-12-25T00:00:00Z", catchup: false })], {
      start: at("2025-01-01T12:00:00Z"),
    });
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([
      ["scheduled", "2024-12-31T00:00:00.000Z", "2024-12-31T00:00:00.000Z", "2025-01-01T00:00:00.000Z"],
    ]);

    env.clock.set(at("2025-01-02T00:00:01Z"));
    await env.runUntilIdle();
    expect((await runs(env)).at(-1)).toEqual([
      "scheduled",
      "2025-01-01T00:00:00.000Z",
      "2025-01-01T00:00:00.000Z",
      "2025-01-02T00:00:00.000Z",
    ]);
    expect(await runs(env)).toHaveLength(2);
  });

  it("catchup defaults to false", async () => {
    const env = await start([timed("@daily", { startDate: "2024-12-25T00:00:00Z" })], {
      start: at("2025-01-01T12:00:00Z"),
    });
    await env.runUntilIdle();
    expect((await runs(env)).map((run) => run[1])).toEqual(["2024-12-31T00:00:00.000Z"]);
  });

  it("with catchup, every interval since startDate runs, oldest first", async () => {
    const env = await start([timed("@daily", { startDate: "2024-12-28T00:00:00Z", catchup: true })], {
      start: at("2025-01-01T12:00:00Z"),
    });
    await env.runUntilIdle();
    expect((await runs(env)).map((run) => [run[2], run[3]])).toEqual([
      ["2024-12-28T00:00:00.000Z", "2024-12-29T00:00:00.000Z"],
      ["2024-12-29T00:00:00.000Z", "2024-12-30T00:00:00.000Z"],
      ["2024-12-30T00:00:00.000Z", "2024-12-31T00:00:00.000Z"],
      ["2024-12-31T00:00:00.000Z", "2025-01-01T00:00:00.000Z"],
    ]);
  });

  it("runUntilIdle creates every due catch-up run, even of a DAG without tasks", async () => {
    const empty = dag(
      { dagId: "empty", schedule: "@daily", startDate: "2024-12-29T00:00:00Z", catchup: true },
      () => {},
    );
    const env = await start([empty], { start: at("2025-01-01T12:00:00Z") });
    await env.runUntilIdle();
    expect((await env.getDagRuns("empty")).map((run) => [run.state, iso(run.logicalDate)])).toEqual([
      ["success", "2024-12-29T00:00:00.000Z"],
      ["success", "2024-12-30T00:00:00.000Z"],
      ["success", "2024-12-31T00:00:00.000Z"],
    ]);
  });

  it("a cron DAG with a future startDate creates nothing before its first interval ends", async () => {
    const env = await start([timed("@daily", { startDate: "2025-01-05T00:00:00Z" })], {
      start: at("2025-01-01T00:00:00Z"),
    });
    env.clock.set(at("2025-01-05T12:00:00Z"));
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([]);

    env.clock.set(at("2025-01-06T00:00:01Z"));
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([
      ["scheduled", "2025-01-05T00:00:00.000Z", "2025-01-05T00:00:00.000Z", "2025-01-06T00:00:00.000Z"],
    ]);
  });

  it("a CronTriggerTimetable runs at each tick in its time zone, with an empty interval at the tick", async () => {
    const sixInParis = new CronTriggerTimetable("0 6 * * *", { timezone: "Europe/Paris" });
    const env = await start([timed(sixInParis)], { start: at("2025-01-01T00:00:00Z") });
    env.clock.set(at("2025-01-01T04:59:59Z"));
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([]);

    // 06:00 in Paris is 05:00 UTC in winter.
    env.clock.set(at("2025-01-01T05:00:01Z"));
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([
      ["scheduled", "2025-01-01T05:00:00.000Z", "2025-01-01T05:00:00.000Z", "2025-01-01T05:00:00.000Z"],
    ]);
  });

  it("a paused cron DAG creates no runs; unpaused without catchup it runs only the latest interval", async () => {
    const env = await start([timed("@daily")], { start: at("2025-01-01T00:00:00Z") });
    await env.pauseDag("timed");
    env.clock.set(at("2025-01-04T12:00:00Z"));
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([]);

    await env.unpauseDag("timed");
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([
      ["scheduled", "2025-01-03T00:00:00.000Z", "2025-01-03T00:00:00.000Z", "2025-01-04T00:00:00.000Z"],
    ]);
  });
});

describe("AssetOrTimeSchedule", () => {
  const start = useTestEnvironments();
  const dag1Asset = new Asset("s3://dag1/output_1.txt");
  const dag2Asset = new Asset("s3://dag2/output_1.txt");

  it("gives both a scheduled run at each tick and an asset-triggered run when its condition holds", async () => {
    const schedule = new AssetOrTimeSchedule({
      timetable: new CronTriggerTimetable("0 1 * * 3", { timezone: "UTC" }),
      assets: dag1Asset.and(dag2Asset),
    });
    // 2025-01-01 is a Wednesday.
    const env = await start([timed(schedule)], { start: at("2025-01-01T00:00:00Z") });
    env.clock.set(at("2025-01-01T01:00:01Z"));
    await env.runUntilIdle();
    expect(await runs(env)).toEqual([
      ["scheduled", "2025-01-01T01:00:00.000Z", "2025-01-01T01:00:00.000Z", "2025-01-01T01:00:00.000Z"],
    ]);

    env.clock.set(at("2025-01-02T00:00:00Z"));
    await env.emitAssetEvent(dag1Asset);
    expect(await env.getDagRuns("timed")).toHaveLength(1);
    await env.emitAssetEvent(dag2Asset);
    await env.runUntilIdle();
    const all = await env.getDagRuns("timed");
    expect(all.map((run) => [run.runType, run.state])).toEqual([
      ["scheduled", "success"],
      ["asset_triggered", "success"],
    ]);
    expect(all[1]?.consumedEvents.map((event) => event.assetUri)).toEqual([dag1Asset.uri, dag2Asset.uri]);

    // The timetable keeps going: next Wednesday.
    env.clock.set(at("2025-01-08T01:00:01Z"));
    await env.runUntilIdle();
    expect((await runs(env)).map((run) => [run[0], run[1]])).toEqual([
      ["scheduled", "2025-01-01T01:00:00.000Z"],
      ["asset_triggered", "2025-01-02T00:00:00.000Z"],
      ["scheduled", "2025-01-08T01:00:00.000Z"],
    ]);
  });
});
