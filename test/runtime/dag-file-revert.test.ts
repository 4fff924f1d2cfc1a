/**
 * A DAG file changed back to an earlier content: its bundle is the one the
 * process imported before, and loading it again must still find its DAGs
 * (the module cache would hand back the module without running it).
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DagFileLoader } from "../../runtime/dag-files.js";

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
