import { existsSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";
import { makePrivateDir, makePrivateFile } from "../home.js";
import type { Database } from "../schema.js";
import { asStoreFullError } from "../store-full.js";

/**
 * How SQLite syncs commits to disk: `full` syncs the write-ahead log at every
 * commit (a commit survives a power loss); `normal` only at checkpoints (a
 * commit survives a crash of the process, the last ones may be lost on power
 * loss).
 */
export type SqliteSynchronous = "full" | "normal";

/**
 * Opens (creating if needed) a SQLite database file for the store, in WAL
 * mode with a busy timeout and `synchronous = FULL` unless told otherwise, or
 * an in-memory one for `":memory:"`. The file is private (0600, created so;
 * its folder 0700 when made here); SQLite gives the WAL and SHM files the
 * database file's mode, and existing ones are made 0600.
 *
 * @example
 * ```ts
 * const db = openSqlite(".assetflow/assetflow.db");
 * ```
 */
export function openSqlite(path: string, options: { synchronous?: SqliteSynchronous } = {}): Kysely<Database> {
  if (path !== ":memory:") {
    makePrivateDir(dirname(path));
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      if (file === path || existsSync(file)) makePrivateFile(file);
    }
  }
  const database = new BetterSqlite3(path);
  database.pragma("journal_mode = WAL");
  database.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
  database.pragma("busy_timeout = 10000");
  database.pragma("foreign_keys = ON");
  return new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }, database, path),
  });
}

/**
 * Transactions start with `BEGIN IMMEDIATE`: they take the write lock up
 * front, waiting for it per `busy_timeout`. With Kysely's plain `BEGIN`, a
 * transaction that read first and then wrote while another process (a worker,
 * a CLI command) held or had just released the write lock failed at once with
 * "database is locked": SQLite cannot wait there without breaking isolation.
 *
 * A full disk (or `max_page_count`) is reported as what it is: SQLite rolls
 * the transaction back itself on `SQLITE_FULL`, so the driver's `ROLLBACK`
 * is skipped when no transaction is open (it failed with "cannot rollback -
 * no transaction is active", hiding the cause), and `SQLITE_FULL` becomes a
 * `StoreFullError` (`STORE_FULL`).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(
    config: SqliteDialectConfig,
    private readonly database: BetterSqlite3.Database,
    private readonly location: string,
  ) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.database, this.location);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly database: BetterSqlite3.Database,
    private readonly location: string,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    const location = this.location;
    return {
      // Not async: a statement that fails throws at once, as Kysely's own connection does.
      executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        try {
          return connection.executeQuery<R>(query);
        } catch (error) {
          throw asStoreFullError(error, location);
        }
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite already rolled back (SQLITE_FULL, SQLITE_IOERR, ...): nothing is left to undo.
    if (!this.database.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

/**
 * Kysely's SQLite driver calls `prepare(sql)` for every query it runs, and
 * preparing (parsing and planning) costs more than running most of our
 * statements. This keeps the last `size` prepared statements by SQL text.
 * Safe with Kysely's single connection: a statement is never used by two
 * queries at once.
 */
function withStatementCache(database: BetterSqlite3.Database, size = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql); // re-inserted below: most recently used last
      } else {
        statement = database.prepare(sql);
        if (statements.size >= size) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
