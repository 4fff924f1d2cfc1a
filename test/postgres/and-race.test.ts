/**
 * Several schedulers on PostgreSQL (DESIGN.md section 4): eight producers
 * finish at the same moment, each updating one of the eight assets of an AND
 * consumer, through three scheduler processes. Every round must give exactly
 * one consumer run, consuming all eight events — never two runs, never a run
 * with part of them, never none.
 *
 * Each child process (`and-race-driver.ts`, bundled) has its own `Scheduler`
 * and connection pool on one shared schema; the three start at once (creating
 * the schema, migrating and registering concurrently). Per round the test
 * triggers the producers; the children claim the eight tries between them
 * (3 + 3 + 2); then all of them complete their tries at one shared start
 * time, each completion on its own connection, and each process evaluates the
 * consumer right after its commits, as workers do. The test checks the store
 * after each round and finishes the consumer's run so the next round starts
 * from an empty inbox.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskInstanceKey } from "../../scheduler/contracts.js";
import { getDagRun, listDagRuns } from "../../scheduler/read-models.js";
import { Scheduler } from "../../scheduler/scheduler.js";
import { bundleDriver, type Child, killAll, spawnNode } from "../chaos/processes.js";
import { adminQuery, postgresUrl, testSchemaName } from "../store/backends.js";
import { CONSUMER, PRODUCERS, producerAsset, producerDag } from "./and-race-workload.js";

const ROUNDS = Math.max(1, Number(process.env.ASSETFLOW_AND_RACE_ROUNDS ?? 50));
const PROCESSES = 3;
const QUOTAS = [3, 3, 2];
/** How far ahead of "now" the shared start time is set, once every process holds its tries. */
const BARRIER_MS = 150;

if (!postgresUrl) {
  console.warn(
    "[assetflow] 8-way AND race across scheduler processes: skipped, it needs PostgreSQL. Set ASSETFLOW_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it.",
  );
} else {
  const url = postgresUrl;
  describe("several schedulers on PostgreSQL", () => {
    const schema = testSchemaName("andrace");
    let driver: { file: string; remove(): void } | undefined;
    const children: Child[] = [];
    let scheduler: Scheduler | undefined;

    beforeAll(async () => {
      driver = await bundleDriver(join(import.meta.dirname, "and-race-driver.ts"), "and-race");
    });

    afterAll(async () => {
      for (const child of children) if (!child.exitedYet()) child.send({ cmd: "exit" });
      await Promise.race([Promise.all(children.map((c) => c.exited)), new Promise((r) => setTimeout(r, 5000))]);
      await killAll();
      await scheduler?.close();
      await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      driver?.remove();
    });

    it(`${PRODUCERS} producers finishing at once through ${PROCESSES} processes give exactly one AND run with all ${PRODUCERS} events, ${ROUNDS} rounds in a row`, async () => {
      const started = Date.now();
      for (let index = 0; index < PROCESSES; index++) {
        children.push(
          spawnNode(`scheduler-${index}`, [driver?.file as string, url, schema, String(index)], process.env, true),
        );
      }
      await Promise.all(children.map((child) => child.waitFor((m) => m.kind === "ready", 60_000)));
      scheduler = await Scheduler.open({ url, postgresSchema: schema });
      const creators = new Map<number, number>();
      const spreads: number[] = [];

      for (let round = 0; round < ROUNDS; round++) {
        for (let index = 0; index < PRODUCERS; index++) await scheduler.triggerDag(producerDag(index));

        // The processes claim at the same time; between them they must hold each producer's try once.
        children.forEach((child, index) => {
          child.send({ cmd: "claim", round, quota: QUOTAS[index] });
        });
        const claims = await Promise.all(
          children.map((child) => child.waitFor((m) => m.kind === "claimed" && m.round === round, 30_000)),
        );
        const held = claims.flatMap((claim) => claim.keys as TaskInstanceKey[]);
        expect({ round, held: held.map((key) => key.dagId).sort() }).toEqual({
          round,
          held: Array.from({ length: PRODUCERS }, (_, index) => producerDag(index)).sort(),
        });

        // The barrier: one start time for all.
        const at = Date.now() + BARRIER_MS;
        for (const child of children) child.send({ cmd: "complete", round, at });
        const done = await Promise.all(
          children.map((child) => child.waitFor((m) => m.kind === "completed" && m.round === round, 30_000)),
        );
        const startTimes = done.map((d) => d.startedAt as number);
        spreads.push(Math.max(...startTimes) - Math.min(...startTimes));
        expect(done.reduce((sum, d) => sum + (d.accepted as number), 0)).toBe(PRODUCERS);

        // Exactly one consumer run this round, created by exactly one process, consuming all eight events.
        const reported = done.flatMap((d, index) => (d.runs as string[]).map((runId) => ({ runId, index })));
        const runs = await listDagRuns(scheduler.db, CONSUMER);
        expect({ round, runs: runs.length, reported: reported.length }).toEqual({
          round,
          runs: round + 1,
          reported: 1,
        });
        const run = await getDagRun(scheduler.db, CONSUMER, reported[0]?.runId as string);
        const consumed = (run?.consumedEvents ?? []).map((event) => ({
          uri: event.assetUri,
          round: event.extra.round,
        }));
        expect(consumed.sort((x, y) => x.uri.localeCompare(y.uri))).toEqual(
          Array.from({ length: PRODUCERS }, (_, index) => ({ uri: producerAsset(index).uri, round })).sort((x, y) =>
            x.uri.localeCompare(y.uri),
          ),
        );
        const pending = await scheduler.db.selectFrom("asset_event_inbox").select("event_id").execute();
        expect({ round, pending }).toEqual({ round, pending: [] });
        creators.set(reported[0]?.index as number, (creators.get(reported[0]?.index as number) ?? 0) + 1);

        // Finish the consumer's run (a worker would), so every round starts alike.
        const [request] = await scheduler.claimTasks("checker", 1);
        expect(request?.key.dagId).toBe(CONSUMER);
        if (request) await scheduler.completeTask(request.key, { state: "success", events: [] });
      }

      // Over all rounds: every event consumed once, by one of exactly ROUNDS runs.
      const db = scheduler.db;
      const consumedRows = await db
        .selectFrom("dag_run_consumed_event")
        .select(["event_id", "run_id"])
        .where("dag_id", "=", CONSUMER)
        .execute();
      const events = await db.selectFrom("asset_event").select("id").execute();
      expect(consumedRows).toHaveLength(ROUNDS * PRODUCERS);
      expect(new Set(consumedRows.map((row) => Number(row.event_id))).size).toBe(events.length);
      expect(new Set(consumedRows.map((row) => row.run_id)).size).toBe(ROUNDS);
      spreads.sort((a, b) => a - b);
      console.log(
        [
          `AND race: ${ROUNDS} rounds x ${PRODUCERS} producers through ${PROCESSES} scheduler processes in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          `  one run per round, ${ROUNDS * PRODUCERS} events consumed once each`,
          `  run created by process: ${[...creators].map(([index, count]) => `#${index} ${count}x`).join(", ")}`,
          `  start-time spread between processes: median ${spreads[Math.floor(spreads.length / 2)]} ms, max ${spreads.at(-1)} ms`,
        ].join("\n"),
      );
    }, 180_000);
  });
}
