/**
 * How task hosts write tries' logs: appended to a segment file of their own
 * in each run's log folder, with an index of where each try starts.
 *
 * In `$ASSETFLOW_HOME/logs/dag_id=<dag>/run_id=<run>/`:
 * - `host-<pid>-<tag>.log`: the lines of the tries one task host ran in this
 *   run, one try after the other (a host runs one try at a time);
 * - `tries.idx`: one line per try a host started, `start`, the URI-encoded
 *   task id, the try number, the segment's name and the byte offset where the
 *   try's lines start, tab-separated. A try's lines end where the next try of
 *   the same segment starts, or at the segment's end.
 *
 * Creating a file per try cost the kernel more CPU than running a short task
 * (100-400 µs on a busy machine); appending a line costs a few µs. Lines are
 * still written at once: a task that kills its process leaves every line it
 * logged. Only host code writes the index, so a task's output cannot make its
 * lines read as another try's. What the worker adds to a try's log after the
 * try (a failure, a warning) goes to the try's own file (`taskLogPath`),
 * read after the segment's part.
 */
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../scheduler/store/home.js";

/** The index of a run's log folder. */
export const TRY_INDEX_NAME = "tries.idx";

/** Segment names: `host-<pid>-<tag>.log`. */
const SEGMENT_NAME = /^host-[0-9]+-[0-9a-z]+\.log$/;

/** True for the name of a segment file (see the module's comment). */
export function isSegmentName(name: string): boolean {
  return SEGMENT_NAME.test(name);
}

/** Where one try's lines start in a segment, as the index records it. */
export interface TryStart {
  readonly taskId: string;
  readonly tryNumber: number;
  readonly segment: string;
  readonly offset: number;
}

/** The index line of a try's start (see the module's comment). */
export function tryStartLine(start: TryStart): string {
  return `start\t${encodeURIComponent(start.taskId)}\t${start.tryNumber}\t${start.segment}\t${start.offset}\n`;
}

/** The starts an index's text records, in order; lines that are not whole starts are skipped. */
export function parseTryIndex(text: string): TryStart[] {
  const starts: TryStart[] = [];
  for (const line of text.split("\n")) {
    const [kind, task, tryNumber, segment, offset, ...rest] = line.split("\t");
    if (kind !== "start" || rest.length > 0 || !segment || !isSegmentName(segment)) continue;
    if (!/^[0-9]+$/.test(tryNumber ?? "") || !/^[0-9]+$/.test(offset ?? "")) continue;
    let taskId: string;
    try {
      taskId = decodeURIComponent(task ?? "");
    } catch {
      continue;
    }
    starts.push({ taskId, tryNumber: Number(tryNumber), segment, offset: Number(offset) });
  }
  return starts;
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
  /** Ends the try's log: later writes are dropped. */
  close(): void;
}

/** A run's open segment and index in one host. */
interface OpenSegment {
  readonly segmentFd: number;
  readonly indexFd: number;
  /** The segment's size: where the next try starts. */
  size: number;
}

/** Runs whose segment a host keeps open (the least recently used is closed past this). */
const OPEN_SEGMENTS = 8;

/**
 * The logs one task host writes (see the module's comment): a segment per run
 * this host ran tries of, kept open for the next tries of the same run.
 *
 * @example
 * ```ts
 * const segments = new TaskLogSegments();
 * const log = segments.open(dirname(taskLogPath(logDir, key)), key);
 * log.write("started");
 * log.close();
 * ```
 */
export class TaskLogSegments {
  private readonly open = new Map<string, OpenSegment>();

  /** @param segment this host's segment name (unique per process). */
  constructor(private readonly segment = `host-${process.pid}-${Math.random().toString(36).slice(2, 8) || "0"}.log`) {}

  /**
   * Starts the log of a try in its run's folder (made when missing) and
   * returns its writer. A write that fails (the disk is full) does not throw
   * into the task: the writer keeps the error as
   * {@link TaskLogWriter.failure}. Opening throws (the caller fails the try).
   */
  start(runFolder: string, key: { taskId: string; tryNumber: number }): TaskLogWriter {
    const segment = this.segmentOf(runFolder);
    const line = tryStartLine({ ...key, segment: this.segment, offset: segment.size });
    try {
      writeSync(segment.indexFd, line);
    } catch (error) {
      this.forget(runFolder);
      throw error;
    }
    return this.writer(runFolder, segment);
  }

  /** Closes every open segment (a host that stops). */
  closeAll(): void {
    for (const folder of [...this.open.keys()]) this.forget(folder);
  }

  private segmentOf(runFolder: string): OpenSegment {
    const known = this.open.get(runFolder);
    if (known) {
      // Most recently used last.
      this.open.delete(runFolder);
      this.open.set(runFolder, known);
      return known;
    }
    const openBoth = (): OpenSegment => {
      const segmentFd = openSync(join(runFolder, this.segment), "a", PRIVATE_FILE_MODE);
      try {
        const indexFd = openSync(join(runFolder, TRY_INDEX_NAME), "a", PRIVATE_FILE_MODE);
        return { segmentFd, indexFd, size: fstatSync(segmentFd).size };
      } catch (error) {
        closeSync(segmentFd);
        throw error;
      }
    };
    let opened: OpenSegment;
    try {
      // The worker usually made the folder while it claimed the try.
      opened = openBoth();
    } catch {
      mkdirSync(runFolder, { recursive: true, mode: PRIVATE_DIR_MODE });
      opened = openBoth();
    }
    this.open.set(runFolder, opened);
    if (this.open.size > OPEN_SEGMENTS) {
      const [oldest] = this.open.keys();
      if (oldest !== undefined) this.forget(oldest);
    }
    return opened;
  }

  private forget(runFolder: string): void {
    const segment = this.open.get(runFolder);
    if (!segment) return;
    this.open.delete(runFolder);
    for (const fd of [segment.segmentFd, segment.indexFd]) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }

  private writer(runFolder: string, segment: OpenSegment): TaskLogWriter {
    let open = true;
    let failure: NodeJS.ErrnoException | null = null;
    return {
      write: (line) => {
        if (!open || failure) return;
        try {
          segment.size += writeSync(segment.segmentFd, `${line}\n`);
        } catch (error) {
          failure = error as NodeJS.ErrnoException;
          // A part of the line may be on disk: the next try starts at the segment's real end.
          try {
            segment.size = fstatSync(segment.segmentFd).size;
          } catch {
            this.forget(runFolder);
          }
        }
      },
      get failure() {
        return failure;
      },
      close: () => {
        open = false;
      },
    };
  }
}
