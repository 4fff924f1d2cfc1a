import { describe, expect, it } from "vitest";
import { compileSource, compileSources, dagOf, withCode } from "./test-support.js";

const errors = (diagnostics: readonly { severity: string; code: string; line: number }[]) =>
  diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code}:${d.line}`);

const factory = `import { Asset, dag, task } from "assetflow";
export const REGIONS = ["eu", "us", "apac", "latam", "africa"] as const;
export const regionAsset = (region: string) => new Asset(\`s3://lake/\${region}/orders\`);
export function makeIngest(region: string, schedule = "@daily") {
  return dag({ dagId: \`ingest_\${region}\`, schedule }, () => {
    task({ taskId: "load", outlets: [regionAsset(region)] }, () => {});
  });
}
`;

describe("DAGs built through helpers", () => {
  it("compiles DAGs made by a factory of another file through REGIONS.map", () => {
    const result = compileSources({
      "factory.ts": factory,
      "dags.ts": `import { makeIngest, REGIONS } from "./factory.js";\nexport const ingest = REGIONS.map((r) => makeIngest(r));\n`,
    });
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.manifest.dags.map((d) => d.dagId)).toEqual([
      "ingest_africa",
      "ingest_apac",
      "ingest_eu",
      "ingest_latam",
      "ingest_us",
    ]);
    expect(dagOf(result.manifest, "ingest_eu").tasks[0]?.outlets).toEqual([
      { kind: "asset", name: "s3://lake/eu/orders", uri: "s3://lake/eu/orders" },
    ]);
  });

  it("compiles DAGs made by forEach over a literal list, with the factory passed by name", () => {
    const result = compileSource(`import { dag } from "assetflow";
const make = (name: string) => dag({ dagId: name, schedule: "@hourly" }, () => {});
["h1", "h2"].forEach(make);
`);
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.manifest.dags.map((d) => d.dagId)).toEqual(["h1", "h2"]);
  });

  it("follows a for...of loop that builds a condition with or()", () => {
    const result = compileSources({
      "factory.ts": factory,
      "consumer.ts": `import { dag, task } from "assetflow";
import { REGIONS, regionAsset } from "./factory.js";
let c = regionAsset(REGIONS[0]);
for (const r of REGIONS.slice(1)) c = c.or(regionAsset(r));
dag({ dagId: "report", schedule: c }, () => { task({ taskId: "t" }, () => {}); });
`,
    });
    expect(errors(result.diagnostics)).toEqual([]);
    const schedule = dagOf(result.manifest, "report").schedule;
    expect(
      schedule.kind === "assets" && schedule.condition.kind === "any" && schedule.condition.conditions,
    ).toHaveLength(5);
  });

  it("follows flatMap, reduce, Object.entries and Object.fromEntries", () => {
    const result = compileSource(`import { all, Asset, dag, task } from "assetflow";
const TABLES = { orders: ["eu", "us"], customers: ["eu"] } as const satisfies Record<string, readonly string[]>;
const pairs = Object.entries(TABLES).flatMap(([table, regions]) => regions.map((region) => ({ table, region })));
const assets = Object.fromEntries(pairs.map(({ table, region }) => [\`\${table}_\${region}\`, new Asset(\`s3://lake/\${region}/\${table}\`)]));
const both = Object.values(assets).reduce((condition, asset) => condition.and(asset));
dag({ dagId: "all_tables", schedule: both }, () => {
  for (const [name, asset] of Object.entries(assets)) task({ taskId: \`check_\${name}\`, inlets: [asset] }, () => {});
});
dag({ dagId: "first_two", schedule: all(...Object.values(assets).slice(0, 2)) }, () => {});
`);
    expect(errors(result.diagnostics)).toEqual([]);
    const dag = dagOf(result.manifest, "all_tables");
    expect(dag.tasks.map((t) => t.taskId)).toEqual(["check_customers_eu", "check_orders_eu", "check_orders_us"]);
    expect(dag.schedule).toEqual({
      kind: "assets",
      condition: {
        kind: "all",
        conditions: [
          { kind: "asset", name: "s3://lake/eu/orders", uri: "s3://lake/eu/orders" },
          { kind: "asset", name: "s3://lake/us/orders", uri: "s3://lake/us/orders" },
          { kind: "asset", name: "s3://lake/eu/customers", uri: "s3://lake/eu/customers" },
        ],
      },
    });
  });

  it("runs loops, switch, ternaries, labels, destructuring, default parameters and closures over constants", () => {
    const result = compileSource(`import { dag, task } from "assetflow";
const ENV = "prod" as string;
function retriesFor(env: string): number {
  switch (env) {
    case "dev":
      return 0;
    case "prod":
    case "staging":
      return 3;
    default:
      return 1;
  }
}
const steps: string[] = [];
outer: for (let i = 0; i < 5; i++) {
  let j = 0;
  while (true) {
    j++;
    if (j > i) continue outer;
    if (i === 4) break outer;
    steps.push(\`s\${i}_\${j}\`);
  }
}
const { first = "x", ...rest } = { second: 2 } as { first?: string; second: number };
const makers = [1, 2].map((n) => () => \`m\${n}\`);
dag({ dagId: ENV === "prod" ? "prod_dag" : "other" }, () => {
  for (const step of steps) task({ taskId: step, retries: retriesFor(ENV) }, () => {});
  task({ taskId: first + String(rest.second) + makers.map((make) => make()).join("") }, () => {});
  let count = 0;
  do count += 2; while (count < 5);
  task({ taskId: \`count_\${count}\` }, () => {});
  for (const key in { a: 1, b: 2 }) task({ taskId: \`key_\${key}\` }, () => {});
});
`);
    expect(errors(result.diagnostics)).toEqual([]);
    const dag = dagOf(result.manifest, "prod_dag");
    expect(dag.tasks.map((t) => t.taskId).sort()).toEqual(
      ["count_6", "key_a", "key_b", "s1_1", "s2_1", "s2_2", "s3_1", "s3_2", "s3_3", "x2m1m2"].sort(),
    );
    expect(dag.tasks.find((t) => t.taskId === "s1_1")?.retries).toBe(3);
  });

  it("constructs user classes and calls their methods and static methods", () => {
    const result = compileSource(`import { dag, task } from "assetflow";
class IngestFactory {
  static count = 0;
  readonly prefix: string;
  constructor(readonly region: string) {
    this.prefix = \`ingest_\${region}\`;
    IngestFactory.count++;
  }
  get dagId() { return this.prefix; }
  build() {
    return dag({ dagId: this.dagId }, () => { task({ taskId: \`load_\${this.region}\` }, () => {}); });
  }
  static forAll(regions: string[]) { return regions.map((region) => new IngestFactory(region).build()); }
}
IngestFactory.forAll(["eu", "us"]);
dag({ dagId: \`made_\${IngestFactory.count}\` }, () => {});
`);
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.manifest.dags.map((d) => d.dagId)).toEqual(["ingest_eu", "ingest_us", "made_2"]);
  });

  it("runs string methods as JavaScript does", () => {
    const result = compileSource(`import { dag } from "assetflow";
const names = "Orders-EU, customers_us ,  Events".split(",").map((s) => s.trim().toLowerCase().replace(/[^a-z]+/g, "_"));
for (const name of names) if (name.startsWith("o") || name.endsWith("s") || name.includes("x")) dag({ dagId: name.padEnd(10, ".") }, () => {});
`);
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.manifest.dags.map((d) => d.dagId)).toEqual(["customers_us", "events....", "orders_eu."]);
  });
});

describe("what cannot be evaluated and may define DAGs is an error at its place", () => {
  it("reports a call it cannot run when it is given a DAG factory (AF2012)", () => {
    const result = compileSources({
      "factory.ts": factory,
      "dags.ts": `import { makeIngest } from "./factory.js";
const regions = process.env.REGIONS?.split(",") ?? [];
export const ingest = regions.map((r) => makeIngest(r));
`,
    });
    const [error] = withCode(result.diagnostics, "AF2012");
    expect(error?.line).toBe(3);
    expect(error?.message).toContain("`regions.map(...)` is not compiled");
    expect(error?.message).toContain("makeIngest");
  });

  it("reports a value changed by a loop it cannot follow where the loop is (AF2001)", () => {
    const result = compileSources({
      "factory.ts": factory,
      "consumer.ts": `import { dag } from "assetflow";
import { regionAsset } from "./factory.js";
let c = regionAsset("eu");
for (const r of process.env.MORE?.split(",") ?? []) c = c.or(regionAsset(r));
dag({ dagId: "report", schedule: c }, () => {});
`,
    });
    expect(errors(result.diagnostics)).toEqual(["AF2001:4"]);
    expect(withCode(result.diagnostics, "AF2001")[0]?.message).toContain(
      'The schedule of dag "report" is not known at build time: it may be changed by a `for...of` over a list that is only known at run time',
    );
  });

  it("reports DAGs behind a condition only known at run time, in a ternary or a logical operator", () => {
    const result = compileSource(`import { dag } from "assetflow";
const make = (id: string) => dag({ dagId: id }, () => {});
export const a = process.env.A ? make("a") : make("b");
export const b = process.env.B && make("c");
`);
    expect(errors(result.diagnostics)).toEqual(["AF2005:3", "AF2005:4"]);
  });

  it("reports a loop that runs out of the step budget (AF2013) and a throw reached when loading (AF2014)", () => {
    const spin = compileSource(
      `import { dag } from "assetflow";\nlet i = 0;\nwhile (i >= 0) i++;\ndag({ dagId: "after" }, () => {});\n`,
    );
    expect(errors(spin.diagnostics)).toEqual(["AF2013:3"]);
    const throws = compileSource(`import { dag } from "assetflow";
try { throw new Error("caught"); } catch (error) { dag({ dagId: "in_catch" }, () => {}); }
const REGIONS: string[] = [];
if (REGIONS.length === 0) throw new Error("no regions");
dag({ dagId: "never" }, () => {});
`);
    expect(errors(throws.diagnostics)).toEqual(["AF2014:4"]);
    expect(throws.manifest.dags.map((d) => d.dagId)).toEqual(["in_catch"]);
  });

  it("reports recursion deeper than the compiler follows (AF2013)", () => {
    const result = compileSource(`import { dag } from "assetflow";
const down = (n: number): number => (n === 0 ? 0 : 1 + down(n - 1));
dag({ dagId: \`d_\${down(100000)}\` }, () => {});
`);
    expect(errors(result.diagnostics)).toEqual(["AF2013:2"]);
  });
});

describe("an asset's key", () => {
  it("evaluates `asset.key` to the SDK's own key (one identity for SDK, compiler and scheduler)", async () => {
    const { Asset } = await import("../sdk/index.js");
    const result = compileSource(`import { Asset, dag, task } from "assetflow";
const plain = new Asset("s3://Bucket/key");
const named = new Asset({ name: "orders", uri: "s3://bucket/orders" });
dag({ dagId: "keys", schedule: null, tags: [plain.key, named.key] }, () => { task({ taskId: "t" }, () => {}); });
`);
    expect(errors(result.diagnostics)).toEqual([]);
    expect([...dagOf(result.manifest, "keys").tags].sort()).toEqual(
      [new Asset("s3://Bucket/key").key, new Asset({ name: "orders", uri: "s3://bucket/orders" }).key].sort(),
    );
  });
});
