import { AssetflowError, type AssetflowErrorOptions } from "../sdk/index.js";

/**
 * Stable codes of the errors the task runtime raises. Like the SDK's
 * `ErrorCode`, they are part of the public contract: never rename one.
 *
 * @example
 * ```ts
 * if (outcome.state === "failed" && outcome.error.code === RuntimeErrorCode.timeout) retryLater();
 * ```
 */
export const RuntimeErrorCode = {
  /** The run request names a task the DAG does not have, or another DAG. */
  requestInvalid: "TASK_REQUEST_INVALID",
  /** `ctx.outletEvents.get(x)` or `Metadata` for an asset or alias missing from the task's outlets. */
  outletUndeclared: "OUTLET_UNDECLARED",
  /** `ctx.inletEvents.get(x)` for an asset or alias missing from the task's inlets. */
  inletUndeclared: "INLET_UNDECLARED",
  /** An `Asset.ref` inlet names no asset the store knows, or several: the try fails before the task runs. */
  inletRefUnresolved: "INLET_REF_UNRESOLVED",
  /**
   * An `Asset.ref` given to `ctx.outletEvents.get`, `ctx.inletEvents.get`,
   * `ctx.triggeringAssetEvents.get` or an alias's `add` names no asset there,
   * or several.
   */
  assetRefUnresolved: "ASSET_REF_UNRESOLVED",
  /** A generator task yielded something other than `Metadata`. */
  yieldInvalid: "TASK_YIELD_INVALID",
  /** The task returned a value that is not JSON. */
  resultNotJson: "TASK_RESULT_NOT_JSON",
  /** The try ran longer than its `executionTimeout`. */
  timeout: "TASK_TIMEOUT",
  /** A template field failed to render. */
  templateInvalid: "TEMPLATE_INVALID",
  /** A bash command exited with a failing code or was killed. */
  bashFailed: "BASH_COMMAND_FAILED",
  /** A SQL connection id has no `ASSETFLOW_CONN_<ID>` environment variable. */
  sqlConnectionMissing: "SQL_CONNECTION_MISSING",
  /** A SQL connection URI is not a supported `sqlite://` or `postgres://` URI. */
  sqlConnectionInvalid: "SQL_CONNECTION_INVALID",
  /** SQL bind parameters the database cannot take. */
  sqlParametersInvalid: "SQL_PARAMETERS_INVALID",
  /** The try's log file could not be written (a full disk: `ENOSPC`); the message names the cause. */
  logWriteFailed: "TASK_LOG_WRITE_FAILED",
} as const;

/** One of {@link RuntimeErrorCode}. */
export type RuntimeErrorCode = (typeof RuntimeErrorCode)[keyof typeof RuntimeErrorCode];

/**
 * An error raised while running a task: a misuse of the task context, a bad
 * yield or result, a timeout, a failing command or query. It ends the try as
 * `failed` with its `code`.
 *
 * @example
 * ```ts
 * throw new TaskRuntimeError(RuntimeErrorCode.bashFailed, "Bash command failed with exit code 2.");
 * ```
 */
export class TaskRuntimeError extends AssetflowError {
  constructor(code: RuntimeErrorCode, message: string, options: AssetflowErrorOptions = {}) {
    super(code, message, options);
  }
}
