/**
 * Issue 11: reading logs never blocks. `assetflow tasks logs --follow` prints
 * the lines of a running try as they are written and exits when the try
 * finishes; `--tail N` prints the last N lines. The task writes a first line,
 * then waits for a gate file the test creates only after `--follow` printed
 * that line, so the order is certain without any timing assumption.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import { cliEntry, cliJson, root, runCli } from "../e2e/support.js";
import { type FaultFixture, startFaultFixture } from "./fixture.js";

let fixture: FaultFixture | undefined;
const gateOf = (home: string) => join(home, "gate");

beforeAll(async () => {
  fixture = await startFaultFixture(
    "logs-follow",
    (home) => `import { BashOperator, dag } from "assetflow";

export const talks = dag({ dagId: "talks", schedule: null }, () => {
  new BashOperator({
    taskId: "speaks",
    bashCommand: "echo 'first line'; echo 'second line'; while [ ! -f ${gateOf(home)} ]; do sleep 0.1; done; echo 'after the gate'",
  });
});
`,
  );
}, 120_000);

afterAll(async () => {
  await fixture?.stop();
});

async function task(runId: string): Promise<{ state: string }> {
  const env = (fixture as FaultFixture).env;
  const [found] = await cliJson<Array<{ state: string }>>(["tasks", "list", "talks", runId], env);
  return found ?? { state: "none" };
}

describe("assetflow tasks logs --follow / --tail", () => {
  it("follows a running try's log as it is written and exits when the try finishes", async () => {
    const { env, home } = fixture as FaultFixture;
    const run = await cliJson<{ runId: string }>(["dags", "trigger", "talks"], env);
    const follow = spawn(process.execPath, [cliEntry, "tasks", "logs", "talks", run.runId, "speaks", "--follow"], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    follow.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    follow.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      err += chunk;
    });
    const exited = new Promise<number | null>((resolve) => follow.on("exit", (code) => resolve(code)));
    let exitCode: number | null | undefined;
    void exited.then((code) => {
      exitCode = code;
    });
    try {
      await poll("--follow to print the first lines", async () => (out.includes("second line") ? true : undefined), {
        timeoutMs: 60_000,
      });
      // The try is still running (blocked on the gate): --follow printed its lines while it ran, and still follows.
      expect((await task(run.runId)).state).toBe("running");
      expect(out).not.toContain("after the gate");
      expect(exitCode).toBeUndefined();

      writeFileSync(gateOf(home), "");
      expect(await exited).toBe(0);
      expect(err).toBe("");
      expect(out).toContain("first line\nsecond line\n");
      expect(out).toContain("after the gate\n");
      expect((await task(run.runId)).state).toBe("success");
    } finally {
      follow.kill("SIGKILL");
    }

    // The last 2 lines of what --follow printed (the whole log).
    const tail = await runCli(["tasks", "logs", "talks", run.runId, "speaks", "--tail", "2"], env);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toBe(`${out.trimEnd().split("\n").slice(-2).join("\n")}\n`);
  }, 180_000);
});
