/**
 * The examples of `examples/`: every code example of the seed, in both
 * authoring styles. For each example file this test checks that
 *
 * - both styles export every DAG they define, under the expected names;
 * - both styles serialize to the same manifest, equal to a reviewed baseline
 *   in `test/fixtures/examples/<name>.baseline.json`
 *   (`UPDATE_BASELINES=1 npx vitest run test/examples.test.ts` rewrites them);
 * - the task code does the same work in both styles, run against a recording
 *   task context;
 * - the seed's facts hold (schedules, outlets, conditions, aliases, extras).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import {
  type AnyAsset,
  type AnyAssetPattern,
  type Asset,
  type AssetAlias,
  type AssetEvent,
  type AssetPattern,
  type AssetRef,
  type ConditionNode,
  collectDags,
  type Dag,
  type DagManifest,
  type InletEventSequence,
  type InletEvents,
  isAssetAlias,
  isAssetPattern,
  isAssetRef,
  isDag,
  isMetadata,
  type JsonObject,
  type Manifest,
  Metadata,
  manifestToJson,
  type OutletAliasAccessor,
  type OutletEventAccessor,
  type OutletEvents,
  RunType,
  resolveDag,
  serializeDags,
  type TaskAssetNode,
  type TaskContext,
  type TaskInletNode,
  type TaskManifest,
  type TriggeringAssetEvents,
  type TriggeringKey,
} from "assetflow";
import Database from "better-sqlite3";
import { describe, expect, expectTypeOf, it } from "vitest";
import { exampleS3Asset } from "../examples/assets.js";

type ExampleModule = Record<string, unknown>;
type Style = "functional" | "decorators";
const STYLES: readonly Style[] = ["functional", "decorators"];

interface ExampleSpec {
  /** The file name in both folders, without `.ts`. */
  readonly name: string;
  readonly load: Readonly<Record<Style, () => Promise<ExampleModule>>>;
  /** The DAG exports of the functional file; the decorator file exports the same names capitalized. */
  readonly exports: readonly string[];
}

const EXAMPLES: readonly ExampleSpec[] = [
  {
    name: "quickstart",
    load: {
      functional: () => import("../examples/functional/quickstart.js"),
      decorators: () => import("../examples/decorators/quickstart.js"),
    },
    exports: ["quickstartProducer", "quickstartConsumer"],
  },
  {
    name: "asset-extra",
    load: {
      functional: () => import("../examples/functional/asset-extra.js"),
      decorators: () => import("../examples/decorators/asset-extra.js"),
    },
    exports: ["assetExtraConsumer", "assetExtraProducer"],
  },
  {
    name: "producer-consumer",
    load: {
      functional: () => import("../examples/functional/producer-consumer.js"),
      decorators: () => import("../examples/decorators/producer-consumer.js"),
    },
    exports: ["producer", "consumer"],
  },
  {
    name: "multiple-assets",
    load: {
      functional: () => import("../examples/functional/multiple-assets.js"),
      decorators: () => import("../examples/decorators/multiple-assets.js"),
    },
    exports: ["multipleAssetsProducer1", "multipleAssetsProducer2", "multipleAssetsProducer3", "multipleAssetsExample"],
  },
  {
    name: "metadata-yield",
    load: {
      functional: () => import("../examples/functional/metadata-yield.js"),
      decorators: () => import("../examples/decorators/metadata-yield.js"),
    },
    exports: ["metadataYield"],
  },
  {
    name: "outlet-events",
    load: {
      functional: () => import("../examples/functional/outlet-events.js"),
      decorators: () => import("../examples/decorators/outlet-events.js"),
    },
    exports: ["outletEvents"],
  },
  {
    name: "inlet-events",
    load: {
      functional: () => import("../examples/functional/inlet-events.js"),
      decorators: () => import("../examples/decorators/inlet-events.js"),
    },
    exports: ["inletEvents"],
  },
  {
    name: "triggering-events",
    load: {
      functional: () => import("../examples/functional/triggering-events.js"),
      decorators: () => import("../examples/decorators/triggering-events.js"),
    },
    exports: ["loadSnowflakeData", "querySnowflakeData"],
  },
  {
    name: "queued-events",
    load: {
      functional: () => import("../examples/functional/queued-events.js"),
      decorators: () => import("../examples/decorators/queued-events.js"),
    },
    exports: ["waitingForAsset1And2", "queuedEventsAsset1Producer", "queuedEventsAsset2Producer"],
  },
  {
    name: "conditional",
    load: {
      functional: () => import("../examples/functional/conditional.js"),
      decorators: () => import("../examples/decorators/conditional.js"),
    },
    exports: ["dag1", "dag2", "dag3", "consume1And2", "consume1Or2", "consume1OrBoth2And3"],
  },
  {
    name: "alias-outlet-events",
    load: {
      functional: () => import("../examples/functional/alias-outlet-events.js"),
      decorators: () => import("../examples/decorators/alias-outlet-events.js"),
    },
    exports: ["aliasOutletEvents"],
  },
  {
    name: "alias-metadata",
    load: {
      functional: () => import("../examples/functional/alias-metadata.js"),
      decorators: () => import("../examples/decorators/alias-metadata.js"),
    },
    exports: ["aliasMetadata"],
  },
  {
    name: "alias-dedupe",
    load: {
      functional: () => import("../examples/functional/alias-dedupe.js"),
      decorators: () => import("../examples/decorators/alias-dedupe.js"),
    },
    exports: ["aliasDedupe"],
  },
  {
    name: "alias-consumers",
    load: {
      functional: () => import("../examples/functional/alias-consumers.js"),
      decorators: () => import("../examples/decorators/alias-consumers.js"),
    },
    exports: ["assetProducer", "assetAliasProducer", "assetConsumer", "assetAliasConsumer"],
  },
  {
    name: "alias-inlet-events",
    load: {
      functional: () => import("../examples/functional/alias-inlet-events.js"),
      decorators: () => import("../examples/decorators/alias-inlet-events.js"),
    },
    exports: ["aliasInletEventsProducer", "aliasInletEventsConsumer"],
  },
  {
    name: "asset-or-time",
    load: {
      functional: () => import("../examples/functional/asset-or-time.js"),
      decorators: () => import("../examples/decorators/asset-or-time.js"),
    },
    exports: ["conditionalAssetAndTimeBasedTimetable"],
  },
];

// ---------------------------------------------------------------------------
// Loading: each module is imported once, inside collectDags, so the test sees
// every DAG a file defines, exported or not.

interface LoadedStyle {
  /** DAG-valued exports (Dag objects or @dag classes) by export name. */
  readonly exported: ReadonlyMap<string, Dag>;
  /** Every DAG the module defined while it was imported. */
  readonly defined: readonly Dag[];
  readonly manifest: Manifest;
  /** What each task did, by `dagId/taskId`. */
  readonly runs: ReadonlyMap<string, TaskRecord>;
}

interface LoadedExample {
  readonly spec: ExampleSpec;
  readonly styles: Readonly<Record<Style, LoadedStyle>>;
}

function dagExports(module: ExampleModule): Map<string, Dag> {
  const found = new Map<string, Dag>();
  for (const [name, value] of Object.entries(module)) {
    if (isDag(value)) found.set(name, value);
    else if (typeof value === "function") {
      try {
        found.set(name, resolveDag(value));
      } catch {
        // A class or function that is not a @dag class.
      }
    }
  }
  return found;
}

async function loadStyle(spec: ExampleSpec, style: Style): Promise<LoadedStyle> {
  const { result, dags } = await collectDags(spec.load[style]);
  const exported = dagExports(result);
  const manifest = serializeDags(exported.values());
  const runs = new Map<string, TaskRecord>();
  for (const definition of exported.values()) {
    for (const taskId of definition.topologicalOrder()) {
      runs.set(`${definition.dagId}/${taskId}`, await runTask(definition, taskId, manifest));
    }
  }
  return { exported, defined: dags, manifest, runs };
}

const capitalize = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

// ---------------------------------------------------------------------------
// A recording task context: enough of the runtime to run the examples' task
// code and see what it did. Asset events are not recorded here; the runtime
// does that.

interface TaskRecord {
  logs: string[];
  /** Extras set with `ctx.outletEvents.get(asset).extra = ...`. */
  outletExtras: Array<{ asset: string; extra: unknown }>;
  /** Assets added with `ctx.outletEvents.get(alias).add(asset, extra)`. */
  aliasAdds: Array<{ alias: string; asset: string; extra: unknown }>;
  /** Metadata the task yielded. */
  yielded: Array<{ asset: string; extra: unknown; alias: string | null }>;
  /** Identity keys of the assets the task added to an alias (with `add` or `Metadata`'s `alias`). */
  resolved: string[];
  bash: string[];
  sql: Array<string | readonly string[]>;
  result: unknown;
}

/** `name (uri)` of an asset, or `name` when they are the same. */
function describeAsset(asset: { readonly name: string; readonly uri: string }): string {
  return asset.name === asset.uri ? asset.uri : `${asset.name} (${asset.uri})`;
}

function keyOf(item: AnyAsset | AssetAlias | AssetRef | TaskInletNode | TriggeringKey): string {
  if (isAssetRef(item) || ("kind" in item && item.kind === "ref")) {
    const ref = item as { name?: string; uri?: string };
    return JSON.stringify(["ref", ref.name ?? null, ref.uri ?? null]);
  }
  if (!("name" in item)) throw new Error("unreachable: a ref is keyed above");
  return "uri" in item && item.uri !== undefined
    ? JSON.stringify(["asset", item.name, item.uri])
    : JSON.stringify(["alias", item.name]);
}

const MY_TASK = { name: "s3://bucket/my-task", uri: "s3://bucket/my-task" };
const INTERVAL_START = new Date("2024-01-01T00:00:00.000Z");
const INTERVAL_END = new Date("2024-01-01T01:00:00.000Z");

function fakeEvent(
  index: number,
  asset: { name: string; uri: string },
  extra: JsonObject,
  sourceDagId: string | null,
  sourceAliases: string[] = [],
): AssetEvent {
  return {
    id: index,
    asset,
    extra,
    timestamp: new Date(Date.UTC(2024, 0, 1, 0, index)),
    sourceDagId,
    sourceTaskId: sourceDagId === null ? null : "task",
    sourceRunId: sourceDagId === null ? null : `run-${index}`,
    sourceMapIndex: sourceDagId === null ? null : -1,
    sourceAliases,
    captures: {},
    sourceDagRun:
      sourceDagId === null
        ? null
        : {
            dagId: sourceDagId,
            runId: `run-${index}`,
            runType: RunType.manual,
            logicalDate: INTERVAL_START,
            dataIntervalStart: INTERVAL_START,
            dataIntervalEnd: INTERVAL_END,
          },
  };
}

/** Past events the inlet examples read: two writes of example_s3, one event through example-alias. */
const INLET_EVENTS = new Map<string, readonly AssetEvent[]>([
  [
    keyOf(exampleS3Asset),
    [
      fakeEvent(1, exampleS3Asset, { rowCount: 2 }, "metadata-yield"),
      fakeEvent(2, exampleS3Asset, { rowCount: 5 }, "outlet-events"),
    ],
  ],
  [
    JSON.stringify(["alias", "example-alias"]),
    [fakeEvent(3, MY_TASK, { rowCount: 1 }, "alias-inlet-events-producer", ["example-alias"])],
  ],
]);

class RecordingOutletEvents implements OutletEvents {
  constructor(
    private readonly record: TaskRecord,
    private readonly outlets: ReadonlySet<string>,
  ) {}

  get<TExtra extends object>(asset: Asset<TExtra>): OutletEventAccessor<TExtra>;
  get(alias: AssetAlias): OutletAliasAccessor;
  get(ref: AssetRef): OutletEventAccessor<JsonObject>;
  get(target: AnyAsset | AssetAlias | AssetRef): OutletEventAccessor<object> | OutletAliasAccessor {
    if (isAssetRef(target)) throw new Error("the seed's examples use no ref in outletEvents");
    if (!this.outlets.has(keyOf(target))) throw new Error(`${String(target)} is not an outlet of the task`);
    const record = this.record;
    if (isAssetAlias(target)) {
      const accessor: OutletAliasAccessor = {
        add(asset: AnyAsset | AssetRef, extra?: object) {
          if (isAssetRef(asset)) throw new Error("the seed's examples add no ref through an alias");
          record.aliasAdds.push({ alias: target.name, asset: describeAsset(asset), extra: extra ?? {} });
          record.resolved.push(keyOf(asset));
        },
      };
      return accessor;
    }
    let current: object = {};
    return {
      get extra() {
        return current;
      },
      set extra(value: object) {
        current = value;
        record.outletExtras.push({ asset: describeAsset(target), extra: value });
      },
    };
  }
}

class FakeInletEvents implements InletEvents {
  constructor(private readonly inlets: ReadonlySet<string>) {}

  get<TExtra extends object>(asset: Asset<TExtra>): InletEventSequence<TExtra>;
  get(alias: AssetAlias): InletEventSequence<JsonObject>;
  get(ref: AssetRef): InletEventSequence<JsonObject>;
  get(target: AnyAsset | AssetAlias | AssetRef): InletEventSequence<object> {
    if (!this.inlets.has(keyOf(target))) throw new Error(`${String(target)} is not an inlet of the task`);
    const events = INLET_EVENTS.get(keyOf(target)) ?? [];
    return {
      at: async (index) => events.at(index),
      slice: async (start, end) => events.slice(start, end),
      length: async () => events.length,
      async *[Symbol.asyncIterator]() {
        yield* events;
      },
    };
  }
}

class FakeTriggeringAssetEvents implements TriggeringAssetEvents {
  constructor(private readonly list: ReadonlyArray<[TriggeringKey, readonly AssetEvent[]]>) {}

  get<TExtra extends object>(asset: Asset<TExtra>): readonly AssetEvent<TExtra>[];
  get(alias: AssetAlias): readonly AssetEvent[];
  get<TCaptures extends string, TExtra extends object>(
    pattern: AssetPattern<TCaptures, TExtra>,
  ): readonly AssetEvent<TExtra, TCaptures>[];
  get(ref: AssetRef): readonly AssetEvent[];
  get(target: AnyAsset | AssetAlias | AnyAssetPattern | AssetRef): readonly AssetEvent<object>[] {
    if (isAssetPattern(target) || isAssetRef(target)) throw new Error("the seed's examples use no pattern or ref");
    return this.list.find(([key]) => keyOf(key) === keyOf(target))?.[1] ?? [];
  }

  has(target: AnyAsset | AssetAlias | AnyAssetPattern | AssetRef): boolean {
    if (isAssetPattern(target) || isAssetRef(target)) throw new Error("the seed's examples use no pattern or ref");
    return this.list.some(([key]) => keyOf(key) === keyOf(target));
  }

  keys() {
    return this.list.map(([key]) => key)[Symbol.iterator]();
  }

  values() {
    return this.list.map(([, events]) => events)[Symbol.iterator]();
  }

  entries() {
    return this.list[Symbol.iterator]();
  }

  get size(): number {
    return this.list.length;
  }

  [Symbol.iterator]() {
    return this.entries();
  }
}

/** The asset and alias leaves of a condition. */
function leaves(node: ConditionNode): TaskAssetNode[] {
  switch (node.kind) {
    case "asset":
      return [{ kind: "asset", name: node.name, uri: node.uri }];
    case "alias":
      return [{ kind: "alias", name: node.name }];
    case "all":
    case "any":
      return node.conditions.flatMap(leaves);
    case "ref":
    case "pattern":
      throw new Error(`the seed's examples use no ${node.kind} node`);
  }
}

function scheduleLeaves(dagManifest: DagManifest): TaskAssetNode[] {
  const schedule = dagManifest.schedule;
  return schedule.kind === "assets" || schedule.kind === "assetOrTime" ? leaves(schedule.condition) : [];
}

/**
 * One event per asset or alias the DAG is scheduled on, from the DAG of the
 * same file that produces it (an alias resolves to s3://bucket/my-task).
 */
function triggeringEvents(dagManifest: DagManifest, manifest: Manifest): FakeTriggeringAssetEvents {
  const list = scheduleLeaves(dagManifest).map((leaf, index): [TriggeringKey, readonly AssetEvent[]] => {
    const source = manifest.dags.find((candidate) =>
      candidate.tasks.some((task) => task.outlets.some((outlet) => keyOf(outlet) === keyOf(leaf))),
    );
    const sourceDagId = source?.dagId ?? null;
    return leaf.kind === "asset"
      ? [leaf, [fakeEvent(index + 10, leaf, {}, sourceDagId)]]
      : [leaf, [fakeEvent(index + 10, MY_TASK, {}, sourceDagId, [leaf.name])]];
  });
  return new FakeTriggeringAssetEvents(list);
}

/** Awaits a task's output; drains (async) generators, recording what they yield. */
async function settle(output: unknown, record: TaskRecord): Promise<unknown> {
  const isGenerator =
    typeof output === "object" &&
    output !== null &&
    "next" in output &&
    typeof output.next === "function" &&
    (Symbol.iterator in output || Symbol.asyncIterator in output);
  if (!isGenerator) return await output;
  const generator = output as { next(): IteratorResult<unknown> | Promise<IteratorResult<unknown>> };
  for (let step = await generator.next(); ; step = await generator.next()) {
    if (step.done) return step.value;
    const value = step.value;
    if (!isMetadata(value)) throw new Error(`the task yielded ${String(value)}, not Metadata`);
    if (isAssetRef(value.asset)) throw new Error("the recording context does not resolve Metadata for an Asset.ref");
    record.yielded.push({ asset: describeAsset(value.asset), extra: value.extra, alias: value.alias?.name ?? null });
    if (value.alias) record.resolved.push(keyOf(value.asset));
  }
}

async function runTask(definition: Dag, taskId: string, manifest: Manifest): Promise<TaskRecord> {
  const task = definition.getTaskOrThrow(taskId);
  const dagManifest = manifest.dags.find((candidate) => candidate.dagId === definition.dagId);
  if (!dagManifest) throw new Error(`DAG "${definition.dagId}" is not in the manifest`);
  if (task.args.length > 0) throw new Error("the recording context does not pass task results");
  const record: TaskRecord = {
    logs: [],
    outletExtras: [],
    aliasAdds: [],
    yielded: [],
    resolved: [],
    bash: [],
    sql: [],
    result: null,
  };
  const ctx: TaskContext = {
    dagId: definition.dagId,
    taskId,
    runId: "run-1",
    runType: RunType.manual,
    tryNumber: 1,
    mapIndex: -1,
    logicalDate: INTERVAL_START,
    dataIntervalStart: INTERVAL_START,
    dataIntervalEnd: INTERVAL_END,
    params: {},
    conf: {},
    outletEvents: new RecordingOutletEvents(record, new Set(task.outlets.map(keyOf))),
    inletEvents: new FakeInletEvents(new Set(task.inlets.map(keyOf))),
    triggeringAssetEvents: triggeringEvents(dagManifest, manifest),
    log: (message) => {
      record.logs.push(message);
    },
    services: {
      runBash: async (request) => {
        record.bash.push(request.command);
        return { exitCode: 0, lastLine: "" };
      },
      runSql: async (request) => {
        record.sql.push(request.sql);
        return { rows: [] };
      },
    },
  };
  const runner = task.runner;
  if (runner.kind === "operator") {
    await runner.operator.preExecute(ctx);
    const result = await settle(runner.operator.execute(ctx), record);
    await runner.operator.postExecute(ctx, result);
    record.result = result ?? null;
  } else {
    record.result = (await settle(runner.fn.call(runner.thisArg, ctx), record)) ?? null;
  }
  return record;
}

// ---------------------------------------------------------------------------
// Baselines

const BASELINE_DIR = new URL("./fixtures/examples/", import.meta.url);

function checkBaseline(name: string, actual: string): void {
  const file = new URL(`${name}.baseline.json`, BASELINE_DIR);
  if (process.env.UPDATE_BASELINES === "1") {
    mkdirSync(BASELINE_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    expect.fail(
      `Missing baseline ${file.pathname}. Generate it with UPDATE_BASELINES=1 npx vitest run test/examples.test.ts, then review it against the seed.`,
    );
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

// ---------------------------------------------------------------------------
// Helpers for the seed facts

function dagOf(manifest: Manifest, dagId: string): DagManifest {
  const found = manifest.dags.find((candidate) => candidate.dagId === dagId);
  if (!found) throw new Error(`no DAG "${dagId}" in ${manifest.dags.map((d) => d.dagId).join(", ")}`);
  return found;
}

function taskOf(dagManifest: DagManifest, taskId: string): TaskManifest {
  const found = dagManifest.tasks.find((candidate) => candidate.taskId === taskId);
  if (!found) throw new Error(`no task "${taskId}" in DAG "${dagManifest.dagId}"`);
  return found;
}

const assetNode = (uri: string, name = uri) => ({ kind: "asset" as const, name, uri });
const aliasNode = (name: string) => ({ kind: "alias" as const, name });
const onAssets = (condition: ConditionNode) => ({ kind: "assets" as const, condition });

/** Runs `check` against each style's manifest and task records. */
function inBothStyles(name: string, check: (style: LoadedStyle) => void): void {
  for (const style of STYLES) {
    try {
      check(example(name).styles[style]);
    } catch (error) {
      if (error instanceof Error) error.message = `[${style}] ${error.message}`;
      throw error;
    }
  }
}

function run(style: LoadedStyle, dagId: string, taskId: string): TaskRecord {
  const record = style.runs.get(`${dagId}/${taskId}`);
  if (!record) throw new Error(`task ${dagId}/${taskId} did not run`);
  return record;
}

/** Replaces `{{ expression }}` with its value; unknown expressions are an error. */
function render(sql: string, values: Record<string, string>): string {
  return sql.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    const value = values[expression];
    if (value === undefined) throw new Error(`no value for {{ ${expression} }}`);
    return value;
  });
}

// ---------------------------------------------------------------------------
// Load every example (sequentially: collectDags sees what each import defines).

const loaded: LoadedExample[] = [];
for (const spec of EXAMPLES) {
  const functional = await loadStyle(spec, "functional");
  const decorators = await loadStyle(spec, "decorators");
  loaded.push({ spec, styles: { functional, decorators } });
}

function example(name: string): LoadedExample {
  const found = loaded.find((item) => item.spec.name === name);
  if (!found) throw new Error(`no example "${name}"`);
  return found;
}

// ---------------------------------------------------------------------------
// Tests

describe.each(EXAMPLES.map((spec) => [spec.name]))("examples/*/%s.ts", (name) => {
  const { spec, styles } = example(name);

  it("exports every DAG it defines, under the expected names, in both styles", () => {
    const expected: Record<Style, string[]> = {
      functional: [...spec.exports],
      decorators: spec.exports.map(capitalize),
    };
    for (const style of STYLES) {
      const { exported, defined } = styles[style];
      expect([...exported.keys()].sort(), style).toEqual([...expected[style]].sort());
      expect(defined.map((d) => d.dagId).sort(), style).toEqual([...exported.values()].map((d) => d.dagId).sort());
    }
  });

  it("defines the same DAGs, tasks, schedules and assets in both styles", () => {
    expect(manifestToJson(styles.decorators.manifest)).toBe(manifestToJson(styles.functional.manifest));
  });

  it("serializes to its reviewed baseline", () => {
    checkBaseline(name, manifestToJson(styles.functional.manifest));
  });

  it("runs task code that does the same work in both styles", () => {
    expect(styles.functional.runs.size).toBeGreaterThan(0);
    expect(Object.fromEntries(styles.decorators.runs)).toEqual(Object.fromEntries(styles.functional.runs));
  });
});

describe("seed facts", () => {
  it("quickstart: MyOperator updates example.csv and the consumer is scheduled on the list [example.csv]", () => {
    inBothStyles("quickstart", ({ manifest, runs }) => {
      const producer = taskOf(dagOf(manifest, "quickstart-producer"), "update_example_csv");
      expect(producer.operator).toBe("MyOperator");
      expect(producer.outlets).toEqual([assetNode("s3://asset-bucket/example.csv")]);
      expect(dagOf(manifest, "quickstart-consumer").schedule).toEqual(
        onAssets({ kind: "all", conditions: [assetNode("s3://asset-bucket/example.csv")] }),
      );
      expect(runs.get("quickstart-producer/update_example_csv")).toMatchObject({
        logs: ["update_example_csv wrote 3 rows"],
        result: 3,
      });
    });
  });

  it("asset-extra: the producer's and the consumer's assets differ only in extra, so they are one asset", () => {
    inBothStyles("asset-extra", ({ manifest }) => {
      const outlet = taskOf(dagOf(manifest, "asset-extra-producer"), "update_example_csv").outlets;
      expect(outlet).toEqual([assetNode("s3://asset/example.csv")]);
      expect(dagOf(manifest, "asset-extra-consumer").schedule).toEqual(onAssets({ kind: "all", conditions: outlet }));
      expect(manifest.assets.filter((asset) => asset.uri === "s3://asset/example.csv")).toHaveLength(1);
    });
  });

  it("producer-consumer: the BashOperator producer updates the asset the consumer is scheduled on", () => {
    inBothStyles("producer-consumer", (style) => {
      const { manifest } = style;
      const producer = dagOf(manifest, "producer");
      expect(producer.schedule).toEqual({ kind: "cron", expression: "@daily", timezone: "UTC" });
      expect(taskOf(producer, "producer")).toMatchObject({
        operator: "BashOperator",
        outlets: [assetNode("s3://asset/example.csv")],
      });
      expect(dagOf(manifest, "consumer").schedule).toEqual(
        onAssets({ kind: "all", conditions: [assetNode("s3://asset/example.csv")] }),
      );
      expect(run(style, "producer", "producer").bash).toEqual(["echo 'writing s3://asset/example.csv'"]);
    });
  });

  it("multiple-assets: multiple_assets_example waits for all three assets, each updated by its own producer", () => {
    const three = ["s3://asset/example_1.csv", "s3://asset/example_2.csv", "s3://asset/example_3.csv"];
    inBothStyles("multiple-assets", ({ manifest }) => {
      expect(dagOf(manifest, "multiple_assets_example").schedule).toEqual(
        onAssets({ kind: "all", conditions: three.map((uri) => assetNode(uri)) }),
      );
      three.forEach((uri, index) => {
        const producer = dagOf(manifest, `multiple-assets-producer-${index + 1}`);
        expect(producer.tasks.flatMap((task) => task.outlets)).toEqual([assetNode(uri)]);
      });
    });
  });

  it("metadata-yield: write_to_s3 yields Metadata(example_s3, { rowCount }) for its outlet", () => {
    expectTypeOf(exampleS3Asset).toEqualTypeOf<Asset<{ rowCount: number }>>();
    expectTypeOf(new Metadata(exampleS3Asset, { rowCount: 1 })).toEqualTypeOf<Metadata<{ rowCount: number }>>();
    inBothStyles("metadata-yield", (style) => {
      expect(taskOf(dagOf(style.manifest, "metadata-yield"), "write_to_s3").outlets).toEqual([
        assetNode("s3://asset/example.csv", "example_s3"),
      ]);
      expect(run(style, "metadata-yield", "write_to_s3").yielded).toEqual([
        { asset: "example_s3 (s3://asset/example.csv)", extra: { rowCount: 3 }, alias: null },
      ]);
    });
  });

  it("outlet-events: write_to_s3 sets ctx.outletEvents.get(example_s3).extra", () => {
    inBothStyles("outlet-events", (style) => {
      expect(run(style, "outlet-events", "write_to_s3").outletExtras).toEqual([
        { asset: "example_s3 (s3://asset/example.csv)", extra: { rowCount: 3 } },
      ]);
    });
  });

  it("inlet-events: post_process_s3_file declares example_s3 as inlet and reads the latest event's row count", () => {
    inBothStyles("inlet-events", (style) => {
      const consumer = dagOf(style.manifest, "inlet-events");
      expect(taskOf(consumer, "post_process_s3_file").inlets).toEqual([
        assetNode("s3://asset/example.csv", "example_s3"),
      ]);
      expect(consumer.schedule).toEqual(
        onAssets({ kind: "all", conditions: [assetNode("s3://asset/example.csv", "example_s3")] }),
      );
      // The recording context holds two past events, with rowCount 2 then 5.
      expect(run(style, "inlet-events", "post_process_s3_file").result).toBe(5);
    });
  });

  it("triggering-events: hourly load into my_table, query of the triggering run's interval, events printed", () => {
    const seedWindow = [
      `"updated_at" >= '{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_start }}'`,
      `"updated_at" < '{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_end }}'`,
    ];
    inBothStyles("triggering-events", (style) => {
      const snowflake = assetNode("snowflake://my_db/my_schema/my_table");
      const load = dagOf(style.manifest, "load_snowflake_data");
      expect(load.schedule).toEqual({ kind: "cron", expression: "@hourly", timezone: "UTC" });
      expect(taskOf(load, "load")).toMatchObject({ operator: "SQLExecuteQueryOperator", outlets: [snowflake] });
      const query = dagOf(style.manifest, "query_snowflake_data");
      expect(query.schedule).toEqual(onAssets({ kind: "all", conditions: [snowflake] }));
      expect(query.tasks.map((task) => [task.taskId, task.operator])).toEqual([
        ["print_triggering_asset_events", "task"],
        ["query", "SQLExecuteQueryOperator"],
      ]);
      const [querySql] = run(style, "query_snowflake_data", "query").sql;
      for (const condition of seedWindow) expect(querySql).toContain(condition);
      expect(run(style, "query_snowflake_data", "print_triggering_asset_events").logs).toEqual([
        "snowflake://my_db/my_schema/my_table: 1 event(s)",
        "load_snowflake_data",
      ]);
    });
  });

  it("triggering-events: the SQL runs on SQLite and the query finds the rows of the triggering run's interval", () => {
    const { runs } = example("triggering-events").styles.functional;
    const loadSql = runs.get("load_snowflake_data/load")?.sql[0];
    const querySql = runs.get("query_snowflake_data/query")?.sql[0];
    if (!Array.isArray(loadSql) || typeof querySql !== "string") throw new Error("expected SQL lists and strings");
    const db = new Database(":memory:");
    try {
      for (const start of ["2024-01-01T00:00:00.000Z", "2024-01-01T01:00:00.000Z"]) {
        for (const statement of loadSql) db.exec(render(statement, { data_interval_start: start }));
      }
      const first = "(triggering_asset_events.values() | first | first).source_dag_run";
      const rows = db
        .prepare(
          render(querySql, {
            [`${first}.data_interval_start`]: "2024-01-01T00:00:00.000Z",
            [`${first}.data_interval_end`]: "2024-01-01T01:00:00.000Z",
          }),
        )
        .all();
      expect(rows).toEqual([{ id: 1, value: "hourly load", updated_at: "2024-01-01T00:00:00.000Z" }]);
    } finally {
      db.close();
    }
  });

  it("queued-events: waiting_for_asset_1_and_2 is scheduled on [asset-1, asset-2], each with a producer", () => {
    inBothStyles("queued-events", ({ manifest }) => {
      expect(dagOf(manifest, "waiting_for_asset_1_and_2").schedule).toEqual(
        onAssets({ kind: "all", conditions: [assetNode("asset-1"), assetNode("asset-2")] }),
      );
      expect(taskOf(dagOf(manifest, "queued-events-asset-1-producer"), "update_asset_1").outlets).toEqual([
        assetNode("asset-1"),
      ]);
      expect(taskOf(dagOf(manifest, "queued-events-asset-2-producer"), "update_asset_2").outlets).toEqual([
        assetNode("asset-2"),
      ]);
    });
  });

  it("conditional: & is all, | is any, and dag1 | (dag2 & dag3) is any[dag1, all[dag2, dag3]]", () => {
    const dag1 = assetNode("s3://dag1/output_1.txt");
    const dag2 = assetNode("s3://dag2/output_1.txt");
    const dag3 = assetNode("s3://dag3/output_3.txt");
    inBothStyles("conditional", ({ manifest }) => {
      expect(dagOf(manifest, "consume_1_and_2_with_asset_expressions").schedule).toEqual(
        onAssets({ kind: "all", conditions: [dag1, dag2] }),
      );
      expect(dagOf(manifest, "consume_1_or_2_with_asset_expressions").schedule).toEqual(
        onAssets({ kind: "any", conditions: [dag1, dag2] }),
      );
      expect(dagOf(manifest, "consume_1_or_both_2_and_3_with_asset_expressions").schedule).toEqual(
        onAssets({ kind: "any", conditions: [dag1, { kind: "all", conditions: [dag2, dag3] }] }),
      );
      for (const [dagId, asset] of [
        ["dag1", dag1],
        ["dag2", dag2],
        ["dag3", dag3],
      ] as const) {
        expect(dagOf(manifest, dagId).tasks.flatMap((task) => task.outlets)).toEqual([asset]);
      }
    });
  });

  it("alias-outlet-events: the task declares the alias and adds s3://bucket/my-task through it", () => {
    inBothStyles("alias-outlet-events", (style) => {
      const taskManifest = taskOf(dagOf(style.manifest, "alias-outlet-events"), "my_task_with_outlet_events");
      expect(taskManifest.outlets).toEqual([aliasNode("my-task-outputs")]);
      expect(style.manifest.aliases).toEqual([{ name: "my-task-outputs", group: "asset" }]);
      expect(run(style, "alias-outlet-events", "my_task_with_outlet_events").aliasAdds).toEqual([
        { alias: "my-task-outputs", asset: "s3://bucket/my-task", extra: { k: "v" } },
      ]);
    });
  });

  it("alias-metadata: the task yields Metadata for s3://bucket/my-task with alias my-task-outputs", () => {
    inBothStyles("alias-metadata", (style) => {
      expect(taskOf(dagOf(style.manifest, "alias-metadata"), "my_task_with_metadata").outlets).toEqual([
        aliasNode("my-task-outputs"),
      ]);
      expect(run(style, "alias-metadata", "my_task_with_metadata").yielded).toEqual([
        { asset: "example_s3 (s3://bucket/my-task)", extra: { k: "v" }, alias: "my-task-outputs" },
      ]);
    });
  });

  it("alias-dedupe: three adds through three aliases carry two distinct (asset, extra) pairs", () => {
    inBothStyles("alias-dedupe", (style) => {
      const outputs = ["my-task-outputs-1", "my-task-outputs-2", "my-task-outputs-3"];
      expect(taskOf(dagOf(style.manifest, "alias-dedupe"), "my_task_with_outlet_events").outlets).toEqual(
        outputs.map(aliasNode),
      );
      const adds = run(style, "alias-dedupe", "my_task_with_outlet_events").aliasAdds;
      expect(adds.map((add) => add.alias)).toEqual(outputs);
      expect(new Set(adds.map((add) => JSON.stringify([add.asset, add.extra]))).size).toBe(2);
    });
  });

  it("alias-consumers: asset-consumer is scheduled on the asset, asset-alias-consumer on the alias", () => {
    inBothStyles("alias-consumers", (style) => {
      const { manifest } = style;
      expect(dagOf(manifest, "asset-consumer").schedule).toEqual(onAssets(assetNode("s3://bucket/my-task")));
      expect(dagOf(manifest, "asset-alias-consumer").schedule).toEqual(onAssets(aliasNode("example-alias")));
      // asset-producer's outlet is an asset named "example-alias", not the alias.
      expect(taskOf(dagOf(manifest, "asset-producer"), "produce_asset_events").outlets).toEqual([
        assetNode("example-alias"),
      ]);
      expect(taskOf(dagOf(manifest, "asset-alias-producer"), "produce_asset_events").outlets).toEqual([
        aliasNode("example-alias"),
      ]);
      expect(run(style, "asset-alias-producer", "produce_asset_events").aliasAdds).toEqual([
        { alias: "example-alias", asset: "s3://bucket/my-task", extra: {} },
      ]);
    });
  });

  it("alias-inlet-events: the producer adds a row count through the alias; the consumer reads it through the alias", () => {
    inBothStyles("alias-inlet-events", (style) => {
      expect(run(style, "alias-inlet-events-producer", "produce_asset_events").aliasAdds).toEqual([
        { alias: "example-alias", asset: "s3://bucket/my-task", extra: { rowCount: 1 } },
      ]);
      const consumer = dagOf(style.manifest, "alias-inlet-events-consumer");
      expect(consumer.schedule).toEqual({ kind: "none" });
      expect(taskOf(consumer, "consume_asset_alias_events").inlets).toEqual([aliasNode("example-alias")]);
      expect(run(style, "alias-inlet-events-consumer", "consume_asset_alias_events").result).toBe(1);
    });
  });

  it("asset-or-time: AssetOrTimeSchedule of a CronTriggerTimetable and dag1 & dag2", () => {
    inBothStyles("asset-or-time", ({ manifest }) => {
      expect(dagOf(manifest, "conditional_asset_and_time_based_timetable").schedule).toEqual({
        kind: "assetOrTime",
        timetable: { kind: "cronTrigger", expression: "0 1 * * 3", timezone: "UTC" },
        condition: {
          kind: "all",
          conditions: [assetNode("s3://dag1/output_1.txt"), assetNode("s3://dag2/output_1.txt")],
        },
      });
    });
  });
});

describe("the examples as one project per folder", () => {
  const project = (style: Style) => loaded.flatMap((item) => [...item.styles[style].exported.values()]);

  it("has unique DAG ids and the same manifest in both folders", () => {
    const ids = project("functional").map((d) => d.dagId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(manifestToJson(serializeDags(project("decorators")))).toBe(
      manifestToJson(serializeDags(project("functional"))),
    );
  });

  it("produces every asset and alias some DAG is scheduled on, so every consumer can run", () => {
    for (const style of STYLES) {
      const manifest = serializeDags(project(style));
      const produced = new Set(manifest.dags.flatMap((d) => d.tasks.flatMap((task) => task.outlets.map(keyOf))));
      for (const item of loaded) {
        for (const record of item.styles[style].runs.values()) {
          for (const key of record.resolved) produced.add(key);
        }
      }
      const unproduced = manifest.dags.flatMap((d) =>
        scheduleLeaves(d)
          .filter((leaf) => !produced.has(keyOf(leaf)))
          .map((leaf) => `${d.dagId}: ${JSON.stringify(leaf)}`),
      );
      expect(unproduced, style).toEqual([]);
    }
  });
});
