import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const work = mkdtempSync(join(tmpdir(), "assetflow-consumer-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the built package", () => {
  it("exposes the public names of assetflow/sdk by package self-reference", () => {
    const output = execFileSync(
      process.execPath,
      ["-e", "import('assetflow/sdk').then(m => console.log(JSON.stringify(Object.keys(m))))"],
      { cwd: root, encoding: "utf8" },
    );
    const names = JSON.parse(output) as string[];
    for (const name of [
      "Asset",
      "AssetAlias",
      "Metadata",
      "dag",
      "task",
      "serializeDags",
      "assets",
      "AssetOrTimeSchedule",
    ]) {
      expect(names).toContain(name);
    }
  });

  it("gives a consumer project working types through the package exports", () => {
    mkdirSync(join(work, "node_modules"), { recursive: true });
    symlinkSync(root, join(work, "node_modules/assetflow"), "dir");
    writeFileSync(join(work, "package.json"), JSON.stringify({ name: "consumer", type: "module" }));
    writeFileSync(
      join(work, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2023",
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        include: ["index.ts"],
      }),
    );
    writeFileSync(
      join(work, "index.ts"),
      [
        'import { Asset, Metadata, dag, task } from "assetflow";',
        'import { createTestEnvironment } from "assetflow/testing";',
        'const orders = new Asset<{ rowCount: number }>("s3://warehouse/orders");',
        'export const producer = dag({ dagId: "producer", schedule: null }, () => {',
        '  task({ taskId: "write", outlets: [orders] }, function* () { yield new Metadata(orders, { rowCount: 1 }); });',
        "});",
        "export const env = createTestEnvironment;",
        "// @ts-expect-error rowCount must be a number",
        'export const wrong = new Metadata(orders, { rowCount: "many" });',
      ].join("\n"),
    );
    const result = execFileSync(process.execPath, [tsc, "-p", work], { cwd: work, encoding: "utf8" });
    expect(result).toBe("");
  });
});
