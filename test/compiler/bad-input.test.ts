/**
 * What the compiler does with paths and files that are not what it expects:
 * each case gives a clear, located diagnostic, and everything else compiles.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { compile, formatDiagnostics, hasErrors } from "assetflow/compiler";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let root = "";
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "assetflow-compile-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const file = path.join(root, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};

const good = `import { Asset, dag, task } from "assetflow";
export const orders = new Asset("s3://lake/orders");
export const producer = dag({ dagId: "producer", schedule: "@daily" }, () => {
  task({ taskId: "write", outlets: [orders] }, () => {});
});
`;

describe("bad input", () => {
  it("reports a path that does not exist (AF1002), without throwing", () => {
    const result = compile({ root: path.join(root, "nope"), cwd: root });
    expect(result.diagnostics).toEqual([
      {
        code: "AF1002",
        severity: "error",
        message: '"nope" does not exist. Pass a folder of DAG files or TypeScript files.',
        file: "nope",
        line: 0,
        column: 0,
      },
    ]);
    expect(result.manifest.dags).toEqual([]);
    expect(hasErrors(result.diagnostics)).toBe(true);
  });

  it("warns about a folder with no TypeScript files (AF1003)", () => {
    mkdirSync(path.join(root, "empty"));
    write("empty/notes.md", "# not code\n");
    const result = compile({ root: path.join(root, "empty"), cwd: root });
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      [
        "AF1003",
        "warning",
        'The folder "empty" holds no TypeScript files (.ts, .tsx, .mts, .cts), so there is nothing to compile.',
      ],
    ]);
    expect(hasErrors(result.diagnostics)).toBe(false);
  });

  it("rejects a file that is not TypeScript (AF1004) and compiles the others", () => {
    const dags = write("dags.ts", good);
    const readme = write("README.md", "# DAGs\n");
    const result = compile({ files: [dags, readme], cwd: root });
    expect(result.diagnostics.map((d) => [d.code, d.file])).toEqual([["AF1004", "README.md"]]);
    expect(result.manifest.dags.map((dag) => dag.dagId)).toEqual(["producer"]);
  });

  it("explains a listed file that defines no DAG (AF1005) and a project without any (AF1006)", () => {
    const assets = write(
      "assets.ts",
      `import { Asset } from "assetflow";\nexport const orders = new Asset("s3://lake/orders");\n`,
    );
    const result = compile({ files: [assets], cwd: root });
    expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ["AF1006", "warning"],
      ["AF1005", "info"],
    ]);
    expect(result.diagnostics[0]?.message).toContain("No DAG found in 1 file");
  });

  it("locates a syntax error (AF1001) and still compiles the other files", () => {
    write("good.ts", good);
    write("broken.ts", `import { dag } from "assetflow";\ndag({ dagId: "broken" }, () => {\n  const x = ;\n});\n`);
    const result = compile({ root });
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([["AF1001", "broken.ts", 3, 13]]);
    expect(result.diagnostics[0]?.message).toBe(
      "Syntax error: Expression expected. Fix it; the other files were compiled.",
    );
    expect(result.manifest.dags.map((dag) => dag.dagId)).toEqual(["broken", "producer"]);
  });

  it("reports an invalid tsconfig (AF1008) and follows its paths when it is valid", () => {
    write("bad/tsconfig.json", "{ nope ");
    expect(compile({ tsconfig: path.join(root, "bad/tsconfig.json") }).diagnostics[0]?.code).toBe("AF1008");
    write(
      "app/tsconfig.json",
      JSON.stringify({ compilerOptions: { paths: { "@lake/*": ["./lake/*"] } }, include: ["dags", "lake"] }),
    );
    write(
      "app/lake/assets.ts",
      `import { Asset } from "assetflow";\nexport const orders = new Asset("s3://lake/orders");\n`,
    );
    write(
      "app/dags/consumer.ts",
      `import { dag } from "assetflow";\nimport { orders } from "@lake/assets.js";\ndag({ dagId: "consumer", schedule: [orders] }, () => {});\n`,
    );
    const result = compile({ tsconfig: path.join(root, "app/tsconfig.json") });
    expect(result.manifest.dags[0]?.schedule).toEqual({
      kind: "assets",
      condition: { kind: "all", conditions: [{ kind: "asset", name: "s3://lake/orders", uri: "s3://lake/orders" }] },
    });
    expect(result.files).toEqual(["dags/consumer.ts", "lake/assets.ts"]);
  });

  it("prints diagnostics with code frames and a summary", () => {
    write(
      "env.ts",
      `import { Asset, dag } from "assetflow";\nconst raw = new Asset(process.env.RAW_URI as string);\ndag({ dagId: "env", schedule: [raw] }, () => {});\n`,
    );
    const result = compile({ root });
    expect(formatDiagnostics(result)).toBe(
      [
        "env.ts:2:23 - error AF2002: The URI of this asset is built at run time from `process.env.RAW_URI`; declare it as a constant or an AssetAlias.",
        "",
        '  1 | import { Asset, dag } from "assetflow";',
        "> 2 | const raw = new Asset(process.env.RAW_URI as string);",
        "    |                       ^^^^^^^^^^^^^^^^^^^",
        '  3 | dag({ dagId: "env", schedule: [raw] }, () => {});',
        "",
        "1 error, 0 warnings.",
      ].join("\n"),
    );
  });
});
