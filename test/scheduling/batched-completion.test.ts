import { Asset, AssetAlias, all, any, type DagOptions, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import type { TaskRunRequest } from "../../scheduler/contracts.js";
import { useTestEnvironments } from "./support.js";

const left = new Asset("s3://lake/left.parquet");
const right = new Asset("s3://lake/right.parquet");

const producer = dag({ dagId: "producer", schedule: null }, () => {
  task({ taskId: "left", outlets: [left] }, () => undefined);
  task({ taskId: "right", outlets: [right] }, () => undefined);
  task({ taskId: "flaky", retries: 1, retryDelay: 60_000 }, () => undefined);
  task({ taskId: "optional" }, () => undefined);
});
const joiner = dag({ dagId: "joiner", schedule: all(left, right) }, () => {
  task({ taskId: "join" }, () => undefined);
});

/** Claims every queued try of the environment, keyed by task id. */
async function claimAll(claim: (limit: number) => Promise<TaskRunRequest[]>): Promise<Map<string, TaskRunRequest>> {
  return new Map((await claim(100)).map((request) => [request.key.taskId, request]));
}

describe("tries reported together (one transaction for a worker's finished tries)", () => {
  const start = useTestEnvironments();

  it("applies each outcome, records every event, and triggers a consumer once for events of one batch", async () => {
    const env = await start([producer, joiner]);
    const runId = await env.triggerDag("producer");
    const tries = await claimAll((limit) => env.scheduler.claimTasks("worker-1", limit));
    expect([...tries.keys()].sort()).toEqual(["flaky", "left", "optional", "right"]);
    const key = (taskId: string) => (tries.get(taskId) as TaskRunRequest).key;
    const asset = (a: Asset) => ({ name: a.name, uri: a.uri, group: "asset", extra: {} });

    const effects = await env.scheduler.completeTasks([
      {
        key: key("left"),
        outcome: { state: "success", events: [{ asset: asset(left), extra: { side: "L" }, aliases: [] }] },
      },
      { key: key("right"), outcome: { state: "success", events: [{ asset: asset(right), extra: {}, aliases: [] }] } },
      { key: key("flaky"), outcome: { state: "failed", error: { message: "connection reset" } } },
      { key: key("optional"), outcome: { state: "skipped", reason: "nothing to do" } },
      // A second report of a try already reported in this batch is stale and changes nothing.
      { key: key("left"), outcome: { state: "failed", error: { message: "late duplicate" } } },
    ]);

    expect(effects.tries.map((t) => t.accepted)).toEqual([true, true, true, true, false]);
    expect(effects.tries[2]?.retryAt).toBe(env.clock.now() + 60_000);
    expect(effects.consumers).toEqual(["joiner"]);
    expect(effects.runs).toHaveLength(1);
    expect(effects.finishedRuns).toEqual([]); // "flaky" is up for retry

    const states = Object.fromEntries(
      (await env.getTaskInstances("producer", runId)).map((ti) => [ti.taskId, ti.state]),
    );
    expect(states).toEqual({ flaky: "up_for_retry", left: "success", optional: "skipped", right: "success" });
    expect((await env.getAssetEvents(left)).map((e) => e.extra)).toEqual([{ side: "L" }]);
    const [joinRun] = await env.getDagRuns("joiner");
    expect(joinRun?.runType).toBe("asset_triggered");
  });

  it("finishes a run whose last tries arrive in one batch exactly once, and reports it", async () => {
    const wide = dag({ dagId: "wide", schedule: null }, () => {
      for (let index = 0; index < 20; index++) task({ taskId: `noop_${index}` }, () => undefined);
    });
    const env = await start([wide]);
    const runId = await env.triggerDag("wide");
    const finished: string[] = [];
    env.scheduler.onActivity((activity) => {
      if (activity.kind === "run_finished") finished.push(`${activity.runId}:${activity.state}`);
    });
    const tries = [...(await claimAll((limit) => env.scheduler.claimTasks("worker-1", limit))).values()];
    expect(tries).toHaveLength(20);
    const first = await env.scheduler.completeTasks(
      tries.slice(0, 12).map((request) => ({ key: request.key, outcome: { state: "success", events: [] } })),
    );
    expect(first.finishedRuns).toEqual([]);
    const last = await env.scheduler.completeTasks(
      tries.slice(12).map((request) => ({ key: request.key, outcome: { state: "success", events: [] } })),
    );
    expect(last.finishedRuns).toEqual([{ dagId: "wide", runId, state: "success" }]);
    expect(finished).toEqual([`${runId}:success`]);
    const [run] = await env.getDagRuns("wide");
    expect(run?.state).toBe("success");
  });

  it("claims many tries of one run with their run's data read once, each with its own upstream results", async () => {
    const fanOut = dag({ dagId: "fan_out", schedule: null }, () => {
      const source = task({ taskId: "source" }, () => ({ rows: 3 }));
      for (const name of ["a", "b", "c"]) {
        task({ taskId: `sink_${name}`, args: [source] }, (_ctx, input) => input);
      }
      task({ taskId: "independent" }, () => undefined);
    });
    const env = await start([fanOut]);
    await env.triggerDag("fan_out", { conf: { day: "monday" } });
    const firstWave = await claimAll((limit) => env.scheduler.claimTasks("worker-1", limit));
    expect([...firstWave.keys()].sort()).toEqual(["independent", "source"]);
    await env.scheduler.completeTasks(
      [...firstWave.values()].map((request) => ({
        key: request.key,
        outcome: { state: "success", events: [], result: request.key.taskId === "source" ? { rows: 3 } : null },
      })),
    );
    const secondWave = await claimAll((limit) => env.scheduler.claimTasks("worker-1", limit));
    expect([...secondWave.keys()].sort()).toEqual(["sink_a", "sink_b", "sink_c"]);
    for (const request of secondWave.values()) {
      expect(request.upstreamResults).toEqual({ source: { rows: 3 } });
      expect(request.conf).toEqual({ day: "monday" });
      expect(request.dagFile).toBeNull(); // registered from objects in this test, not from a file
    }
  });

  it("claims the next tries with a report: the run the completion created is claimed by the reporting worker", async () => {
    const env = await start([producer, joiner]);
    const runId = await env.triggerDag("producer");
    const tries = await claimAll((limit) => env.scheduler.claimTasks("worker-1", limit));
    const key = (taskId: string) => (tries.get(taskId) as TaskRunRequest).key;
    const asset = (a: Asset) => ({ name: a.name, uri: a.uri, group: "asset", extra: {} });

    const claimed = await env.scheduler.completeAndClaimTasks(
      [
        { key: key("left"), outcome: { state: "success", events: [{ asset: asset(left), extra: {}, aliases: [] }] } },
        { key: key("right"), outcome: { state: "success", events: [{ asset: asset(right), extra: {}, aliases: [] }] } },
      ],
      "worker-1",
      10,
    );
    expect(claimed.map((request) => `${request.key.dagId}.${request.key.taskId}#${request.key.tryNumber}`)).toEqual([
      "joiner.join#1",
    ]);
    const [joinRun] = await env.getDagRuns("joiner");
    expect(claimed[0]?.key.runId).toBe(joinRun?.runId);
    expect(claimed[0]?.triggeringEvents.map((event) => event.assetUri).sort()).toEqual([left.uri, right.uri]);
    expect((await env.getTaskInstances("joiner", joinRun?.runId as string))[0]?.state).toBe("running");
    // Claimed once: another worker finds nothing.
    expect(await env.scheduler.claimTasks("worker-2", 10)).toEqual([]);

    // With no room to fill, the report is only a report.
    const none = await env.scheduler.completeAndClaimTasks(
      [{ key: key("optional"), outcome: { state: "skipped", reason: "nothing to do" } }],
      "worker-1",
      0,
    );
    expect(none).toEqual([]);
    const states = Object.fromEntries(
      (await env.getTaskInstances("producer", runId)).map((ti) => [ti.taskId, ti.state]),
    );
    expect(states).toEqual({ flaky: "running", left: "success", optional: "skipped", right: "success" });
  });

  it("a claimed try that never started goes back to the queue with its try number, for any worker to claim", async () => {
    const env = await start([producer]);
    const runId = await env.triggerDag("producer");
    const tries = await claimAll((limit) => env.scheduler.claimTasks("worker-1", limit));
    const left = (tries.get("left") as TaskRunRequest).key;
    expect(left.tryNumber).toBe(1);

    expect(await env.scheduler.releaseTasks([left])).toEqual([left]);
    const states = Object.fromEntries(
      (await env.getTaskInstances("producer", runId)).map((ti) => [ti.taskId, ti.state]),
    );
    expect(states.left).toBe("queued");
    // Released once: a second release, or a report of the released try, changes nothing.
    expect(await env.scheduler.releaseTasks([left])).toEqual([]);
    const stale = await env.scheduler.completeTasks([{ key: left, outcome: { state: "success", events: [] } }]);
    expect(stale.tries[0]?.accepted).toBe(false);

    const [again] = await env.scheduler.claimTasks("worker-2", 10);
    expect(again?.key).toEqual(left); // same task, same try number: the released try never counted
    const report = await env.scheduler.completeTasks([{ key: left, outcome: { state: "success", events: [] } }]);
    expect(report.tries[0]?.accepted).toBe(true);
  });
});

describe("a task's events routed by every kind of reference in one statement", () => {
  const start = useTestEnvironments();

  const success = new Asset({ uri: "s3://lake/orders/_SUCCESS", name: "orders-success" });
  const landed = new AssetAlias("landed");
  const consumerOf = (dagId: string, schedule: DagOptions["schedule"]) =>
    dag({ dagId, schedule }, () => {
      task({ taskId: "read" }, () => undefined);
    });
  const dags = [
    // An aliased emission first, so that the alias resolves to the asset.
    dag({ dagId: "resolve-alias", schedule: null }, () => {
      task({ taskId: "add", outlets: [landed] }, (ctx) => {
        ctx.outletEvents.get(landed).add(success);
      });
    }),
    // Then a plain emission of the asset, which takes the batched path (no alias on the event).
    dag({ dagId: "writer", schedule: null }, () => {
      task({ taskId: "write", outlets: [success] }, () => undefined);
    }),
    consumerOf("direct", success),
    consumerOf("via-alias", landed),
    consumerOf("by-name", Asset.ref({ name: "orders-success" })),
    consumerOf("by-uri", Asset.ref({ uri: "s3://lake/orders/_SUCCESS" })),
    consumerOf("by-pattern", Asset.pattern("s3://lake/{**path}/_SUCCESS")),
    // Reached by two routes: one inbox entry, one run.
    consumerOf("twice", any(success, Asset.ref({ name: "orders-success" }))),
  ];
  const consumers = ["direct", "via-alias", "by-name", "by-uri", "by-pattern", "twice"];

  it("reaches each consumer once: directly, through an alias the asset resolved to, by name, by URI, by pattern", async () => {
    const env = await start(dags);
    await env.triggerDag("resolve-alias");
    await env.runUntilIdle();
    const before = new Map<string, number>();
    for (const consumer of consumers) before.set(consumer, (await env.getDagRuns(consumer)).length);

    const writerRun = await env.triggerDag("writer");
    await env.runUntilIdle();

    for (const consumer of consumers) {
      const runs = await env.getDagRuns(consumer);
      expect(runs, consumer).toHaveLength((before.get(consumer) ?? 0) + 1);
      const fromWriter = runs.filter((run) => run.consumedEvents.some((event) => event.sourceRunId === writerRun));
      expect(fromWriter, consumer).toHaveLength(1);
      expect(fromWriter[0]?.consumedEvents, consumer).toMatchObject([
        { assetName: "orders-success", assetUri: success.uri, sourceDagId: "writer", sourceRunId: writerRun },
      ]);
    }
  });
});
