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
import { TaskLogSegments } from "./task-log-segments.js";
import {
  appendTaskLog,
  makeTaskLogFolders,
  openTaskLog,
  readTaskLogRanges,
  readTaskLogs,
  runLogFolder,
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

describe("openTaskLog", () => {
  it("makes the try's private folder and file, and its writer appends lines at once", () => {
    const path = taskLogPath(logDir, { dagId: "own", runId: "manual__2", taskId: "t", tryNumber: 1 });
    const log = openTaskLog(path);
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

  it("throws when the folder cannot be made", () => {
    const blocker = join(logDir, "a-file");
    writeFileSync(blocker, "");
    expect(() => openTaskLog(join(blocker, "attempt=1.log"))).toThrow(expect.objectContaining({ code: "EEXIST" }));
  });
});

describe("task hosts' log segments", () => {
  const run = { dagId: "segments", runId: "manual__5" };
  const folder = () => runLogFolder(logDir, run);

  it("appends each try's lines to the host's segment at once; the readers give each try its own lines", async () => {
    const a = new TaskLogSegments("host-1-a.log");
    const b = new TaskLogSegments("host-2-b.log");
    const first = a.start(folder(), { taskId: "t", tryNumber: 1 });
    first.write("t try 1 line 1");
    expect(readTaskLogs(logDir, { ...run, taskId: "t" })).toEqual([{ tryNumber: 1, text: "t try 1 line 1\n" }]);
    const other = b.start(folder(), { taskId: "u", tryNumber: 1 });
    other.write("u from the other host");
    first.write("t try 1 line 2");
    first.close();
    first.write("after close: dropped");
    const second = a.start(folder(), { taskId: "t", tryNumber: 2 });
    second.write("t try 2");
    second.close();
    other.close();
    const third = a.start(folder(), { taskId: "u", tryNumber: 2 });
    third.write("u try 2 in host a");
    third.close();
    expect(readTaskLogs(logDir, { ...run, taskId: "t" })).toEqual([
      { tryNumber: 1, text: "t try 1 line 1\nt try 1 line 2\n" },
      { tryNumber: 2, text: "t try 2\n" },
    ]);
    expect(readTaskLogs(logDir, { ...run, taskId: "u" })).toEqual([
      { tryNumber: 1, text: "u from the other host\n" },
      { tryNumber: 2, text: "u try 2 in host a\n" },
    ]);
    const ranges = await readTaskLogRanges(logDir, { ...run, taskId: "t" }, { maxBytes: 1 << 20 });
    expect(ranges.map(({ tryNumber, text, nextOffset }) => ({ tryNumber, text, nextOffset }))).toEqual([
      { tryNumber: 1, text: "t try 1 line 1\nt try 1 line 2\n", nextOffset: 30 },
      { tryNumber: 2, text: "t try 2\n", nextOffset: 8 },
    ]);
    // Only the segments and the index were created: no file per try.
    expect(readdirSync(folder()).sort()).toEqual(["host-1-a.log", "host-2-b.log", "tries.idx"]);
    expect(statSync(join(folder(), "host-1-a.log")).mode & 0o777).toBe(0o600);
    a.closeAll();
    b.closeAll();
  });

  it("reads the worker's lines after the host's, across both files, by offset and by tail", async () => {
    const host = new TaskLogSegments("host-3-c.log");
    const log = host.start(folder(), { taskId: "failing", tryNumber: 1 });
    log.write("host line");
    log.close();
    appendTaskLog(logDir, { ...run, taskId: "failing", tryNumber: 1 }, "[assetflow] try 1 failed: boom");
    expect(readTaskLogs(logDir, { ...run, taskId: "failing" })).toEqual([
      { tryNumber: 1, text: "host line\n[assetflow] try 1 failed: boom\n" },
    ]);
    const key = { ...run, taskId: "failing" };
    const [tail] = await readTaskLogRanges(logDir, key, { tail: 1, maxBytes: 1 << 20 });
    expect(tail).toMatchObject({
      text: "[assetflow] try 1 failed: boom\n",
      offset: 10,
      nextOffset: 41,
      truncated: true,
    });
    const [from] = await readTaskLogRanges(logDir, key, { offset: 5, maxBytes: 1 << 20 });
    expect(from).toMatchObject({ text: "line\n[assetflow] try 1 failed: boom\n", offset: 5, nextOffset: 41 });
    const [cut] = await readTaskLogRanges(logDir, key, { offset: 0, maxBytes: 15 });
    expect(cut).toMatchObject({ text: "host line\n", nextOffset: 10 });
    host.closeAll();
  });

  it("keeps a try's lines apart from lines a task writes that look like the index", () => {
    const host = new TaskLogSegments("host-4-d.log");
    const log = host.start(folder(), { taskId: "forger", tryNumber: 1 });
    log.write(`start\tvictim\t1\thost-4-d.log\t0`);
    log.close();
    expect(readTaskLogs(logDir, { ...run, taskId: "victim" })).toEqual([]);
    expect(readTaskLogs(logDir, { ...run, taskId: "forger" })).toEqual([
      { tryNumber: 1, text: "start\tvictim\t1\thost-4-d.log\t0\n" },
    ]);
    host.closeAll();
  });

  it("makes the run's private folder when it is missing, and throws when it cannot", () => {
    const host = new TaskLogSegments("host-5-e.log");
    const fresh = runLogFolder(logDir, { dagId: "segments", runId: "fresh" });
    host.start(fresh, { taskId: "t", tryNumber: 1 }).close();
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const blocker = join(logDir, "blocking-file");
    writeFileSync(blocker, "");
    expect(() => host.start(join(blocker, "run"), { taskId: "t", tryNumber: 1 })).toThrow(
      expect.objectContaining({ code: "ENOTDIR" }),
    );
    host.closeAll();
  });
});

describe("log folders made ahead by the worker", () => {
  it("makes a run's private log folder and its try index off the calling thread", async () => {
    const path = taskLogPath(logDir, { dagId: "made-ahead", runId: "manual__2", taskId: "t", tryNumber: 1 });
    makeTaskLogFolders([path]);
    await expect.poll(() => existsSync(join(dirname(path), "tries.idx"))).toBe(true);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    expect(statSync(join(dirname(path), "tries.idx")).mode & 0o777).toBe(0o600);
  });

  it("ignores a folder that cannot be made: the host reports it", async () => {
    const blocker = join(logDir, "another-file");
    writeFileSync(blocker, "");
    makeTaskLogFolders([join(blocker, "run", "attempt=1.log")]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(join(blocker, "run"))).toBe(false);
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
