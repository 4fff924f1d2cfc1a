import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const work = mkdtempSync(join(tmpdir(), "assetflow-compile-e2e-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function assetflow(...args: string[]) {
  return spawnSync(process.execPath, [join(root, "dist/cli/main.js"), ...args], { cwd: root, encoding: "utf8" });
}

describe("assetflow compile", () => {
  it("writes the manifest and --check accepts it until the sources change", () => {
    const out = join(work, "manifest.json");
    expect(assetflow("compile", "examples/functional", "--out", out).status).toBe(0);
    expect(assetflow("compile", "examples/functional", "--out", out, "--check").status).toBe(0);
    writeFileSync(out, "{}\n");
    const stale = assetflow("compile", "examples/functional", "--out", out, "--check");
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain("out of date");
  });

  it("prints a mermaid graph with the seed's producer, asset and consumer", () => {
    const result = assetflow("compile", "examples/functional/producer-consumer.ts", "--format", "mermaid");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^flowchart LR/);
    expect(result.stdout).toContain("s3://asset/example.csv");
    expect(result.stdout).toContain("consumer");
  });

  it("reports an invalid URI with its location and exits 1", () => {
    const file = join(work, "bad.ts");
    writeFileSync(
      file,
      'import { Asset, dag, task } from "assetflow";\nconst bad = new Asset("s3://");\nexport const d = dag({ dagId: "d", schedule: [bad] }, () => {\n  task({ taskId: "t" }, () => undefined);\n});\n',
    );
    const result = assetflow("compile", file);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/bad\.ts:2/);
    expect(result.stderr.toLowerCase()).toContain("bucket");
  });

  it("answers what runs downstream of an asset", () => {
    const result = assetflow(
      "graph",
      "downstream",
      "s3://dag1/output_1.txt",
      "--dags",
      "examples/functional",
      "--json",
    );
    expect(result.status).toBe(0);
    const answer = JSON.parse(result.stdout) as { dags: Array<{ dagId: string }> };
    expect(answer.dags.map((d) => d.dagId)).toContain("consume_1_or_2_with_asset_expressions");
  });

  it("fails with exit code 1 and names an asset the graph does not know", () => {
    const result = assetflow("graph", "downstream", "s3://dag1/no_such_output.txt", "--dags", "examples/functional");
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('"s3://dag1/no_such_output.txt" is not an asset URI, asset name or alias');
    expect(result.stderr).toContain("[ASSET_NOT_FOUND]");
    const upstreamResult = assetflow("graph", "upstream", "no_such_dag", "--dags", "examples/functional");
    expect(upstreamResult.status).toBe(1);
    expect(upstreamResult.stderr).toContain('"no_such_dag" is not a DAG id');
  });
});
