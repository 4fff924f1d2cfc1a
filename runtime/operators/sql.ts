/**
 * The SQL operator's service: `SQLExecuteQueryOperator`'s statements on the
 * connection its id names, run by the module of that database (`sqlite.ts`,
 * `postgres.ts`; each driver is loaded when a statement first needs it), with
 * rows made JSON the same way for both.
 */
import type { SqlRequest, SqlResult } from "../../sdk/index.js";
import type { OperatorServicesOptions } from "../services.js";
import { resolveConnection } from "./sql-connection.js";
import { toJsonRow } from "./sql-statements.js";

/**
 * Runs SQL on the connection `request.connId` (see {@link resolveConnection}).
 * Several statements run in order in one transaction; the result holds the
 * rows of the last statement that returns rows (`[]` when none does).
 * `parameters` bind to every statement: a list binds positionally (`?` in
 * SQLite, `$1` in PostgreSQL), an object by name (`:name`, SQLite only).
 * Row values are made JSON: Dates become ISO strings, bigints numbers (strings
 * beyond 2^53), binary data base64 strings.
 *
 * @example
 * ```ts
 * process.env.ASSETFLOW_CONN_WAREHOUSE = "sqlite:///tmp/warehouse.db";
 * const { rows } = await runSql({ connId: "warehouse", sql: "SELECT ? AS answer", parameters: [42] });
 * rows; // [{ answer: 42 }]
 * ```
 */
export async function runSql(request: SqlRequest, options: OperatorServicesOptions = {}): Promise<SqlResult> {
  const log = options.log ?? (() => {});
  const connection = resolveConnection(request.connId, options.env);
  const statements: readonly string[] = typeof request.sql === "string" ? [request.sql] : request.sql;
  const rows =
    connection.kind === "sqlite"
      ? (await import("./sqlite.js")).runSqlite(connection.path, statements, request.parameters, log)
      : await (await import("./postgres.js")).runPostgres(
          connection.url,
          request.connId,
          statements,
          request.parameters,
          log,
        );
  log(`SQL returned ${rows.length} row(s).`);
  return { rows: rows.map(toJsonRow) };
}
