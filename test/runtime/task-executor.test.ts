/**
 * The task executor over a real scheduler (SQLite file) and real task hosts:
 * tries are claimed, run and reported, and tries a stopping worker never
 * started go back to the queue instead of counting as failed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DagProcessor } from "../../runtime/dag-processor.js";
import { TaskExecutor } from "../../runtime/task-executor.js";
import { readTaskLogs } from "../../runtime/task-logs.js";
import { WorkerPool } from "../../runtime/worker-pool.js";
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
export const warmUp = dag({ dagId: "warm_up", schedule: null }, () => {
  for (let index = 0; index < 10; index++) task({ taskId: \`quick_\${index}\` }, () => index);
});
`;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

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
  const executor = new TaskExecutor(scheduler, pool, { workerId: "w1", logDir, pollMs: 50 });
  cleanups.push(() => executor.stop());
  return { scheduler, pool, executor, logDir };
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
});
