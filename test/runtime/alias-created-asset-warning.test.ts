/**
 * The seed's warning when a task's event through an asset alias creates an
 * asset the store did not know: the event is recorded, the asset created, and
 * a warning is written to that try's log (once, and only for the new asset).
 * Real scheduler (SQLite file), real task hosts, real log files.
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
import { Asset, AssetAlias, dag, task } from "assetflow";
const known = new Asset("s3://bucket/known");
const outputs = new AssetAlias("my-task-outputs");
export const declares = dag({ dagId: "declares", schedule: null }, () => {
  task({ taskId: "write_known", outlets: [known] }, () => undefined);
});
export const producer = dag({ dagId: "producer", schedule: null }, () => {
  task({ taskId: "emit", outlets: [outputs] }, (ctx) => {
    ctx.outletEvents.get(outputs).add(new Asset("s3://bucket/my-task"), { rows: 1 });
    ctx.outletEvents.get(outputs).add(known, { rows: 2 });
  });
});
`;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("an alias event that creates an asset", () => {
  it("is recorded, and the try's log warns once for the new asset and not for the known one", async () => {
    const home = mkdtempSync(join(tmpdir(), "assetflow-alias-warning-"));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    mkdirSync(join(home, "dags"));
    writeFileSync(join(home, "dags", "producer.ts"), DAG_FILE);
    const scheduler = await Scheduler.open({ url: join(home, "assetflow.db"), pollIntervalMs: 60_000 });
    cleanups.push(() => scheduler.close());
    const pool = new WorkerPool({ size: 1, home, reader: scheduler.eventReader() });
    cleanups.push(() => pool.stop());
    const loaded = await new DagProcessor(join(home, "dags"), pool, scheduler).processAll();
    expect(loaded.every((result) => result.ok)).toBe(true);
    const logDir = join(home, "logs");
    const executor = new TaskExecutor(scheduler, pool, { workerId: "w1", logDir, pollMs: 50 });
    cleanups.push(() => executor.stop());

    const runId = await scheduler.triggerDag("producer");
    executor.start();
    const log = await poll("the warning in the try's log", async () => {
      const [ti] = await scheduler.read.taskInstances.list("producer", runId);
      if (ti?.state !== "success") return undefined;
      const text = readTaskLogs(logDir, { dagId: "producer", runId, taskId: "emit", tryNumber: 1 })[0]?.text ?? "";
      return text.includes("did not exist") ? text : undefined;
    });
    const warning = 'WARNING asset "s3://bucket/my-task" did not exist; created by alias "my-task-outputs"';
    expect(log.split(warning)).toHaveLength(2);
    expect(log).not.toContain('"s3://bucket/known" did not exist');
    // The events were recorded all the same.
    const uris = (await scheduler.read.assetEvents.list({})).items.map((event) => event.assetUri).sort();
    expect(uris).toEqual(["s3://bucket/known", "s3://bucket/my-task"]);
  });
});
