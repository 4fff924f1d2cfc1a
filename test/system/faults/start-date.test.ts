/**
 * Issue 11: a try's start time is when it starts, not when it was claimed.
 * `assetflow standalone --workers 1` runs twenty quick tries first (so that
 * its worker claims ahead of its one host), then three tries that become
 * ready together: a long one and two quick ones, claimed in one batch and
 * queued in the one host. They run one after another, so their
 * `[startDate, endDate]` intervals must not overlap; before, all three had
 * the claim time as their start, and the later ones appeared to run while the
 * long one did.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import { cliJson } from "../e2e/support.js";
import { type FaultFixture, startFaultFixture } from "./fixture.js";

let fixture: FaultFixture | undefined;

beforeAll(async () => {
  fixture = await startFaultFixture(
    "start-date",
    () => `import { dag, task } from "assetflow";

export const queued = dag({ dagId: "queued", schedule: null }, () => {
  const warm = Array.from({ length: 20 }, (_, index) => task({ taskId: \`warm_\${index}\` }, () => index));
  const long = task({ taskId: "long" }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
  });
  const first = task({ taskId: "quick_a" }, () => "a");
  const second = task({ taskId: "quick_b" }, () => "b");
  for (const next of [long, first, second]) next.follows(...warm);
});
`,
    1,
  );
}, 120_000);

afterAll(async () => {
  await fixture?.stop();
});

interface TaskJson {
  taskId: string;
  state: string;
  startDate: string | null;
  endDate: string | null;
}

describe("assetflow standalone --workers 1", () => {
  it("records each try's start when its host begins it: tries queued behind a long one start after it ends", async () => {
    const env = fixture?.env ?? {};
    const run = await cliJson<{ runId: string }>(["dags", "trigger", "queued"], env);
    const tasks = await poll(
      "every task of the run to succeed",
      async () => {
        const list = await cliJson<TaskJson[]>(["tasks", "list", "queued", run.runId], env);
        return list.length === 23 && list.every((task) => task.state === "success") ? list : undefined;
      },
      { timeoutMs: 120_000 },
    );
    const late = tasks
      .filter((task) => ["long", "quick_a", "quick_b"].includes(task.taskId))
      .map((task) => ({
        taskId: task.taskId,
        start: Date.parse(task.startDate ?? ""),
        end: Date.parse(task.endDate ?? ""),
      }))
      .sort((a, b) => a.start - b.start);
    expect(late).toHaveLength(3);
    for (let index = 1; index < late.length; index++) {
      const previous = late[index - 1] as { end: number; taskId: string };
      const current = late[index] as { start: number; taskId: string };
      // One host runs one try at a time: each starts once the one before it ended (its end is stamped when
      // its report is written, a little after the host moved on: hence the second of slack).
      expect(current.start, `${current.taskId} starts after ${previous.taskId} ends`).toBeGreaterThanOrEqual(
        previous.end - 1000,
      );
    }
  }, 180_000);
});
