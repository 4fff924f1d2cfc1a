/**
 * Loading DAG files: a file changed back to an earlier content (its bundle is
 * the one the process imported before, and loading it again must still find
 * its DAGs: the module cache would hand back the module without running it),
 * and a file importing CommonJS code that requires Node's modules (as npm
 * packages such as mqtt do).
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DagFileLoader } from "../../runtime/dag-files.js";
import { MemoryAssetEventReader } from "../../runtime/memory-event-reader.js";
import { WorkerPool } from "../../runtime/worker-pool.js";

const folder = mkdtempSync(join(tmpdir(), "assetflow-revert-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const version = (dagId: string) => `import { dag, task } from "assetflow";
dag({ dagId: ${JSON.stringify(dagId)}, schedule: null }, () => {
  task(function work() {});
});
`;

describe("a DAG file changed back to an earlier content", () => {
  it("loads its DAGs again", async () => {
    const file = join(folder, "flip.ts");
    const loader = new DagFileLoader(join(folder, ".bundles"));
    const dagIds = async (content: string, stamp: number) => {
      writeFileSync(file, content);
      utimesSync(file, stamp, stamp);
      const loaded = await loader.load(file);
      if (!loaded.ok) throw new Error(loaded.error.message);
      return loaded.dags.map((dag) => dag.dagId);
    };
    expect(await dagIds(version("first"), 1_000)).toEqual(["first"]);
    expect(await dagIds(version("second"), 2_000)).toEqual(["second"]);
    expect(await dagIds(version("first"), 3_000)).toEqual(["first"]);
  });
});

describe("a DAG file importing CommonJS code", () => {
  it("loads, with the code's require of Node's modules working", async () => {
    writeFileSync(join(folder, "legacy.cjs"), 'module.exports = { name: require("node:stream").Readable.name };\n');
    const file = join(folder, "uses-cjs.ts");
    writeFileSync(
      file,
      `import { createRequire } from "node:module";
import { dag, task } from "assetflow";
import legacy from "./legacy.cjs";
// A file's own top-level require does not clash with the bundle's.
const require = createRequire(import.meta.url);
dag({ dagId: "cjs_" + legacy.name + "_" + typeof require("node:path").join, schedule: null }, () => {
  task(function work() {});
});
`,
    );
    // In a task host, as the DAG processor loads it (this test process has a global require; hosts have none).
    const pool = new WorkerPool({ size: 1, home: folder, reader: new MemoryAssetEventReader([]) });
    try {
      const loaded = await pool.load(file);
      expect(loaded.ok ? loaded.manifest.dags.map((dag) => dag.dagId) : loaded.error.message).toEqual([
        "cjs_Readable_function",
      ]);
    } finally {
      await pool.stop();
    }
  });
});
