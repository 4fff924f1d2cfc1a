/**
 * SQL on PostgreSQL (pg): the statements of one request in one transaction on
 * a connection of their own.
 */
import pg from "pg";
import { RuntimeErrorCode, TaskRuntimeError } from "../errors.js";
import { type SqlParameters, statementError } from "./sql-statements.js";

/**
 * Runs `statements` in order in one transaction on the PostgreSQL database at
 * `url` and returns the rows of the last statement that returns rows.
 * `parameters` bind by position (`$1`, `$2`, ...) to every statement; an
 * object of named parameters is refused with a {@link TaskRuntimeError}.
 *
 * @example
 * ```ts
 * await runPostgres("postgres://localhost/w", "warehouse", ["SELECT $1::int AS answer"], [42], console.log);
 * ```
 */
export async function runPostgres(
  url: string,
  connId: string,
  statements: readonly string[],
  parameters: SqlParameters,
  log: (line: string) => void,
): Promise<Record<string, unknown>[]> {
  if (parameters !== undefined && !Array.isArray(parameters)) {
    throw new TaskRuntimeError(
      RuntimeErrorCode.sqlParametersInvalid,
      `Connection "${connId}" is PostgreSQL, which binds parameters by position: pass parameters as a list and write $1, $2, ... in the SQL.`,
      { details: { connId } },
    );
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    let rows: Record<string, unknown>[] = [];
    for (const [index, sql] of statements.entries()) {
      log(`Running SQL statement: ${sql.trim()}`);
      const outcome: unknown = await client
        .query(sql, parameters === undefined ? undefined : [...parameters])
        .catch((error: unknown) => {
          throw statementError(error, index, statements.length);
        });
      for (const result of (Array.isArray(outcome) ? outcome : [outcome]) as pg.QueryResult[]) {
        if (result.fields.length > 0) rows = result.rows;
      }
    }
    await client.query("COMMIT");
    return rows;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}
