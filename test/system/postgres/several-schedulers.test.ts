/**
 * Several scheduler processes on one store (DESIGN.md section 4).
 *
 * The 8-way AND race: eight producers finish at the same moment, each
 * updating one of the eight assets of an AND consumer, through three
 * scheduler processes. Every round must give exactly one consumer run,
 * consuming all eight events — never two runs, never a run with part of them,
 * never none. Each child process (`and-race-driver.ts`, bundled) has its own
 * `Scheduler` (and, on PostgreSQL, its own connection pool) on the shared
 * store; the three start at once (creating the schema, migrating and
 * registering concurrently). Per round the test triggers the producers; the
 * children claim the eight tries between them (3 + 3 + 2); then all of them
 * complete their tries at one shared start time, each completion on its own
 * connection, and each process evaluates the consumer right after its
 * commits, as workers do. The test checks the store after each round and
 * finishes the consumer's run so the next round starts from an empty inbox.
 * It runs on PostgreSQL when ASSETFLOW_TEST_DATABASE_URL is set, and always
 * on a SQLite file (where `assetflow scheduler` and `assetflow worker` may
 * also run side by side).
 *
 * LISTEN/NOTIFY wake-ups (PostgreSQL only): an `assetflow worker` process
 * listens for other processes' "tries are claimable" notifications, so a run
 * queued elsewhere is claimed at once rather than at the worker's next poll;
 * and a process that does not listen (the API server, a CLI command) still
 * notifies.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskInstanceKey } from "../../../scheduler/contracts.js";
import { getDagRun, listDagRuns } from "../../../scheduler/read/index.js";
import { Scheduler, storeDatabase } from "../../../scheduler/scheduler.js";
import { adminQuery, postgresUrl, testSchemaName, withSearchPath } from "../../store/backends.js";
import { dagManifest, taskManifest } from "../../support/manifests.js";
import { buildCli, type CliBuild } from "../chaos/cli-build.js";
import { bundleDriver, type Child, cleanUp, spawnNode, startSchedulerAndWorker } from "../chaos/processes.js";
import { CONSUMER, PRODUCERS, producerAsset, producerDag } from "./and-race-workload.js";

const ROUNDS = Math.max(1, Number(process.env.ASSETFLOW_AND_RACE_ROUNDS ?? 50));
const PROCESSES = 3;
const QUOTAS = [3, 3, 2];
/** How far ahead of "now" the shared start time is set, once every process holds its tries. */
const BARRIER_MS = 150;

/** A store the race's processes share: what they are given, and how the test opens it. */
interface RaceStore {
  readonly url: string;
  /** PostgreSQL: the schema (each process opens it with `postgresSchema`); SQLite: none. */
  readonly schema: string | null;
  open(): Promise<Scheduler>;
  dispose(): Promise<void>;
}

interface RaceBackend {
  readonly name: string;
  create(): Promise<RaceStore>;
}

const raceBackends: RaceBackend[] = [
  {
    name: "SQLite",
    async create() {
      const dir = mkdtempSync(join(tmpdir(), "assetflow-race-"));
      const file = join(dir, "assetflow.db");
      return {
        url: file,
        schema: null,
        open: () => Scheduler.open({ url: file }),
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
];
if (postgresUrl) {
  const url = postgresUrl;
  raceBackends.push({
    name: "PostgreSQL",
    async create() {
      const schema = testSchemaName("andrace");
      return {
        url,
        schema,
        open: () => Scheduler.open({ url, postgresSchema: schema }),
        dispose: () => adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
      };
    },
  });
} else {
  console.warn(
    "[assetflow] several schedulers: ASSETFLOW_TEST_DATABASE_URL is not set, so the 8-way AND race runs on SQLite only and the LISTEN/NOTIFY wake-up tests are skipped. Set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run them.",
  );
}

for (const backend of raceBackends) {
  describe(`several schedulers on ${backend.name}`, () => {
    let driver: { file: string; remove(): void } | undefined;
    const children: Child[] = [];
    let store: RaceStore | undefined;
    let scheduler: Scheduler | undefined;

    beforeAll(async () => {
      driver = await bundleDriver(join(import.meta.dirname, "and-race-driver.ts"), "and-race");
    });

    afterAll(async () => {
      for (const child of children) if (!child.exitedYet()) child.send({ cmd: "exit" });
      await Promise.race([Promise.all(children.map((c) => c.exited)), new Promise((r) => setTimeout(r, 5000))]);
      await cleanUp([
        () => Promise.all(children.map((child) => child.kill())),
        () => scheduler?.close(),
        () => store?.dispose(),
        () => driver?.remove(),
      ]);
    });

    it(`${PRODUCERS} producers finishing at once through ${PROCESSES} processes give exactly one AND run with all ${PRODUCERS} events, ${ROUNDS} rounds in a row`, async () => {
      const started = Date.now();
      store = await backend.create();
      for (let index = 0; index < PROCESSES; index++) {
        children.push(
          spawnNode(
            `${backend.name}-scheduler-${index}`,
            [driver?.file as string, store.url, store.schema ?? "-", String(index)],
            process.env,
            true,
          ),
        );
      }
      await Promise.all(children.map((child) => child.waitFor((m) => m.kind === "ready", 60_000)));
      scheduler = await store.open();
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
        const runs = await listDagRuns(storeDatabase(scheduler), CONSUMER);
        expect({ round, runs: runs.length, reported: reported.length }).toEqual({
          round,
          runs: round + 1,
          reported: 1,
        });
        const run = await getDagRun(storeDatabase(scheduler), CONSUMER, reported[0]?.runId as string);
        const consumed = (run?.consumedEvents ?? []).map((event) => ({
          uri: event.assetUri,
          round: event.extra.round,
        }));
        expect(consumed.sort((x, y) => x.uri.localeCompare(y.uri))).toEqual(
          Array.from({ length: PRODUCERS }, (_, index) => ({ uri: producerAsset(index).uri, round })).sort((x, y) =>
            x.uri.localeCompare(y.uri),
          ),
        );
        const pending = await storeDatabase(scheduler).selectFrom("asset_event_inbox").select("event_id").execute();
        expect({ round, pending }).toEqual({ round, pending: [] });
        creators.set(reported[0]?.index as number, (creators.get(reported[0]?.index as number) ?? 0) + 1);

        // Finish the consumer's run (a worker would), so every round starts alike.
        const [request] = await scheduler.claimTasks("checker", 1);
        expect(request?.key.dagId).toBe(CONSUMER);
        if (request) await scheduler.completeTask(request.key, { state: "success", events: [] });
      }

      // Over all rounds: every event consumed once, by one of exactly ROUNDS runs.
      const db = storeDatabase(scheduler);
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
          `AND race on ${backend.name}: ${ROUNDS} rounds x ${PRODUCERS} producers through ${PROCESSES} scheduler processes in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          `  one run per round, ${ROUNDS * PRODUCERS} events consumed once each`,
          `  run created by process: ${[...creators].map(([index, count]) => `#${index} ${count}x`).join(", ")}`,
          `  start-time spread between processes: median ${spreads[Math.floor(spreads.length / 2)]} ms, max ${spreads.at(-1)} ms`,
        ].join("\n"),
      );
    }, 180_000);
  });
}

const DAG_FILE = `
import { dag, task } from "assetflow";
import { storeDatabase } from "../../../scheduler/scheduler.js";
export const ping = dag({ dagId: "ping", schedule: null, maxActiveRuns: 100 }, () => {
  task({ taskId: "pong" }, () => "pong");
});
`;

if (postgresUrl) {
  const url = postgresUrl;
  describe("wake-ups across processes on PostgreSQL", () => {
    const schema = testSchemaName("wakeup");
    const work = mkdtempSync(join(tmpdir(), "assetflow-wakeup-"));
    const application = `assetflow_worker_${schema.slice(-10)}`;
    let cli: CliBuild | undefined;
    let scheduler: Scheduler | undefined;
    const children: Child[] = [];

    beforeAll(async () => {
      mkdirSync(join(work, "dags"));
      writeFileSync(join(work, "dags", "ping.ts"), DAG_FILE);
      cli = await buildCli("wakeup");
      await adminQuery(url, `CREATE SCHEMA ${schema}`);
    });

    afterAll(async () => {
      await cleanUp([
        () => Promise.all(children.map((child) => child.kill())),
        () => scheduler?.close(),
        () => adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
        () => cli?.remove(),
        () => rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
      ]);
    });

    it("a worker process LISTENs, so a run queued by another process does not wait for its poll", async () => {
      const storeUrl = new URL(withSearchPath(url, schema));
      const env = (name: string, app: string): NodeJS.ProcessEnv => {
        const tagged = new URL(storeUrl);
        tagged.searchParams.set("application_name", app);
        return {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? work,
          ASSETFLOW_DATABASE_URL: tagged.toString(),
          ASSETFLOW_HOME: join(work, name),
        };
      };
      const main = (cli as CliBuild).main;
      const started = startSchedulerAndWorker({
        main,
        dagsDir: join(work, "dags"),
        workerId: "wakeup-worker",
        env: (role) => env(role, role === "scheduler" ? `${application}_s` : application),
      });
      children.push(...(await started));
      scheduler = await Scheduler.open({ url, postgresSchema: schema });
      const db = storeDatabase(scheduler);

      // Server side: one of the worker's connections is a LISTEN.
      let listening: { query: string }[] = [];
      for (let attempt = 0; attempt < 100 && listening.length === 0; attempt++) {
        listening = (
          await sql<{ query: string }>`
            SELECT query FROM pg_stat_activity
            WHERE application_name = ${application} AND query ILIKE 'LISTEN%'`.execute(db)
        ).rows;
        if (listening.length === 0) await sleep(100);
      }
      expect(listening.map((row) => row.query)).toEqual(["LISTEN assetflow_tasks"]);

      // Client side, for information: runs triggered here (a process that notifies), claimed by the worker.
      await scheduler.listen();
      const latencies: number[] = [];
      for (let index = 0; index < 10; index++) {
        const runId = await scheduler.triggerDag("ping");
        let row: { queued_at: number | null; start_date: number | null; state: string } | undefined;
        for (let attempt = 0; attempt < 300; attempt++) {
          row = await db
            .selectFrom("task_instance")
            .select(["queued_at", "start_date", "state"])
            .where("run_id", "=", runId)
            .executeTakeFirst();
          if (row?.state === "success") break;
          await sleep(20);
        }
        expect(row?.state).toBe("success");
        latencies.push(Number(row?.start_date) - Number(row?.queued_at));
      }
      latencies.sort((a, b) => a - b);
      console.log(
        `wake-ups: a run queued in the test process was claimed by the worker process after ${latencies[4]} ms (median of 10; max ${latencies[9]} ms; the worker polls every 250 ms)`,
      );
    }, 240_000);

    it("a process that does not listen (API server, CLI command) still notifies the workers when it queues tries", async () => {
      // A scheduler as `assetflow api-server` or `assetflow dags trigger` open it: no listen(), no start().
      const api = await Scheduler.open({ url, postgresSchema: schema });
      await api.registerManifest(
        {
          schemaVersion: 1,
          assets: [],
          aliases: [],
          dags: [dagManifest("quiet", { kind: "none" }, [taskManifest("work")])],
        },
        { kind: "merge" },
      );
      // The channel belongs to the database, so other processes' notifications arrive too:
      // watch what this process sends (its statements, through the driver) while it queues a try.
      const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
      const original = prototype.query;
      const sent: string[] = [];
      prototype.query = function (this: unknown, ...args: unknown[]) {
        const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string } | undefined)?.text;
        sent.push(String(text));
        return original.apply(this, args);
      };
      try {
        await api.triggerDag("quiet");
        for (let attempt = 0; attempt < 100 && !sent.some((q) => q.includes("pg_notify")); attempt++) await sleep(20);
      } finally {
        prototype.query = original;
        await api.close();
      }
      expect(sent.filter((q) => q.includes("pg_notify"))).toHaveLength(1);
    }, 60_000);
  });
}
