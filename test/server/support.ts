/**
 * Shared set-up of the API tests: a test environment (private SQLite store,
 * hand-moved clock) with the seed's DAGs, and a server over its scheduler,
 * both closed after each test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Asset, AssetAlias, dag, task } from "assetflow";
import { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from "assetflow/testing";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterEach } from "vitest";
import { assetAliasConsumer, assetAliasProducer, assetConsumer } from "../../examples/functional/alias-consumers.js";
import { storeDatabase } from "../../scheduler/scheduler.js";
import { apiAuthFromToken, createServer } from "../../server/index.js";

/** The token the test servers accept. */
export const TOKEN = "test-token-0123456789abcdef";

/** The Authorization header with {@link TOKEN}. */
export const AUTH = { authorization: `Bearer ${TOKEN}` };

/** The seed's queued-event example: a consumer of asset-1 and asset-2, and one producer for each. */
export const asset1 = new Asset("asset-1");
export const asset2 = new Asset("asset-2");
export const waitingForBoth = dag({ dagId: "waiting_for_asset_1_and_2", schedule: [asset1, asset2] }, () => {
  task({ taskId: "report" }, () => undefined);
});
export const asset1Producer = dag({ dagId: "asset-1-producer", schedule: null }, () => {
  task({ taskId: "update_asset_1", outlets: [asset1] }, () => undefined);
});
export const asset2Producer = dag({ dagId: "asset-2-producer", schedule: null }, () => {
  task({ taskId: "update_asset_2", outlets: [asset2] }, () => undefined);
});

/** The seed's producer and consumer of s3://asset/example.csv; the producer's extra holds secret-looking keys. */
export const exampleAsset = new Asset({
  uri: "s3://asset/example.csv",
  extra: { team: "trainees", credentials: { user: "u", pass: "p" } },
});
export const producer = dag({ dagId: "producer", schedule: "@daily" }, () => {
  task({ taskId: "producer", outlets: [exampleAsset] }, (ctx) => {
    ctx.outletEvents.get(exampleAsset).extra = {
      rowCount: 3,
      password: "hunter2",
      nested: { API_KEY: "k-123", list: [{ accessToken: "t-1", keep: 1 }], private_key: { pem: "x" } },
    };
    ctx.log("wrote s3://asset/example.csv");
  });
});
export const consumer = dag({ dagId: "consumer", schedule: [exampleAsset] }, () => {
  task({ taskId: "report" }, () => ({ ok: true, secret: "s" }));
});

/** A consumer that references an asset by URI only. */
export const byUri = dag({ dagId: "by-uri", schedule: Asset.ref({ uri: "s3://landing/drop.csv" }) }, () => {
  task({ taskId: "noop" }, () => undefined);
});

/** Every DAG of the API tests. */
export const SEED_DAGS = [
  waitingForBoth,
  asset1Producer,
  asset2Producer,
  producer,
  consumer,
  byUri,
  assetAliasProducer,
  assetConsumer,
  assetAliasConsumer,
];

/** Aliases and assets of the alias example, for expectations. */
export const exampleAlias = new AssetAlias("example-alias");

/** A running API over a test environment. */
export interface ApiHarness {
  readonly env: TestEnvironment;
  readonly app: ReturnType<typeof createServer>;
  readonly logDir: string;
  /** Errors the server answered with a 500 (tests expect none). */
  readonly serverErrors: unknown[];
  /** Sends a request with the token (unless `headers.authorization` is given). */
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** GET with the token; returns the parsed body and status. */
  get<T = unknown>(url: string): Promise<{ status: number; body: T }>;
}

/** Returns a `start(dags?)` that opens an API harness closed after the current test. */
export function useApi(): (dags?: Parameters<typeof createTestEnvironment>[0]["dags"]) => Promise<ApiHarness> {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  return async (dags = SEED_DAGS) => {
    const env = await createTestEnvironment({ dags, start: Date.parse("2025-01-01T00:00:00Z"), ...backendStore() });
    const logDir = mkdtempSync(join(tmpdir(), "assetflow-api-logs-"));
    const serverErrors: unknown[] = [];
    const app = createServer({
      scheduler: env.scheduler,
      auth: apiAuthFromToken(TOKEN),
      logDir,
      onServerError: (error) => serverErrors.push(error),
    });
    open.push(async () => {
      await app.close();
      await env.close();
      rmSync(logDir, { recursive: true, force: true });
    });
    const request = (options: InjectOptions) =>
      app.inject({ ...options, headers: { ...AUTH, ...(options.headers ?? {}) } });
    return {
      env,
      app,
      logDir,
      serverErrors,
      request,
      async get<T>(url: string) {
        const response = await request({ method: "GET", url });
        return { status: response.statusCode, body: response.json() as T };
      },
    };
  };
}

/**
 * SQLite in memory by default; PostgreSQL when `ASSETFLOW_TEST_BACKEND=postgres`
 * (with `ASSETFLOW_TEST_DATABASE_URL`), as the scheduling scenarios do.
 */
function backendStore(): Pick<TestEnvironmentOptions, "store"> {
  if (process.env.ASSETFLOW_TEST_BACKEND !== "postgres") return {};
  const url = process.env.ASSETFLOW_TEST_DATABASE_URL;
  if (!url) throw new Error("ASSETFLOW_TEST_BACKEND=postgres needs ASSETFLOW_TEST_DATABASE_URL");
  return { store: { postgres: url } };
}

/** `encodeURIComponent`, for readable paths. */
export const enc = encodeURIComponent;

/** Row counts of every table (and of paused DAGs), to check that a request wrote nothing. */
export async function rowCounts(env: TestEnvironment): Promise<Record<string, number>> {
  const tables = [
    "dag",
    "asset",
    "asset_alias",
    "asset_alias_asset",
    "dag_schedule_asset",
    "dag_schedule_alias",
    "dag_schedule_ref",
    "task_asset_reference",
    "dag_run",
    "task_instance",
    "asset_event",
    "asset_event_alias",
    "asset_event_inbox",
    "dag_run_consumed_event",
    "import_error",
  ] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await storeDatabase(env.scheduler)
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.count);
  }
  const paused = await storeDatabase(env.scheduler)
    .selectFrom("dag")
    .select("dag_id")
    .where("is_paused", "=", 1)
    .execute();
  counts["dag (paused)"] = paused.length;
  return counts;
}
