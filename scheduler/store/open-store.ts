import type { Kysely } from "kysely";
import { AssetflowError } from "../../sdk/errors.js";
import { assetflowHome, configuredStoreUrl } from "./home.js";
import { type DialectName, migrateToLatest, pendingMigrations } from "./migrations.js";

export { assetflowHome };

import type { Database } from "./schema.js";
import { openSqlite, type SqliteSynchronous } from "./sqlite/open-sqlite.js";

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
  /**
   * SQLite only: `full` (default) syncs the write-ahead log on every commit,
   * so an acknowledged event survives a power loss; `normal` is faster and
   * survives a crash of the process but may lose the last commits on power
   * loss. Default: `ASSETFLOW_SQLITE_SYNCHRONOUS`, else `full`.
   */
  sqliteSynchronous?: SqliteSynchronous;
}

/** Store errors a user can fix (a bad setting). */
export class StoreSettingError extends AssetflowError {}

/** `ASSETFLOW_SQLITE_SYNCHRONOUS` as a setting: `full` unless it says `normal`; anything else is refused. */
export function sqliteSynchronousFromEnv(env: NodeJS.ProcessEnv = process.env): SqliteSynchronous {
  const value = (env.ASSETFLOW_SQLITE_SYNCHRONOUS ?? "full").trim().toLowerCase();
  if (value === "full" || value === "normal") return value;
  throw new StoreSettingError(
    "INVALID_SETTING",
    `ASSETFLOW_SQLITE_SYNCHRONOUS must be "full" (the default: an acknowledged event survives a power loss) or "normal" (faster; the last commits may be lost on power loss), got "${env.ASSETFLOW_SQLITE_SYNCHRONOUS}".`,
  );
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
  const url = options.url ?? configuredStoreUrl();
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
    const db = openSqlite(path, { synchronous: options.sqliteSynchronous ?? sqliteSynchronousFromEnv() });
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
