/**
 * Issue 11: a timeout or failure kills everything the task started. Run by
 * `assetflow standalone`: a `BashOperator` that starts `sleep 400` in the
 * background and then sleeps past its 3 s `executionTimeout`, and one that
 * starts a background `sleep 400` and fails. Each writes the pids of its
 * sleeps; once the try failed, none of them may still run (before, they were
 * adopted by init and ran on). And when the worker stops, a long task's
 * processes stop with it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import { cliEnv, cliJson, requireBuiltCli, Service, tempDir } from "../e2e/support.js";

const home = tempDir("groups");
const dags = tempDir("groups-dags");
const env = cliEnv(home.path);
let standalone: Service | undefined;

const pidsFile = (name: string) => join(home.path, `${name}.pids`);

beforeAll(async () => {
  requireBuiltCli();
  const write = (name: string) => `echo $! >> ${pidsFile(name)}; echo $$ >> ${pidsFile(name)}`;
  writeFileSync(
    join(dags.path, "groups.ts"),
    `import { BashOperator, dag } from "assetflow";

export const timesOut = dag({ dagId: "times_out", schedule: null }, () => {
  new BashOperator({ taskId: "sleepy", executionTimeout: 3000, bashCommand: "sleep 400 & ${write("times_out")}; sleep 400" });
});

export const fails = dag({ dagId: "fails", schedule: null }, () => {
  new BashOperator({ taskId: "leaves_a_child", bashCommand: "sleep 400 & ${write("fails")}; exit 3" });
});

export const long = dag({ dagId: "long", schedule: null }, () => {
  new BashOperator({ taskId: "sleeps", bashCommand: "sleep 400 & ${write("long")}; sleep 400" });
});
`,
  );
  standalone = new Service(["standalone", "--dags", dags.path, "--workers", "2", "--port", "0", "--grace", "0"], env);
  await standalone.started();
}, 120_000);

afterAll(async () => {
  await standalone?.stop();
  home.remove();
  dags.remove();
});

function pids(name: string): number[] {
  return readFileSync(pidsFile(name), "utf8").split("\n").filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function taskState(dagId: string, runId: string): Promise<string> {
  const [task] = await cliJson<Array<{ state: string }>>(["tasks", "list", dagId, runId], env);
  return task?.state ?? "none";
}

async function triggerAndFail(dagId: string): Promise<void> {
  const { runId } = await cliJson<{ runId: string }>(["dags", "trigger", dagId], env);
  await poll(`${dagId} failed`, async () => ((await taskState(dagId, runId)) === "failed" ? true : undefined), {
    timeoutMs: 60_000,
  });
}

describe("the processes of a try", () => {
  it("are killed, background children included, when the try times out", async () => {
    await triggerAndFail("times_out");
    const started = pids("times_out");
    expect(started).toHaveLength(2);
    await poll("every process of the try gone", async () => (started.some(alive) ? undefined : true), {
      timeoutMs: 10_000,
    });
  }, 90_000);

  it("are killed, background children included, when the try fails", async () => {
    await triggerAndFail("fails");
    const started = pids("fails");
    expect(started).toHaveLength(2);
    await poll("every process of the try gone", async () => (started.some(alive) ? undefined : true), {
      timeoutMs: 10_000,
    });
  }, 90_000);

  it("are killed when the worker stops", async () => {
    await cliJson(["dags", "trigger", "long"], env);
    await poll("the long task started", async () => {
      try {
        return pids("long").length === 2 ? true : undefined;
      } catch {
        return undefined;
      }
    });
    const started = pids("long");
    expect(started.every(alive)).toBe(true);
    await standalone?.stop();
    standalone = undefined;
    await poll("every process of the try gone", async () => (started.some(alive) ? undefined : true), {
      timeoutMs: 10_000,
    });
  }, 90_000);
});
