/**
 * `assetflow graph downstream` answers what the runtime does (issue 12): in a
 * project written the way users write DAG code (a factory in another file
 * called through `REGIONS.map`, a condition built in a `for...of`, one built
 * with `reduce`), every asset-scheduled DAG the graph lists downstream of an
 * asset is run by `assetflow dags test --event` on that asset, and every one
 * it does not list is not.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, requireBuiltCli, root, runCli, tempDir } from "./support.js";

const work = tempDir("graph-agrees");
const project = join(work.path, "project");
const env = cliEnv(join(work.path, "home"));
afterAll(() => work.remove());

const FILES: Record<string, string> = {
  "config.ts": `export const REGIONS = ["eu", "us", "ap", "sa", "af"] as const;\n`,
  "factories.ts": `import { Asset, dag, task } from "assetflow";
export function regionAsset(r: string) {
  return new Asset(\`s3://lake/\${r}/orders.parquet\`);
}
export function makeIngest(r: string) {
  return dag({ dagId: \`ingest_\${r}\`, schedule: null }, () => {
    task({ taskId: "load", outlets: [regionAsset(r)] }, () => undefined);
  });
}
`,
  "ingest.ts": `import { REGIONS } from "./config.js";
import { makeIngest } from "./factories.js";
export const ingest = REGIONS.map((r) => makeIngest(r));
`,
  "report.ts": `import { dag, task } from "assetflow";
import { REGIONS } from "./config.js";
import { regionAsset } from "./factories.js";
let c = regionAsset(REGIONS[0]);
for (const r of REGIONS.slice(1)) c = c.or(regionAsset(r));
export const report = dag({ dagId: "report", schedule: c }, () => { task({ taskId: "t" }, () => undefined); });
`,
  "consumers.ts": `import { dag, task } from "assetflow";
import { REGIONS } from "./config.js";
import { regionAsset } from "./factories.js";
export const euOnly = dag({ dagId: "eu_only", schedule: [regionAsset("eu")] }, () => {
  task({ taskId: "t" }, () => undefined);
});
const south = REGIONS.filter((r) => r === "sa" || r === "af")
  .map(regionAsset)
  .reduce((acc, asset) => acc.or(asset) as never);
export const southern = dag({ dagId: "southern", schedule: south }, () => { task({ taskId: "t" }, () => undefined); });
`,
};
const CONSUMERS = ["report", "eu_only", "southern"];

beforeAll(() => {
  requireBuiltCli();
  mkdirSync(join(project, "node_modules"), { recursive: true });
  symlinkSync(root, join(project, "node_modules/assetflow"), "dir");
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(project, name), text);
});

/** Whether the runtime runs `dagId` when an event of `uri` is recorded. */
async function runtimeRuns(dagId: string, uri: string): Promise<boolean> {
  const result = await runCli(
    ["dags", "test", dagId, "--dags", ".", "--event", `${uri}={}`, "--json"],
    env,
    60_000,
    project,
  );
  if (result.code === 0) {
    const report = JSON.parse(result.stdout) as { runType: string; state: string };
    expect(report).toMatchObject({ runType: "asset_triggered", state: "success" });
    return true;
  }
  expect(result.stderr).toContain("do not trigger");
  return false;
}

describe("assetflow graph downstream agrees with the runtime", () => {
  it("compiles without errors, with the factory's five DAGs", async () => {
    const result = await runCli(["compile", "."], env, 60_000, project);
    expect(result.stderr).not.toContain("error");
    expect(result.code).toBe(0);
    const ids = (JSON.parse(result.stdout) as { dags: Array<{ dagId: string }> }).dags.map((d) => d.dagId);
    expect(ids).toEqual(expect.arrayContaining(["ingest_eu", "ingest_af", ...CONSUMERS]));
  });

  for (const region of ["af", "eu", "us"]) {
    const uri = `s3://lake/${region}/orders.parquet`;
    it(`downstream of ${uri}`, async () => {
      const result = await runCli(["graph", "downstream", uri, "--dags", ".", "--json"], env, 60_000, project);
      expect(result.code).toBe(0);
      const listed = (JSON.parse(result.stdout) as { dags: Array<{ dagId: string }> }).dags.map((d) => d.dagId);
      for (const dagId of CONSUMERS) {
        expect({ dagId, runs: await runtimeRuns(dagId, uri) }).toEqual({ dagId, runs: listed.includes(dagId) });
      }
      expect(listed).toContain("report");
    });
  }
});
