import { describe, expect, it } from "vitest";
import { type ParsedUri, sanitizeUriWithRules } from "../sdk/uri/sanitize.js";
import { codes, compileSource, compileSources, dagOf, taskOf, withCode } from "./test-support.js";

const consumer = (importLine: string, expression: string) => `${importLine}
import { dag } from "assetflow";
export const consumer = dag({ dagId: "consumer", schedule: [${expression}] }, () => {});
`;

const scheduledOn = (files: Record<string, string>) => {
  const result = compileSources(files);
  const schedule = dagOf(result.manifest, "consumer").schedule;
  return { schedule, diagnostics: result.diagnostics };
};

const onAsset = (uri: string, name = uri) => ({
  kind: "assets",
  condition: { kind: "all", conditions: [{ kind: "asset", name, uri }] },
});

describe("identifiers across files", () => {
  const assets = `import { Asset } from "assetflow";\nexport const orders = new Asset("s3://warehouse/orders");\n`;

  it("follows a named import of an asset declared in another module", () => {
    expect(
      scheduledOn({ "assets.ts": assets, "consumer.ts": consumer(`import { orders } from "./assets.js";`, "orders") })
        .schedule,
    ).toEqual(onAsset("s3://warehouse/orders"));
  });

  it("follows import aliases, namespace imports and imports without an extension", () => {
    const files = {
      "assets.ts": assets,
      "consumer.ts": consumer(
        `import { orders as o } from "./assets.js";\nimport * as all from "./assets";`,
        "o, all.orders",
      ),
    };
    const { schedule } = scheduledOn(files);
    expect(schedule).toEqual({
      kind: "assets",
      condition: {
        kind: "all",
        conditions: [
          { kind: "asset", name: "s3://warehouse/orders", uri: "s3://warehouse/orders" },
          { kind: "asset", name: "s3://warehouse/orders", uri: "s3://warehouse/orders" },
        ],
      },
    });
  });

  it("follows re-exports: export { x } from, export { x as y } from, export *, export * as ns", () => {
    const files = {
      "lake/raw.ts": assets,
      "lake/index.ts": `export * from "./raw.js";\nexport { orders as renamed } from "./raw.js";\nexport * as raw from "./raw.js";\n`,
      "consumer.ts": consumer(`import { orders, raw, renamed } from "./lake/index.js";`, "orders, renamed, raw.orders"),
    };
    const { schedule, diagnostics } = scheduledOn(files);
    expect(diagnostics).toEqual([expect.objectContaining({ code: "AF4004" })]);
    expect(
      schedule?.kind === "assets" && schedule.condition.kind === "all" && schedule.condition.conditions,
    ).toHaveLength(3);
  });

  it("follows a folder import to its index file and a local re-export of an import", () => {
    const files = {
      "lake/index.ts": `import { orders } from "../assets.js";\nexport { orders };\n`,
      "assets.ts": assets,
      "consumer.ts": consumer(`import { orders } from "./lake";`, "orders"),
    };
    expect(scheduledOn(files).schedule).toEqual(onAsset("s3://warehouse/orders"));
  });

  it("follows default exports", () => {
    const files = {
      "assets.ts": `import { Asset } from "assetflow";\nexport default new Asset("s3://warehouse/default");\n`,
      "consumer.ts": consumer(`import orders from "./assets.js";`, "orders"),
    };
    expect(scheduledOn(files).schedule).toEqual(onAsset("s3://warehouse/default"));
  });

  it("reads constants of other modules: template literals with constant parts, objects and enums", () => {
    const files = {
      "config.ts": `export const BUCKET = "s3://lake";\nexport const layers = { raw: "raw", curated: "curated" } as const;\nexport enum Zone { Eu = "eu" }\n`,
      "assets.ts": `import { Asset } from "assetflow";
import { BUCKET, layers, Zone } from "./config.js";
const version = 2;
export const orders = new Asset(\`\${BUCKET}/\${layers.raw}/\${Zone.Eu}/orders_v\${version + 1}.parquet\`);
`,
      "consumer.ts": consumer(`import { orders } from "./assets.js";`, "orders"),
    };
    expect(scheduledOn(files).schedule).toEqual(onAsset("s3://lake/raw/eu/orders_v3.parquet"));
  });

  it("runs module-level functions that build assets, with their arguments bound", () => {
    const files = {
      "assets.ts": `import { Asset } from "assetflow";
export function table(schema: string, name: string, { bucket = "lake" } = {}) {
  return new Asset({ uri: \`s3://\${bucket}/\${schema}/\${name}\`, name: \`\${schema}.\${name}\` });
}
export const orders = table("sales", "orders");
`,
      "consumer.ts": consumer(
        `import { orders, table } from "./assets.js";`,
        `orders, table("sales", "customers", { bucket: "crm" })`,
      ),
    };
    expect(scheduledOn(files).schedule).toEqual({
      kind: "assets",
      condition: {
        kind: "all",
        conditions: [
          { kind: "asset", name: "sales.orders", uri: "s3://lake/sales/orders" },
          { kind: "asset", name: "sales.customers", uri: "s3://crm/sales/customers" },
        ],
      },
    });
  });
});

describe("SDK symbols", () => {
  it("identifies SDK exports by their import from assetflow or assetflow/sdk, under any alias", () => {
    const result = compileSource(`import { Asset as A, dag as defineDag, task as t } from "assetflow/sdk";
import * as af from "assetflow";
defineDag({ dagId: "aliased", schedule: [new A("s3://b/a"), new af.Asset("s3://b/b")] }, () => {
  t({ taskId: "one" }, () => {});
  af.task({ taskId: "two" }, () => {});
});
`);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(dagOf(result.manifest, "aliased").tasks.map((task) => task.taskId)).toEqual(["one", "two"]);
  });

  it("follows SDK symbols re-exported by a module of the project", () => {
    const result = compileSources({
      "lib.ts": `export { dag, task as makeTask } from "assetflow";\nexport * from "assetflow";\n`,
      "dags.ts": `import { dag, makeTask, Asset } from "./lib.js";
dag({ dagId: "via_lib", schedule: [new Asset("s3://b/a")] }, () => { makeTask({ taskId: "t" }, () => {}); });
`,
    });
    expect(dagOf(result.manifest, "via_lib").tasks.map((task) => task.taskId)).toEqual(["t"]);
  });

  it("does not mistake a local function named dag for the SDK's", () => {
    const result =
      compileSource(`function dag(options: { dagId: string }, build: () => void) { return { options, build }; }
dag({ dagId: "not_a_dag" }, () => {});
`);
    expect(result.manifest.dags).toEqual([]);
    expect(codes(result.diagnostics)).toEqual(["AF1006 :0:0"]);
  });
});

describe("what cannot be resolved statically", () => {
  it("reports a URI built from process.env (AF2002) with a hint, at the expression", () => {
    const result = compileSources({
      "assets.ts": `import { Asset } from "assetflow";\nexport const raw = new Asset(\`s3://\${process.env.BUCKET}/raw\`);\n`,
      "consumer.ts": consumer(`import { raw } from "./assets.js";`, "raw"),
    });
    const [diagnostic] = withCode(result.diagnostics, "AF2002");
    expect(diagnostic).toMatchObject({ severity: "error", file: "assets.ts", line: 2, column: 38 });
    expect(diagnostic?.message).toBe(
      "The URI of this asset is built at run time from `process.env.BUCKET`; declare it as a constant or an AssetAlias.",
    );
  });

  it("reports a value computed by a function it cannot run (AF2003)", () => {
    const result = compileSource(`import { Asset, dag } from "assetflow";
declare function lookupUri(name: string): string;
dag({ dagId: "d", schedule: [new Asset(lookupUri("orders"))] }, () => {});
`);
    expect(withCode(result.diagnostics, "AF2003")[0]?.message).toContain("comes from a call to `lookupUri(...)`");
  });

  it("reports a value imported from a package the compiler does not read (AF2004)", () => {
    const result = compileSource(`import { Asset, dag } from "assetflow";
import { ORDERS_URI } from "@acme/lake";
dag({ dagId: "d", schedule: [new Asset(ORDERS_URI)] }, () => {});
`);
    expect(withCode(result.diagnostics, "AF2004")[0]?.message).toContain('imported from the package "@acme/lake"');
  });

  it("reports a name that is not exported (AF2006) and a missing module (AF1009)", () => {
    const result = compileSources({
      "assets.ts": `export const other = 1;\n`,
      "consumer.ts": consumer(
        `import { orders } from "./assets.js";\nimport { gone } from "./missing.js";`,
        "orders, gone",
      ),
    });
    expect(withCode(result.diagnostics, "AF2006")[0]?.message).toContain('the module "assets.ts" does not export it');
    expect(withCode(result.diagnostics, "AF1009")[0]?.message).toContain('Cannot find the module "./missing.js"');
  });

  it("reports a constant used before it is declared (AF2010)", () => {
    const result = compileSource(`import { Asset, dag } from "assetflow";
dag({ dagId: "d", schedule: [later] }, () => {});
const later = new Asset("s3://b/later");
`);
    expect(withCode(result.diagnostics, "AF2010")[0]?.message).toContain("uses `later` before it is initialized");
  });

  it("compiles the code after a skipped loop whose body only breaks or continues that loop", () => {
    // The differential test's project 4881 (issue #12): a \`continue\` in a loop over a run-time list made the
    // compiler skip the rest of the file, as if it left the file.
    const result = compileSource(`import { dag } from "assetflow";
const LIST: readonly string[] = process.env.LIST?.split(",") ?? [];
outer: for (const region of LIST) {
  if (region === "eu") continue;
  if (region === "us") break;
  for (const table of ["a", "b"]) if (table === region) continue outer;
  switch (region) {
    case "apac":
      break;
  }
  dag({ dagId: \`d_\${region}\` }, () => {});
}
switch (process.env.ENV) {
  case "prod":
    dag({ dagId: "prod" }, () => {});
    break;
}
dag({ dagId: "after" }, () => {});
`);
    expect(codes(result.diagnostics.filter((d) => d.severity === "error"))).toEqual([
      "AF2005 dags.ts:11:3",
      "AF2005 dags.ts:15:5",
    ]);
    expect(result.manifest.dags.map((dag) => dag.dagId)).toEqual(["after"]);
  });

  it("skips the rest of a round after skipped code whose `continue` in a `switch` ends the round", () => {
    const result = compileSource(`import { dag } from "assetflow";
for (const region of ["eu", "us"]) {
  if (process.env.SKIP === "1") {
    switch (region) {
      case "eu":
        continue;
    }
  }
  dag({ dagId: \`d_\${region}\` }, () => {});
}
`);
    expect(codes(result.diagnostics.filter((d) => d.severity === "error"))).toEqual(["AF2005 dags.ts:9:3"]);
  });

  it("reports (AF2005, an error) DAGs and tasks inside code it cannot follow, and compiles the rest", () => {
    const result = compileSource(`import { dag, task } from "assetflow";
if (process.env.ENABLE_REPORT) {
  dag({ dagId: "maybe" }, () => {});
}
for (let index = 0; index < 3; index++) dag({ dagId: \`loop_\${index}\` }, () => {});
dag({ dagId: "partial" }, () => {
  task({ taskId: "always" }, () => {});
  if (Math.random() > 0.5) task({ taskId: "sometimes" }, () => {});
});
`);
    const errors = withCode(result.diagnostics, "AF2005");
    expect(errors.map((d) => [d.severity, d.line])).toEqual([
      ["error", 3],
      ["error", 8],
    ]);
    expect(errors[0]?.message).toMatch(
      /^`dag\(\.\.\.\)` is not compiled: it is in an `if` whose condition is only known at run time/,
    );
    expect(errors[1]?.message).toMatch(/^`task\(\.\.\.\)` is not compiled/);
    expect(result.manifest.dags.map((dag) => dag.dagId)).toEqual(["loop_0", "loop_1", "loop_2", "partial"]);
    expect(taskOf(dagOf(result.manifest, "partial"), "always").taskId).toBe("always");
  });

  it("follows for...of over a constant list and if with a constant condition", () => {
    const result = compileSource(`import { dag, task } from "assetflow";
const tables = ["orders", "customers"] as const;
const PRODUCTION = true;
for (const table of tables) {
  dag({ dagId: \`load_\${table}\` }, () => {
    if (PRODUCTION) task({ taskId: "load" }, () => {});
    else task({ taskId: "skip" }, () => {});
  });
}
`);
    expect(result.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    expect(result.manifest.dags.map((dag) => [dag.dagId, dag.tasks.map((task) => task.taskId)])).toEqual([
      ["load_customers", ["load"]],
      ["load_orders", ["load"]],
    ]);
  });
});

describe("more module shapes", () => {
  it("names an anonymous default-exported @dag class 'default', as the class's name is at run time", () => {
    const result = compileSource(`import { dag, task } from "assetflow";
@dag({ schedule: "@daily" })
export default class {
  @task() only() {}
}
`);
    expect(result.manifest.dags.map((d) => d.dagId)).toEqual(["default"]);
  });

  it("reads JavaScript modules too", () => {
    const result = compileSources({
      "assets.mjs": `import { Asset } from "assetflow";\nexport const orders = new Asset("s3://lake/orders");\n`,
      "dags.js": `import { dag, task } from "assetflow";\nimport { orders } from "./assets.mjs";\ndag({ dagId: "js" }, () => { task({ taskId: "t", outlets: [orders] }, () => {}); });\n`,
    });
    expect(taskOf(dagOf(result.manifest, "js"), "t").outlets).toEqual([
      { kind: "asset", name: "s3://lake/orders", uri: "s3://lake/orders" },
    ]);
  });

  it("applies a URI scheme rule registered in the project, from its registration on, as loading the code does (an asset created before is an error, AF2016)", () => {
    const result = compileSource(`import { Asset, dag, registerUriScheme, task } from "assetflow";
const before = new Asset("kafka://Cluster/orders");
function normalize(uri) {
  return { ...uri, host: uri.host.toLowerCase(), port: uri.port ?? "9092" };
}
registerUriScheme("Kafka", normalize);
const after = new Asset("KAFKA://Cluster/orders/");
dag({ dagId: "d", schedule: Asset.ref({ uri: "kafka://CLUSTER:9092/payments" }) }, () => {
  task({ taskId: "t", outlets: [before, after] }, () => {});
});
`);
    expect(codes(result.diagnostics.filter((d) => d.severity === "error" || d.code === "AF2007"))).toEqual([
      "AF2016 dags.ts:2:26",
    ]);
    expect(taskOf(dagOf(result.manifest, "d"), "t").outlets).toEqual([
      { kind: "asset", name: "kafka://Cluster/orders", uri: "kafka://Cluster/orders" },
      { kind: "asset", name: "KAFKA://Cluster/orders/", uri: "kafka://cluster:9092/orders" },
    ]);
    expect(dagOf(result.manifest, "d").schedule).toEqual({
      kind: "assets",
      condition: { kind: "ref", uri: "kafka://cluster:9092/payments" },
    });
  });

  it("reports (AF2016) an asset created before the registration in the registering module, whose URI depends on load order", () => {
    // assets.ts runs as an entry, then again for dags.ts, which imports it: in a new process `before` keeps its URI
    // as written, in the process that loaded assets.ts first the rule makes it "kafka://Cluster/orders" (issue #12).
    const result = compileSources({
      "assets.ts": `import { Asset, registerUriScheme } from "assetflow";
export const before = new Asset("kafka://Cluster/orders.v1");
registerUriScheme("kafka", (uri) => ({ ...uri, path: uri.path.replace(/\\.v1$/, "") }));
export const after = () => new Asset("kafka://Cluster/payments.v1");
`,
      "dags.ts": `import { dag, task } from "assetflow";
import { after, before } from "./assets.js";
dag({ dagId: "d" }, () => {
  task({ taskId: "t", inlets: [before], outlets: [after()] }, () => {});
});
`,
    });
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    expect(codes(errors)).toEqual(["AF2016 assets.ts:2:33"]);
    expect(errors[0]?.message).toContain("assets.ts:3:1");
    const t = taskOf(dagOf(result.manifest, "d"), "t");
    expect(t.inlets).toEqual([{ kind: "asset", name: "kafka://Cluster/orders.v1", uri: "kafka://Cluster/orders.v1" }]);
    expect(t.outlets).toEqual([
      { kind: "asset", name: "kafka://Cluster/payments.v1", uri: "kafka://Cluster/payments" },
    ]);
  });

  it("applies a rule an entry registered, using a constant it imports, to the URIs of the entries loaded after it", () => {
    // dags_0.ts runs (and is done) before dags_1.ts: its rule still runs in its scope (found by the differential
    // test, issue #12).
    const result = compileSources({
      "config.ts": `export const PORT = "19092";\n`,
      "dags_0.ts": `import { registerUriScheme } from "assetflow";
import { PORT } from "./config.js";
registerUriScheme("kafka", (uri) => ({ ...uri, port: uri.port ?? PORT }));
`,
      "dags_1.ts": `import { Asset, dag, task } from "assetflow";
dag({ dagId: "d" }, () => {
  task({ taskId: "t", outlets: [new Asset("kafka://cluster/orders")] }, () => {});
});
`,
    });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(taskOf(dagOf(result.manifest, "d"), "t").outlets).toEqual([
      { kind: "asset", name: "kafka://cluster/orders", uri: "kafka://cluster:19092/orders" },
    ]);
  });

  it("reports what a registered rule throws for a URI, with the SDK's code and message", () => {
    const rule = (uri: ParsedUri): ParsedUri => {
      if (uri.path === "/") throw new Error("a topic is required");
      return uri;
    };
    const result = compileSource(`import { Asset, AssetUriError, registerUriScheme } from "assetflow";
registerUriScheme("kafka", (uri) => {
  if (!uri.host) throw new AssetUriError("kafka URIs need a cluster.");
  if (uri.path === "/") throw new Error("a topic is required");
  return uri;
});
export const noCluster = new Asset("kafka:/orders");
export const noTopic = new Asset("kafka://cluster");
`);
    let expected = "";
    try {
      sanitizeUriWithRules("kafka://cluster", new Map([["kafka", rule]]));
    } catch (error) {
      expected = (error as Error).message;
    }
    expect(expected).toContain("a topic is required");
    expect(result.diagnostics.map((d) => [d.severity, d.line, d.message])).toEqual([
      ["error", 7, "kafka URIs need a cluster."],
      ["error", 8, expected],
    ]);
  });

  it("reports (AF2007, an error) a URI scheme rule the compiler cannot evaluate, and leaves its assets out", () => {
    const result = compileSource(`import { Asset, dag, registerUriScheme, task } from "assetflow";
import { normalize } from "kafka-rules";
registerUriScheme("kafka", normalize);
registerUriScheme(process.env.SCHEME, (uri) => uri);
const orders = new Asset("kafka://cluster/orders");
dag({ dagId: "d" }, () => {
  task({ taskId: "t", outlets: [orders] }, () => {});
});
`);
    expect(codes(result.diagnostics.filter((d) => d.code === "AF2007"))).toEqual([
      "AF2007 dags.ts:3:1",
      "AF2007 dags.ts:4:1",
    ]);
    expect(result.diagnostics.every((d) => d.code !== "AF2007" || d.severity === "error")).toBe(true);
    expect(withCode(result.diagnostics, "AF2007")[0]?.message).toContain(
      'registerUriScheme("kafka", ...) cannot be applied by the compiler: its rule is `normalize`, imported from the package "kafka-rules"',
    );
    expect(result.manifest.assets).toEqual([]);
  });

  describe("a URI scheme rule the compiler does not apply makes the assets of its scheme created afterwards errors", () => {
    // dags_0.ts skips a loop over a run-time list, and the code after it (issue #12, project 4881 of the
    // differential test): its registerUriScheme was neither run nor reported, and dags_1.ts, loaded after it in
    // the same process, got the URIs as written where the runtime normalizes them.
    const topicAsset = `import { Asset } from "assetflow";
export const topicFor = (name: string) => new Asset(\`topic://EVENTS/\${name}.v1/\`);
export const lake = new Asset("s3://lake/orders");
`;
    const consumerOf = (expression: string) => `import { dag, task } from "assetflow";
import { lake, topicFor } from "./assets.js";
dag({ dagId: "d" }, () => {
  task({ taskId: "t", outlets: [${expression}, lake] }, () => {});
});
`;

    it("reports a registration in code after a skipped loop, and the later assets of its scheme where they are created", () => {
      const result = compileSources({
        "assets.ts": topicAsset,
        "dags_0.ts": `import { dag, registerUriScheme } from "assetflow";
const LIST: readonly string[] = process.env.LIST?.split(",") ?? [];
for (const region of LIST) {
  if (region === "stop") throw new Error("stop");
  dag({ dagId: \`d_\${region}\` }, () => {});
}
dag({ dagId: "after" }, () => {});
registerUriScheme("topic", (uri) => ({ ...uri, path: uri.path.replace(/\\.v1$/, "") }));
`,
        "dags_1.ts": consumerOf('topicFor("base")'),
      });
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(codes(withCode(errors, "AF2007"))).toEqual(["AF2007 dags_0.ts:8:1"]);
      expect(withCode(errors, "AF2007")[0]?.message).toContain('registerUriScheme("topic", ...) cannot be applied');
      expect(codes(withCode(errors, "AF2015"))).toEqual(["AF2015 assets.ts:2:53"]);
      expect(withCode(errors, "AF2015")[0]?.message).toContain('"topic://EVENTS/base.v1"');
      expect(withCode(errors, "AF2015")[0]?.message).toContain("dags_0.ts:8:1");
      // No guessed URI in the manifest (built-in schemes, whose rules no project can replace, are not reported).
      expect(result.manifest.assets.filter((asset) => asset.uri.startsWith("topic:"))).toEqual([]);
    });

    it("reports every registration in skipped code, not only the first construct it reaches", () => {
      const result = compileSource(`import { Asset, dag, registerUriScheme, task } from "assetflow";
function setup(): void {
  registerUriScheme("queue", (uri) => uri);
}
if (process.env.SCHEMES === "1") {
  dag({ dagId: "first" }, () => {});
  registerUriScheme("topic", (uri) => uri);
  setup();
}
dag({ dagId: "d" }, () => {
  task({ taskId: "t", outlets: [new Asset("topic://a/b"), new Asset("queue://a/b"), new Asset("other://a/b")] }, () => {});
});
`);
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(codes(errors)).toEqual([
        "AF2005 dags.ts:6:3",
        "AF2007 dags.ts:7:3",
        "AF2007 dags.ts:8:3",
        "AF2015 dags.ts:11:43",
        "AF2015 dags.ts:11:69",
      ]);
      // The task whose outlets are not known is left out, with its assets: no guessed URI in the manifest.
      expect(result.manifest.assets).toEqual([]);
    });

    it("makes every scheme unknown after a registration whose scheme is not known", () => {
      const result = compileSources({
        "assets.ts": topicAsset,
        "dags_0.ts": `import { registerUriScheme } from "assetflow";
registerUriScheme(process.env.SCHEME ?? "topic", (uri) => uri);
`,
        "dags_1.ts": consumerOf('topicFor("base")'),
      });
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(codes(errors)).toEqual(["AF2015 assets.ts:2:53", "AF2007 dags_0.ts:2:1"]);
      expect(withCode(errors, "AF2015")[0]?.message).toContain("whose scheme the compiler cannot tell");
    });

    it("reports the assets of a scheme whose rule it cannot evaluate where they are created", () => {
      const result = compileSources({
        "assets.ts": topicAsset,
        "dags_0.ts": `import { registerUriScheme } from "assetflow";
import { normalize } from "topic-rules";
registerUriScheme("topic", normalize);
`,
        "dags_1.ts": consumerOf('topicFor("base")'),
      });
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(codes(errors)).toEqual(["AF2015 assets.ts:2:53", "AF2007 dags_0.ts:3:1"]);
    });

    it("reports a registration reached by a call the compiler does not run", () => {
      const result = compileSources({
        "assets.ts": topicAsset,
        "dags_0.ts": `import { registerUriScheme } from "assetflow";
async function setup(): Promise<void> {
  registerUriScheme("topic", (uri) => uri);
}
await setup();
`,
        "dags_1.ts": consumerOf('topicFor("base")'),
      });
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(withCode(errors, "AF2007").map((d) => d.file)).toEqual(["dags_0.ts"]);
      expect(codes(withCode(errors, "AF2015"))).toEqual(["AF2015 assets.ts:2:53"]);
    });
  });

  it("applies the project's scheme rules to URI patterns as Asset.pattern does when the code runs", () => {
    // The compiler parsed patterns with the rules of its own process (none registered): a pattern of a scheme the
    // project normalizes kept its text as written, where the runtime's pattern is normalized.
    const result = compileSource(`import { Asset, dag, registerUriScheme } from "assetflow";
registerUriScheme("topic", (uri) => ({ ...uri, host: uri.host?.toLowerCase() }));
dag({ dagId: "d", schedule: Asset.pattern("topic://EVENTS/{name}") }, () => {});
if (process.env.QUEUE === "1") registerUriScheme("queue", (uri) => uri);
dag({ dagId: "e", schedule: Asset.pattern("queue://EVENTS/{name}") }, () => {});
`);
    expect(codes(result.diagnostics.filter((d) => d.severity === "error"))).toEqual([
      "AF2007 dags.ts:4:32",
      "AF2015 dags.ts:5:29",
    ]);
    expect(JSON.stringify(dagOf(result.manifest, "d").schedule)).toContain('"topic://events/{name}"');
  });

  describe("an asset created before the rule of its scheme is registered has a URI that depends on load order", () => {
    it("is an error in the module that creates it and then registers the rule", () => {
      const result = compileSource(`import { Asset, dag, registerUriScheme, task } from "assetflow";
const early = new Asset("kafka://Cluster/orders");
registerUriScheme("kafka", (uri) => ({ ...uri, port: uri.port ?? "9092" }));
dag({ dagId: "d" }, () => {
  task({ taskId: "t", outlets: [early, new Asset("kafka://Cluster/late")] }, () => {});
});
`);
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(codes(errors)).toEqual(["AF2016 dags.ts:2:25"]);
      expect(errors[0]?.message).toContain("dags.ts:3:1");
    });

    it("is an error in a shared module whose asset constant a later entry's registration would change", () => {
      const result = compileSources({
        "assets.ts": `import { Asset } from "assetflow";
export const TOPIC = new Asset("topic://Events/base");
`,
        "dags_0.ts": `import { dag, registerUriScheme, task } from "assetflow";
import { TOPIC } from "./assets.js";
dag({ dagId: "a" }, () => { task({ taskId: "t", outlets: [TOPIC] }, () => {}); });
registerUriScheme("topic", (uri) => ({ ...uri, host: uri.host?.toLowerCase() }));
`,
        "dags_1.ts": `import { dag, task } from "assetflow";
import { TOPIC } from "./assets.js";
dag({ dagId: "b" }, () => { task({ taskId: "t", inlets: [TOPIC] }, () => {}); });
`,
      });
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(codes(errors)).toEqual(["AF2016 assets.ts:2:32"]);
      expect(errors[0]?.message).toContain("dags_0.ts:4:1");
    });

    it("is not an error when an earlier entry created it while it ran (the runtime loads entries in order)", () => {
      const result = compileSources({
        "dags_0.ts": `import { Asset, dag, task } from "assetflow";
dag({ dagId: "a" }, () => { task({ taskId: "t", outlets: [new Asset("topic://Events/a")] }, () => {}); });
`,
        "dags_1.ts": `import { Asset, dag, registerUriScheme, task } from "assetflow";
registerUriScheme("topic", (uri) => ({ ...uri, host: uri.host?.toLowerCase() }));
dag({ dagId: "b" }, () => { task({ taskId: "t", outlets: [new Asset("topic://Events/b")] }, () => {}); });
`,
      });
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(result.manifest.assets.map((asset) => asset.uri)).toEqual(["topic://Events/a", "topic://events/b"]);
    });

    it("is an error in a module that a later entry imports only after the registration (the runtime runs it again, rule in force)", () => {
      // assets.ts runs as an entry before dags_1.ts registers the rule, and nothing imports it yet; dags_2.ts
      // imports it afterwards, and loading dags_2.ts runs it again with the rule: TOPIC becomes
      // "topic://events/base" there, "topic://Events/base" in the static graph (issue #12).
      const result = compileSources({
        "assets.ts": `import { Asset } from "assetflow";
export const TOPIC = new Asset("topic://Events/base");
`,
        "dags_1.ts": `import { registerUriScheme } from "assetflow";
registerUriScheme("topic", (uri) => ({ ...uri, host: uri.host?.toLowerCase() }));
`,
        "dags_2.ts": `import { dag, task } from "assetflow";
import { TOPIC } from "./assets.js";
dag({ dagId: "b" }, () => { task({ taskId: "t", inlets: [TOPIC] }, () => {}); });
`,
      });
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(codes(errors)).toEqual(["AF2016 assets.ts:2:32"]);
      expect(errors[0]?.message).toContain("dags_1.ts:2:1");
    });

    it("is not an error in an entry created before the registration that no later entry imports", () => {
      const result = compileSources({
        "assets.ts": `import { Asset, dag, task } from "assetflow";
dag({ dagId: "a" }, () => { task({ taskId: "t", outlets: [new Asset("topic://Events/a")] }, () => {}); });
`,
        "dags_1.ts": `import { registerUriScheme } from "assetflow";
registerUriScheme("topic", (uri) => ({ ...uri, host: uri.host?.toLowerCase() }));
`,
        "dags_2.ts": `import { Asset, dag, task } from "assetflow";
dag({ dagId: "b" }, () => { task({ taskId: "t", outlets: [new Asset("topic://Events/b")] }, () => {}); });
`,
      });
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(result.manifest.assets.map((asset) => asset.uri)).toEqual(["topic://Events/a", "topic://events/b"]);
    });
  });

  it("reports where a registered rule's result for a URI stops being known", () => {
    const result = compileSource(`import { Asset, registerUriScheme } from "assetflow";
registerUriScheme("kafka", (uri) => ({ ...uri, host: process.env.KAFKA_CLUSTER ?? uri.host }));
export const orders = new Asset("kafka://cluster/orders");
`);
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    expect(codes(errors)).toEqual(["AF2002 dags.ts:2:54"]);
    expect(errors[0]?.message).toContain(
      'The result of the "kafka" scheme rule (registerUriScheme) for "kafka://cluster/orders" is built at run time from `process.env.KAFKA_CLUSTER`',
    );
  });
});
