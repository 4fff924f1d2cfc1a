/**
 * Consumption policies under several schedulers at once: three `Scheduler`s
 * on one store record events for one consumer, pause and unpause it, and
 * finish its runs under `maxActiveRuns: 2`. On PostgreSQL (the postgres
 * project) they run concurrently, each with its own pool; on a SQLite file
 * they take turns step by step (SQLite has one writer, and schedulers in one
 * process would block each other's transactions). Whatever the interleaving,
 * no event goes into two runs, none is dropped, and each run respects its
 * policy.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Asset, type ConsumePolicy, dag, serializeDags, task } from "assetflow";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { Scheduler, storeDatabase } from "../../scheduler/scheduler.js";
import { backendStore } from "./support.js";

const SCHEDULERS = 3;
const EVENTS_PER_SCHEDULER = 14;
const a1 = new Asset("s3://race/a1");
const a2 = new Asset("s3://race/a2");

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Several schedulers on one new store, sharing a clock the test moves. */
async function openSchedulers(clock: { now(): number }): Promise<Scheduler[]> {
  const store = backendStore().store;
  const open: Array<() => Promise<Scheduler>> = [];
  if (typeof store === "object") {
    const schema = `assetflow_race_${randomBytes(5).toString("hex")}`;
    for (let i = 0; i < SCHEDULERS; i++)
      open.push(() => Scheduler.open({ url: store.postgres, postgresSchema: schema, clock }));
    cleanups.push(async () => {
      const admin = await Scheduler.open({ url: store.postgres, postgresSchema: schema, clock });
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(storeDatabase(admin));
      await admin.close();
    });
  } else {
    const dir = mkdtempSync(join(tmpdir(), "assetflow-consume-race-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    for (let i = 0; i < SCHEDULERS; i++) open.push(() => Scheduler.open({ url: join(dir, "assetflow.db"), clock }));
  }
  const schedulers: Scheduler[] = [];
  for (const start of open) schedulers.push(await start());
  cleanups.push(async () => {
    for (const scheduler of schedulers) await scheduler.close();
  });
  return schedulers;
}

const POLICIES: Array<{ name: string; consume: ConsumePolicy; check(runs: number[][]): void }> = [
  { name: "all-pending", consume: "all-pending", check: () => undefined },
  {
    name: "each",
    consume: "each",
    check: (runs) => {
      for (const run of runs) expect(run).toHaveLength(1);
    },
  },
  {
    name: "maxEvents 4",
    consume: { maxEvents: 4 },
    check: (runs) => {
      for (const run of runs) expect(run.length).toBeLessThanOrEqual(4);
    },
  },
  { name: "debounce 1m", consume: { debounce: "1m", maxWait: "5m" }, check: () => undefined },
  { name: "window 1h", consume: { window: "1h" }, check: () => undefined },
];

describe(`consumption policies with ${SCHEDULERS} schedulers at once`, () => {
  for (const policy of POLICIES) {
    it(`${policy.name}: no event in two runs, none dropped, through pauses and maxActiveRuns 2`, async () => {
      let time = Date.UTC(2025, 0, 1);
      const clock = { now: () => time };
      const schedulers = await openSchedulers(clock);
      const consumer = dag(
        { dagId: "consumer", schedule: a1.or(a2), consume: policy.consume, maxActiveRuns: 2 },
        () => {
          task({ taskId: "noop" }, () => undefined);
        },
      );
      const [first] = schedulers as [Scheduler, ...Scheduler[]];
      /** Runs `work` for every scheduler: concurrently on PostgreSQL, in turns on SQLite. */
      const everyScheduler = async (work: (scheduler: Scheduler, index: number) => Promise<unknown>) => {
        if (first.store.dialect === "postgres") await Promise.all(schedulers.map(work));
        else for (const [index, scheduler] of schedulers.entries()) await work(scheduler, index);
      };
      await everyScheduler((scheduler) => scheduler.registerManifest(serializeDags([consumer])));

      /** A worker: finishes whatever consumer tries are queued. */
      const finishSome = async (scheduler: Scheduler) => {
        for (const request of await scheduler.claimTasks(`w-${randomBytes(2).toString("hex")}`, 4)) {
          await scheduler.completeTask(request.key, { state: "success", events: [] });
        }
      };
      const recorded: number[] = [];
      for (let n = 0; n < EVENTS_PER_SCHEDULER; n++) {
        await everyScheduler(async (scheduler, index) => {
          const asset = (n + index) % 2 === 0 ? a1 : a2;
          recorded.push((await scheduler.recordExternalEvent(asset, { createIfMissing: true })).eventId);
          if (n % 7 === index) await scheduler.pauseDag("consumer");
          if (n % 7 === index + 2) await scheduler.unpauseDag("consumer");
          if (n % 3 === index) await finishSome(scheduler);
        });
        if (n % 5 === 4) time += 20 * 60_000;
      }
      await first.unpauseDag("consumer");
      // Let every window end and every quiet period pass, finishing runs, until nothing is left.
      for (let step = 0; step < 200; step++) {
        time += 20 * 60_000;
        await everyScheduler((scheduler) => scheduler.tick());
        await everyScheduler(finishSome);
        const pending = await storeDatabase(first).selectFrom("asset_event_inbox").select("event_id").execute();
        const open = await storeDatabase(first)
          .selectFrom("dag_run")
          .select("run_id")
          .where("state", "in", ["queued", "running"])
          .execute();
        if (pending.length === 0 && open.length === 0) break;
      }

      const consumed = await storeDatabase(first)
        .selectFrom("dag_run_consumed_event as c")
        .innerJoin("dag_run as r", (join) => join.onRef("r.dag_id", "=", "c.dag_id").onRef("r.run_id", "=", "c.run_id"))
        .select(["r.id as run", "c.event_id"])
        .orderBy("r.id")
        .orderBy("c.event_id")
        .execute();
      const runs = new Map<number, number[]>();
      for (const row of consumed)
        runs.set(Number(row.run), [...(runs.get(Number(row.run)) ?? []), Number(row.event_id)]);
      const all = consumed.map((row) => Number(row.event_id));
      expect(new Set(all).size).toBe(all.length);
      expect([...all].sort((a, b) => a - b)).toEqual([...recorded].sort((a, b) => a - b));
      expect(await storeDatabase(first).selectFrom("asset_event_inbox").selectAll().execute()).toEqual([]);
      policy.check([...runs.values()]);
      const states = await storeDatabase(first).selectFrom("dag_run").select("state").distinct().execute();
      expect(states.map((row) => row.state)).toEqual(["success"]);
    });
  }
});
