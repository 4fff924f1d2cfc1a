/**
 * Task logs on disk: one file per try under
 * `$ASSETFLOW_HOME/logs/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log`.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { TaskInstanceKey } from "../scheduler/contracts.js";

/** The log file of one try. */
export function taskLogPath(logDir: string, key: Omit<TaskInstanceKey, "mapIndex">): string {
  const safe = (value: string) => encodeURIComponent(value);
  return join(
    logDir,
    `dag_id=${safe(key.dagId)}`,
    `run_id=${safe(key.runId)}`,
    `task_id=${safe(key.taskId)}`,
    `attempt=${key.tryNumber}.log`,
  );
}

/** Appends a line to a try's log, creating the file. */
export function appendTaskLog(logDir: string, key: Omit<TaskInstanceKey, "mapIndex">, line: string): void {
  const path = taskLogPath(logDir, key);
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${line}\n`);
}

/** An open log of one try. */
export interface TaskLogWriter {
  /** Appends a line (written at once: a process that dies next loses nothing). */
  write(line: string): void;
  close(): void;
}

/**
 * Opens a try's log file for appending, making its folder. The task host that
 * runs the try writes its log: lines go straight to the file, so a task that
 * kills its process leaves every line it logged before.
 *
 * @example
 * ```ts
 * const log = openTaskLog(taskLogPath(logDir, key));
 * log.write("started");
 * log.close();
 * ```
 */
export function openTaskLog(path: string): TaskLogWriter {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "a");
  let open = true;
  return {
    write: (line) => {
      if (open) writeSync(fd, `${line}\n`);
    },
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/**
 * The logs of a task in a run, by try number (all tries, or one).
 *
 * @example
 * ```ts
 * readTaskLogs(join(home, "logs"), { dagId: "producer", runId, taskId: "write" });
 * ```
 */
export function readTaskLogs(
  logDir: string,
  key: { dagId: string; runId: string; taskId: string; tryNumber?: number },
): Array<{ tryNumber: number; text: string }> {
  const folder = dirname(taskLogPath(logDir, { ...key, tryNumber: 1 }));
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((name) => /^attempt=(\d+)\.log$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .filter((tryNumber) => key.tryNumber === undefined || tryNumber === key.tryNumber)
    .sort((a, b) => a - b)
    .map((tryNumber) => ({ tryNumber, text: readFileSync(join(folder, `attempt=${tryNumber}.log`), "utf8") }));
}
