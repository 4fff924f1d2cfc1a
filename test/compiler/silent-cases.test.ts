/**
 * The three silent cases of issue 12 and their variants: DAG code written the
 * way users write it either compiles to exactly the runtime's manifest, or
 * the compiler reports an error at the place it could not follow. The
 * runtime side loads each file with esbuild and the SDK, as the task hosts do
 * (test/compiler/differential/runtime.ts).
 */
import { manifestToJson, serializeDags } from "assetflow";
import { stripSourceLocations } from "assetflow/compiler";
import { describe, expect, it } from "vitest";
import { compileSources } from "../../compiler/test-support.js";
import { ProjectRuntime } from "./differential/runtime.js";

const CONFIG = `export const REGIONS = ["eu", "us", "ap", "sa", "af"] as const;\n`;
const FACTORIES = `import { Asset, dag, task } from "assetflow";
export function regionAsset(r: string) {
  return new Asset(\`s3://lake/\${r}/orders.parquet\`);
}
export function makeIngest(r: string) {
  return dag({ dagId: \`ingest_\${r}\`, schedule: null }, () => {
    task({ taskId: "load", outlets: [regionAsset(r)] }, () => undefined);
  });
}
`;
const shared = { "config.ts": CONFIG, "factories.ts": FACTORIES };

/** The runtime's manifest of a project whose every file is an entry. */
async function runtimeManifest(files: Record<string, string>): Promise<string> {
  const runtime = new ProjectRuntime(files);
  const dags = [];
  for (const file of Object.keys(files)) {
    const loaded = await runtime.load(file);
    if (!loaded.ok) throw new Error(`${file} does not load: ${loaded.error}`);
    dags.push(...loaded.dags);
  }
  return manifestToJson(serializeDags(dags));
}

async function expectSameManifest(files: Record<string, string>, dagIds: readonly string[]): Promise<void> {
  const compiled = compileSources(files, { sourceLocations: true });
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const runtime = await runtimeManifest(files);
  expect(manifestToJson(stripSourceLocations(compiled.manifest))).toBe(runtime);
  const ids = compiled.manifest.dags.map((d) => d.dagId);
  for (const id of dagIds) expect(ids).toContain(id);
}

describe("the silent cases of issue 12 compile to the runtime's manifest", () => {
  it("a DAG factory from another file called through REGIONS.map", async () => {
    await expectSameManifest(
      {
        ...shared,
        "ingest.ts": `import { REGIONS } from "./config.js";
import { makeIngest } from "./factories.js";
export const ingest = REGIONS.map((r) => makeIngest(r));
`,
      },
      ["ingest_eu", "ingest_us", "ingest_ap", "ingest_sa", "ingest_af"],
    );
  });

  it('["h1", "h2"].forEach(make)', async () => {
    await expectSameManifest(
      {
        "hourly.ts": `import { dag, task } from "assetflow";
function make(id: string) {
  dag({ dagId: id, schedule: "@hourly" }, () => { task({ taskId: "t" }, () => undefined); });
}
["h1", "h2"].forEach(make);
`,
      },
      ["h1", "h2"],
    );
  });

  it("a condition built in a for...of over REGIONS.slice(1)", async () => {
    const files = {
      ...shared,
      "report.ts": `import { dag, task } from "assetflow";
import { REGIONS } from "./config.js";
import { regionAsset } from "./factories.js";
let c = regionAsset(REGIONS[0]);
for (const r of REGIONS.slice(1)) c = c.or(regionAsset(r));
export const report = dag({ dagId: "report", schedule: c }, () => { task({ taskId: "t" }, () => undefined); });
`,
    };
    await expectSameManifest(files, ["report"]);
    const report = compileSources(files).manifest.dags.find((d) => d.dagId === "report");
    expect(JSON.stringify(report?.schedule)).toContain("s3://lake/af/orders.parquet");
  });

  it("flatMap, reduce and Object.entries", async () => {
    await expectSameManifest(
      {
        ...shared,
        "variants.ts": `import { Asset, dag, task, type AssetAny } from "assetflow";
import { REGIONS } from "./config.js";
import { regionAsset } from "./factories.js";
const TABLES = { orders: "s3://w/orders", users: "s3://w/users" };
export const copies = Object.entries(TABLES).map(([name, uri]) =>
  dag({ dagId: \`copy_\${name}\`, schedule: null }, () => {
    task({ taskId: "copy", outlets: [new Asset(uri)] }, () => undefined);
  }),
);
export const pairs = REGIONS.flatMap((r) => [
  dag({ dagId: \`a_\${r}\`, schedule: null }, () => { task({ taskId: "t" }, () => undefined); }),
  dag({ dagId: \`b_\${r}\`, schedule: null }, () => { task({ taskId: "t" }, () => undefined); }),
]);
const any = REGIONS.slice(1).reduce<AssetAny | ReturnType<typeof regionAsset>>((acc, r) => acc.or(regionAsset(r)), regionAsset("eu"));
export const reduced = dag({ dagId: "reduced", schedule: any }, () => { task({ taskId: "t" }, () => undefined); });
`,
      },
      ["copy_orders", "copy_users", "a_eu", "b_af", "reduced"],
    );
  });
});

/** The compiler's errors in a project as `file:line CODE`, after checking the runtime does define DAGs there. */
function errorsOf(files: Record<string, string>): string[] {
  return compileSources(files, { sourceLocations: true })
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.file}:${d.line} ${d.code}`);
}

describe("what the compiler cannot follow is an error at its place", () => {
  const cases: Array<{ name: string; code: string; line: number }> = [
    {
      name: "a factory mapped over a list read from a file",
      code: `import { readFileSync } from "node:fs";
import { makeIngest } from "./factories.js";
const regions: string[] = JSON.parse(readFileSync("regions.json", "utf8"));
export const ingest = regions.map((r) => makeIngest(r));
`,
      line: 4,
    },
    {
      name: "a condition built in a loop over a list known at run time",
      code: `import { dag, task } from "assetflow";
import { regionAsset } from "./factories.js";
const regions = (process.env.REGIONS ?? "eu").split(",");
let c = regionAsset("eu");
for (const r of regions) c = c.or(regionAsset(r));
export const report = dag({ dagId: "report", schedule: c }, () => { task({ taskId: "t" }, () => undefined); });
`,
      line: 5,
    },
    {
      name: "a factory picked from a list with a key known at run time",
      code: `import { makeIngest } from "./factories.js";
const makers = [makeIngest];
makers[Math.floor(Math.random())]("zz");
`,
      line: 3,
    },
    {
      name: "a factory picked from a record by an environment variable, through a variable",
      code: `import { makeIngest } from "./factories.js";
const table: Record<string, (r: string) => unknown> = { a: makeIngest };
const pick = table[process.env.K ?? "a"];
pick?.("yy");
`,
      line: 4,
    },
    {
      name: "a factory chosen by a condition known at run time",
      code: `import { dag, task } from "assetflow";
import { makeIngest } from "./factories.js";
function makeOther(id: string) {
  return dag({ dagId: id, schedule: null }, () => { task({ taskId: "t" }, () => undefined); });
}
(process.env.OTHER ? makeOther : makeIngest)("cc");
`,
      line: 6,
    },
  ];
  for (const { name, code, line } of cases) {
    it(name, () => {
      expect(errorsOf({ ...shared, "entry.ts": code }).filter((e) => e.startsWith(`entry.ts:${line} `))).not.toEqual(
        [],
      );
    });
  }
});
