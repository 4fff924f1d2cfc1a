import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CompilerProgram } from "./program.js";

const dagFile = (dagId: string) => `import { dag, task } from "assetflow";
export const ${dagId} = dag({ dagId: "${dagId}", schedule: "@daily" }, () => {
  task({ taskId: "run" }, () => {});
});
`;

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe("CompilerProgram", () => {
  it("reports a file that cannot be read when its turn comes, once, and compiles the files around it", () => {
    const root = mkdtempSync(path.join(tmpdir(), "assetflow-program-"));
    folders.push(root);
    for (const name of ["a", "b", "c"]) writeFileSync(path.join(root, `${name}.ts`), dagFile(name));
    const program = new CompilerProgram({ root, cwd: root });
    // Gone between the folder walk and the build: the entries are read (and parsed ahead) only when built.
    unlinkSync(path.join(root, "b.ts"));
    const { result } = program.build();
    expect(result.manifest.dags.map((dag) => dag.dagId)).toEqual(["a", "c"]);
    expect(result.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.file])).toEqual([["AF1007", "b.ts"]]);
  });
});
