/**
 * Issue 11, "No 500 for a committed event": producers POST events with
 * distinct `Idempotency-Key`s to a real `assetflow api-server` on PostgreSQL
 * while every connection of that server is terminated (`pg_terminate_backend`)
 * in a loop, so that drops land before, during and right after the COMMIT of
 * the recording transaction.
 *
 * Afterwards, from the database: no request answered an error for an event
 * that committed (an answer of 4xx/5xx means "nothing was recorded"), no
 * answer was a 500 (a failure the server cannot resolve is a 503 with a
 * stable code and `Retry-After`), retrying every failed key once with the
 * same key succeeds, and every key then has exactly one event.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { adminQuery, postgresUrl, testSchemaName, withSearchPath } from "../../store/backends.js";
import { buildCli, type CliBuild } from "./cli-build.js";
import { type Child, cleanUp, killAll, spawnNode } from "./processes.js";

/** How long the connections are dropped while producers post, ms. */
const CHAOS_MS = 18_000;
/** Every connection of the server is terminated this often, ms. */
const DROP_EVERY_MS = 200;
/** Producers posting at once. */
const PRODUCERS = 8;
/** A request without an answer for this long counts as unanswered, ms. */
const REQUEST_TIMEOUT_MS = 15_000;
const TOKEN = "api-drops-test-token-0123456789";
const URI = "s3://drops/api-events";

/** `url` whose connections show as `application` in `pg_stat_activity`. */
function tagged(url: string, application: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("application_name", application);
  return parsed.toString();
}

/** Terminates every backend whose application name starts with `prefix`; returns how many. */
async function terminateAll(client: pg.Client, prefix: string): Promise<number> {
  const result = await client.query(
    "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE starts_with(application_name, $1) AND pid <> pg_backend_pid()",
    [prefix],
  );
  return result.rows.filter((row: { done: boolean }) => row.done).length;
}

/** One POST's outcome: its status, or 0 when no answer came; the answer's body and Retry-After. */
interface Outcome {
  status: number;
  body: string;
  retryAfter: string | null;
}

async function post(api: string, key: string): Promise<Outcome> {
  try {
    const response = await fetch(`${api}/assets/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({ uri: URI, createIfMissing: true, extra: { key } }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.text(), retryAfter: response.headers.get("retry-after") };
  } catch (error) {
    return { status: 0, body: String(error), retryAfter: null };
  }
}

const ok = (status: number) => status >= 200 && status < 300;

if (!postgresUrl) {
  console.warn(
    "[assetflow] API events under dropped PostgreSQL connections: skipped, it needs PostgreSQL. Set ASSETFLOW_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it.",
  );
} else {
  const url = postgresUrl;
  describe("POST /api/v1/assets/events while PostgreSQL terminates the server's connections", () => {
    const work = mkdtempSync(join(tmpdir(), "assetflow-api-drops-"));
    const schema = testSchemaName("apidrops");
    let cli: CliBuild | undefined;
    let admin: pg.Client | undefined;

    afterAll(async () => {
      await cleanUp([
        () => killAll(),
        () => admin?.end(),
        () => adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
        () => cli?.remove(),
        () => rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
      ]);
    });

    it("never answers an error for an event that committed; a retry with the same key records exactly one event", async () => {
      cli = await buildCli("api-drops");
      await adminQuery(url, `CREATE SCHEMA ${schema}`);
      const prefix = `af_apidrops_${schema.slice(-10)}`;
      const server: Child = spawnNode("api-server", [cli.main, "api-server", "--port", "0", "--json"], {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? work,
        ASSETFLOW_DATABASE_URL: tagged(withSearchPath(url, schema), prefix),
        ASSETFLOW_HOME: join(work, "home"),
        ASSETFLOW_API_TOKEN: TOKEN,
      });
      const api = String((await server.waitFor((m) => m.kind === "started", 60_000)).api);
      admin = new pg.Client({ connectionString: withSearchPath(url, schema) });
      await admin.connect();
      const own = admin;

      const outcomes = new Map<string, Outcome>();
      let rounds = 0;
      let terminated = 0;
      let running = true;
      const dropper = (async () => {
        while (running) {
          await sleep(DROP_EVERY_MS);
          if (!running) break;
          terminated += await terminateAll(own, prefix);
          rounds++;
        }
      })();
      const producers = Array.from({ length: PRODUCERS }, async (_, producer) => {
        for (let n = 0; running; n++) {
          const key = `p${producer}-${n}`;
          outcomes.set(key, await post(api, key));
        }
      });
      await sleep(CHAOS_MS);
      running = false;
      await Promise.all([dropper, ...producers]);

      // What committed, per key (the event's extra holds its key).
      const committed = async (): Promise<Map<string, number>> => {
        const rows = await own.query<{ extra: string }>("SELECT extra FROM asset_event");
        const counts = new Map<string, number>();
        for (const row of rows.rows) {
          const key = (JSON.parse(row.extra) as { key?: string }).key;
          if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        return counts;
      };
      const afterChaos = await committed();
      const answeredErrors = [...outcomes].filter(([, outcome]) => outcome.status !== 0 && !ok(outcome.status));
      const unanswered = [...outcomes].filter(([, outcome]) => outcome.status === 0);
      const statuses: Record<string, number> = {};
      for (const [, outcome] of outcomes) statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
      console.log(
        `API events under drops: ${outcomes.size} requests (${JSON.stringify(statuses)}), ${rounds} rounds, ${terminated} backends terminated, ${afterChaos.size} keys committed`,
      );

      // The drops hit the server, and it is alive.
      expect(rounds).toBeGreaterThanOrEqual(20);
      expect(terminated).toBeGreaterThan(rounds);
      expect(server.exitedYet()).toBe(false);
      // An error answer means nothing was recorded.
      expect(
        answeredErrors.filter(([key]) => afterChaos.has(key)).map(([key, outcome]) => `${key}: ${outcome.status}`),
      ).toEqual([]);
      // No 500, no stack: an unresolved failure is a 503 with a stable code and Retry-After.
      for (const [key, outcome] of answeredErrors) {
        expect({ key, status: outcome.status, retryAfter: outcome.retryAfter !== null }).toEqual({
          key,
          status: 503,
          retryAfter: true,
        });
        expect(JSON.parse(outcome.body)).toMatchObject({ status: 503, code: "STORE_UNAVAILABLE" });
        expect(outcome.body).not.toMatch(/\n\s+at /);
      }
      // Every 2xx answer's event committed, once.
      for (const [key, outcome] of outcomes) {
        if (ok(outcome.status)) expect({ key, events: afterChaos.get(key) }).toEqual({ key, events: 1 });
      }

      // Retrying every key without a 2xx answer, once, with the same key: accepted, and one event per key.
      for (const [key] of [...answeredErrors, ...unanswered]) {
        const retried = await post(api, key);
        expect({ key, status: retried.status, body: ok(retried.status) ? "" : retried.body }).toMatchObject({
          key,
          body: "",
        });
      }
      const afterRetries = await committed();
      const wrong = [...outcomes.keys()].filter((key) => afterRetries.get(key) !== 1);
      expect(wrong.map((key) => `${key}: ${afterRetries.get(key) ?? 0} events`)).toEqual([]);
      expect(afterRetries.size).toBe(outcomes.size);
      server.process.kill("SIGTERM");
      await server.exited;
    }, 90_000);
  });
}
