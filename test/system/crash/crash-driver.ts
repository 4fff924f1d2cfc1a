/**
 * The child process of the crash test (issue 3): one scheduler plus an
 * in-process worker over a SQLite file, meant to be SIGKILLed at any moment
 * and started again on the same file.
 *
 * Usage: `node crash-driver.mjs <db-file> <target-producer-runs>`
 *
 * On start it opens (and migrates) the store, registers the workload, fails
 * the tries its previous incarnation left running (they are retried), and
 * ticks (evaluating consumers whose events were committed but not yet acted
 * upon, starting queued runs, requeueing retries). Then it loops: it triggers
 * producer runs (numbered from the count in the database, so a restart
 * continues the sequence) until `target` exist, and claims, runs and
 * completes tasks in-process with `runTask`. It exits 0 once the target is
 * reached and everything is idle: every run final and every consumer's inbox
 * empty or not satisfying its condition.
 *
 * Tasks fail at random (they have retries) so failed tries that record
 * nothing are part of the mix. Progress goes to stdout, one line each.
 */

import { setTimeout as sleep } from "node:timers/promises";
import { Asset, type Dag, dag, Metadata, resolveDag, serializeDags, task } from "assetflow";
import { runTask } from "assetflow/runtime";
import { Scheduler, type TaskOutcome, type TaskRunRequest } from "assetflow/scheduler";
import { storeDatabase } from "../../../scheduler/scheduler.js";

/** The one worker id of every incarnation: a restart fails all tries still running under it. */
const WORKER_ID = "crash-driver";
/** Tries run at once by the in-process worker pool. */
const CONCURRENCY = 4;
/** Producer runs kept in flight at once (more would only queue). */
const MAX_PRODUCERS_IN_FLIGHT = 4;
/** Probability that a try throws (it is retried). */
const FAILURE_RATE = 0.1;
const RETRIES = 1000;

const A = new Asset<{ n: number }>("s3://crash/a");
const B = new Asset<{ n: number }>("s3://crash/b");
const C = new Asset<{ events: number }>("s3://crash/c");

/** Throws now and then, and sometimes yields to the event loop (so kills land inside tasks too). */
async function flaky(label: string): Promise<void> {
  if (Math.random() < 0.3) await sleep(Math.floor(Math.random() * 3));
  if (Math.random() < FAILURE_RATE) throw new Error(`transient failure of ${label}`);
}

const taskOptions = { retries: RETRIES, retryDelay: 0 };

/** Manual producer: `write_a` then `write_b`, each recording one event with extra `{ n }` (the run's number). */
const producer = dag({ dagId: "producer", schedule: null }, () => {
  const writeA = task({ taskId: "write_a", outlets: [A], ...taskOptions }, async function* (ctx) {
    await flaky("write_a");
    yield new Metadata(A, { n: Number(ctx.conf.n) });
  });
  task({ taskId: "write_b", outlets: [B], after: [writeA], ...taskOptions }, async function* (ctx) {
    await flaky("write_b");
    yield new Metadata(B, { n: Number(ctx.conf.n) });
  });
});

/** On A; at most 2 runs at once; records C (the chain's middle asset). */
const consumeA = dag({ dagId: "consume_a", schedule: A, maxActiveRuns: 2 }, () => {
  task({ taskId: "step", outlets: [C], ...taskOptions }, async function* (ctx) {
    await flaky("consume_a.step");
    yield new Metadata(C, { events: ctx.triggeringAssetEvents.get(A).length });
  });
});

/** On C: the second link of the chain. */
const consumeC = dag({ dagId: "consume_c", schedule: C }, () => {
  task({ taskId: "step", ...taskOptions }, () => flaky("consume_c.step"));
});

/** On A & B. */
const consumeAAndB = dag({ dagId: "consume_a_and_b", schedule: A.and(B) }, () => {
  task({ taskId: "step", ...taskOptions }, () => flaky("consume_a_and_b.step"));
});

/** On A | B, one run at a time (events wait in the inbox while it runs). */
const consumeAOrB = dag({ dagId: "consume_a_or_b", schedule: A.or(B), maxActiveRuns: 1 }, () => {
  task({ taskId: "step", ...taskOptions }, () => flaky("consume_a_or_b.step"));
});

const WORKLOAD = [producer, consumeA, consumeC, consumeAAndB, consumeAOrB];
const CONSUMER_IDS = ["consume_a", "consume_c", "consume_a_and_b", "consume_a_or_b"] as const;

async function main(): Promise<void> {
  const [file, targetText] = process.argv.slice(2);
  const target = Number(targetText);
  if (!file || !Number.isInteger(target) || target < 0) {
    throw new Error("usage: crash-driver <db-file> <target-producer-runs>");
  }
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  say(`start pid=${process.pid}`);

  const scheduler = await Scheduler.open({ url: file });
  const dags = new Map<string, Dag>(WORKLOAD.map((value) => [value.dagId, resolveDag(value)]));
  await scheduler.registerManifest(serializeDags([...dags.values()]));
  say("registered");
  const lost = await scheduler.failLostTasks({ workerIds: [WORKER_ID] });
  const recovered = await scheduler.tick();
  say(`ready lost=${lost.length} assetRuns=${recovered.assetRuns.length} requeued=${recovered.requeued}`);

  const db = storeDatabase(scheduler);
  const countRuns = async (dagId: string, states?: string[]): Promise<number> => {
    let query = db
      .selectFrom("dag_run")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("dag_id", "=", dagId);
    if (states) query = query.where("state", "in", states as ("queued" | "running")[]);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.count);
  };

  // A small worker pool: up to CONCURRENCY tries run at once, each completed as soon as it ends.
  let completed = 0;
  const inFlight = new Set<Promise<void>>();
  const runOne = async (request: TaskRunRequest): Promise<void> => {
    const definition = dags.get(request.key.dagId);
    const outcome: TaskOutcome = definition
      ? await runTask(definition, request, { reader: scheduler.eventReader(), log: () => {} })
      : { state: "failed", error: { message: `unknown DAG ${request.key.dagId}` } };
    await scheduler.completeTask(request.key, outcome);
    completed++;
    if (completed % 25 === 0) say(`progress completed=${completed}`);
  };
  for (;;) {
    const producers = await countRuns("producer");
    if (producers < target && (await countRuns("producer", ["queued", "running"])) < MAX_PRODUCERS_IN_FLIGHT) {
      const n = producers + 1;
      await scheduler.triggerDag("producer", { conf: { n } });
      say(`triggered n=${n}`);
    }
    const requests =
      inFlight.size < CONCURRENCY ? await scheduler.claimTasks(WORKER_ID, CONCURRENCY - inFlight.size) : [];
    for (const request of requests) {
      const promise: Promise<void> = runOne(request).finally(() => inFlight.delete(promise));
      inFlight.add(promise);
    }
    if (requests.length > 0) continue;
    // Nothing claimable: do the time-driven work (retries are due at once) and the fallback evaluation.
    const ticked = await scheduler.tick();
    if (ticked.requeued > 0 || ticked.assetRuns.length > 0) continue;
    if (inFlight.size > 0) {
      await Promise.race(inFlight);
      continue;
    }
    if (producers >= target && (await isIdle(scheduler))) break;
    await sleep(1);
  }
  say(`done producers=${await countRuns("producer")} completedTries=${completed}`);
  await scheduler.close();
}

/** True when no run is active and no consumer's pending events satisfy its condition. */
async function isIdle(scheduler: Scheduler): Promise<boolean> {
  const active = await storeDatabase(scheduler)
    .selectFrom("dag_run")
    .select("run_id")
    .where("state", "in", ["queued", "running"])
    .limit(1)
    .execute();
  if (active.length > 0) return false;
  for (const dagId of CONSUMER_IDS) {
    const explained = await scheduler.explainConsumer(dagId);
    if (explained?.satisfied) return false;
  }
  return true;
}

main().catch((error: unknown) => {
  process.stderr.write(`crash-driver failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
