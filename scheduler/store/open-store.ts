import { join } from "node:path";
import type { Kysely } from "kysely";
import { assetflowHome } from "./home.js";
import { type DialectName, migrateToLatest, pendingMigrations } from "./migrations.js";

export { assetflowHome };

import type { Database } from "./schema.js";
import { openSqlite } from "./sqlite/open-sqlite.js";

/** An open store: the Kysely instance and its dialect. */
export interface StoreConnection {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Where it is: a file path or a database URL without its password. */
  readonly location: string;
  /** The URL or path it was opened with (may hold a password: never print it). */
  readonly url: string;
  close(): Promise<void>;
}

/** What a store is, without the connection: its dialect, where it is, and the URL or path it was opened with. */
export type StoreInfo = Pick<StoreConnection, "dialect" | "location" | "url">;

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** `postgres://...` for PostgreSQL, a file path or `:memory:` for SQLite. Default: `ASSETFLOW_DATABASE_URL`, else `$ASSETFLOW_HOME/assetflow.db`. */
  url?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL only: use (and create) this schema, for isolated tests. */
  postgresSchema?: string;
}

/**
 * Opens the store named by `options.url`, `ASSETFLOW_DATABASE_URL`, or the
 * default SQLite file, and migrates it.
 *
 * @example
 * ```ts
 * const store = await openStore({ url: ":memory:" });
 * ```
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<StoreConnection> {
  const url = options.url ?? process.env.ASSETFLOW_DATABASE_URL ?? join(assetflowHome(), "assetflow.db");
  let connection: StoreConnection;
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { openPostgres } = await import("./postgres/open-postgres.js");
    const db = await openPostgres(url, options.postgresSchema === undefined ? {} : { schema: options.postgresSchema });
    connection = {
      db,
      dialect: "postgres",
      url,
      location: url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@"),
      close: () => db.destroy(),
    };
  } else {
    const path = url.replace(/^sqlite:\/\//i, "");
    const db = openSqlite(path);
    connection = { db, dialect: "sqlite", url: path, location: path, close: () => db.destroy() };
  }
  if (options.migrate ?? true) await migrateToLatest(connection.db as Kysely<unknown>, connection.dialect);
  return connection;
}

/**
 * Applies the store's pending migrations; returns the names applied.
 *
 * @example
 * ```ts
 * const applied = await migrateStore(await openStore({ url, migrate: false }));
 * ```
 */
export function migrateStore(store: StoreConnection): Promise<string[]> {
  return migrateToLatest(store.db as Kysely<unknown>, store.dialect);
}

/**
 * The names of the migrations the store has not applied yet.
 *
 * @example
 * ```ts
 * const pending = await pendingStoreMigrations(store);
 * ```
 */
export function pendingStoreMigrations(store: StoreConnection): Promise<string[]> {
  return pendingMigrations(store.db as Kysely<unknown>, store.dialect);
}
