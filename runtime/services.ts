/**
 * The real {@link OperatorServices}: one module per operator under
 * `operators/` (`bash.ts`: shell commands in a `bash -c` child process;
 * `sql.ts`: SQL on SQLite, `sqlite.ts`, or PostgreSQL, `postgres.ts`), behind
 * the one interface the SDK's operators call through `ctx.services`.
 */
import type { BashRequest, OperatorServices, SqlRequest } from "../sdk/index.js";
import { runBash } from "./operators/bash.js";
import { runSql } from "./operators/sql.js";

export { BASH_OUTPUT_TAIL_LINES, runBash } from "./operators/bash.js";
export { runSql } from "./operators/sql.js";
export { resolveConnection, type SqlConnection } from "./operators/sql-connection.js";

/**
 * Options of the operator services.
 *
 * @example
 * ```ts
 * createOperatorServices({ log: (line) => taskLog.push(line), env: { ASSETFLOW_CONN_WAREHOUSE: "sqlite:///tmp/w.db" } });
 * ```
 */
export interface OperatorServicesOptions {
  /** Receives each line of command output and each statement run (default: discarded). */
  log?: (line: string) => void;
  /**
   * Where `ASSETFLOW_CONN_<ID>` variables are looked up (default `process.env`). A task host passes the
   * connections it keeps out of its own environment.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Told when a command's process group starts (`true`) and is gone (`false`):
   * a task host reports them to its pool, which kills them with the host
   * (timeout, crash, stop).
   */
  onProcessGroup?: (pgid: number, open: boolean) => void;
}

/**
 * The operator services the runtime lends to `BashOperator` and
 * `SQLExecuteQueryOperator`, writing their output to `options.log`.
 *
 * @example
 * ```ts
 * const services = createOperatorServices({ log: (line) => console.log(line) });
 * await services.runBash({ command: "echo hi", env: undefined, appendEnv: false, cwd: undefined, skipOnExitCode: 99 });
 * ```
 */
export function createOperatorServices(options: OperatorServicesOptions = {}): OperatorServices {
  return Object.freeze({
    runBash: (request: BashRequest) => runBash(request, options),
    runSql: (request: SqlRequest) => runSql(request, options),
  });
}
