/**
 * SQL connections: the connection id of `SQLExecuteQueryOperator` resolved
 * from the environment variable `ASSETFLOW_CONN_<ID>` to SQLite or PostgreSQL.
 */
import { resolve } from "node:path";
import { RuntimeErrorCode, TaskRuntimeError } from "../errors.js";
import { connectionVariable } from "../task-environment.js";

/**
 * A resolved SQL connection (see {@link resolveConnection}).
 *
 * @example
 * ```ts
 * const connection: SqlConnection = { kind: "sqlite", path: "/var/data/warehouse.db" };
 * ```
 */
export type SqlConnection =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string };

/**
 * Resolves a connection id from the environment variable
 * `ASSETFLOW_CONN_<CONNID>` (upper-cased): `sqlite:///abs/path.db`,
 * `sqlite://relative/path.db` (from the working directory), `sqlite://:memory:`,
 * or `postgres://user:password@host:5432/db` (`postgresql://` too). A missing
 * or unsupported value throws a {@link TaskRuntimeError} naming the variable.
 *
 * @example
 * ```ts
 * resolveConnection("warehouse", { ASSETFLOW_CONN_WAREHOUSE: "sqlite:///var/data/warehouse.db" });
 * // { kind: "sqlite", path: "/var/data/warehouse.db" }
 * ```
 */
export function resolveConnection(
  connId: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SqlConnection {
  const variable = connectionVariable(connId);
  const value = env[variable];
  if (value === undefined || value.trim() === "") {
    throw new TaskRuntimeError(
      RuntimeErrorCode.sqlConnectionMissing,
      `Connection "${connId}" is not configured: set the environment variable ${variable} to a connection URI, ` +
        `for example ${variable}=sqlite:///var/data/${connId}.db or ${variable}=postgres://user:password@localhost:5432/${connId}.`,
      { details: { connId, variable } },
    );
  }
  if (value.startsWith("sqlite://")) {
    const path = value.slice("sqlite://".length);
    if (path !== "") return { kind: "sqlite", path: path === ":memory:" ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: "postgres", url: value };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  throw new TaskRuntimeError(
    RuntimeErrorCode.sqlConnectionInvalid,
    `Connection "${connId}" (${variable}) is not a supported URI${scheme ? ` (scheme "${scheme}")` : ""}: ` +
      "use sqlite:///absolute/path.db, sqlite://relative/path.db or postgres://user:password@host:5432/database.",
    { details: { connId, variable } },
  );
}
