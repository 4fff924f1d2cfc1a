/**
 * The chaos workload and its checks, shared by the PostgreSQL and SQLite
 * chaos tests. The DAG file is real user code that the scheduler and worker
 * processes load: a manual producer updates A; `consumer1` (two tasks) runs
 * on A and updates B; `consumer2` runs on B; `consumer_a_and_b` runs on A & B.
 * Every task pauses a little (so kills land inside tasks) and fails now and
 * then (it has retries), so failed tries that record nothing are in the mix.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { expect } from "vitest";
import { type Scheduler, storeDatabase } from "../../../scheduler/scheduler.js";
import type { Database } from "../../../scheduler/store/schema.js";

export const URI_A = "s3://chaos/a";
export const URI_B = "s3://chaos/b";

/** Consumers, the assets each schedule mentions, and whether it needs all of them. */
export const CONSUMERS = {
  consumer1: { uris: [URI_A], all: true },
  consumer2: { uris: [URI_B], all: true },
  consumer_a_and_b: { uris: [URI_A, URI_B], all: true },
} as const;
export type ConsumerId = keyof typeof CONSUMERS;

/** Which task records which asset. */
const OUTLETS: Record<string, string> = { "producer.write_a": URI_A, "consumer1.publish": URI_B };

const DAG_FILE = `
import { Asset, dag, Metadata, task } from "assetflow";
import { storeDatabase } from "../../../scheduler/scheduler.js";

const A = new Asset<{ n: number }>("${URI_A}");
const B = new Asset<{ events: number; ns: number[] }>("${URI_B}");
const retry = { retries: 1000, retryDelay: 0 };

/** A short pause, so that kills land inside tasks too; fails now and then (the try is retried). */
async function work(label: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 40)));
  if (Math.random() < 0.05) throw new Error(\`transient failure of \${label}\`);
}

export const producer = dag({ dagId: "producer", schedule: null, maxActiveRuns: 64 }, () => {
  task({ taskId: "write_a", outlets: [A], ...retry }, async function* (ctx) {
    await work("producer.write_a");
    yield new Metadata(A, { n: Number(ctx.conf.n) });
  });
});

export const consumer1 = dag({ dagId: "consumer1", schedule: A }, () => {
  const extract = task({ taskId: "extract", ...retry }, async (ctx) => {
    await work("consumer1.extract");
    return ctx.triggeringAssetEvents.get(A).length;
  });
  task({ taskId: "publish", outlets: [B], after: [extract], ...retry }, async function* (ctx) {
    await work("consumer1.publish");
    const events = ctx.triggeringAssetEvents.get(A);
    yield new Metadata(B, { events: events.length, ns: events.map((event) => Number(event.extra.n)) });
  });
});

export const consumer2 = dag({ dagId: "consumer2", schedule: B }, () => {
  task({ taskId: "step", ...retry }, () => work("consumer2.step"));
});

export const consumerAAndB = dag({ dagId: "consumer_a_and_b", schedule: A.and(B) }, () => {
  task({ taskId: "step", ...retry }, () => work("consumer_a_and_b.step"));
});
`;

/** Writes the workload's DAG file into `folder`; returns its path. */
export function writeDagFile(folder: string): string {
  const file = join(folder, "chaos_dags.ts");
  writeFileSync(file, DAG_FILE);
  return file;
}

/** Numbers of runs and events, by kind. */
export interface WorkloadCounts {
  readonly producerRuns: number;
  readonly assetTriggeredRuns: number;
}

/** How many producer runs exist and how many asset-triggered runs were created so far. */
export async function workloadCounts(db: Kysely<Database>): Promise<WorkloadCounts> {
  const rows = await db
    .selectFrom("dag_run")
    .select(["run_type", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("run_type")
    .execute();
  const of = (type: string) => Number(rows.find((row) => row.run_type === type)?.n ?? 0);
  return { producerRuns: of("manual"), assetTriggeredRuns: of("asset_triggered") };
}

/** Producer runs queued or running. */
export async function producersInFlight(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("dag_run")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("dag_id", "=", "producer")
    .where("state", "in", ["queued", "running"])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * True when nothing is left to do: no run or try active, and no consumer's
 * pending events satisfy its condition.
 */
export async function isQuiescent(scheduler: Scheduler): Promise<boolean> {
  const active = await storeDatabase(scheduler)
    .selectFrom("dag_run")
    .select("run_id")
    .where("state", "in", ["queued", "running"])
    .limit(1)
    .execute();
  if (active.length > 0) return false;
  const busy = await storeDatabase(scheduler)
    .selectFrom("task_instance")
    .select("run_id")
    .where("state", "in", ["none", "queued", "running", "up_for_retry"])
    .limit(1)
    .execute();
  if (busy.length > 0) return false;
  for (const dagId of Object.keys(CONSUMERS)) {
    if ((await scheduler.explainConsumer(dagId))?.satisfied) return false;
  }
  return true;
}

type Row = Record<string, unknown>;

/**
 * Checks the store against DESIGN.md section 4 after a chaos run: no run
 * duplicated or left unfinished, every event recorded exactly once by the
 * try that succeeded, and consumed exactly once by each of its consumers (or
 * still pending where the condition cannot be met yet). Returns the counts.
 */
export async function verifyWorkload(db: Kysely<Database>, producerRuns: number): Promise<Record<string, unknown>> {
  const runs = await db.selectFrom("dag_run").select(["id", "dag_id", "run_id", "run_type", "state", "conf"]).execute();
  // Runs: unique, all finished and successful (tasks have retries enough).
  const runKeys = runs.map((run) => `${run.dag_id}/${run.run_id}`);
  expect(new Set(runKeys).size).toBe(runKeys.length);
  expect(
    runs.filter((run) => run.state !== "success").map((run) => `${run.dag_id}/${run.run_id}: ${run.state}`),
  ).toEqual([]);
  const producer = runs.filter((run) => run.dag_id === "producer");
  expect(producer.every((run) => run.run_type === "manual")).toBe(true);
  expect(producer.map((run) => (JSON.parse(run.conf) as { n: number }).n).sort((x, y) => x - y)).toEqual(
    Array.from({ length: producerRuns }, (_, index) => index + 1),
  );
  expect(runs.filter((run) => run.dag_id !== "producer" && run.run_type !== "asset_triggered")).toEqual([]);

  // Task instances: every one final and successful, with at least one try, and of an existing run.
  const tis = await db
    .selectFrom("task_instance")
    .select(["dag_id", "run_id", "task_id", "state", "try_number"])
    .execute();
  expect(tis.filter((ti) => ti.state !== "success" || ti.try_number < 1)).toEqual([]);
  const runSet = new Set(runKeys);
  expect(tis.filter((ti) => !runSet.has(`${ti.dag_id}/${ti.run_id}`))).toEqual([]);

  // Events: only from tasks; one per successful outlet task; none from any other task.
  const assets = await db.selectFrom("asset").select(["id", "uri"]).execute();
  const uriOf = new Map(assets.map((asset) => [Number(asset.id), asset.uri]));
  const events = await db
    .selectFrom("asset_event")
    .select(["id", "asset_id", "extra", "source_dag_id", "source_run_id", "source_task_id"])
    .execute();
  expect(events.filter((event) => event.source_run_id === null)).toEqual([]);
  const perTask = new Map<string, string[]>();
  for (const event of events) {
    const key = `${event.source_dag_id}/${event.source_run_id}/${event.source_task_id}`;
    perTask.set(key, [...(perTask.get(key) ?? []), uriOf.get(Number(event.asset_id)) as string]);
  }
  for (const ti of tis) {
    const expected = OUTLETS[`${ti.dag_id}.${ti.task_id}`];
    const recorded = perTask.get(`${ti.dag_id}/${ti.run_id}/${ti.task_id}`) ?? [];
    expect({ task: `${ti.dag_id}.${ti.task_id}`, recorded }).toEqual({
      task: `${ti.dag_id}.${ti.task_id}`,
      recorded: expected ? [expected] : [],
    });
  }
  const eventsOf = (uri: string) => events.filter((event) => uriOf.get(Number(event.asset_id)) === uri);
  expect(
    eventsOf(URI_A)
      .map((event) => (JSON.parse(event.extra) as { n: number }).n)
      .sort((x, y) => x - y),
  ).toEqual(Array.from({ length: producerRuns }, (_, index) => index + 1));
  const runsOf = (dagId: string) => runs.filter((run) => run.dag_id === dagId);
  expect(eventsOf(URI_B)).toHaveLength(runsOf("consumer1").length);

  // Consumption: every event of a mentioned asset is, for each consumer, exactly once consumed or pending.
  const consumed = await db.selectFrom("dag_run_consumed_event").select(["dag_id", "run_id", "event_id"]).execute();
  const pending = await db.selectFrom("asset_event_inbox").select(["dag_id", "event_id"]).execute();
  expect(consumed.filter((row) => !runSet.has(`${row.dag_id}/${row.run_id}`))).toEqual([]);
  const summary: Record<string, unknown> = {
    producerRuns,
    events: { a: eventsOf(URI_A).length, b: eventsOf(URI_B).length },
  };
  let assetTriggered = 0;
  for (const [dagId, consumer] of Object.entries(CONSUMERS)) {
    const mine = consumed.filter((row) => row.dag_id === dagId);
    const waiting = pending.filter((row) => row.dag_id === dagId);
    const times = new Map<number, number>();
    for (const row of [...mine, ...waiting])
      times.set(Number(row.event_id), (times.get(Number(row.event_id)) ?? 0) + 1);
    const wrong = events.filter((event) => {
      const expected = (consumer.uris as readonly string[]).includes(uriOf.get(Number(event.asset_id)) as string)
        ? 1
        : 0;
      return (times.get(Number(event.id)) ?? 0) !== expected;
    });
    expect({ dagId, wrong }).toEqual({ dagId, wrong: [] });

    // Every run consumed events that satisfy its condition.
    for (const run of runsOf(dagId)) {
      const uris = new Set(
        mine
          .filter((row) => row.run_id === run.run_id)
          .map((row) => uriOf.get(Number(events.find((e) => Number(e.id) === Number(row.event_id))?.asset_id))),
      );
      expect({ dagId, run: run.run_id, satisfied: consumer.uris.every((uri) => uris.has(uri)) }).toEqual({
        dagId,
        run: run.run_id,
        satisfied: true,
      });
    }
    // What is still pending cannot trigger a run.
    const pendingUris = new Set(
      waiting.map((row) => uriOf.get(Number(events.find((e) => Number(e.id) === Number(row.event_id))?.asset_id))),
    );
    expect({ dagId, satisfiable: waiting.length > 0 && consumer.uris.every((uri) => pendingUris.has(uri)) }).toEqual({
      dagId,
      satisfiable: false,
    });
    assetTriggered += runsOf(dagId).length;
    summary[dagId] = { runs: runsOf(dagId).length, consumed: mine.length, pending: waiting.length };
  }
  // Single-asset consumers consumed everything.
  expect(pending.filter((row) => row.dag_id !== "consumer_a_and_b")).toEqual([]);

  // A retried consumer1 try saw exactly the events its run consumed (B's extra lists the producers' numbers).
  for (const event of eventsOf(URI_B)) {
    const extra = JSON.parse(event.extra) as { events: number; ns: number[] };
    const consumedNs = consumed
      .filter((row) => row.dag_id === "consumer1" && row.run_id === event.source_run_id)
      .map((row) => events.find((e) => Number(e.id) === Number(row.event_id)))
      .map((e) => (JSON.parse(e?.extra ?? "{}") as { n: number }).n)
      .sort((x, y) => x - y);
    expect({ run: event.source_run_id, seen: [...extra.ns].sort((x, y) => x - y) }).toEqual({
      run: event.source_run_id,
      seen: consumedNs,
    });
  }
  const retried = tis.filter((ti) => ti.try_number > 1);
  summary.assetTriggeredRuns = assetTriggered;
  summary.taskInstances = tis.length;
  summary.retriedTaskInstances = retried.length;
  summary.extraTries = retried.reduce((sum, ti) => sum + ti.try_number - 1, 0);
  return summary as Row;
}
