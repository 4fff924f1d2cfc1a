/**
 * Issue 5, end to end: failures stay contained. `assetflow standalone` runs
 * on a copy of `test/fixtures/e2e/dags` plus a file with a syntax error;
 * tasks that exit their process, spin past their `executionTimeout`, or set
 * an extra that is not JSON each fail with a clear message while the rest
 * keeps running; a SIGKILLed worker process is retried; an edited DAG file is
 * picked up without a restart. Checked through the CLI's `--json` output.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import {
  cliEnv,
  cliJson,
  copyFixtureDags,
  type LogJson,
  requireBuiltCli,
  runCli,
  Service,
  type TaskJson,
  tempDir,
  waitForActivity,
  waitForRun,
} from "./support.js";

const home = tempDir("failures");
const dags = tempDir("failures-dags");
const pidFile = join(home.path, "task.pid");
const env = cliEnv(home.path, { ASSETFLOW_E2E_PID_FILE: pidFile });
const brokenFile = join(dags.path, "broken.ts");
let standalone: Service;

beforeAll(async () => {
  requireBuiltCli();
  copyFixtureDags(dags.path);
  writeFileSync(
    brokenFile,
    'import { dag } from "assetflow";\n\nexport const broken = dag({ dagId: "broken" }, () => {\n',
  );
  standalone = new Service(["standalone", "--dags", dags.path, "--workers", "3", "--port", "0"], env);
  await standalone.started();
}, 90_000);

afterAll(async () => {
  await standalone?.stop();
  home.remove();
  dags.remove();
});

async function trigger(dagId: string, conf?: Record<string, unknown>): Promise<string> {
  const args = ["dags", "trigger", dagId, ...(conf ? ["--conf", JSON.stringify(conf)] : [])];
  return (await cliJson<{ runId: string }>(args, env)).runId;
}

async function onlyTask(dagId: string, runId: string): Promise<TaskJson> {
  const tasks = await cliJson<TaskJson[]>(["tasks", "list", dagId, runId], env);
  expect(tasks).toHaveLength(1);
  return tasks[0] as TaskJson;
}

async function logText(dagId: string, runId: string, taskId: string, tryNumber?: number): Promise<string> {
  const args = [
    "tasks",
    "logs",
    dagId,
    runId,
    taskId,
    ...(tryNumber === undefined ? [] : ["--try", String(tryNumber)]),
  ];
  return (await cliJson<LogJson[]>(args, env)).map((log) => log.text).join("");
}

describe("a DAG folder with a broken file", () => {
  it("dags errors reports the syntax error; the other files' DAGs are registered", async () => {
    const [errorsRun, listed] = await Promise.all([
      runCli(["dags", "errors", "--json"], env),
      cliJson<Array<{ dagId: string }>>(["dags", "list"], env),
    ]);
    // Exit code 1 while there are errors, as a linter: CI can fail on it.
    expect(errorsRun.code).toBe(1);
    const errors = JSON.parse(errorsRun.stdout) as unknown;
    expect(errors).toEqual([
      { file: brokenFile, message: expect.stringMatching(/broken\.ts:4:/), createdAt: expect.any(Number) },
    ]);
    expect(listed.map((dag) => dag.dagId).sort()).toEqual([
      "bad-extra",
      "editable-v1",
      "exits",
      "fails",
      "hangs",
      "healthy",
      "healthy-consumer",
      "killed-once",
    ]);
  });
});

describe("tasks that fail badly fail cleanly", () => {
  it("process.exit(1), a spin past executionTimeout and a non-JSON extra each fail with a clear message", async () => {
    const [exitsRun, hangsRun, badExtraRun] = await Promise.all([
      trigger("exits"),
      trigger("hangs"),
      trigger("bad-extra"),
    ]);
    const [exits, hangs, badExtra] = await Promise.all([
      waitForRun("exits", exitsRun, env, [standalone]),
      waitForRun("hangs", hangsRun, env, [standalone]),
      waitForRun("bad-extra", badExtraRun, env, [standalone]),
    ]);
    expect([exits.state, hangs.state, badExtra.state]).toEqual(["failed", "failed", "failed"]);

    const [exitTask, spinTask, stampTask] = await Promise.all([
      onlyTask("exits", exitsRun),
      onlyTask("hangs", hangsRun),
      onlyTask("bad-extra", badExtraRun),
    ]);
    expect(exitTask).toMatchObject({ taskId: "exit_process", state: "failed", tryNumber: 1 });
    expect(exitTask.error).toEqual({
      code: "WORKER_EXITED",
      message: expect.stringMatching(
        /^Task "exit_process" failed: the worker process running it exited \(exit code 1\) before the task finished\.$/,
      ),
    });
    expect(spinTask).toMatchObject({ taskId: "spin", state: "failed" });
    expect(spinTask.error).toEqual({
      code: "TASK_TIMEOUT",
      message: expect.stringContaining("timed out after 1500 ms (executionTimeout)"),
    });
    expect(stampTask).toMatchObject({ taskId: "stamp", state: "failed" });
    expect(stampTask.error?.code).toBe("EXTRA_NOT_JSON");
    expect(stampTask.error?.message).toMatch(/x-e2e:\/\/stamped/);
    expect(stampTask.error?.message).toMatch(/"?when"?/);

    // The logs tell the same story; a failed try records no event.
    const [exitLog, spinLog, stampLog, stampedEvents] = await Promise.all([
      logText("exits", exitsRun, "exit_process"),
      logText("hangs", hangsRun, "spin"),
      logText("bad-extra", badExtraRun, "stamp"),
      cliJson<unknown[]>(["assets", "events", "x-e2e://stamped"], env),
    ]);
    expect(exitLog).toContain("about to call process.exit(1)");
    expect(exitLog).toContain("exited (exit code 1)");
    expect(spinLog).toContain("spinning forever");
    expect(spinLog).toContain("timed out after 1500 ms");
    expect(stampLog).toContain("x-e2e://stamped");
    expect(stampedEvents).toEqual([]);
    expect(standalone.running).toBe(true);
  });

  it("a worker process SIGKILLed mid-task leads to a retry that succeeds", async () => {
    const started = await standalone.started();
    const runId = await trigger("killed-once");
    const pid = await poll("the task to write its pid", async () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) || undefined : undefined,
    );
    expect(pid).not.toBe(started.pid);
    expect(pid).not.toBe(process.pid);
    process.kill(pid, "SIGKILL");

    const run = await waitForRun("killed-once", runId, env, [standalone]);
    expect(run.state).toBe("success");
    const task = await onlyTask("killed-once", runId);
    expect(task).toMatchObject({ taskId: "wait_to_be_killed", state: "success", tryNumber: 2, error: null });
    const [first, second] = await Promise.all([
      logText("killed-once", runId, "wait_to_be_killed", 1),
      logText("killed-once", runId, "wait_to_be_killed", 2),
    ]);
    expect(first).toContain(`try 1 runs in process ${pid}`);
    expect(first).toContain("exited (signal SIGKILL)");
    expect(second).toContain("try 2 done");
  });

  it("a healthy DAG triggered afterwards succeeds and triggers its consumer", async () => {
    const runId = await trigger("healthy", { batch: 1 });
    const run = await waitForRun("healthy", runId, env, [standalone]);
    expect(run.state).toBe("success");
    const created = await waitForActivity(
      [standalone],
      "healthy-consumer to run on healthy's event",
      (line) => line.kind === "run_created" && line.dagId === "healthy-consumer",
    );
    const consumerRun = await waitForRun("healthy-consumer", String(created.runId), env, [standalone]);
    expect(consumerRun.state).toBe("success");
    expect(consumerRun.consumedEvents).toEqual([
      expect.objectContaining({ sourceRunId: runId, extra: { conf: { batch: 1 }, runId } }),
    ]);
    expect(standalone.running).toBe(true);
  });
});

describe("DAG files change while standalone runs", () => {
  it("an edited file's new DAG id is registered and runs; a fixed file clears its import error", async () => {
    writeFileSync(
      join(dags.path, "editable.ts"),
      [
        'import { dag, task } from "assetflow";',
        "",
        'export const editable = dag({ dagId: "editable-v2", schedule: null }, () => {',
        '  task({ taskId: "hello" }, (ctx) => ctx.log("hello from v2"));',
        "});",
        "",
      ].join("\n"),
    );
    writeFileSync(
      brokenFile,
      'import { dag, task } from "assetflow";\n\nexport const broken = dag({ dagId: "fixed", schedule: null }, () => {\n  task({ taskId: "ok" }, () => undefined);\n});\n',
    );
    const picked = (dagId: string) => (line: Record<string, unknown>) =>
      line.kind === "dag_file" && Array.isArray(line.dags) && line.dags.includes(dagId);
    await waitForActivity([standalone], "the edited file to be loaded again", picked("editable-v2"));
    await waitForActivity([standalone], "the fixed file to be loaded again", picked("fixed"));
    const [listed, errors] = await Promise.all([
      cliJson<Array<{ dagId: string }>>(["dags", "list"], env),
      cliJson(["dags", "errors"], env),
    ]);
    const dagIds = listed.map((dag) => dag.dagId);
    expect(dagIds).toEqual(expect.arrayContaining(["editable-v2", "fixed"]));
    expect(dagIds).not.toContain("editable-v1");
    expect(errors).toEqual([]);

    const runId = await trigger("editable-v2");
    const run = await waitForRun("editable-v2", runId, env, [standalone]);
    expect(run.state).toBe("success");
    expect(await logText("editable-v2", runId, "hello")).toContain("hello from v2");
  });
});
