/**
 * Task logs on disk, one folder per run:
 * `$ASSETFLOW_HOME/logs/dag_id=<dag>/run_id=<run>/` (ids URI-encoded, so `=`
 * never occurs in them). Task hosts append the lines of the tries they run to
 * a segment file of their own there, with an index of where each try starts
 * (see `task-log-segments.ts`); what the worker adds to a try's log after the
 * try (its failure, a warning) goes to the try's own file,
 * `task_id=<task>.attempt=<n>.log`. A try's log is its part of a segment,
 * then its own file. Logs written in the earlier layout, a file per try in a
 * folder per task (`.../run_id=<run>/task_id=<task>/attempt=<n>.log`), are
 * read as well.
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
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import { type FileHandle, open, readdir, readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TaskInstanceKey } from "../scheduler/contracts.js";
import { makePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../scheduler/store/home.js";
import { isSegmentName, parseTryIndex, type TaskLogWriter, TRY_INDEX_NAME } from "./task-log-segments.js";

export type { TaskLogWriter } from "./task-log-segments.js";

/**
 * The own file of one try (what the worker adds to its log, or its whole log
 * when written with {@link openTaskLog}); its folder is the run's log folder.
 */
export function taskLogPath(logDir: string, key: Omit<TaskInstanceKey, "mapIndex">): string {
  return join(runLogFolder(logDir, key), taskLogName(key));
}

/** The name of a try's own file in its run's log folder (see {@link taskLogPath}). */
export function taskLogName(key: { taskId: string; tryNumber: number }): string {
  return `${taskLogPrefix(key.taskId)}${key.tryNumber}.log`;
}

/** The folder of a run's logs. */
export function runLogFolder(logDir: string, key: { dagId: string; runId: string }): string {
  return join(logDir, `dag_id=${encodeURIComponent(key.dagId)}`, `run_id=${encodeURIComponent(key.runId)}`);
}

/** What the names of a task's log files start with, before the try number. */
function taskLogPrefix(taskId: string): string {
  return `task_id=${encodeURIComponent(taskId)}.attempt=`;
}

/** A part of a try's log: bytes of a file, from `start` to `end` (null: to the file's end). */
interface LogPiece {
  readonly path: string;
  readonly start: number;
  readonly end: number | null;
}

/** What a run's log folder holds, read in this order (see {@link tryPieces}). */
interface RunFolderListing {
  readonly folder: string;
  readonly names: readonly string[];
  /** Segment sizes, taken before the index was read. */
  readonly segmentSizes: ReadonlyMap<string, number>;
  readonly indexText: string;
  /** Names in the task's folder of the earlier layout. */
  readonly legacyNames: readonly string[];
}

/**
 * The parts of each try's log of a task, by try number, in try order: the
 * file of the earlier layout, the try's part of a segment (up to where the
 * segment's next try starts, or the segment's size when the folder was
 * listed), then the try's own file.
 */
function tryPieces(listing: RunFolderListing, taskId: string): Array<{ tryNumber: number; pieces: LogPiece[] }> {
  const { folder, names, segmentSizes, indexText, legacyNames } = listing;
  const byTry = new Map<number, LogPiece[]>();
  const add = (tryNumber: number, piece: LogPiece) => byTry.set(tryNumber, [...(byTry.get(tryNumber) ?? []), piece]);
  const legacy = join(folder, `task_id=${encodeURIComponent(taskId)}`);
  for (const name of legacyNames) {
    const match = /^attempt=(\d+)\.log$/.exec(name);
    if (match) add(Number(match[1]), { path: join(legacy, name), start: 0, end: null });
  }
  const starts = parseTryIndex(indexText);
  const ownStart = new Map<number, (typeof starts)[number]>();
  for (const start of starts) if (start.taskId === taskId) ownStart.set(start.tryNumber, start);
  for (const [tryNumber, start] of [...ownStart].sort((a, b) => a[0] - b[0])) {
    const size = segmentSizes.get(start.segment);
    if (size === undefined || start.offset > size) continue;
    let end = size;
    for (const other of starts) {
      if (other.segment === start.segment && other.offset > start.offset && other.offset < end) end = other.offset;
    }
    add(tryNumber, { path: join(folder, start.segment), start: start.offset, end });
  }
  const prefix = taskLogPrefix(taskId);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.log$/.exec(name.slice(prefix.length));
    if (match) add(Number(match[1]), { path: join(folder, name), start: 0, end: null });
  }
  return [...byTry].map(([tryNumber, pieces]) => ({ tryNumber, pieces })).sort((a, b) => a.tryNumber - b.tryNumber);
}

/** Lists a run's log folder (see {@link RunFolderListing}); empty when it is missing. */
function listRunFolder(logDir: string, key: { dagId: string; runId: string; taskId: string }): RunFolderListing {
  const folder = runLogFolder(logDir, key);
  const names = attempt(() => readdirSync(folder), [] as string[]);
  const segmentSizes = new Map<string, number>();
  for (const name of names.filter(isSegmentName)) {
    const size = attempt(() => statSync(join(folder, name)).size, null);
    if (size !== null) segmentSizes.set(name, size);
  }
  const indexText = names.includes(TRY_INDEX_NAME)
    ? attempt(() => readFileSync(join(folder, TRY_INDEX_NAME), "utf8"), "")
    : "";
  const legacyFolder = `task_id=${encodeURIComponent(key.taskId)}`;
  const legacyNames = names.includes(legacyFolder)
    ? attempt(() => readdirSync(join(folder, legacyFolder)), [] as string[])
    : [];
  return { folder, names, segmentSizes, indexText, legacyNames };
}

/** {@link listRunFolder} without blocking. */
async function listRunFolderAsync(
  logDir: string,
  key: { dagId: string; runId: string; taskId: string },
): Promise<RunFolderListing> {
  const folder = runLogFolder(logDir, key);
  const names = await attemptAsync(() => readdir(folder), [] as string[]);
  const segmentSizes = new Map<string, number>();
  await Promise.all(
    names.filter(isSegmentName).map(async (name) => {
      const size = await attemptAsync(async () => (await stat(join(folder, name))).size, null);
      if (size !== null) segmentSizes.set(name, size);
    }),
  );
  // The index is read after the sizes: a try whose lines a size counts has its start in the index.
  const indexText = names.includes(TRY_INDEX_NAME)
    ? await attemptAsync(() => readFile(join(folder, TRY_INDEX_NAME), "utf8"), "")
    : "";
  const legacyFolder = `task_id=${encodeURIComponent(key.taskId)}`;
  const legacyNames = names.includes(legacyFolder)
    ? await attemptAsync(() => readdir(join(folder, legacyFolder)), [] as string[])
    : [];
  return { folder, names, segmentSizes, indexText, legacyNames };
}

/** `read()`, or `fallback` when it throws (a file or folder that is missing). */
function attempt<T, F>(read: () => T, fallback: F): T | F {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** {@link attempt} for a promise. */
async function attemptAsync<T, F>(read: () => Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await read();
  } catch {
    return fallback;
  }
}

/** The bytes of a piece (nothing when its file is missing). */
function readPiece(piece: LogPiece): Buffer {
  if (piece.end === null) return attempt(() => readFileSync(piece.path), Buffer.alloc(0));
  const length = piece.end - piece.start;
  const buffer = Buffer.alloc(length);
  let fd: number;
  try {
    fd = openSync(piece.path, "r");
  } catch {
    return Buffer.alloc(0);
  }
  try {
    let read = 0;
    while (read < length) {
      const bytes = readSync(fd, buffer, read, length - read, piece.start + read);
      if (bytes === 0) break;
      read += bytes;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Appends a line to a try's log, creating the file. */
export function appendTaskLog(logDir: string, key: Omit<TaskInstanceKey, "mapIndex">, line: string): void {
  const path = taskLogPath(logDir, key);
  makePrivateDir(dirname(path));
  appendFileSync(path, `${line}\n`, { mode: PRIVATE_FILE_MODE });
}

/**
 * Opens a try's own log file for appending, making its folder (task hosts
 * write to segments instead: see `task-log-segments.ts`). Logs are private:
 * files 0600, folders 0700 (tasks may print what only their owner should read).
 * Lines go straight to the file, so a process that dies next leaves every
 * line written before. A write that fails
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
  // The folder first when the file cannot be opened: its error is the one thrown.
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
 * Starts making the log folders of tries' runs, and their try index (see
 * `task-log-segments.ts`), on libuv's thread pool and returns at once, each
 * folder once: a worker calls it for the tries it claims while their claim
 * commits, so the task host that runs a try has fewer files to create. Errors
 * are ignored here: the host makes what is missing itself, and fails the try
 * when it cannot. A claim that rolls back after this leaves an empty folder,
 * which reads as no log.
 *
 * @example
 * ```ts
 * makeTaskLogFolders(requests.map((request) => taskLogPath(logDir, request.key)));
 * ```
 */
export function makeTaskLogFolders(paths: Iterable<string>): void {
  makeRunLogFolders(new Set(Array.from(paths, (path) => dirname(path))));
}

/** {@link makeTaskLogFolders} given the run log folders themselves (each made once per call: pass distinct folders). */
export function makeRunLogFolders(folders: Iterable<string>): void {
  for (const folder of folders) {
    mkdir(folder, { recursive: true, mode: PRIVATE_DIR_MODE }, (error) => {
      if (error) return;
      openFile(join(folder, TRY_INDEX_NAME), "a", PRIVATE_FILE_MODE, (openError, fd) => {
        if (!openError) close(fd, () => undefined);
      });
    });
  }
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
  return tryPieces(listRunFolder(logDir, key), key.taskId)
    .filter(({ tryNumber }) => key.tryNumber === undefined || tryNumber === key.tryNumber)
    .map(({ tryNumber, pieces }) => ({ tryNumber, text: Buffer.concat(pieces.map(readPiece)).toString("utf8") }));
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
  const tries = tryPieces(await listRunFolderAsync(logDir, key), key.taskId).filter(
    ({ tryNumber }) => options.tryNumber === undefined || tryNumber === options.tryNumber,
  );
  return Promise.all(tries.map(({ tryNumber, pieces }) => readRange(pieces, tryNumber, options)));
}

async function readRange(
  pieces: readonly LogPiece[],
  tryNumber: number,
  options: TaskLogRangeOptions,
): Promise<TaskLogRange> {
  const source = await openPieces(pieces);
  try {
    const size = source.size;
    if (options.offset !== undefined) {
      const start = Math.min(options.offset, size);
      const length = Math.min(size - start, options.maxBytes);
      const bytes = await source.readAt(start, length);
      // Stop at the last whole line unless the log ends there (the rest is read next time).
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
    const bytes = await source.readAt(size - length, length);
    // Start after a line break when the read began inside the log.
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
    await source.close();
  }
}

/** A try's log as one run of bytes over its pieces (see {@link tryPieces}); missing files count as empty. */
async function openPieces(pieces: readonly LogPiece[]): Promise<{
  readonly size: number;
  readAt(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}> {
  const parts: Array<{ file: FileHandle; start: number; length: number }> = [];
  try {
    for (const piece of pieces) {
      const file = await attemptAsync(() => open(piece.path, "r"), null);
      if (!file) continue;
      const fileSize = piece.end === null ? (await file.stat()).size : piece.end;
      parts.push({ file, start: piece.start, length: Math.max(0, fileSize - piece.start) });
    }
  } catch (error) {
    await Promise.all(parts.map(({ file }) => file.close()));
    throw error;
  }
  return {
    size: parts.reduce((sum, part) => sum + part.length, 0),
    readAt: async (position, length) => {
      const chunks: Buffer[] = [];
      let at = position;
      let left = length;
      let partStart = 0;
      for (const part of parts) {
        const partEnd = partStart + part.length;
        if (left > 0 && at < partEnd) {
          const take = Math.min(left, partEnd - at);
          const bytes = await readAt(part.file, part.start + (at - partStart), take);
          chunks.push(bytes);
          at += bytes.length;
          left -= bytes.length;
          if (bytes.length < take) break;
        }
        partStart = partEnd;
      }
      return Buffer.concat(chunks);
    },
    close: async () => {
      await Promise.all(parts.map(({ file }) => file.close()));
    },
  };
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await file.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}
