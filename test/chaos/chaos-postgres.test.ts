/**
 * Chaos on PostgreSQL (DESIGN.md section 4): three `assetflow scheduler` and
 * three `assetflow worker` processes share one store while, every half
 * second, a random one of them is SIGKILLed and restarted at once. Only a
 * process that had the chance to do its job is a candidate (a scheduler up
 * for longer than its lost-try check period, a worker that finished a few
 * tries), and the last started scheduler or worker is spared: on 2 busy
 * cores a restart takes seconds, and killing processes before they start
 * would test nothing but start-up. Producer runs keep
 * coming until at least 200 asset-triggered runs exist across the chained
 * DAGs (producer -> consumer1 -> consumer2, and an A & B consumer). Workers
 * come back under a new id each time, so the tries a killed worker was
 * running are recovered only by the schedulers' heartbeat check
 * (`--lost-after`), then retried. At the end the store must hold every event
 * once, consumed once by each of its consumers, no duplicated run, and every
 * run and try finished.
 *
 * The processes are the real command, from a private build of the CLI; the
 * DAG file is real user code that they load.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scheduler } from "../../scheduler/scheduler.js";
import { adminQuery, postgresUrl, testSchemaName, withSearchPath } from "../store/backends.js";
import { buildCli, type CliBuild } from "./cli-build.js";
import { runChaos, type Slot, type SlotSpec, startFleet, stopFleet, waitQuiescent, waitStarted } from "./harness.js";
import { type Child, cleanUp, killAll, spawnNode } from "./processes.js";
import { writeDagFile } from "./workload.js";

const SCHEDULERS = 3;
const WORKERS = 3;
const KILL_EVERY_MS = 500;
/**
 * A scheduler is killed only once it has been up long enough to run its lost-try
 * check (every `--lost-after` seconds); a worker once it finished a try. Start-up alone
 * (loading the DAG file in fresh worker processes) takes seconds on 2 busy cores.
 */
const SCHEDULER_MIN_UPTIME_MS = 4000;
const WORKER_MIN_UPTIME_MS = 1000;
const WORKER_MIN_TRIES = 3;
const TARGET_ASSET_RUNS = Number(process.env.ASSETFLOW_CHAOS_TARGET_RUNS ?? 200);
/** The workload goes on until at least this many kills happened too. */
const MIN_KILLS = Number(process.env.ASSETFLOW_CHAOS_MIN_KILLS ?? 60);
/** Seconds without a heartbeat after which a scheduler fails (and retries) a try. */
const LOST_AFTER_S = 3;

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
      const db = scheduler.db;

      const lines: string[] = [];
      const chaos = await runChaos({
        slots,
        scheduler,
        killEveryMs: KILL_EVERY_MS,
        targetAssetRuns: TARGET_ASSET_RUNS,
        minKills: MIN_KILLS,
        maxProducerRuns: 400,
        producersInFlight: 4,
        maxMs: Number(process.env.ASSETFLOW_CHAOS_MAX_S ?? 600) * 1000,
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
            .where("worker_id", "=", workerId)
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

async function verifyAndSummarize(db: Scheduler["db"], producerRuns: number) {
  const { verifyWorkload } = await import("./workload.js");
  return (await verifyWorkload(db, producerRuns)) as { assetTriggeredRuns: number } & Record<string, unknown>;
}
