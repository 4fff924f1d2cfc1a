import { type DatabaseIntrospector, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";
import { CurrentSchemaIntrospector } from "./introspector.js";

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
  const db = new Kysely<Database>({ dialect: new StorePostgresDialect({ pool }) });
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

/** Kysely's PostgreSQL dialect, introspecting only the store's schema (see {@link CurrentSchemaIntrospector}). */
class StorePostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
