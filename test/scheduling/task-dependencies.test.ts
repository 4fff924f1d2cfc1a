import { Asset, chain, dag, type TaskContext, TaskSkipped, task } from "assetflow";
import type { TestEnvironment } from "assetflow/testing";
import { describe, expect, it } from "vitest";
import { useTestEnvironments } from "./support.js";

const report = new Asset<{ rows: number }>("s3://warehouse/report.csv");

const reportConsumer = dag({ dagId: "report-consumer", schedule: [report] }, () => {
  task({ taskId: "noop" }, () => undefined);
});

/** Task states of the only run of `dagId`, by task id, and the run's state. */
async function outcome(env: TestEnvironment, dagId: string) {
  const [run] = await env.getDagRuns(dagId);
  const instances = await env.getTaskInstances(dagId, run?.runId ?? "");
  return { run: run?.state, tasks: Object.fromEntries(instances.map((ti) => [ti.taskId, ti.state])) };
}

describe("task dependencies inside a DAG", () => {
  const start = useTestEnvironments();

  it("a failed task marks its downstream tasks upstream_failed and fails the run; other branches still run", async () => {
    const etl = dag({ dagId: "etl", schedule: null }, () => {
      const extract = task({ taskId: "extract" }, () => {
        throw new Error("source unavailable");
      });
      const transform = task({ taskId: "transform" }, () => undefined);
      const load = task({ taskId: "load", outlets: [report] }, (ctx) => {
        ctx.outletEvents.get(report).extra = { rows: 1 };
      });
      task({ taskId: "audit" }, () => "audited");
      chain(extract, transform, load);
    });
    const env = await start([etl, reportConsumer]);
    await env.triggerDag("etl");
    await env.runUntilIdle();

    expect(await outcome(env, "etl")).toEqual({
      run: "failed",
      tasks: { audit: "success", extract: "failed", load: "upstream_failed", transform: "upstream_failed" },
    });
    expect(
      env
        .getTaskLogs("etl")
        .map((log) => log.taskId)
        .sort(),
    ).toEqual(["audit", "extract"]);
    expect(await env.getAssetEvents(report)).toEqual([]);
    expect(await env.getDagRuns("report-consumer")).toEqual([]);
  });

  it("a downstream task waits while its upstream task is up for retry, then runs after the retry succeeds", async () => {
    const etl = dag({ dagId: "etl", schedule: null }, () => {
      const extract = task({ taskId: "extract", retries: 1, retryDelay: 60_000 }, (ctx) => {
        if (ctx.tryNumber === 1) throw new Error("timeout");
        return 3;
      });
      task({ taskId: "load", args: [extract] }, (_ctx, rows) => rows * 2);
    });
    const env = await start([etl]);
    const runId = await env.triggerDag("etl");
    await env.runUntilIdle();
    expect(await outcome(env, "etl")).toEqual({ run: "running", tasks: { extract: "up_for_retry", load: "none" } });

    env.clock.advance(60_000);
    await env.runUntilIdle();
    expect(await outcome(env, "etl")).toEqual({ run: "success", tasks: { extract: "success", load: "success" } });
    const load = (await env.getTaskInstances("etl", runId)).find((ti) => ti.taskId === "load");
    expect(load?.result).toBe(6);
  });

  it("a skipped task skips its downstream tasks; the run succeeds and the skipped outlet emits nothing", async () => {
    const etl = dag({ dagId: "etl", schedule: null }, () => {
      const extract = task({ taskId: "extract" }, () => {
        throw new TaskSkipped("no new data");
      });
      const load = task({ taskId: "load", outlets: [report] }, () => undefined);
      extract.precedes(load);
    });
    const env = await start([etl, reportConsumer]);
    await env.triggerDag("etl");
    await env.runUntilIdle();

    expect(await outcome(env, "etl")).toEqual({ run: "success", tasks: { extract: "skipped", load: "skipped" } });
    expect(env.getTaskLogs("etl").map((log) => log.taskId)).toEqual(["extract"]);
    expect(await env.getAssetEvents(report)).toEqual([]);
    expect(await env.getDagRuns("report-consumer")).toEqual([]);
  });

  it("a task runs only after all of its upstream tasks, in chain order", async () => {
    const etl = dag({ dagId: "etl", schedule: null }, () => {
      const extract = task({ taskId: "extract" }, () => undefined);
      const cleanA = task({ taskId: "cleanA" }, () => undefined);
      const cleanB = task({ taskId: "cleanB" }, () => undefined);
      const load = task({ taskId: "load" }, () => undefined);
      chain(extract, [cleanA, cleanB], load);
    });
    const env = await start([etl]);
    await env.triggerDag("etl");
    await env.runUntilIdle();

    const order = env.getTaskLogs("etl").map((log) => log.taskId);
    expect(order[0]).toBe("extract");
    expect(order.slice(1, 3).sort()).toEqual(["cleanA", "cleanB"]);
    expect(order[3]).toBe("load");
    expect((await outcome(env, "etl")).run).toBe("success");
  });

  it("results pass to downstream tasks through args, and reach the emitted event", async () => {
    const etl = dag({ dagId: "etl", schedule: null }, () => {
      const extract = task({ taskId: "extract" }, () => ({ rows: [1, 2, 3] }));
      const count = task({ taskId: "count", args: [extract] }, (_ctx, data) => data.rows.length);
      task({ taskId: "load", args: [extract, count], outlets: [report] }, (ctx, data, rows) => {
        ctx.outletEvents.get(report).extra = { rows };
        return { sum: data.rows.reduce((total, value) => total + value, 0), rows };
      });
    });
    const env = await start([etl, reportConsumer]);
    const runId = await env.triggerDag("etl");
    await env.runUntilIdle();

    const results = Object.fromEntries((await env.getTaskInstances("etl", runId)).map((ti) => [ti.taskId, ti.result]));
    expect(results).toEqual({ extract: { rows: [1, 2, 3] }, count: 3, load: { sum: 6, rows: 3 } });
    const [consumerRun] = await env.getDagRuns("report-consumer");
    expect(consumerRun?.consumedEvents.map((event) => event.extra)).toEqual([{ rows: 3 }]);
  });

  it("a @dag class passes results between methods named in args", async () => {
    @dag({ dagId: "etl", schedule: null })
    class Etl {
      @task()
      extract() {
        return { rows: [4, 5] };
      }

      @task({ args: ["extract"], outlets: [report] })
      load(ctx: TaskContext, data: { rows: number[] }) {
        ctx.outletEvents.get(report).extra = { rows: data.rows.length };
        return data.rows.length;
      }
    }
    const env = await start([Etl, reportConsumer]);
    const runId = await env.triggerDag("etl");
    await env.runUntilIdle();

    const instances = await env.getTaskInstances("etl", runId);
    expect(instances.map((ti) => [ti.taskId, ti.state, ti.result])).toEqual([
      ["extract", "success", { rows: [4, 5] }],
      ["load", "success", 2],
    ]);
    const [consumerRun] = await env.getDagRuns("report-consumer");
    expect(consumerRun?.consumedEvents.map((event) => event.extra)).toEqual([{ rows: 2 }]);
  });
});
