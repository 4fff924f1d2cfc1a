/**
 * One table of rule cases for the SDK and the compiler: for each case the SDK
 * throws an error whose code and message equal the rule code and message of
 * the compiler's first error diagnostic, which is located at the option.
 */
import { describe, expect, it } from "vitest";
import * as sdk from "../sdk/index.js";
import { AssetflowError, dag, serializeDags, task } from "../sdk/index.js";
import { compileSource } from "./test-support.js";

interface RuleCase {
  readonly name: string;
  /** The options of `dag(...)`, as written in source. */
  readonly dag: string;
  /** The options of `task(..., function load() {})`, as written in source. */
  readonly task?: string;
  /** The body of the DAG's build function (default: one task with `task`'s options). */
  readonly build?: string;
  /** Text on the line the diagnostic points at. */
  readonly at: string;
}

const CASES: readonly RuleCase[] = [
  { name: "a misspelled DAG option", dag: '{ dagId: "d", shedule: null }', at: "shedule" },
  { name: "an unknown DAG option far from any", dag: '{ dagId: "d", schedule: null, zzzzzzzz: 1 }', at: "zzzzzzzz" },
  { name: "a dagId with a space", dag: '{ dagId: "my dag", schedule: null }', at: "my dag" },
  { name: "a dagId that is a number", dag: "{ dagId: 7, schedule: null }", at: "dagId: 7" },
  { name: "no dagId", dag: "{ schedule: null }", at: "schedule: null" },
  { name: "maxActiveRuns 0", dag: '{ dagId: "d", schedule: null, maxActiveRuns: 0 }', at: "maxActiveRuns" },
  { name: "maxActiveRuns 1.5", dag: '{ dagId: "d", schedule: null, maxActiveRuns: 1.5 }', at: "maxActiveRuns" },
  { name: "tags not strings", dag: '{ dagId: "d", schedule: null, tags: ["a", 2] }', at: "tags" },
  { name: "a description that is a number", dag: '{ dagId: "d", schedule: null, description: 3 }', at: "description" },
  { name: "a bad startDate", dag: '{ dagId: "d", schedule: null, startDate: "yesterday" }', at: "startDate" },
  { name: "params not an object", dag: '{ dagId: "d", schedule: null, params: [1] }', at: "params" },
  {
    name: "a misspelled task option",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", retrys: 2 }',
    at: "retrys",
  },
  {
    name: "negative retries",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", retries: -1 }',
    at: "retries",
  },
  {
    name: "retryDelay in fractions",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", retryDelay: 0.5 }',
    at: "retryDelay",
  },
  {
    name: "executionTimeout 0",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", executionTimeout: 0 }',
    at: "executionTimeout",
  },
  {
    name: "a URI string in outlets",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", outlets: ["s3://b/k"] }',
    at: "outlets",
  },
  {
    name: "a URI string beside an Asset.ref in outlets",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", outlets: [Asset.ref({ name: "a" }), "s3://b/k"] }',
    at: "outlets",
  },
  {
    name: "a URI string beside an Asset.ref in inlets",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", inlets: [Asset.ref({ name: "a" }), "s3://b/k"] }',
    at: "inlets",
  },
  {
    name: "an Asset.ref with both name and uri in inlets",
    dag: '{ dagId: "d", schedule: null }',
    task: '{ taskId: "t", inlets: [Asset.ref({ name: "a", uri: "s3://b/k" })] }',
    at: "Asset.ref",
  },
  { name: "a taskId with a slash", dag: '{ dagId: "d", schedule: null }', task: '{ taskId: "a/b" }', at: "a/b" },
  {
    name: "a task that runs after itself",
    dag: '{ dagId: "d", schedule: null }',
    build: 'const a = task({ taskId: "a" }, () => 1);\n  a.precedes(a);',
    at: "a.precedes(a)",
  },
  {
    name: "a cycle of three tasks",
    dag: '{ dagId: "d", schedule: null }',
    build:
      'const a = task({ taskId: "a" }, () => 1);\n  const b = task({ taskId: "b" }, () => 1);\n  const c = task({ taskId: "c" }, () => 1);\n  a.precedes(b);\n  b.precedes(c);\n  c.precedes(a);',
    at: 'taskId: "a"',
  },
];

function source(rule: RuleCase): string {
  return `import { Asset, dag, task } from "assetflow";
export const d = dag(${rule.dag}, () => {
  ${buildOf(rule)}
});
`;
}

function buildOf(rule: RuleCase): string {
  return rule.build ?? `task(${rule.task ?? '{ taskId: "t" }'}, function load() {});`;
}

/** What the SDK throws for the case (the options evaluated as JavaScript). */
function sdkError(rule: RuleCase): { code: string; message: string } {
  const dagOptions = new Function(`return ${rule.dag};`)();
  const build = new Function("task", "Asset", buildOf(rule));
  return thrownBy(() => dag(dagOptions, () => build(task, sdk.Asset)), rule.name);
}

/** The code and message of the AssetflowError `define` throws. */
function thrownBy(define: () => unknown, name: string): { code: string; message: string } {
  try {
    define();
  } catch (error) {
    if (error instanceof AssetflowError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`the SDK accepted ${name}`);
}

describe("the SDK and the compiler report the same rule with the same code and message", () => {
  for (const rule of CASES) {
    it(rule.name, () => {
      const expected = sdkError(rule);
      const text = source(rule);
      const errors = compileSource(text).diagnostics.filter((d) => d.severity === "error");
      expect(errors[0] && { code: errors[0].rule, message: errors[0].message }).toEqual(expected);
      const line = text.split("\n").findIndex((l) => l.includes(rule.at)) + 1;
      expect(errors[0]?.line).toBe(line);
    });
  }
});

interface ScheduleCase {
  readonly name: string;
  /** A DAG's schedule, as written in source: what the SDK evaluates and the compiler reads. */
  readonly schedule: string;
}

/** Rules of assets, aliases, references and the `assets` template (sdk/asset-rules.ts, sdk/assets-template.ts). */
const SCHEDULE_CASES: readonly ScheduleCase[] = [
  { name: "an s3 URI without a bucket", schedule: 'new Asset("s3://")' },
  { name: "a URI that is not ASCII", schedule: 'new Asset("èxample_datašet")' },
  { name: "a postgres URI without a table", schedule: 'new Asset("postgres://db/shop")' },
  { name: "a misspelled asset option", schedule: 'new Asset({ uri: "s3://b/k", grup: "sales" })' },
  { name: "an asset option far from any", schedule: 'new Asset({ uri: "s3://b/k", zzzzzzzz: 1 })' },
  { name: "an asset name that is a number", schedule: 'new Asset({ uri: "s3://b/k", name: 3 })' },
  { name: "an asset group that is a boolean", schedule: 'new Asset({ uri: "s3://b/k", group: true })' },
  { name: "an asset without uri or name", schedule: 'new Asset({ group: "sales" })' },
  { name: "a blank asset name", schedule: 'new Asset({ uri: "s3://b/k", name: "  " })' },
  { name: "a second uri in the options", schedule: 'new Asset("s3://b/k", { uri: "s3://b/other" })' },
  { name: "asset options that are a number", schedule: 'new Asset("s3://b/k", 5)' },
  { name: "an asset made of a number", schedule: "new Asset(5)" },
  { name: "two option objects", schedule: 'new Asset({ uri: "s3://b/k" }, {})' },
  { name: "an extra that is a list", schedule: 'new Asset({ uri: "s3://b/k", extra: [1] })' },
  { name: "an extra holding NaN", schedule: 'new Asset({ uri: "s3://b/k", extra: { rows: NaN } })' },
  { name: "watchers that are not a list", schedule: 'new Asset({ uri: "s3://b/k", watchers: {} })' },
  { name: "a files watcher without dir", schedule: 'new Asset({ uri: "s3://b/k", watchers: [{ kind: "files" }] })' },
  { name: "a blank alias name", schedule: 'new AssetAlias("")' },
  { name: "a misspelled alias option", schedule: 'new AssetAlias("out", { grup: "x" })' },
  { name: "an alias group that is a number", schedule: 'new AssetAlias("out", { group: 1 })' },
  { name: "alias options that are a string", schedule: 'new AssetAlias("out", "x")' },
  { name: "an empty Asset.ref", schedule: "Asset.ref({})" },
  { name: "Asset.ref with name and uri", schedule: 'Asset.ref({ name: "a", uri: "s3://b/k" })' },
  { name: "Asset.ref with a blank name", schedule: 'Asset.ref({ name: " " })' },
  { name: "Asset.ref with a bad URI", schedule: 'Asset.ref({ uri: "s3://" })' },
  { name: "an empty assets template", schedule: "assets``" },
  { name: "two assets without an operator", schedule: 'assets`${new Asset("s3://b/a")} ${new Asset("s3://b/b")}`' },
  { name: "a template that ends after &", schedule: 'assets`${new Asset("s3://b/a")} & `' },
  { name: "a template missing ')'", schedule: 'assets`(${new Asset("s3://b/a")} | ${new Asset("s3://b/b")}`' },
  { name: "a template with an extra ')'", schedule: 'assets`${new Asset("s3://b/a")})`' },
  { name: "a template with '+'", schedule: 'assets`${new Asset("s3://b/a")} + ${new Asset("s3://b/b")}`' },
  { name: "a template with '& &'", schedule: 'assets`${new Asset("s3://b/a")} & & ${new Asset("s3://b/b")}`' },
  { name: "a URI string in a template", schedule: 'assets`${"s3://b/k"} & ${new Asset("s3://b/a")}`' },
  { name: "a number in a template", schedule: 'assets`${Asset.ref({ name: "a" })} | ${7}`' },
];

/** What the SDK throws when a DAG is scheduled on `schedule`, evaluated as JavaScript. */
function sdkScheduleError(rule: ScheduleCase): { code: string; message: string } {
  const build = new Function("sdk", `const { Asset, AssetAlias, assets, all, any } = sdk; return (${rule.schedule});`);
  return thrownBy(() => dag({ dagId: "d", schedule: build(sdk) }, () => {}), rule.name);
}

describe("the SDK and the compiler report the same asset and condition rule with the same code and message", () => {
  for (const rule of SCHEDULE_CASES) {
    it(rule.name, () => {
      const expected = sdkScheduleError(rule);
      const text = `import { all, any, Asset, AssetAlias, assets, dag } from "assetflow";\nexport const d = dag({ dagId: "d", schedule: ${rule.schedule} }, () => {});\n`;
      const errors = compileSource(text).diagnostics.filter((d) => d.severity === "error");
      expect(errors[0] && { code: errors[0].rule, message: errors[0].message }).toEqual(expected);
      expect(errors[0]?.line).toBe(2);
    });
  }
});

/** The arguments of `registerUriScheme(...)`, as written in source: each breaks one of its rules. */
const URI_SCHEME_CASES: readonly { readonly name: string; readonly args: string }[] = [
  { name: "a scheme name with a colon", args: '"kafka:", (uri) => uri' },
  { name: "a reserved scheme", args: '"assetflow", (uri) => uri' },
  { name: "an x- scheme", args: '"x-kafka", (uri) => uri' },
  { name: "a built-in scheme", args: '"S3", (uri) => uri' },
  { name: "a rule that is not a function", args: '"kafka", "lower-case"' },
];

describe("the SDK and the compiler apply the same rules to registerUriScheme", () => {
  for (const rule of URI_SCHEME_CASES) {
    it(rule.name, () => {
      const call = new Function("registerUriScheme", `registerUriScheme(${rule.args});`);
      const expected = thrownBy(() => call(sdk.registerUriScheme), rule.name);
      const text = `import { registerUriScheme } from "assetflow";\nregisterUriScheme(${rule.args});\n`;
      const errors = compileSource(text).diagnostics.filter((d) => d.severity === "error");
      expect(errors[0] && { code: errors[0].rule, message: errors[0].message }).toEqual(expected);
      expect(errors[0]?.line).toBe(2);
    });
  }
});

describe("the SDK and the compiler take Asset.ref in a task's inlets and write the same manifest entry", () => {
  const inlets =
    '[Asset.ref({ name: "orders" }), Asset.ref({ uri: "S3://warehouse/orders.parquet" }), new Asset("s3://b/k")]';
  it("by name and by URI (sanitized), beside an asset", () => {
    const build = new Function("task", "Asset", `task({ taskId: "t", inlets: ${inlets} }, function load() {});`);
    const manifest = serializeDags([dag({ dagId: "d", schedule: null }, () => build(task, sdk.Asset))]);
    const compiled = compileSource(
      source({
        name: "refs",
        dag: '{ dagId: "d", schedule: null }',
        at: "",
        task: `{ taskId: "t", inlets: ${inlets} }`,
      }),
    );
    expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const sdkTask = manifest.dags[0]?.tasks[0];
    expect(sdkTask?.inlets).toEqual([
      { kind: "ref", name: "orders" },
      { kind: "ref", uri: "s3://warehouse/orders.parquet" },
      { kind: "asset", name: "s3://b/k", uri: "s3://b/k" },
    ]);
    expect(compiled.manifest.dags[0]?.tasks[0]?.inlets).toEqual(sdkTask?.inlets);
    // A ref declares no asset: only the asset the task names itself is in the manifest's assets.
    expect(compiled.manifest.assets.map((asset) => asset.uri)).toEqual(manifest.assets.map((asset) => asset.uri));
    expect(manifest.assets.map((asset) => asset.uri)).toEqual(["s3://b/k"]);
  });
});
