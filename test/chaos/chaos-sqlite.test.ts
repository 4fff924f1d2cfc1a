/**
 * Chaos on SQLite: the same workload and checks as the PostgreSQL chaos test,
 * with the one-process deployment: `assetflow standalone` (scheduler, DAG
 * processor and worker pool) on a SQLite file, SIGKILLed again and again
 * and restarted on the same file. A restarted standalone fails the tries its
 * predecessor left running (they are retried), evaluates the consumers whose
 * events were committed but not acted upon, and carries on. The test process
 * triggers the producer runs through its own scheduler on the same file.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scheduler } from "../../scheduler/scheduler.js";
import { buildCli, type CliBuild } from "./cli-build.js";
import { runChaos, type Slot, startFleet, stopFleet, waitQuiescent, waitStarted } from "./harness.js";
import { type Child, cleanUp, killAll, spawnNode } from "./processes.js";
import { verifyWorkload, writeDagFile } from "./workload.js";

const KILL_EVERY_MS = 500;
const TARGET_ASSET_RUNS = Number(process.env.ASSETFLOW_CHAOS_TARGET_RUNS ?? 200);
/** The workload goes on until at least this many kills happened too. */
const MIN_KILLS = Number(process.env.ASSETFLOW_CHAOS_MIN_KILLS ?? 20);
/** A standalone is killed once it has been up this long and finished this many tries (start-up takes a while on 2 busy cores). */
const MIN_UPTIME_MS = 1000;
const MIN_TRIES = 1;

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
          upMs >= MIN_UPTIME_MS && child.messages.filter((m) => m.kind === "task_finished").length >= MIN_TRIES,
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
      countOrphans: async () => {
        const row = await db
          .selectFrom("task_instance")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("worker_id", "=", "standalone")
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
