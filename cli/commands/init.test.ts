import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initProject } from "./init.js";

const root = resolve(import.meta.dirname, "../..");
const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "assetflow-init-"));
  folders.push(folder);
  return folder;
}

describe("assetflow init", () => {
  it("writes the starter project: package, configs, assets, a DAG in each style, a test, .gitignore", () => {
    const folder = join(tempFolder(), "My Pipelines");
    const result = initProject(folder);
    expect(result.name).toBe("my-pipelines");
    expect(result.files).toEqual([
      ".gitignore",
      "README.md",
      "assets.ts",
      "dags/orders.ts",
      "dags/report.ts",
      "package.json",
      "test/dags.test.ts",
      "tsconfig.json",
      "vitest.config.ts",
    ]);
    for (const file of result.files) {
      if (file !== "package.json" && file !== ".gitignore") {
        expect(readFileSync(join(folder, file), "utf8")).toBe(readFileSync(join(root, "templates/init", file), "utf8"));
      }
    }
    expect(readFileSync(join(folder, ".gitignore"), "utf8")).toMatch(/^\.assetflow\/$/m);
    expect(readFileSync(join(folder, "dags/report.ts"), "utf8")).toContain("@dag(");
    expect(readFileSync(join(folder, "dags/orders.ts"), "utf8")).toContain("dag({");
  });

  it("writes an ESM package.json with the scripts, assetflow's own pins and the install scripts to allow", () => {
    const folder = tempFolder();
    initProject(folder, { name: "pipelines" });
    const pkg = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
    expect(pkg).toMatchObject({
      name: "pipelines",
      type: "module",
      private: true,
      engines: { node: own.engines.node },
      scripts: { dev: "assetflow dev --dags dags", compile: "assetflow compile dags --check", test: "vitest run" },
      dependencies: { assetflow: `^${own.version}`, zod: own.dependencies.zod },
      devDependencies: { vitest: own.devDependencies.vitest, typescript: own.devDependencies.typescript },
      allowScripts: { "better-sqlite3": true, esbuild: true },
    });
  });

  it("refuses to overwrite files unless --force, and leaves other files alone", () => {
    const folder = tempFolder();
    writeFileSync(join(folder, "notes.txt"), "mine");
    mkdirSync(join(folder, "dags"));
    writeFileSync(join(folder, "dags/orders.ts"), "// my own orders");
    expect(() => initProject(folder)).toThrow(/already has dags\/orders\.ts: choose an empty folder.*--force/);
    expect(existsSync(join(folder, "package.json"))).toBe(false);
    initProject(folder, { force: true });
    expect(readFileSync(join(folder, "dags/orders.ts"), "utf8")).toContain("load_orders");
    expect(readFileSync(join(folder, "notes.txt"), "utf8")).toBe("mine");
  });

  it("refuses a file as the folder and a name npm cannot take", () => {
    const folder = tempFolder();
    writeFileSync(join(folder, "file"), "");
    expect(() => initProject(join(folder, "file"))).toThrow(/is a file/);
    expect(() => initProject(join(folder, "x"), { name: "___" })).toThrow(/cannot be made an npm package name/);
  });
});
