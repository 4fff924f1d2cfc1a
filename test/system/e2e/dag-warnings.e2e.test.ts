/**
 * Issue 11, end to end: a self-triggering DAG is surfaced. `assetflow
 * standalone` loads a DAG scheduled on its own outlet; `assetflow dags errors`
 * lists it as a DAG warning (exit code 0: a warning alone does not fail the
 * command, an import error does); once the file is fixed the warning is gone.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import { cliEnv, requireBuiltCli, runCli, Service, tempDir, waitForActivity } from "./support.js";

const home = tempDir("dag-warnings");
const dags = tempDir("dag-warnings-dags");
const env = cliEnv(home.path);
const loopFile = join(dags.path, "loop.ts");
const loopSource = (outlet: string) =>
  `import { Asset, dag, task } from "assetflow";\n\nconst loop = new Asset("s3://e2e/loop");\nconst other = new Asset("s3://e2e/other");\n\nexport const selfTriggering = dag({ dagId: "self_triggering", schedule: [loop] }, () => {\n  task({ taskId: "write", outlets: [${outlet}] }, () => undefined);\n});\n`;
let standalone: Service;

beforeAll(async () => {
  requireBuiltCli();
  writeFileSync(loopFile, loopSource("loop"));
  standalone = new Service(["standalone", "--dags", dags.path, "--workers", "1", "--port", "0"], env);
  await standalone.started();
}, 90_000);

afterAll(async () => {
  await standalone?.stop();
  home.remove();
  dags.remove();
});

describe("a DAG scheduled on its own outlet", () => {
  it("is listed by `assetflow dags errors` until its file is fixed", async () => {
    const listed = await poll("the DAG warning to be listed", async () => {
      const run = await runCli(["dags", "errors", "--json"], env);
      const items = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
      return items.length > 0 ? { run, items } : undefined;
    });
    expect(listed.run.code).toBe(0);
    expect(listed.items).toEqual([
      {
        dagId: "self_triggering",
        warningType: "self-triggering",
        message: expect.stringContaining('asset "s3://e2e/loop", an outlet of its task "write"'),
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
    ]);
    // The running scheduler says so in its log too.
    await waitForActivity(
      [standalone],
      "a dag_warning line",
      (line) => line.kind === "dag_warning" && line.dagId === "self_triggering",
    );
    const human = await runCli(["dags", "errors"], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("DAG warnings:");
    expect(human.stdout).toMatch(
      /self_triggering\s+self-triggering\s+DAG "self_triggering" is scheduled on its own outlet/,
    );

    writeFileSync(loopFile, loopSource("other"));
    await poll("the DAG warning to be gone", async () => {
      const run = await runCli(["dags", "errors", "--json"], env);
      return run.code === 0 && (JSON.parse(run.stdout) as unknown[]).length === 0 ? true : undefined;
    });
  });
});
