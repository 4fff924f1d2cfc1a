/**
 * SQL on SQLite (better-sqlite3): the statements of one request in one
 * transaction on the database file.
 */
import Database from "better-sqlite3";
import { type SqlParameters, statementError } from "./sql-statements.js";

/**
 * Runs `statements` in order in one transaction on the SQLite file `path` and
 * returns the rows of the last statement that returns rows. `parameters` bind
 * to every statement (a list by position, `?`; an object by name, `:name`);
 * booleans bind as 0 and 1.
 *
 * @example
 * ```ts
 * runSqlite("/tmp/w.db", ["SELECT ? AS answer"], [42], console.log); // [{ answer: 42 }]
 * ```
 */
export function runSqlite(
  path: string,
  statements: readonly string[],
  parameters: SqlParameters,
  log: (line: string) => void,
): Record<string, unknown>[] {
  const db = new Database(path, { timeout: 5_000 });
  try {
    const bind: unknown[] =
      parameters === undefined
        ? []
        : Array.isArray(parameters)
          ? parameters.map(toSqliteValue)
          : [Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key, toSqliteValue(value)]))];
    return db.transaction(() => {
      let rows: Record<string, unknown>[] = [];
      for (const [index, sql] of statements.entries()) {
        log(`Running SQL statement: ${sql.trim()}`);
        try {
          const statement = db.prepare(sql);
          if (statement.reader) rows = statement.all(...bind) as Record<string, unknown>[];
          else statement.run(...bind);
        } catch (error) {
          throw statementError(error, index, statements.length);
        }
      }
      return rows;
    })();
  } finally {
    db.close();
  }
}

/** A value SQLite can bind: booleans as 0 and 1. */
function toSqliteValue(value: unknown): unknown {
  return typeof value === "boolean" ? Number(value) : value;
}
