/**
 * The worker pool with real task host processes (the built host from dist/:
 * `npm run test:system` builds first), hosts that exit mid-try and hosts
 * replaced after maxTasksPerHost tries: several processes and their crashes,
 * so the system tier. Each host is sent a few tries ahead; these tests
 * pin down what that must never change: a try queued behind one that kills its
 * host runs elsewhere instead of failing, an executionTimeout counts from the
 * try's start, and each try's log is written by the host as it goes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryAssetEventReader } from "../../../runtime/memory-event-reader.js";
import { readTaskLogs, taskLogPath } from "../../../runtime/task-logs.js";
import { eventRecord } from "../../../runtime/test-support.js";
import { type PoolRunResult, WorkerPool } from "../../../runtime/worker-pool.js";
import type { TaskRunRequest } from "../../../scheduler/contracts.js";
import { poll } from "../../support/poll.js";

const DAG_FILE = `
import { Asset, dag, task } from "assetflow";
export const pool = dag({ dagId: "pool", schedule: null }, () => {
  task({ taskId: "ref", inlets: [Asset.ref({ name: "orders" })] }, async (ctx) =>
    (await ctx.inletEvents.get(Asset.ref({ uri: "s3://warehouse/orders" })).at(-1))?.extra,
  );
  task({ taskId: "unknown_ref", inlets: [Asset.ref({ uri: "s3://nowhere/x" })] }, () => "ran");
  task({ taskId: "exit" }, (ctx) => {
    ctx.log("about to exit");
    process.exit(3);
  });
  task({ taskId: "sleep" }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    return "slept";
  });
  task({ taskId: "quick" }, (ctx) => {
    ctx.log("quick ran");
    return process.pid;
  });
});
`;

let home = "";
let pool: WorkerPool | undefined;

afterEach(async () => {
  await pool?.stop();
  pool = undefined;
  if (home) rmSync(home, { recursive: true, force: true });
});

function setUp(
  size: number,
  maxTasksPerHost?: number,
): { file: string; run: (taskId: string, timeoutMs?: number) => Promise<PoolRunResult> } {
  home = mkdtempSync(join(tmpdir(), "assetflow-pool-"));
  const file = join(home, "pool_dag.ts");
  writeFileSync(file, DAG_FILE);
  const created = new WorkerPool({
    size,
    home,
    reader: new MemoryAssetEventReader([
      eventRecord(1, { name: "orders", uri: "s3://warehouse/orders" }, { extra: { rowCount: 7 } }),
    ]),
    ...(maxTasksPerHost === undefined ? {} : { maxTasksPerHost }),
  });
  pool = created;
  let runNumber = 0;
  const run = (taskId: string, timeoutMs?: number) => {
    const request = requestFor(taskId, `manual__${++runNumber}`, timeoutMs ?? null, file);
    return created.run(file, request, taskLogPath(join(home, "logs"), request.key));
  };
  return { file, run };
}

function requestFor(taskId: string, runId: string, executionTimeoutMs: number | null, file: string): TaskRunRequest {
  return {
    key: { dagId: "pool", runId, taskId, mapIndex: -1, tryNumber: 1 },
    dagFile: file,
    runType: "manual",
    logicalDate: 0,
    dataIntervalStart: 0,
    dataIntervalEnd: 0,
    conf: {},
    upstreamResults: {},
    triggeringEvents: [],
    triggeringAliases: {},
    triggeringCaptures: {},
    executionTimeoutMs,
  };
}

/** A try's log as the readers give it (empty until the host started it). */
function logOf(request: TaskRunRequest): string {
  const { dagId, runId, taskId, tryNumber } = request.key;
  return readTaskLogs(join(home, "logs"), { dagId, runId, taskId, tryNumber })[0]?.text ?? "";
}

describe("WorkerPool", () => {
  it("runs the tries queued behind one that kills its host in a new host, instead of failing them", async () => {
    const { run } = setUp(1);
    const results = await Promise.all([run("exit"), run("quick"), run("quick"), run("quick")]);
    expect(results[0]).toMatchObject({
      state: "failed",
      error: { code: "WORKER_EXITED", message: expect.stringContaining("exited (exit code 3)") },
    });
    for (const outcome of results.slice(1)) expect(outcome.state).toBe("success");
    const pids = results.slice(1).map((outcome) => (outcome.state === "success" ? outcome.result : null));
    expect(new Set(pids).size).toBe(1); // the replacement host ran all three
    expect(pool?.pids).toEqual(pids.slice(0, 1));
  });

  it("counts a try's executionTimeout from when it starts, not from when it was sent to its host", async () => {
    const { run } = setUp(1);
    // "quick" waits ~400 ms behind "sleep" in the same host, then runs in a few ms: within its 300 ms.
    const [slept, quick] = await Promise.all([run("sleep"), run("quick", 300)]);
    expect(slept).toMatchObject({ state: "success", result: "slept" });
    expect(quick.state).toBe("success");
    const [, timedOut] = await Promise.all([run("quick"), run("sleep", 100)]);
    // Both clocks start with the try: the host's own (runTask stops waiting) and the pool's (it kills the
    // host). Which one fires first is a race of 100 ms timers across the IPC channel; either is a timeout.
    expect(timedOut).toMatchObject({
      state: "failed",
      error: {
        code: "TASK_TIMEOUT",
        message: expect.stringMatching(/timed out after 100 ms \((its )?executionTimeout\)/),
      },
    });
  });

  it("resolves a task's Asset.ref inlets through the pool's reader, from the host process", async () => {
    const { run } = setUp(1);
    const [resolved, unknown] = await Promise.all([run("ref"), run("unknown_ref")]);
    expect(resolved).toMatchObject({ state: "success", result: { rowCount: 7 } });
    expect(unknown).toMatchObject({
      state: "failed",
      error: { code: "INLET_REF_UNRESOLVED", message: expect.stringContaining('Asset.ref({ uri: "s3://nowhere/x" })') },
    });
  });

  it("replaces a host after maxTasksPerHost tries without failing or losing any try", async () => {
    const { run } = setUp(1, 2);
    const outcomes = await Promise.all(Array.from({ length: 7 }, () => run("quick")));
    const pids = outcomes.map((outcome) => (outcome.state === "success" ? outcome.result : outcome.state));
    // Two tries per host, in order: hosts 1, 1, 2, 2, 3, 3, 4.
    expect(new Set(pids).size).toBe(4);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(pids[1]).not.toBe(pids[2]);
  });

  it("settles tries no host started as not_started when it stops, and the running one as failed", async () => {
    const { file, run } = setUp(1);
    const results = Promise.all([run("sleep"), run("quick"), run("quick"), run("quick"), run("quick"), run("quick")]);
    const sleepRequest = requestFor("sleep", "manual__1", null, file);
    await poll("the sleep task to start", async () =>
      logOf(sleepRequest).includes('Running task "sleep"') ? true : undefined,
    );
    await pool?.stop(); // "sleep" runs; the 5 others wait in its host
    const [slept, ...waiting] = await results;
    expect(slept).toMatchObject({ state: "failed", error: { code: "WORKER_EXITED" } });
    expect(waiting.map((result) => result.state)).toEqual(Array(5).fill("not_started"));
  });

  it("has the host write each try's log as it goes: a task that exits its process leaves the lines it logged", async () => {
    const { file, run } = setUp(2);
    await Promise.all([run("exit"), run("quick")]);
    const exitLog = logOf(requestFor("exit", "manual__1", null, file));
    const quickLog = logOf(requestFor("quick", "manual__2", null, file));
    expect(exitLog).toContain('Running task "exit" of DAG "pool"');
    expect(exitLog).toContain("about to exit");
    expect(quickLog).toContain("quick ran");
    expect(quickLog).toMatch(/Task succeeded in \d+ ms/);
  });
});
