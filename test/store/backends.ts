/**
 * The store backends the contract suite loops over: SQLite always, PostgreSQL
 * when `ASSETFLOW_TEST_DATABASE_URL` is set (each store in its own schema,
 * dropped afterwards). Without the URL the PostgreSQL cases are not
 * registered, and a warning says so.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import type { Clock } from "../../scheduler/engine/context.js";
import { Scheduler, type storeDatabase } from "../../scheduler/scheduler.js";
import type { DialectName } from "../../scheduler/store/migrations.js";
import { openStore, type StoreConnection } from "../../scheduler/store/open-store.js";

/** The PostgreSQL test database, or undefined. */
export const postgresUrl: string | undefined = process.env.ASSETFLOW_TEST_DATABASE_URL || undefined;

/** One empty store of a backend. Every `open*` call is another connection (pool) to the same store. */
export interface TestStore {
  readonly dialect: DialectName;
  /** A URL (or file path) naming this store alone: for PostgreSQL it selects the schema with `options=-c search_path=...`. */
  readonly url: string;
  /** A scheduler over the store (migrating it unless `migrate: false`). */
  openScheduler(options?: { clock?: Clock; migrate?: boolean }): Promise<Scheduler>;
  /** A bare connection (not migrated). */
  openConnection(): Promise<StoreConnection>;
  /** Closes what this store opened and deletes it (file or schema). */
  dispose(): Promise<void>;
}

/** A backend of the contract suite. */
export interface StoreBackend {
  readonly name: DialectName;
  /** A new, empty store. */
  create(): Promise<TestStore>;
}

/** A fresh schema name for one test. */
export function testSchemaName(label: string): string {
  return `assetflow_${label}_${randomBytes(5).toString("hex")}`;
}

/** `url` with `search_path` set to `schema` (libpq `options`), so that every process and pool opened with it lands there. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("options", `-c search_path=${schema}`);
  return parsed.toString();
}

/** Runs one SQL statement on the test database outside any schema (create / drop schemas). */
export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const sqliteBackend: StoreBackend = {
  name: "sqlite",
  async create() {
    const dir = mkdtempSync(join(tmpdir(), "assetflow-store-"));
    const file = join(dir, "assetflow.db");
    const opened: { close(): Promise<void> }[] = [];
    return {
      dialect: "sqlite",
      url: file,
      async openScheduler(options = {}) {
        const scheduler = await Scheduler.open({ url: file, ...options });
        opened.push(scheduler);
        return scheduler;
      },
      async openConnection() {
        const store = await openStore({ url: file, migrate: false });
        opened.push(store);
        return store;
      },
      async dispose() {
        for (const item of opened.splice(0)) await item.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgresBackend(url: string): StoreBackend {
  return {
    name: "postgres",
    async create() {
      const schema = testSchemaName("contract");
      const opened: { close(): Promise<void> }[] = [];
      return {
        dialect: "postgres",
        url: withSearchPath(url, schema),
        async openScheduler(options = {}) {
          const scheduler = await Scheduler.open({ url, postgresSchema: schema, ...options });
          opened.push(scheduler);
          return scheduler;
        },
        async openConnection() {
          const store = await openStore({ url, postgresSchema: schema, migrate: false });
          opened.push(store);
          return store;
        },
        async dispose() {
          for (const item of opened.splice(0)) await item.close().catch(() => undefined);
          await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        },
      };
    },
  };
}

/** SQLite, and PostgreSQL when the test database is given (else a warning says its cases are skipped). */
export function storeBackends(suite: string): StoreBackend[] {
  if (postgresUrl) return [sqliteBackend, postgresBackend(postgresUrl)];
  console.warn(
    `[assetflow] ${suite}: ASSETFLOW_TEST_DATABASE_URL is not set, so only SQLite is tested; the PostgreSQL cases are skipped. Set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run them.`,
  );
  return [sqliteBackend];
}

/** Counts rows of a query result, as a number on both backends. */
export async function countRows(db: ReturnType<typeof storeDatabase>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
