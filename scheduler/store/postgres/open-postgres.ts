import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";

// BIGINT (epoch milliseconds, ids) as JavaScript numbers: exact up to 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Opens a PostgreSQL pool for the store.
 *
 * @example
 * ```ts
 * const db = openPostgres("postgres://postgres@127.0.0.1:5432/test");
 * ```
 */
export function openPostgres(url: string, poolSize = 10): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: poolSize }) }),
  });
}
