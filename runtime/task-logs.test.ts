import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendTaskLog,
  createTaskLogFile,
  makeTaskLogFolders,
  openTaskLog,
  openTaskLogAhead,
  readTaskLogRanges,
  readTaskLogs,
  taskLogPath,
} from "./task-logs.js";

const key = { dagId: "big", runId: "manual__1", taskId: "talks" };
const LINES = 700_000;
let logDir: string;
let size = 0;

/** Line i of the big log: 75 bytes with its line break, so offsets are easy to compute. */
function line(i: number): string {
  return `line ${String(i).padStart(9, "0")} ${"x".repeat(59)}\n`;
}

beforeAll(() => {
  logDir = mkdtempSync(join(tmpdir(), "task-logs-"));
  const path = taskLogPath(logDir, { ...key, tryNumber: 1 });
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "w");
  // About 50 MB, written in chunks.
  for (let start = 0; start < LINES; start += 10_000) {
    let chunk = "";
    for (let i = start; i < start + 10_000; i++) chunk += line(i);
    size += writeSync(fd, chunk);
  }
  closeSync(fd);
});

afterAll(() => rmSync(logDir, { recursive: true, force: true }));

describe("readTaskLogRanges on a 50 MB log", () => {
  it("tail returns exactly the last N lines, also to several readers at once", async () => {
    const expected = [LINES - 3, LINES - 2, LINES - 1].map(line).join("");
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => readTaskLogRanges(logDir, key, { tail: 3, maxBytes: 1 << 20 })),
    );
    for (const [range] of answers) {
      expect(range).toEqual({
        tryNumber: 1,
        text: expected,
        offset: size - expected.length,
        nextOffset: size,
        truncated: true,
      });
    }
  });

  it("an offset read returns the bytes from the offset, whole lines, at most maxBytes", async () => {
    const offset = 75 * 123_456;
    const [range] = await readTaskLogRanges(logDir, key, { offset, maxBytes: 75 * 4 + 10 });
    expect(range).toEqual({
      tryNumber: 1,
      text: [123_456, 123_457, 123_458, 123_459].map(line).join(""),
      offset,
      nextOffset: offset + 75 * 4,
      truncated: true,
    });
    const [end] = await readTaskLogRanges(logDir, key, { offset: size - 75, maxBytes: 1 << 20 });
    expect(end).toMatchObject({ text: line(LINES - 1), nextOffset: size });
  });

  it("without tail or offset returns the end of the file, from a line start, at most maxBytes", async () => {
    const [range] = await readTaskLogRanges(logDir, key, { maxBytes: 75 * 2 + 5 });
    expect(range?.text).toBe([LINES - 2, LINES - 1].map(line).join(""));
  });
});

describe("openTaskLogAhead", () => {
  it("makes the try's private folder and file off the thread, and its writer appends lines at once", async () => {
    const path = taskLogPath(logDir, { dagId: "ahead", runId: "manual__2", taskId: "t", tryNumber: 1 });
    const log = await openTaskLogAhead(path);
    log.write("first");
    expect(readFileSync(path, "utf8")).toBe("first\n");
    log.write("second");
    log.close();
    log.write("after close");
    expect(readFileSync(path, "utf8")).toBe("first\nsecond\n");
    expect(log.failure).toBeNull();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });

  it("rejects with the error openTaskLog throws when the folder cannot be made", async () => {
    const blocker = join(logDir, "a-file");
    writeFileSync(blocker, "");
    const path = join(blocker, "attempt=1.log");
    expect(() => openTaskLog(path)).toThrow(expect.objectContaining({ code: "EEXIST" }));
    await expect(openTaskLogAhead(path)).rejects.toMatchObject({ code: "EEXIST" });
  });
});

describe("log files made ahead by the worker", () => {
  it("makes a run's log folder, then a try's empty private file, off the calling thread", async () => {
    const path = taskLogPath(logDir, { dagId: "made-ahead", runId: "manual__2", taskId: "t", tryNumber: 1 });
    makeTaskLogFolders([path]);
    await expect.poll(() => existsSync(dirname(path))).toBe(true);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    createTaskLogFile(path);
    await expect.poll(() => existsSync(path)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toBe("");
    // The host's open appends to the file made ahead.
    const log = openTaskLog(path);
    log.write("hello");
    log.close();
    expect(readFileSync(path, "utf8")).toBe("hello\n");
  });

  it("ignores a file that cannot be made: the host's open reports it", async () => {
    const blocker = join(logDir, "another-file");
    writeFileSync(blocker, "");
    const path = join(blocker, "attempt=1.log");
    makeTaskLogFolders([path]);
    createTaskLogFile(path);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(() => openTaskLog(path)).toThrow(expect.objectContaining({ code: "EEXIST" }));
  });
});

describe("the one-folder-per-run layout", () => {
  it("writes each try's log as a file in its run's folder and reads each task's tries apart", async () => {
    const run = { dagId: "flat", runId: "manual__3" };
    appendTaskLog(logDir, { ...run, taskId: "t", tryNumber: 1 }, "t first");
    appendTaskLog(logDir, { ...run, taskId: "t", tryNumber: 2 }, "t second");
    appendTaskLog(logDir, { ...run, taskId: "t.x", tryNumber: 1 }, "t.x only");
    appendTaskLog(logDir, { ...run, taskId: "t.attempt=1", tryNumber: 1 }, "odd id");
    const folder = dirname(taskLogPath(logDir, { ...run, taskId: "t", tryNumber: 1 }));
    expect(readdirSync(folder).sort()).toEqual([
      "task_id=t.attempt%3D1.attempt=1.log",
      "task_id=t.attempt=1.log",
      "task_id=t.attempt=2.log",
      "task_id=t.x.attempt=1.log",
    ]);
    expect(readTaskLogs(logDir, { ...run, taskId: "t" })).toEqual([
      { tryNumber: 1, text: "t first\n" },
      { tryNumber: 2, text: "t second\n" },
    ]);
    expect(readTaskLogs(logDir, { ...run, taskId: "t.x" })).toEqual([{ tryNumber: 1, text: "t.x only\n" }]);
    expect(readTaskLogs(logDir, { ...run, taskId: "t.attempt=1" })).toEqual([{ tryNumber: 1, text: "odd id\n" }]);
    expect(readTaskLogs(logDir, { ...run, taskId: "t", tryNumber: 2 })).toEqual([{ tryNumber: 2, text: "t second\n" }]);
    const ranges = await readTaskLogRanges(logDir, { ...run, taskId: "t" }, { maxBytes: 1 << 20 });
    expect(ranges.map(({ tryNumber, text }) => ({ tryNumber, text }))).toEqual([
      { tryNumber: 1, text: "t first\n" },
      { tryNumber: 2, text: "t second\n" },
    ]);
    expect(readTaskLogs(logDir, { ...run, taskId: "none" })).toEqual([]);
    expect(await readTaskLogRanges(logDir, { ...run, runId: "missing", taskId: "t" }, { maxBytes: 10 })).toEqual([]);
  });

  it("still reads logs written in a folder per task (the layout before)", async () => {
    const run = { dagId: "legacy", runId: "manual__4" };
    const folder = dirname(taskLogPath(logDir, { ...run, taskId: "old", tryNumber: 1 }));
    mkdirSync(join(folder, "task_id=old"), { recursive: true });
    writeFileSync(join(folder, "task_id=old", "attempt=1.log"), "before\n");
    appendTaskLog(logDir, { ...run, taskId: "old", tryNumber: 2 }, "after");
    expect(readTaskLogs(logDir, { ...run, taskId: "old" })).toEqual([
      { tryNumber: 1, text: "before\n" },
      { tryNumber: 2, text: "after\n" },
    ]);
    const [first] = await readTaskLogRanges(logDir, { ...run, taskId: "old" }, { tryNumber: 1, maxBytes: 1 << 20 });
    expect(first).toMatchObject({ tryNumber: 1, text: "before\n", nextOffset: 7 });
  });
});
