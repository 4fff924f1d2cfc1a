/**
 * Issue 11, "It is done when": PostgreSQL drops every connection of the
 * assetflow processes, again and again (`pg_terminate_backend`, as a restart
 * or failover does), under event load. Two deployments, each from a private
 * build of the CLI: `assetflow standalone`, and `assetflow scheduler` +
 * `assetflow worker` + `assetflow api-server`.
 *
 * Every connection of the processes under test carries an `application_name`
 * (a parameter of their store URL), so the test terminates exactly those
 * backends. The load is the chaos workload (producer runs, triggered through
 * the test's own connection, whose events trigger a chain of consumers) and,
 * for the api-server, events POSTed to `/api/v1/assets/events`.
 *
 * Afterwards every process is alive (none exited), the store settles with no
 * try left `running` (a try whose completion report failed is reported again;
 * a try claimed by a commit whose answer was lost is failed by the lost-try
 * sweep and retried), a new producer run still triggers a consumer run that
 * succeeds, and `verifyWorkload` finds every event recorded once and consumed
 * once by each consumer.
 *
 * The time budget follows progress, not the wall clock: the test fails when
 * nothing moves for {@link STALL_MS}, so a loaded machine (2 cores shared)
 * makes it slower, not red.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIN_LOST_AFTER_S } from "../../../cli/commands/scheduler.js";
import { Scheduler, storeDatabase } from "../../../scheduler/scheduler.js";
import { adminQuery, postgresUrl, testSchemaName, withSearchPath } from "../../store/backends.js";
import { buildCli, type CliBuild } from "./cli-build.js";
import { type Child, cleanUp, killAll, spawnNode } from "./processes.js";
import { isQuiescent, producersInFlight, verifyWorkload, workloadCounts, writeDagFile } from "./workload.js";

/** Rounds of terminations at least, and asset-triggered runs at least, before the drops stop. */
const MIN_ROUNDS = Number(process.env.ASSETFLOW_DROPS_ROUNDS ?? 12);
const TARGET_ASSET_RUNS = Number(process.env.ASSETFLOW_DROPS_TARGET_RUNS ?? 40);
/** Every connection of the processes is terminated this often, ms. */
const DROP_EVERY_MS = 1500;
/** The test fails when no try finished for this long, ms. */
const STALL_MS = 120_000;
/** Producer runs kept in flight. */
const IN_FLIGHT = 4;

/** `url` whose connections show as `application` in `pg_stat_activity`. */
function tagged(url: string, application: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("application_name", application);
  return parsed.toString();
}

/** Terminates every backend whose application name starts with `prefix`; returns how many. */
async function terminateAll(url: string, prefix: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(
      "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE starts_with(application_name, $1) AND pid <> pg_backend_pid()",
      [prefix],
    );
    return result.rows.filter((row: { done: boolean }) => row.done).length;
  } finally {
    await client.end();
  }
}

/** Tries finished so far (the progress measure). */
async function finishedTries(scheduler: Scheduler): Promise<number> {
  const row = await storeDatabase(scheduler)
    .selectFrom("task_instance")
    .select((eb) => eb.fn.sum<number>("try_number").as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Quiet twice in a row a second apart (a consumer's run is created right after the commit that completed its trigger). */
async function settled(scheduler: Scheduler): Promise<boolean> {
  if (!(await isQuiescent(scheduler))) return false;
  await sleep(1000);
  return isQuiescent(scheduler);
}

/** Calls `step` until it returns true; fails when `progress` stays the same for {@link STALL_MS}. */
async function untilDone(
  what: string,
  step: () => Promise<boolean>,
  progress: () => Promise<number>,
  describeState: () => Promise<unknown>,
): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    if (await step()) return;
    const now = await progress();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > STALL_MS) {
      throw new Error(`${what}: no progress for ${STALL_MS} ms: ${JSON.stringify(await describeState())}`);
    }
    await sleep(500);
  }
}

if (!postgresUrl) {
  console.warn(
    "[assetflow] chaos test of dropped PostgreSQL connections: skipped, it needs PostgreSQL. Set ASSETFLOW_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it.",
  );
} else {
  const url = postgresUrl;
  describe("PostgreSQL terminates every connection of the processes, in a loop, under load", () => {
    const work = mkdtempSync(join(tmpdir(), "assetflow-drops-"));
    const dags = join(work, "dags");
    const schemas: string[] = [];
    const processes: Child[] = [];
    let cli: CliBuild | undefined;
    let scheduler: Scheduler | undefined;

    beforeAll(async () => {
      mkdirSync(dags);
      writeDagFile(dags);
      cli = await buildCli("drops");
    });

    afterAll(async () => {
      await cleanUp([
        () => killAll(),
        () => scheduler?.close(),
        ...schemas.map((schema) => () => adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
        () => cli?.remove(),
        () => rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
      ]);
    });

    const deployments = {
      standalone: (main: string, env: (role: string) => NodeJS.ProcessEnv) => [
        spawnNode(
          "standalone",
          [
            main,
            "standalone",
            "--dags",
            dags,
            "--workers",
            "2",
            "--port",
            "0",
            "--lost-after",
            String(MIN_LOST_AFTER_S),
            "--json",
          ],
          env("standalone"),
        ),
      ],
      "scheduler + worker + api-server": (main: string, env: (role: string) => NodeJS.ProcessEnv) => [
        spawnNode(
          "scheduler",
          [main, "scheduler", "--dags", dags, "--lost-after", String(MIN_LOST_AFTER_S), "--json"],
          env("scheduler"),
        ),
        spawnNode("worker", [main, "worker", "--concurrency", "2", "--json"], env("worker")),
        spawnNode("api-server", [main, "api-server", "--port", "0", "--json"], env("api-server")),
      ],
    } as const;

    for (const [name, spawnDeployment] of Object.entries(deployments)) {
      it(`${name}: every process lives, no try stays running, a new event still runs its consumer, nothing lost or doubled`, async () => {
        const started = Date.now();
        const schema = testSchemaName("drops");
        schemas.push(schema);
        await adminQuery(url, `CREATE SCHEMA ${schema}`);
        const prefix = `af_drops_${schema.slice(-10)}`;
        const storeUrl = tagged(withSearchPath(url, schema), prefix);
        const env = (role: string): NodeJS.ProcessEnv => ({
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? work,
          ASSETFLOW_DATABASE_URL: storeUrl,
          ASSETFLOW_HOME: join(work, `${schema}-${role}`),
          ASSETFLOW_API_TOKEN: "drops-test-token-0123456789",
        });
        const fleet = spawnDeployment((cli as CliBuild).main, env);
        processes.push(...fleet);
        await Promise.all(fleet.map((child) => child.waitFor((m) => m.kind === "started", 180_000)));
        scheduler = await Scheduler.open({ url, postgresSchema: schema });
        const own = scheduler;

        // The drops, in a loop, until the load below is done.
        let rounds = 0;
        let terminated = 0;
        let dropping = true;
        const dropper = (async () => {
          while (dropping) {
            await sleep(DROP_EVERY_MS);
            if (!dropping) break;
            terminated += await terminateAll(url, prefix);
            rounds++;
          }
        })();

        let triggered = 0;
        try {
          await untilDone(
            `${name} under drops`,
            async () => {
              const counts = await workloadCounts(storeDatabase(own));
              if (counts.assetTriggeredRuns >= TARGET_ASSET_RUNS && rounds >= MIN_ROUNDS) return true;
              while ((await producersInFlight(storeDatabase(own))) < IN_FLIGHT) {
                triggered++;
                await own.triggerDag("producer", { conf: { n: triggered } });
              }
              return false;
            },
            () => finishedTries(own),
            async () => ({ rounds, triggered, ...(await workloadCounts(storeDatabase(own))) }),
          );
        } finally {
          dropping = false;
          await dropper;
        }
        const chaosMs = Date.now() - started;

        // No try stays running: the store settles (tries whose worker lost their claim are swept and retried).
        await untilDone(
          `${name} settling`,
          () => settled(own),
          () => finishedTries(own),
          async () =>
            storeDatabase(own)
              .selectFrom("task_instance")
              .select(["dag_id", "task_id", "state", "try_number", "worker_id"])
              .where("state", "<>", "success")
              .execute(),
        );
        // Every process is alive.
        expect(fleet.filter((child) => child.exitedYet()).map((child) => child.stderr.join("").slice(-2000))).toEqual(
          [],
        );
        // A new event still triggers a consumer run that succeeds.
        triggered++;
        await own.triggerDag("producer", { conf: { n: triggered } });
        const before = (await workloadCounts(storeDatabase(own))).assetTriggeredRuns;
        await untilDone(
          `${name} after the drops`,
          async () =>
            (await workloadCounts(storeDatabase(own))).assetTriggeredRuns > before && (await isQuiescent(own)),
          () => finishedTries(own),
          () => workloadCounts(storeDatabase(own)),
        );
        const summary = await verifyWorkload(storeDatabase(own), triggered);
        console.log(
          `connection drops, ${name}: ${rounds} rounds, ${terminated} backends terminated in ${(chaosMs / 1000).toFixed(0)} s; ${JSON.stringify(summary)}`,
        );
        expect(rounds).toBeGreaterThanOrEqual(MIN_ROUNDS);
        expect(terminated).toBeGreaterThan(rounds);
        for (const child of fleet) child.process.kill("SIGTERM");
        await Promise.all(fleet.map((child) => child.exited));
        await own.close();
        scheduler = undefined;
      }, 1_800_000);
    }
  });
}
