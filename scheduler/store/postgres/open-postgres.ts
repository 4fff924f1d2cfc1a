import {
  type DatabaseIntrospector,
  Kysely,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  sql,
} from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";
import { CurrentSchemaIntrospector } from "./introspector.js";
import { StatementNames, statementClient } from "./statement-client.js";

// BIGINT (epoch milliseconds, ids) as JavaScript numbers: exact up to 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Options of {@link openPostgres}. */
export interface OpenPostgresOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Use (and create) this schema instead of `public`, for isolated tests. */
  schema?: string;
}

/**
 * Opens a PostgreSQL pool for the store.
 *
 * @example
 * ```ts
 * const db = await openPostgres("postgres://postgres@127.0.0.1:5432/test");
 * ```
 */
export async function openPostgres(url: string, options: OpenPostgresOptions = {}): Promise<Kysely<Database>> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _.`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  survivePoolErrors(pool);
  const db = new Kysely<Database>({ dialect: new StorePostgresDialect({ pool: new PreparedStatementPool(pool) }) });
  if (schema) {
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
    } catch (error) {
      // Processes opening the same new schema at once: IF NOT EXISTS does not stop
      // the loser of the race from failing on pg_namespace's unique index.
      if ((error as { code?: string }).code !== "23505") throw error;
    }
  }
  return db;
}

/** At most one warning about lost idle connections per this many ms. */
const LOST_CONNECTION_WARNING_MS = 10_000;

/**
 * A connection the server drops (restart, failover, `pg_terminate_backend`)
 * emits "error": on the pool while it is idle, on the client while Kysely holds
 * it. Unheard, either is thrown and ends the process. Heard, the query in
 * flight (if any) fails, the pool discards the connection (it is no longer
 * queryable) and opens a new one for the next query.
 */
function survivePoolErrors(pool: pg.Pool): void {
  let warnedAt = Number.NEGATIVE_INFINITY;
  pool.on("error", (error) => {
    if (Date.now() - warnedAt < LOST_CONNECTION_WARNING_MS) return;
    warnedAt = Date.now();
    process.emitWarning(
      `assetflow lost an idle PostgreSQL connection (${error.message}); the next query opens a new one.`,
    );
  });
  // Held connections: the failed query reports the error to its caller.
  pool.on("connect", (client) => client.on("error", () => undefined));
}

/** Kysely's PostgreSQL dialect, introspecting only the store's schema (see {@link CurrentSchemaIntrospector}). */
class StorePostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

/**
 * A pool whose connections send the store's statements in fewer round trips
 * (see {@link statementClient}): named prepared statements, a transaction's
 * `begin` sent with its first statement, its notifications with its `commit`.
 */
class PreparedStatementPool implements PostgresPool {
  /** Statement text -> its name: one name per text for every connection of the pool. */
  private readonly names = new StatementNames();
  private readonly clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    let wrapped = this.clients.get(client);
    if (!wrapped) {
      wrapped = statementClient(client, this.names);
      this.clients.set(client, wrapped);
    }
    return wrapped;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
