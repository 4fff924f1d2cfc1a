/**
 * Issue 5, end to end: `assetflow scheduler` and `assetflow worker` as
 * separate processes on one SQLite store. The worker runs the tasks the
 * scheduler queues; a worker SIGKILLed mid-task leaves its try running until
 * a worker with the same id starts again, recovers it, and the retry
 * succeeds. Also `assetflow dags test`, which runs a DAG in-process on a
 * temporary store.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import {
  cliEnv,
  cliJson,
  copyFixtureDags,
  fixtureDags,
  type LogJson,
  requireBuiltCli,
  runCli,
  Service,
  type TaskJson,
  tempDir,
  waitForActivity,
  waitForRun,
} from "./support.js";

const home = tempDir("split");
const dags = tempDir("split-dags");
const pidFile = join(home.path, "task.pid");
const env = cliEnv(home.path, { ASSETFLOW_E2E_PID_FILE: pidFile });
const workerArgs = ["worker", "--concurrency", "1", "--worker-id", "e2e-worker", "--grace", "5"];
const services: Service[] = [];
let scheduler: Service;
let worker: Service;

function start(args: readonly string[]): Service {
  const service = new Service(args, env);
  services.push(service);
  return service;
}

beforeAll(async () => {
  requireBuiltCli();
  copyFixtureDags(dags.path, ["healthy.ts", "killed.ts"]);
  scheduler = start(["scheduler", "--dags", dags.path]);
  await scheduler.started();
  worker = start(workerArgs);
  await worker.started();
}, 90_000);

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  home.remove();
  dags.remove();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("assetflow scheduler + assetflow worker", () => {
  it("the worker runs what the scheduler queues; the consumer follows", async () => {
    const { runId } = await cliJson<{ runId: string }>(["dags", "trigger", "healthy"], env);
    expect((await waitForRun("healthy", runId, env, services)).state).toBe("success");
    const created = await waitForActivity(
      services,
      "healthy-consumer to run",
      (line) => line.kind === "run_created" && line.dagId === "healthy-consumer",
    );
    const consumer = await waitForRun("healthy-consumer", String(created.runId), env, services);
    expect(consumer.consumedEvents.map((e) => e.sourceRunId)).toEqual([runId]);
    expect(consumer.state).toBe("success");
    // The worker printed what it ran; the scheduler ran no task itself.
    expect(worker.lines).toContainEqual(
      expect.objectContaining({
        kind: "task_finished",
        key: expect.objectContaining({ dagId: "healthy" }),
        state: "success",
      }),
    );
    expect(scheduler.lines.some((line) => line.kind === "task_finished")).toBe(false);
  });

  it("a worker SIGKILLed mid-task: its restart recovers the try and the retry succeeds", async () => {
    const { runId } = await cliJson<{ runId: string }>(["dags", "trigger", "killed-once"], env);
    const hostPid = await poll("the task to write its pid", async () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) || undefined : undefined,
    );
    expect(hostPid).not.toBe(worker.pid);
    await worker.kill();
    // Its task process notices the worker is gone and exits.
    await poll("the orphaned task process to exit", async () => (alive(hostPid) ? undefined : true));
    const stuck = await cliJson<TaskJson[]>(["tasks", "list", "killed-once", runId], env);
    expect(stuck).toEqual([expect.objectContaining({ state: "running", tryNumber: 1 })]);

    worker = start(workerArgs);
    await worker.started();
    expect(worker.lines).toContainEqual(
      expect.objectContaining({
        kind: "lost_try",
        key: expect.objectContaining({ dagId: "killed-once", tryNumber: 1 }),
      }),
    );
    const run = await waitForRun("killed-once", runId, env, services);
    expect(run.state).toBe("success");
    const tasks = await cliJson<TaskJson[]>(["tasks", "list", "killed-once", runId], env);
    expect(tasks).toEqual([expect.objectContaining({ state: "success", tryNumber: 2, error: null })]);
    const logs = await cliJson<LogJson[]>(["tasks", "logs", "killed-once", runId, "wait_to_be_killed"], env);
    expect(logs.map((log) => log.tryNumber)).toEqual([1, 2]);
    expect(logs[0]?.text).toContain(`try 1 runs in process ${hostPid}`);
    expect(logs[1]?.text).toContain("try 2 done");
  });

  it("SIGTERM stops the worker and the scheduler cleanly (exit code 0)", async () => {
    expect(await worker.stop()).toBe(0);
    expect(worker.lines).toContainEqual(expect.objectContaining({ kind: "stopping" }));
    expect(await scheduler.stop()).toBe(0);
  });
});

describe("assetflow dags test", () => {
  const scratch = tempDir("dags-test");
  const testEnv = cliEnv(join(scratch.path, "home"));
  afterAll(() => scratch.remove());

  it("runs a DAG in-process to completion and prints each task's state, logs and result", async () => {
    const [json, human] = await Promise.all([
      runCli(["dags", "test", "healthy", "--dags", fixtureDags, "--conf", '{"batch": 3}', "--json"], testEnv),
      runCli(["dags", "test", "healthy", "--dags", fixtureDags], testEnv),
    ]);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as { state: string; tasks: Array<Record<string, unknown>> };
    expect(result).toMatchObject({ dagId: "healthy", runId: expect.stringMatching(/^manual__/), state: "success" });
    expect(result.tasks).toEqual([
      {
        taskId: "produce",
        mapIndex: -1,
        state: "success",
        tryNumber: 1,
        error: null,
        result: { ok: true },
        events: [
          {
            uri: "x-e2e://healthy",
            name: "x-e2e://healthy",
            aliases: [],
            extra: { conf: { batch: 3 }, runId: (result as { runId?: string }).runId },
          },
        ],
        logs: [{ tryNumber: 1, lines: expect.arrayContaining([expect.stringContaining("healthy produced")]) }],
      },
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^dags test healthy \(manual run manual__.*\): success\n {2}produce\s+success\n/);
    expect(human.stdout).toMatch(/emitted x-e2e:\/\/healthy \{"conf":\{\},"runId":"manual__/);
    // Nothing was written to the home.
    expect(existsSync(join(scratch.path, "home"))).toBe(false);
  });

  it("exits 1 when the run fails, and on unknown DAGs or bad --conf", async () => {
    const [failed, unknown, badConf] = await Promise.all([
      runCli(["dags", "test", "fails", "--dags", fixtureDags, "--json"], testEnv),
      runCli(["dags", "test", "nope", "--dags", fixtureDags], testEnv),
      runCli(["dags", "test", "healthy", "--dags", fixtureDags, "--conf", "{nope"], testEnv),
    ]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      dagId: "fails",
      state: "failed",
      tasks: [
        {
          taskId: "boom",
          state: "failed",
          error: { message: expect.stringContaining("boom: this task always fails") },
        },
      ],
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^error: No DAG "nope" in .*e2e\/dags \(it defines: bad-extra, editable-v1, exits, fails, /,
    );
    expect(badConf.code).toBe(1);
    expect(badConf.stderr).toMatch(/^error: --conf is not valid JSON/);
  });
});
