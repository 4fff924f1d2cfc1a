/**
 * The bash operator's service: `BashOperator`'s command in a `bash -c` child
 * process of its own process group, its output logged line by line.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { type BashRequest, type BashResult, TaskSkipped } from "../../sdk/index.js";
import { RuntimeErrorCode, TaskRuntimeError } from "../errors.js";
import { killProcessGroup } from "../process-groups.js";
import type { OperatorServicesOptions } from "../services.js";
import { connectionVariable } from "../task-environment.js";

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
