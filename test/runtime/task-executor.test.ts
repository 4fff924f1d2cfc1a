/**
 * The task executor over a real scheduler (SQLite file) and real task hosts:
 * tries are claimed, run and reported, tries a stopping worker never
 * started go back to the queue instead of counting as failed, and a try sent
 * to its host before its claim committed is taken back when the claim fails.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DagProcessor } from "../../runtime/dag-processor.js";
import { TaskExecutor } from "../../runtime/task-executor.js";
import { readTaskLogs } from "../../runtime/task-logs.js";
import { WorkerPool } from "../../runtime/worker-pool.js";
import type { ClaimOptions, TaskRunRequest, TaskSource, TryReport } from "../../scheduler/contracts.js";
import { Scheduler } from "../../scheduler/index.js";
import { poll } from "../support/poll.js";

const DAG_FILE = `
import { dag, task } from "assetflow";
import { storeDatabase } from "../../scheduler/scheduler.js";
export const slow = dag({ dagId: "slow", schedule: null }, () => {
  task({ taskId: "sleep" }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });
});
export const batch = dag({ dagId: "batch", schedule: null }, () => {
  for (let index = 0; index < 6; index++) task({ taskId: \`quick_\${index}\` }, () => index);
});
export const marked = dag({ dagId: "marked", schedule: null }, () => {
  task({ taskId: "mark" }, async () => {
    const { appendFileSync } = await import("node:fs");
    appendFileSync(process.env.MARKS_FILE ?? "", "start\\n");
    await new Promise((resolve) => setTimeout(resolve, 800));
    appendFileSync(process.env.MARKS_FILE ?? "", "end\\n");
  });
});
export const warmUp = dag({ dagId: "warm_up", schedule: null }, () => {
  for (let index = 0; index < 10; index++) task({ taskId: \`quick_\${index}\` }, () => index);
});
`;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The scheduler as a worker's task source, whose next `failures` claims fail
 * the way a commit on a full disk does: after the store read the claimed
 * tries (and showed them to `beforeCommit`), the transaction rolls back.
 */
class FailingClaims implements TaskSource {
  failures = 0;
  constructor(private readonly scheduler: Scheduler) {}
  claimTasks(workerId: string, limit: number, options: ClaimOptions = {}): Promise<TaskRunRequest[]> {
    return this.scheduler.claimTasks(workerId, limit, this.failing(options));
  }
  completeAndClaimTasks(reports: readonly TryReport[], workerId: string, limit: number, options: ClaimOptions = {}) {
    return this.scheduler.completeAndClaimTasks(reports, workerId, limit, this.failing(options));
  }
  completeTasks(reports: readonly TryReport[]) {
    return this.scheduler.completeTasks(reports);
  }
  releaseTasks(keys: Parameters<Scheduler["releaseTasks"]>[0]) {
    return this.scheduler.releaseTasks(keys);
  }
  heartbeat(keys: Parameters<Scheduler["heartbeat"]>[0]) {
    return this.scheduler.heartbeat(keys);
  }
  onWork(listener: () => void) {
    return this.scheduler.onWork(listener);
  }
  eventReader() {
    return this.scheduler.eventReader();
  }
  private failing(options: ClaimOptions): ClaimOptions {
    return {
      beforeCommit: (requests) => {
        options.beforeCommit?.(requests);
        if (this.failures > 0) {
          this.failures--;
          throw new Error("disk I/O error (a failed commit)");
        }
      },
    };
  }
}

async function setUp() {
  const home = mkdtempSync(join(tmpdir(), "assetflow-executor-"));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  mkdirSync(join(home, "dags"));
  writeFileSync(join(home, "dags", "batch.ts"), DAG_FILE);
  const scheduler = await Scheduler.open({ url: join(home, "assetflow.db"), pollIntervalMs: 60_000 });
  cleanups.push(() => scheduler.close());
  const pool = new WorkerPool({ size: 1, home, reader: scheduler.eventReader() });
  cleanups.push(() => pool.stop());
  const processor = new DagProcessor(join(home, "dags"), pool, scheduler);
  const loaded = await processor.processAll();
  expect(loaded.every((result) => result.ok)).toBe(true);
  const logDir = join(home, "logs");
  const source = new FailingClaims(scheduler);
  const executor = new TaskExecutor(source, pool, { workerId: "w1", logDir, pollMs: 50 });
  cleanups.push(() => executor.stop());
  return { scheduler, pool, executor, logDir, source, home };
}

/** Task states and try numbers of a run, by task id. */
async function statesOf(scheduler: Scheduler, dagId: string, runId: string) {
  const rows = await scheduler.read.taskInstances.list(dagId, runId);
  return Object.fromEntries(rows.map((ti) => [ti.taskId, { state: ti.state, tryNumber: ti.tryNumber }]));
}

describe("TaskExecutor", () => {
  it("runs every try of a run through the pool and reports them", async () => {
    const { scheduler, executor } = await setUp();
    const runId = await scheduler.triggerDag("batch");
    executor.start();
    const states = await poll("the run to finish", async () => {
      const now = await statesOf(scheduler, "batch", runId);
      return Object.values(now).every((ti) => ti.state === "success") ? now : undefined;
    });
    expect(Object.keys(states)).toHaveLength(6);
    expect(Object.values(states).every((ti) => ti.tryNumber === 1)).toBe(true);
  });

  it("gives back the tries it claimed but never started when its pool stops: they are queued again, no try used", async () => {
    const { scheduler, pool, executor, logDir } = await setUp();
    // Short tries first, so that the executor claims ahead of its one host.
    const warmUpRun = await scheduler.triggerDag("warm_up");
    executor.start();
    await poll("the warm-up run to finish", async () =>
      Object.values(await statesOf(scheduler, "warm_up", warmUpRun)).every((ti) => ti.state === "success")
        ? true
        : undefined,
    );
    const slowRun = await scheduler.triggerDag("slow");
    await poll("the slow task to start", async () =>
      readTaskLogs(logDir, { dagId: "slow", runId: slowRun, taskId: "sleep", tryNumber: 1 })[0]?.text.includes(
        'Running task "sleep"',
      )
        ? true
        : undefined,
    );
    // The one host runs "sleep" for 1.5 s: the batch's tries are claimed and wait behind it.
    const batchRun = await scheduler.triggerDag("batch");
    await poll("the batch's tries to be claimed", async () =>
      Object.values(await statesOf(scheduler, "batch", batchRun)).every((ti) => ti.state === "running")
        ? true
        : undefined,
    );
    const drained = executor.stop();
    await pool.stop();
    await drained;

    // "sleep" ran and its host was killed: a failed try (no retries). The others never ran.
    expect((await statesOf(scheduler, "slow", slowRun)).sleep).toEqual({ state: "failed", tryNumber: 1 });
    const batch = await statesOf(scheduler, "batch", batchRun);
    expect(Object.values(batch)).toEqual(Array(6).fill({ state: "queued", tryNumber: 0 }));
  });

  it("takes back a try sent to its host before its claim committed when the claim fails: never reported, still queued, stopped", async () => {
    const marks = join(tmpdir(), `assetflow-marks-${process.pid}-${Date.now()}`);
    process.env.MARKS_FILE = marks;
    cleanups.push(() => {
      delete process.env.MARKS_FILE;
      rmSync(marks, { force: true });
    });
    const { scheduler, executor, source } = await setUp();
    const runId = await scheduler.triggerDag("marked");
    source.failures = 1;
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    cleanups.push(() => process.off("warning", onWarning));
    executor.start();
    await poll("the claim to fail", async () => (source.failures === 0 ? true : undefined));
    // The claim is made again (the executor polls every 50 ms): the try runs once, as try 1 (the failed claim used none).
    await poll("the run to finish", async () =>
      (await statesOf(scheduler, "marked", runId)).mark?.state === "success" ? true : undefined,
    );
    expect((await statesOf(scheduler, "marked", runId)).mark).toEqual({ state: "success", tryNumber: 1 });
    // The copy sent before the failed commit never ended (dropped before it began, or its host killed).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const lines = existsSync(marks) ? readFileSync(marks, "utf8").trim().split("\n") : [];
    expect(lines.filter((line) => line === "end")).toEqual(["end"]);
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(warnings.some((message) => message.includes("disk I/O error (a failed commit)"))).toBe(true);
  });
});
