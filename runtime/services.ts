/**
 * The real {@link OperatorServices}: shell commands in a `bash -c` child
 * process, SQL on SQLite (better-sqlite3) or PostgreSQL (pg).
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import {
  type BashRequest,
  type BashResult,
  type OperatorServices,
  type SqlRequest,
  type SqlResult,
  TaskSkipped,
} from "../sdk/index.js";
import { RuntimeErrorCode, TaskRuntimeError } from "./errors.js";
import { killProcessGroup } from "./process-groups.js";
import { connectionVariable } from "./task-environment.js";

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
 * How many lines of output a failing bash command's error shows.
 *
 * @example
 * ```ts
 * (error as TaskRuntimeError).details["outputTail"]; // at most BASH_OUTPUT_TAIL_LINES lines
 * ```
 */
export const BASH_OUTPUT_TAIL_LINES = 20;

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

/**
 * Runs `request.command` with `bash -c` in a child process.
 *
 * - Environment: the task environment (the process's, which in a task host
 *   holds no assetflow internals) when `env` is not given; only `env` when it
 *   is; both (with `env` winning) when `appendEnv` is true. Each connection
 *   of `connIds` is added as `ASSETFLOW_CONN_<ID>` (from `options.env`).
 * - Working directory: `cwd`, or a fresh temporary directory removed afterwards.
 * - Exit code 0 resolves with the last line of standard output; the exit code
 *   `skipOnExitCode` throws `TaskSkipped`; any other code (or a signal)
 *   throws a {@link TaskRuntimeError} with the code and the last
 *   {@link BASH_OUTPUT_TAIL_LINES} lines of standard output and error.
 *
 * Every output line goes to `options.log` as it arrives.
 *
 * @example
 * ```ts
 * const { lastLine } = await runBash({
 *   command: "echo one; echo two",
 *   env: undefined,
 *   appendEnv: false,
 *   cwd: undefined,
 *   skipOnExitCode: 99,
 * });
 * lastLine; // "two"
 * ```
 */
export async function runBash(request: BashRequest, options: OperatorServicesOptions = {}): Promise<BashResult> {
  const log = options.log ?? (() => {});
  const env =
    request.env === undefined
      ? { ...process.env }
      : request.appendEnv
        ? { ...process.env, ...request.env }
        : { ...request.env };
  for (const connId of request.connIds ?? []) {
    const variable = connectionVariable(connId);
    const value = (options.env ?? process.env)[variable];
    if (value === undefined) {
      throw new TaskRuntimeError(
        RuntimeErrorCode.sqlConnectionMissing,
        `Connection "${connId}" is not configured: set the environment variable ${variable} where the worker runs.`,
        { details: { connId, variable } },
      );
    }
    env[variable] = value;
  }
  const cwd = request.cwd ?? (await mkdtemp(join(tmpdir(), "assetflow-bash-")));
  try {
    const tail: string[] = [];
    let lastLine = "";
    const onLine = (line: string, stream: "stdout" | "stderr"): void => {
      tail.push(line);
      if (tail.length > BASH_OUTPUT_TAIL_LINES) tail.shift();
      if (stream === "stdout") lastLine = line;
      log(line);
    };
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolvePromise, reject) => {
        // In a process group of its own: whatever the command starts (`sleep 400 &`, a server) ends with it.
        const child = spawn(findBash(), ["-c", request.command], {
          cwd,
          env,
          stdio: ["ignore", "pipe", "pipe"],
          detached: true,
        });
        const pgid = child.pid;
        if (pgid !== undefined) options.onProcessGroup?.(pgid, true);
        const flushStdout = splitLines((line) => onLine(line, "stdout"));
        const flushStderr = splitLines((line) => onLine(line, "stderr"));
        child.stdout.on("data", flushStdout.push);
        child.stderr.on("data", flushStderr.push);
        child.on("error", reject);
        // "exit", not "close": a background child holding the output open would delay "close" for ever.
        child.on("exit", (exitCode, exitSignal) => {
          if (pgid !== undefined) {
            killProcessGroup(pgid);
            options.onProcessGroup?.(pgid, false);
          }
          // The pipes close once the group is gone; then the last lines are in.
          let ended = 0;
          const end = () => {
            if (++ended < 2) return;
            flushStdout.end();
            flushStderr.end();
            resolvePromise({ code: exitCode, signal: exitSignal });
          };
          for (const stream of [child.stdout, child.stderr]) {
            if (stream.readableEnded || stream.destroyed) end();
            else stream.once("close", end);
          }
        });
      },
    );
    if (code === 0) return { exitCode: 0, lastLine };
    if (code === request.skipOnExitCode) {
      throw new TaskSkipped(`Bash command exited with code ${code} (skipOnExitCode): the task is skipped.`);
    }
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
    throw new TaskRuntimeError(
      RuntimeErrorCode.bashFailed,
      `Bash command failed with ${how}. Last ${tail.length} line(s) of output:\n${tail.join("\n")}`,
      { details: { exitCode: code, signal, outputTail: [...tail] } },
    );
  } finally {
    if (request.cwd === undefined) await rm(cwd, { recursive: true, force: true });
  }
}

/** Calls `onLine` for each complete line of a byte stream; `end()` flushes the rest. */
function splitLines(onLine: (line: string) => void): { push: (chunk: Buffer) => void; end: () => void } {
  let pending = "";
  const decoder = new TextDecoder();
  return {
    push: (chunk) => {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine(line.replace(/\r$/, ""));
    },
    end: () => {
      pending += decoder.decode();
      if (pending !== "") onLine(pending.replace(/\r$/, ""));
      pending = "";
    },
  };
}

let bashPath: string | undefined;

/** The absolute path of bash, so a command run with only `env` (no PATH) still starts. */
function findBash(): string {
  if (bashPath !== undefined) return bashPath;
  for (const dir of [...(process.env["PATH"] ?? "").split(delimiter), "/bin", "/usr/bin"]) {
    if (dir === "") continue;
    const candidate = join(dir, "bash");
    try {
      accessSync(candidate, constants.X_OK);
      bashPath = candidate;
      return candidate;
    } catch {}
  }
  bashPath = "bash";
  return bashPath;
}

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
      ? runSqlite(connection.path, statements, request.parameters, log)
      : await runPostgres(connection.url, request.connId, statements, request.parameters, log);
  log(`SQL returned ${rows.length} row(s).`);
  return { rows: rows.map(toJsonRow) };
}

type Parameters = SqlRequest["parameters"];

function runSqlite(
  path: string,
  statements: readonly string[],
  parameters: Parameters,
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

async function runPostgres(
  url: string,
  connId: string,
  statements: readonly string[],
  parameters: Parameters,
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

/** The driver's error with the failing statement's position, and a hint when several statements share parameters. */
function statementError(error: unknown, index: number, count: number): unknown {
  if (!(error instanceof Error) || count === 1) return error;
  error.message = `SQL statement ${index + 1} of ${count} failed: ${error.message}`;
  if (/parameter/i.test(error.message)) {
    error.message += " (parameters bind to every statement: run statements that take none in a separate task or query)";
  }
  return error;
}

function toSqliteValue(value: unknown): unknown {
  return typeof value === "boolean" ? Number(value) : value;
}

function toJsonRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toJsonCell(value)]));
}

function toJsonCell(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return value;
}
