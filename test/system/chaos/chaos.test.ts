/**
 * Chaos tests (DESIGN.md section 4): the real `assetflow` processes, from a
 * private build of the CLI, loading a real DAG file, are SIGKILLed again and
 * again and restarted while producer runs keep coming, until at least 200
 * asset-triggered runs exist across the chained DAGs (producer -> consumer1
 * -> consumer2, and an A & B consumer). At the end the store must hold every
 * event once, consumed once by each of its consumers, no duplicated run, and
 * every run and try finished (`verifyWorkload`).
 *
 * On SQLite (always): the one-process deployment, `assetflow standalone`
 * (scheduler, DAG processor and worker pool), killed and restarted on the
 * same file. A restarted standalone fails the tries its predecessor left
 * running (they are retried), evaluates the consumers whose events were
 * committed but not acted upon, and carries on. The test process triggers the
 * producer runs through its own scheduler on the same file.
 *
 * On PostgreSQL (when ASSETFLOW_TEST_DATABASE_URL is set): three `assetflow
 * scheduler` and three `assetflow worker` processes share one schema while,
 * every half second, a random one of them is SIGKILLed and restarted at once.
 * Workers come back under a new id each time, so the tries a killed worker was
 * running are recovered only by the schedulers' heartbeat check
 * (`--lost-after`), then retried.
 *
 * In both, only a process that had the chance to do its job is a kill
 * candidate (a scheduler up for longer than its lost-try check period, a
 * worker or standalone that finished a few tries), and the last started
 * scheduler or worker is spared: on 2 busy cores a restart takes seconds, and
 * killing processes before they start would test nothing but start-up.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIN_LOST_AFTER_S } from "../../../cli/commands/scheduler.js";
import { Scheduler, storeDatabase } from "../../../scheduler/scheduler.js";
import { adminQuery, postgresUrl, testSchemaName, withSearchPath } from "../../store/backends.js";
import { buildCli, type CliBuild } from "./cli-build.js";
import { runChaos, type Slot, type SlotSpec, startFleet, stopFleet, waitQuiescent, waitStarted } from "./harness.js";
import { type Child, cleanUp, killAll, spawnNode } from "./processes.js";
import { verifyWorkload, writeDagFile } from "./workload.js";

/** A kill every this many ms (of a candidate, see above). */
const KILL_EVERY_MS = 500;
const TARGET_ASSET_RUNS = Number(process.env.ASSETFLOW_CHAOS_TARGET_RUNS ?? 200);

/** SQLite: a standalone is killed once it has been up this long and finished this many tries. */
const STANDALONE_MIN_UPTIME_MS = 1000;
const STANDALONE_MIN_TRIES = 1;
/** SQLite: the workload goes on until at least this many kills happened too. */
const STANDALONE_MIN_KILLS = Number(process.env.ASSETFLOW_CHAOS_MIN_KILLS ?? 20);

/** PostgreSQL: the fleet. */
const SCHEDULERS = 3;
const WORKERS = 3;
/** PostgreSQL: a scheduler is killed once up long enough to run its lost-try check (every 10 s); a worker once it finished a few tries. */
const SCHEDULER_MIN_UPTIME_MS = 11_000;
const WORKER_MIN_UPTIME_MS = 1000;
const WORKER_MIN_TRIES = 3;
/** PostgreSQL: the workload goes on until at least this many kills happened too. */
const FLEET_MIN_KILLS = Number(process.env.ASSETFLOW_CHAOS_MIN_KILLS ?? 60);
/** PostgreSQL: seconds without a heartbeat after which a scheduler fails (and retries) a try: the smallest allowed. */
const LOST_AFTER_S = MIN_LOST_AFTER_S;

describe("chaos on SQLite", () => {
  const work = mkdtempSync(join(tmpdir(), "assetflow-chaos-sqlite-"));
  const dags = join(work, "dags");
  const home = join(work, "home");
  let cli: CliBuild | undefined;
  let slots: Slot[] = [];
  let scheduler: Scheduler | undefined;

  beforeAll(async () => {
    mkdirSync(dags);
    writeDagFile(dags);
    cli = await buildCli("chaos-sqlite");
  });

  afterAll(async () => {
    await cleanUp([
      () => stopFleet(slots),
      () => killAll(),
      () => scheduler?.close(),
      () => cli?.remove(),
      // Task processes of a killed standalone exit when they notice: retry while they finish writing.
      () => rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
    ]);
  });

  it(`assetflow standalone SIGKILLed every ${KILL_EVERY_MS} ms and restarted: ${TARGET_ASSET_RUNS}+ asset-triggered runs, every event consumed once, nothing lost or doubled`, async () => {
    const started = Date.now();
    const main = (cli as CliBuild).main;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? work,
      ASSETFLOW_HOME: home,
    };
    slots = startFleet([
      {
        name: "standalone",
        role: "standalone",
        killable: (child: Child, upMs: number) =>
          upMs >= STANDALONE_MIN_UPTIME_MS &&
          child.messages.filter((m) => m.kind === "task_finished").length >= STANDALONE_MIN_TRIES,
        spawn: (n: number) =>
          spawnNode(
            `standalone#${n}`,
            [main, "standalone", "--dags", dags, "--workers", "2", "--port", "0", "--grace", "0", "--json"],
            env,
          ),
      },
    ]);
    await waitStarted(slots, 120_000);
    const startup = Date.now() - started;
    scheduler = await Scheduler.open({ url: join(home, "assetflow.db") });
    const db = storeDatabase(scheduler);

    const lines: string[] = [];
    const chaos = await runChaos({
      slots,
      scheduler,
      killEveryMs: KILL_EVERY_MS,
      targetAssetRuns: TARGET_ASSET_RUNS,
      minKills: STANDALONE_MIN_KILLS,
      maxProducerRuns: 5000,
      producersInFlight: 4,
      maxMs: Number(process.env.ASSETFLOW_CHAOS_MAX_S ?? 300) * 1000,
      log: (line) => {
        lines.push(line);
        if (process.env.ASSETFLOW_CHAOS_VERBOSE) console.log(line);
      },
      countOrphans: async () => {
        const row = await db
          .selectFrom("task_instance")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          // Worker ids are per process: standalone@<host>#<pid>.
          .where("worker_id", "like", "standalone@%")
          .where("state", "=", "running")
          .executeTakeFirstOrThrow();
        return Number(row.n);
      },
    });
    const settle = await waitQuiescent(scheduler, 90_000);
    const summary = (await verifyWorkload(db, chaos.producerRuns)) as { assetTriggeredRuns: number };

    const crashes = slots.flatMap((slot) => slot.crashes);
    const orphaned = chaos.kills.reduce((sum, kill) => sum + kill.orphanedTries, 0);
    console.log(
      [
        `chaos on SQLite: ${((Date.now() - started) / 1000).toFixed(1)} s (start-up ${(startup / 1000).toFixed(1)} s, chaos ${(chaos.chaosMs / 1000).toFixed(1)} s, settling ${(settle / 1000).toFixed(1)} s)`,
        `  ${chaos.kills.length} SIGKILLs of assetflow standalone (one every ${(chaos.chaosMs / Math.max(1, chaos.kills.length) / 1000).toFixed(2)} s); ${orphaned} tries left running, recovered by the next start`,
        ...lines,
        `  ${JSON.stringify(summary)}`,
      ].join("\n"),
    );
    expect(crashes).toEqual([]);
    expect(summary.assetTriggeredRuns).toBeGreaterThanOrEqual(TARGET_ASSET_RUNS);
    expect(orphaned).toBeGreaterThan(0);
  }, 900_000);
});

if (!postgresUrl) {
  console.warn(
    "[assetflow] chaos test on PostgreSQL (3 schedulers + 3 workers under SIGKILL): skipped, it needs PostgreSQL. Set ASSETFLOW_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it.",
  );
} else {
  const url = postgresUrl;
  describe("chaos on PostgreSQL", () => {
    const schema = testSchemaName("chaos");
    const work = mkdtempSync(join(tmpdir(), "assetflow-chaos-pg-"));
    const dags = join(work, "dags");
    let cli: CliBuild | undefined;
    let slots: Slot[] = [];
    let scheduler: Scheduler | undefined;

    beforeAll(async () => {
      mkdirSync(dags);
      writeDagFile(dags);
      cli = await buildCli("chaos-pg");
      await adminQuery(url, `CREATE SCHEMA ${schema}`);
    });

    afterAll(async () => {
      await cleanUp([
        () => stopFleet(slots),
        () => killAll(),
        () => scheduler?.close(),
        () => adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
        () => cli?.remove(),
        // Task processes of killed workers exit when they notice: retry while they finish writing.
        () => rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
      ]);
    });

    it(`${SCHEDULERS} schedulers and ${WORKERS} workers, one SIGKILLed every ${KILL_EVERY_MS} ms: ${TARGET_ASSET_RUNS}+ asset-triggered runs, every event consumed once, nothing lost or doubled`, async () => {
      const started = Date.now();
      const main = (cli as CliBuild).main;
      const storeUrl = withSearchPath(url, schema);
      const envFor = (home: string): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? work,
        ASSETFLOW_DATABASE_URL: storeUrl,
        ASSETFLOW_HOME: join(work, home),
      });
      const workerIds = new Map<Child, string>();
      const specs: SlotSpec[] = [
        ...Array.from({ length: SCHEDULERS }, (_, index) => ({
          name: `scheduler-${index}`,
          role: "scheduler",
          killable: (_child: Child, upMs: number) => upMs >= SCHEDULER_MIN_UPTIME_MS,
          spawn: (n: number) =>
            spawnNode(
              `scheduler-${index}#${n}`,
              [main, "scheduler", "--dags", dags, "--lost-after", String(LOST_AFTER_S), "--json"],
              envFor(`scheduler-${index}`),
            ),
        })),
        ...Array.from({ length: WORKERS }, (_, index) => ({
          name: `worker-${index}`,
          role: "worker",
          killable: (child: Child, upMs: number) =>
            upMs >= WORKER_MIN_UPTIME_MS &&
            child.messages.filter((m) => m.kind === "task_finished").length >= WORKER_MIN_TRIES,
          spawn: (n: number) => {
            // A new id per incarnation: only the schedulers' heartbeat check can recover its predecessor's tries.
            const workerId = `worker-${index}-${n}`;
            const child = spawnNode(
              `worker-${index}#${n}`,
              [main, "worker", "--concurrency", "1", "--worker-id", workerId, "--grace", "0", "--json"],
              envFor(`worker-${index}`),
            );
            workerIds.set(child, workerId);
            return child;
          },
        })),
      ];
      // All six at once on an empty schema: concurrent migrations and registrations.
      slots = startFleet(specs);
      await waitStarted(slots, 120_000);
      const startup = Date.now() - started;
      scheduler = await Scheduler.open({ url, postgresSchema: schema });
      const db = storeDatabase(scheduler);

      const lines: string[] = [];
      const chaos = await runChaos({
        slots,
        scheduler,
        killEveryMs: KILL_EVERY_MS,
        targetAssetRuns: TARGET_ASSET_RUNS,
        minKills: FLEET_MIN_KILLS,
        maxProducerRuns: 5000,
        producersInFlight: 4,
        maxMs: Number(process.env.ASSETFLOW_CHAOS_MAX_S ?? 300) * 1000,
        log: (line) => {
          lines.push(line);
          if (process.env.ASSETFLOW_CHAOS_VERBOSE) console.log(line);
        },
        countOrphans: async (victim) => {
          const workerId = workerIds.get(victim);
          if (!workerId) return 0;
          const row = await db
            .selectFrom("task_instance")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            // The process id is appended to the given id: <id>#<pid>.
            .where("worker_id", "like", `${workerId}#%`)
            .where("state", "=", "running")
            .executeTakeFirstOrThrow();
          return Number(row.n);
        },
      });
      const settle = await waitQuiescent(scheduler, 90_000);
      const summary = await verifyAndSummarize(db, chaos.producerRuns);

      const crashes = slots.flatMap((slot) => slot.crashes);
      const lostTries = slots
        .filter((slot) => slot.name.startsWith("scheduler"))
        .flatMap((slot) => slot.incarnations)
        .flatMap((child) => child.messages.filter((m) => m.kind === "lost_try"));
      const orphaned = chaos.kills.reduce((sum, kill) => sum + kill.orphanedTries, 0);
      const killsOf = (prefix: string) => chaos.kills.filter((kill) => kill.slot.startsWith(prefix)).length;
      console.log(
        [
          `chaos on PostgreSQL: ${((Date.now() - started) / 1000).toFixed(1)} s (start-up ${(startup / 1000).toFixed(1)} s, chaos ${(chaos.chaosMs / 1000).toFixed(1)} s, settling ${(settle / 1000).toFixed(1)} s)`,
          `  ${chaos.kills.length} SIGKILLs (one every ${(chaos.chaosMs / Math.max(1, chaos.kills.length) / 1000).toFixed(2)} s): ${killsOf("scheduler")} schedulers, ${killsOf("worker")} workers; ${orphaned} tries left running by killed workers; ${lostTries.length} lost tries failed by the schedulers' heartbeat check and retried`,
          ...lines,
          `  ${JSON.stringify(summary)}`,
        ].join("\n"),
      );
      expect(crashes).toEqual([]);
      expect(summary.assetTriggeredRuns).toBeGreaterThanOrEqual(TARGET_ASSET_RUNS);
      // The kills did interrupt work, and the heartbeat check is what recovered it.
      expect(orphaned).toBeGreaterThan(0);
      expect(lostTries.length).toBeGreaterThan(0);
    }, 900_000);
  });
}

async function verifyAndSummarize(db: ReturnType<typeof storeDatabase>, producerRuns: number) {
  return (await verifyWorkload(db, producerRuns)) as { assetTriggeredRuns: number } & Record<string, unknown>;
}
