/**
 * The set-based evaluation of a fan-out (`engine/fan-out.ts`, SQLite) against
 * the per-consumer one (`evaluateConsumer`): two stores set up alike, one
 * event for consumers in every state the set path meets (free, running runs
 * below and at `maxActiveRuns`, paused, an AND still waiting, an AND an
 * earlier event completes, several tasks with dependencies, a data interval
 * from the source runs, another consumption policy, an alias), then the first
 * store evaluates them together and the second one by one. Every row the
 * evaluation writes must come out the same (run ids up to their random suffix).
 */
import { afterEach, describe, expect, it } from "vitest";
import { evaluateConsumer } from "../../scheduler/engine/consumers.js";
import type { EngineContext } from "../../scheduler/engine/context.js";
import { recordEvent } from "../../scheduler/engine/events.js";
import { evaluateConsumersTogether } from "../../scheduler/engine/fan-out.js";
import { Scheduler, storeDatabase } from "../../scheduler/scheduler.js";
import type { DagManifest, Manifest } from "../../sdk/manifest/schema.js";
import { dagManifest, taskManifest } from "../support/manifests.js";

const T0 = Date.parse("2026-06-01T00:00:00Z");
const a = { kind: "asset" as const, name: "a", uri: "s3://fan/a" };
const b = { kind: "asset" as const, name: "b", uri: "s3://fan/b" };
const asset = (node: typeof a) => ({ name: node.name, uri: node.uri, group: "asset", extra: {} });

const chain: DagManifest = dagManifest("c_chain", { kind: "assets", condition: a }, [
  taskManifest("first"),
  { ...taskManifest("second"), upstream: ["first"] },
  { ...taskManifest("third"), upstream: ["first"] },
]);

const manifest: Manifest = {
  schemaVersion: 1,
  assets: [asset(a), asset(b)],
  aliases: [{ name: "fan_alias", group: "asset" }],
  dags: [
    dagManifest("producer", { kind: "none" }, [taskManifest("write", [a])]),
    dagManifest("c_free", { kind: "assets", condition: a }, [taskManifest("t")]),
    chain,
    dagManifest("c_running_below", { kind: "assets", condition: a }, [taskManifest("t")], 2),
    dagManifest("c_running_full", { kind: "assets", condition: a }, [taskManifest("t")], 1),
    dagManifest("c_paused", { kind: "assets", condition: a }, [taskManifest("t")]),
    dagManifest("c_and_waits", { kind: "assets", condition: { kind: "all", conditions: [a, b] } }, [taskManifest("t")]),
    dagManifest("c_and_done", { kind: "assets", condition: { kind: "all", conditions: [a, b] } }, [taskManifest("t")]),
    dagManifest("c_or", { kind: "assets", condition: { kind: "any", conditions: [a, b] } }, [taskManifest("t")]),
    { ...dagManifest("c_each", { kind: "assets", condition: a }, [taskManifest("t")]), consume: { kind: "each" } },
    dagManifest(
      "c_alias",
      { kind: "assets", condition: { kind: "any", conditions: [a, { kind: "alias", name: "fan_alias" }] } },
      [taskManifest("t")],
    ),
    dagManifest("c_no_tasks", { kind: "assets", condition: a }, []),
  ],
};
const CONSUMERS = manifest.dags.filter((dag) => dag.dagId !== "producer").map((dag) => dag.dagId);

const open: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((scheduler) => scheduler.close()));
});

const contextOf = (scheduler: Scheduler): EngineContext => scheduler["ctx"];

/** A store in the state before the event: earlier runs and events, the consumers' inboxes holding them. */
async function prepared(): Promise<{ scheduler: Scheduler; ctx: EngineContext; producerRun: string }> {
  const scheduler = await Scheduler.open({ url: ":memory:", clock: { now: () => T0 } });
  open.push(scheduler);
  await scheduler.registerManifest(manifest);
  const db = storeDatabase(scheduler);
  const ctx = contextOf(scheduler);
  await scheduler.pauseDag("c_paused");
  // Running runs (created by hand: their own consumption is not under test).
  for (const dagId of ["c_running_below", "c_running_full"]) await scheduler.triggerDag(dagId, { runId: "earlier" });
  const producerRun = await scheduler.triggerDag("producer", { runId: "source" });
  await db
    .updateTable("dag_run")
    .set({ data_interval_start: T0 - 3_600_000, data_interval_end: T0 - 60_000 })
    .where("run_id", "=", "source")
    .execute();
  // An earlier event of b: pending for the ANDs (c_and_waits is then told to forget it, so it still waits for b).
  await ctx.db.transaction().execute(async (trx) => {
    await recordEvent(ctx, trx, { asset: asset(b), extra: {}, aliases: [], source: null });
  });
  await db.deleteFrom("asset_event_inbox").where("dag_id", "in", ["c_and_waits", "c_or"]).execute();
  return { scheduler, ctx, producerRun };
}

/** The rows an evaluation writes, without ids and random run-id suffixes. */
async function snapshot(scheduler: Scheduler) {
  const db = storeDatabase(scheduler);
  const runId = (id: string) => id.replace(/_[0-9a-f]{8}$/, "_<random>");
  const runs = await db
    .selectFrom("dag_run")
    .select([
      "dag_id",
      "run_id",
      "run_type",
      "state",
      "logical_date",
      "data_interval_start",
      "data_interval_end",
      "conf",
      "created_at",
      "start_date",
      "end_date",
    ])
    .orderBy("dag_id")
    .orderBy("run_id")
    .execute();
  const tasks = await db.selectFrom("task_instance").selectAll().orderBy("dag_id").orderBy("task_id").execute();
  const consumed = await db
    .selectFrom("dag_run_consumed_event")
    .select(["dag_id", "run_id", "event_id"])
    .orderBy("dag_id")
    .orderBy("event_id")
    .execute();
  const inbox = await db.selectFrom("asset_event_inbox").selectAll().orderBy("dag_id").orderBy("event_id").execute();
  const dags = await db.selectFrom("dag").select(["dag_id", "next_consume_at"]).orderBy("dag_id").execute();
  return {
    runs: runs.map((run) => ({ ...run, run_id: runId(run.run_id) })),
    tasks: tasks.map((task) => ({ ...task, run_id: runId(task.run_id) })),
    consumed: consumed.map((row) => ({ ...row, run_id: runId(row.run_id) })),
    inbox,
    dags,
  };
}

describe("a fan-out evaluated together (SQLite) against one consumer at a time", () => {
  it("writes the same runs, task instances, consumed events, inbox and due times", async () => {
    const together = await prepared();
    const single = await prepared();
    const event = (producerRun: string) => ({
      asset: asset(a),
      extra: {},
      aliases: [],
      source: { dagId: "producer", taskId: "write", runId: producerRun, mapIndex: -1 },
    });

    const byTogether = await together.ctx.db.transaction().execute(async (trx) => {
      const recorded = await recordEvent(together.ctx, trx, event(together.producerRun));
      expect([...recorded.consumers].sort()).toEqual([...CONSUMERS].sort());
      const result = await evaluateConsumersTogether(together.ctx, trx, recorded.consumers);
      const runs = result.runs.map((run) => run.dagId);
      for (const dagId of result.others) {
        for (const _ of await evaluateConsumer(together.ctx, trx, dagId)) runs.push(dagId);
      }
      return { runs, others: result.others };
    });
    const bySingle = await single.ctx.db.transaction().execute(async (trx) => {
      const recorded = await recordEvent(single.ctx, trx, event(single.producerRun));
      const runs: string[] = [];
      for (const dagId of recorded.consumers) {
        for (const _ of await evaluateConsumer(single.ctx, trx, dagId)) runs.push(dagId);
      }
      return runs;
    });

    // The set path took the simple consumers itself and left the others to evaluateConsumer.
    expect(byTogether.others).toEqual(expect.arrayContaining(["c_each", "c_alias", "c_no_tasks"]));
    expect(byTogether.others).not.toContain("c_free");
    expect(byTogether.others).not.toContain("c_chain");
    expect([...byTogether.runs].sort()).toEqual([...bySingle].sort());
    expect(bySingle.sort()).toEqual(
      ["c_alias", "c_and_done", "c_chain", "c_each", "c_free", "c_no_tasks", "c_or", "c_running_below"].sort(),
    );
    const expected = await snapshot(single.scheduler);
    expect(await snapshot(together.scheduler)).toEqual(expected);
    // The data interval is the source run's; the chain's root task is queued, the others wait.
    const free = expected.runs.find((run) => run.dag_id === "c_free");
    expect(free).toMatchObject({ data_interval_start: T0 - 3_600_000, data_interval_end: T0 - 60_000 });
    expect(
      expected.tasks
        .filter((task) => task.dag_id === "c_chain")
        .map((task) => [task.task_id, task.state])
        .sort(),
    ).toEqual([
      ["first", "queued"],
      ["second", "none"],
      ["third", "none"],
    ]);
  });
});
