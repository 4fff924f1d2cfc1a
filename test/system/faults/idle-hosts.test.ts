/**
 * Issue 11: idle hosts take waiting work. `assetflow standalone --workers 2`
 * runs a long task; a one-line task triggered meanwhile runs at once in the
 * other, idle host, and finishes while the long one still runs (before, it was
 * queued behind the long task in the busy host's queue).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import { cliEnv, cliJson, requireBuiltCli, Service, tempDir } from "../e2e/support.js";

const home = tempDir("idle-hosts");
const dags = tempDir("idle-hosts-dags");
const env = cliEnv(home.path);
let standalone: Service | undefined;

beforeAll(async () => {
  requireBuiltCli();
  writeFileSync(
    join(dags.path, "hosts.ts"),
    `import { BashOperator, dag } from "assetflow";

export const long = dag({ dagId: "long", schedule: null }, () => {
  new BashOperator({ taskId: "sleeps", bashCommand: "sleep 90" });
});

export const short = dag({ dagId: "short", schedule: null }, () => {
  new BashOperator({ taskId: "echoes", bashCommand: "echo done" });
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

async function stateOf(dagId: string, runId: string): Promise<string> {
  const [task] = await cliJson<Array<{ state: string }>>(["tasks", "list", dagId, runId], env);
  return task?.state ?? "none";
}

describe("assetflow standalone --workers 2", () => {
  it("runs a one-line task in the idle host while the other runs a long task", async () => {
    const long = await cliJson<{ runId: string }>(["dags", "trigger", "long"], env);
    await poll(
      "the long task running",
      async () => ((await stateOf("long", long.runId)) === "running" ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    const short = await cliJson<{ runId: string }>(["dags", "trigger", "short"], env);
    await poll(
      "the short task done",
      async () => ((await stateOf("short", short.runId)) === "success" ? true : undefined),
      {
        timeoutMs: 80_000,
      },
    );
    expect(await stateOf("long", long.runId)).toBe("running");
  }, 180_000);
});
