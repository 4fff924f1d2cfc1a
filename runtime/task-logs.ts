/**
 * Task logs on disk: one file per try, in one folder per run:
 * `$ASSETFLOW_HOME/logs/dag_id=<dag>/run_id=<run>/task_id=<task>.attempt=<n>.log`
 * (ids URI-encoded, so `=` never occurs in them). A try's log costs the
 * creation of one file: no folder per task (creating a folder and removing it
 * cost the kernel more than running a short task). Logs written before this
 * layout, `.../run_id=<run>/task_id=<task>/attempt=<n>.log`, are still read.
 */
import {
  appendFileSync,
  close,
  closeSync,
  mkdir,
  open as openFile,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { open, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TaskInstanceKey } from "../scheduler/contracts.js";
import { makePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../scheduler/store/home.js";

/** The log file of one try. */
export function taskLogPath(logDir: string, key: Omit<TaskInstanceKey, "mapIndex">): string {
  return join(runLogFolder(logDir, key), `${taskLogPrefix(key.taskId)}${key.tryNumber}.log`);
}

/** The folder of a run's logs: the logs of all its tries are files in it. */
function runLogFolder(logDir: string, key: { dagId: string; runId: string }): string {
  return join(logDir, `dag_id=${encodeURIComponent(key.dagId)}`, `run_id=${encodeURIComponent(key.runId)}`);
}

/** What the names of a task's log files start with, before the try number. */
function taskLogPrefix(taskId: string): string {
  return `task_id=${encodeURIComponent(taskId)}.attempt=`;
}

/**
 * The log files of a task's tries in a run, by try number, from the names in
 * the run's folder (and, for logs written before the one-folder-per-run
 * layout, in the task's own folder), in try order.
 */
function tryLogFiles(
  folder: string,
  names: readonly string[],
  taskId: string,
  legacyNames: readonly string[],
): Array<{ tryNumber: number; path: string }> {
  const prefix = taskLogPrefix(taskId);
  const byTry = new Map<number, string>();
  const legacy = join(folder, `task_id=${encodeURIComponent(taskId)}`);
  for (const name of legacyNames) {
    const match = /^attempt=(\d+)\.log$/.exec(name);
    if (match) byTry.set(Number(match[1]), join(legacy, name));
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.log$/.exec(name.slice(prefix.length));
    if (match) byTry.set(Number(match[1]), join(folder, name));
  }
  return [...byTry]
    .map(([tryNumber, path]) => ({ tryNumber, path }))
    .sort((a, b) => a.tryNumber - b.tryNumber);
}

/** The names in a folder, or none when it is missing or not a folder. */
function namesIn(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/** {@link namesIn} without blocking. */
async function namesInAsync(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch {
    return [];
  }
}

/** Appends a line to a try's log, creating the file. */
export function appendTaskLog(logDir: string, key: Omit<TaskInstanceKey, "mapIndex">, line: string): void {
  const path = taskLogPath(logDir, key);
  makePrivateDir(dirname(path));
  appendFileSync(path, `${line}\n`, { mode: PRIVATE_FILE_MODE });
}

/** An open log of one try. */
export interface TaskLogWriter {
  /** Appends a line (written at once: a process that dies next loses nothing). Never throws. */
  write(line: string): void;
  /**
   * The first write that failed (a full disk: `ENOSPC`), or null. Once a
   * write failed, the writer stops writing; the try fails with this cause.
   */
  readonly failure: NodeJS.ErrnoException | null;
  close(): void;
}

/**
 * Opens a try's log file for appending, making its folder. Logs are private:
 * files 0600, folders 0700 (tasks may print what only their owner should read). The task host that
 * runs the try writes its log: lines go straight to the file, so a task that
 * kills its process leaves every line it logged before. A write that fails
 * (the disk is full) does not throw into the task: the writer keeps the
 * error as {@link TaskLogWriter.failure} and the host fails the try with it.
 * Opening throws (the caller fails the try).
 *
 * @example
 * ```ts
 * const log = openTaskLog(taskLogPath(logDir, key));
 * log.write("started");
 * log.close();
 * if (log.failure) console.error(log.failure.code); // "ENOSPC"
 * ```
 */
export function openTaskLog(path: string): TaskLogWriter {
  // The worker usually made the folder while it claimed the try (see makeTaskLogFolders): one system call then.
  // Otherwise (or on any error) as before: the folder first, whose error is the one thrown.
  let fd: number;
  try {
    fd = openSync(path, "a", PRIVATE_FILE_MODE);
  } catch {
    makePrivateDir(dirname(path));
    fd = openSync(path, "a", PRIVATE_FILE_MODE);
  }
  return logWriter(fd);
}

/**
 * Starts making the folders of tries' logs (one per run) on libuv's thread
 * pool and returns at once, each folder once: a worker calls it for the tries
 * it claims while their claim commits, so the task host that runs a try only
 * creates its file. Errors are ignored here: the host's {@link openTaskLog}
 * makes the folder itself when it is missing, and fails the try when it cannot
 * be made. A claim that rolls back after this leaves an empty folder, which
 * reads as no log.
 *
 * @example
 * ```ts
 * makeTaskLogFolders(requests.map((request) => taskLogPath(logDir, request.key)));
 * ```
 */
export function makeTaskLogFolders(paths: Iterable<string>): void {
  for (const folder of new Set(Array.from(paths, (path) => dirname(path)))) {
    mkdir(folder, { recursive: true, mode: PRIVATE_DIR_MODE }, () => undefined);
  }
}

/**
 * Starts creating a try's (empty) log file on libuv's thread pool and returns
 * at once: a worker calls it as it sends a claimed try to a task host, whose
 * {@link openTaskLog} then opens the file while the host receives the try,
 * instead of creating it. Errors are ignored (a folder not made yet, a full
 * disk): the host's own open creates the file or fails the try.
 *
 * @example
 * ```ts
 * createTaskLogFile(taskLogPath(logDir, request.key));
 * ```
 */
export function createTaskLogFile(path: string): void {
  openFile(path, "a", PRIVATE_FILE_MODE, (error, fd) => {
    if (!error) close(fd, () => undefined);
  });
}

/**
 * {@link openTaskLog} off the calling thread: the folder is made and the file
 * opened by libuv's thread pool, so a task host can open the log of a try it
 * was sent ahead while it runs the try before (making a folder and creating a
 * file cost more than running a short task). Rejects as `openTaskLog` throws.
 *
 * @example
 * ```ts
 * const next = openTaskLogAhead(taskLogPath(logDir, key)); // while another try runs
 * const log = await next;
 * ```
 */
export function openTaskLogAhead(path: string): Promise<TaskLogWriter> {
  return new Promise((resolvePromise, reject) => {
    const openIt = (retry: boolean) =>
      openFile(path, "a", PRIVATE_FILE_MODE, (openError, fd) => {
        if (!openError) return resolvePromise(logWriter(fd));
        if (!retry) return reject(openError);
        mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE }, (mkdirError) =>
          mkdirError ? reject(mkdirError) : openIt(false),
        );
      });
    openIt(true);
  });
}

/** The writer of an open log file descriptor (see {@link openTaskLog}). */
function logWriter(fd: number): TaskLogWriter {
  let open = true;
  let failure: NodeJS.ErrnoException | null = null;
  return {
    write: (line) => {
      if (!open || failure) return;
      try {
        writeSync(fd, `${line}\n`);
      } catch (error) {
        failure = error as NodeJS.ErrnoException;
      }
    },
    get failure() {
      return failure;
    },
    close: () => {
      if (!open) return;
      open = false;
      try {
        closeSync(fd);
      } catch (error) {
        failure ??= error as NodeJS.ErrnoException;
      }
    },
  };
}

/**
 * The message of a try whose log could not be written: the cause as the
 * system gave it (`ENOSPC: no space left on device, write`) and what to do.
 */
export function taskLogFailureMessage(taskId: string, error: { message?: string } | null | undefined): string {
  const cause = error?.message ?? String(error);
  return `Task "${taskId}" could not write its log: ${cause}. Free disk space in the logs folder ($ASSETFLOW_HOME/logs); the next try writes again.`;
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
  const folder = runLogFolder(logDir, key);
  const names = namesIn(folder);
  const legacy = names.includes(`task_id=${encodeURIComponent(key.taskId)}`)
    ? namesIn(join(folder, `task_id=${encodeURIComponent(key.taskId)}`))
    : [];
  return tryLogFiles(folder, names, key.taskId, legacy)
    .filter(({ tryNumber }) => key.tryNumber === undefined || tryNumber === key.tryNumber)
    .map(({ tryNumber, path }) => ({ tryNumber, text: readFileSync(path, "utf8") }));
}

/** A part of one try's log file. */
export interface TaskLogRange {
  readonly tryNumber: number;
  readonly text: string;
  /** Byte offset where `text` starts. */
  readonly offset: number;
  /** Byte offset after `text`: where to read next to follow the log. */
  readonly nextOffset: number;
  /** True when the file has bytes before `offset` that were not read. */
  readonly truncated: boolean;
}

/** How to read a try's log: from a byte offset, or its last lines; at most `maxBytes` either way. */
export interface TaskLogRangeOptions {
  readonly tryNumber?: number;
  /** Read from this byte offset (to follow a growing log). */
  readonly offset?: number;
  /** Read the last `tail` lines (ignored when `offset` is given). */
  readonly tail?: number;
  /** The most bytes read per try (from the offset, or the end of the file). */
  readonly maxBytes: number;
}

/**
 * Parts of a task's logs, one per try (all tries, or one), read without
 * blocking: from a byte offset, the last lines, or the end of each file,
 * never more than `maxBytes` per try. Text starts and ends on whole lines
 * (and whole UTF-8 characters) except at the file's ends.
 *
 * @example
 * ```ts
 * const [last] = await readTaskLogRanges(logDir, { dagId, runId, taskId }, { tryNumber: 1, tail: 100, maxBytes: 1 << 20 });
 * const next = await readTaskLogRanges(logDir, { dagId, runId, taskId }, { tryNumber: 1, offset: last.nextOffset, maxBytes: 1 << 20 });
 * ```
 */
export async function readTaskLogRanges(
  logDir: string,
  key: { dagId: string; runId: string; taskId: string },
  options: TaskLogRangeOptions,
): Promise<TaskLogRange[]> {
  const folder = runLogFolder(logDir, key);
  const names = await namesInAsync(folder);
  const legacy = names.includes(`task_id=${encodeURIComponent(key.taskId)}`)
    ? await namesInAsync(join(folder, `task_id=${encodeURIComponent(key.taskId)}`))
    : [];
  const tries = tryLogFiles(folder, names, key.taskId, legacy).filter(
    ({ tryNumber }) => options.tryNumber === undefined || tryNumber === options.tryNumber,
  );
  return Promise.all(tries.map(({ tryNumber, path }) => readRange(path, tryNumber, options)));
}

async function readRange(path: string, tryNumber: number, options: TaskLogRangeOptions): Promise<TaskLogRange> {
  const file = await open(path, "r");
  try {
    const size = (await file.stat()).size;
    if (options.offset !== undefined) {
      const start = Math.min(options.offset, size);
      const length = Math.min(size - start, options.maxBytes);
      const bytes = await readAt(file, start, length);
      // Stop at the last whole line unless the file ends there (the rest is read next time).
      const end = start + length === size ? bytes.length : bytes.lastIndexOf(0x0a) + 1 || bytes.length;
      return {
        tryNumber,
        text: bytes.subarray(0, end).toString("utf8"),
        offset: start,
        nextOffset: start + end,
        truncated: start > 0,
      };
    }
    const length = Math.min(size, options.maxBytes);
    const bytes = await readAt(file, size - length, length);
    // Start after a line break when the read began inside the file.
    let from = size - length > 0 ? bytes.indexOf(0x0a) + 1 : 0;
    if (options.tail !== undefined) {
      let lines = 0;
      for (let i = bytes.length - 2; i >= from; i--) {
        if (bytes[i] === 0x0a && ++lines === options.tail) {
          from = i + 1;
          break;
        }
      }
    }
    const offset = size - length + from;
    return {
      tryNumber,
      text: bytes.subarray(from).toString("utf8"),
      offset,
      nextOffset: size,
      truncated: offset > 0,
    };
  } finally {
    await file.close();
  }
}

async function readAt(file: import("node:fs/promises").FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await file.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}
