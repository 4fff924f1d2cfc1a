/**
 * A test compiles a DAG each way: the same decorator-style DAG file, compiled
 * by the TypeScript compiler with standard decorators and with
 * `experimentalDecorators` + `emitDecoratorMetadata`, defines the same DAGs,
 * and their tasks run with `this` bound to the DAG instance.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type AssetEvent,
  BashOperator,
  type BashRequest,
  collectDags,
  type Dag,
  isMetadata,
  manifestToJson,
  RunType,
  scanDagClass,
  serializeDags,
  type TaskContext,
  type TaskDefinition,
  type TriggeringKey,
} from "assetflow";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const fixturePath = join(repoRoot, "test/fixtures/decorator-modes/dag-source.ts.txt");
const sdkEntry = join(repoRoot, "sdk/index.ts");
const source = readFileSync(fixturePath, "utf8");
const assetSource = readFileSync(join(repoRoot, "test/fixtures/decorator-modes/asset-source.ts.txt"), "utf8");

const MODES = {
  standard: { experimentalDecorators: false, emitDecoratorMetadata: false },
  experimental: { experimentalDecorators: true, emitDecoratorMetadata: true },
} as const;
type Mode = keyof typeof MODES;

/** A fixture compiled by TypeScript in one decorator mode, with "assetflow" pointing at this checkout's SDK. */
function compile(mode: Mode, text: string = source): string {
  const output = ts.transpileModule(text, {
    fileName: "dag-source.ts",
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      ...MODES[mode],
    },
  });
  expect(output.diagnostics ?? []).toEqual([]);
  const rewritten = output.outputText.replace(/from "assetflow";/g, `from ${JSON.stringify(sdkEntry)};`);
  expect(rewritten).not.toContain('"assetflow"');
  return rewritten;
}

interface Loaded {
  readonly code: string;
  readonly dags: Dag[];
  readonly module: Record<string, unknown>;
}

let workDir = "";
const loaded = new Map<Mode, Loaded>();

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "assetflow-decorator-modes-"));
  for (const mode of Object.keys(MODES) as Mode[]) {
    const code = compile(mode);
    const file = join(workDir, `${mode}.mjs`);
    writeFileSync(file, code);
    const { result, dags } = await collectDags(
      () => import(/* @vite-ignore */ pathToFileURL(file).href) as Promise<Record<string, unknown>>,
    );
    loaded.set(mode, { code, dags, module: result });
  }
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function load(mode: Mode): Loaded {
  const result = loaded.get(mode);
  if (!result) throw new Error(`the ${mode} build was not loaded`);
  return result;
}

function notUsed(what: string): never {
  throw new Error(`${what} is not used by this test`);
}

/** A complete task context; only `services.runBash` answers, recording its requests. */
function makeContext(bashRequests: BashRequest[] = []): TaskContext {
  const noEvents = new Map<TriggeringKey, readonly AssetEvent[]>();
  return {
    dagId: "decorated_etl",
    taskId: "t",
    runId: "manual__2024-01-01",
    runType: RunType.manual,
    tryNumber: 1,
    mapIndex: -1,
    logicalDate: null,
    dataIntervalStart: null,
    dataIntervalEnd: null,
    params: {},
    conf: {},
    outletEvents: { get: () => notUsed("outletEvents") },
    inletEvents: { get: () => notUsed("inletEvents") },
    triggeringAssetEvents: {
      get: () => [],
      has: () => false,
      keys: () => noEvents.keys(),
      values: () => noEvents.values(),
      entries: () => noEvents.entries(),
      size: 0,
      [Symbol.iterator]: () => noEvents.entries(),
    },
    log: () => {},
    services: {
      runBash: async (request) => {
        bashRequests.push(request);
        return { exitCode: 0, lastLine: "starting" };
      },
      runSql: () => notUsed("runSql"),
    },
  };
}

function callMethod(definition: TaskDefinition, ...args: unknown[]): unknown {
  if (definition.runner.kind !== "function") throw new Error(`${definition.taskId} is not a method task`);
  return definition.runner.fn.call(definition.runner.thisArg, makeContext(), ...args);
}

describe("a test compiles a DAG each way", () => {
  it("really compiles two different decorator implementations", () => {
    expect(load("standard").code).toContain("__esDecorate");
    expect(load("standard").code).not.toContain("__metadata(");
    expect(load("experimental").code).toContain("__decorate");
    expect(load("experimental").code).toContain('__metadata("design:paramtypes"');
  });

  it("registers the same DAGs in the same order when the module is imported", () => {
    for (const mode of Object.keys(MODES) as Mode[]) {
      expect(load(mode).dags.map((d) => d.dagId)).toEqual(["decorated_etl", "DecoratedChild"]);
      expect(load(mode).dags[0]).toBe(scanDagClass(load(mode).module.DecoratedEtl as Function));
    }
  });

  it("gives identical manifests in both modes", () => {
    const standard = manifestToJson(serializeDags(load("standard").dags));
    const experimental = manifestToJson(serializeDags(load("experimental").dags));
    expect(experimental).toBe(standard);
  });

  it("defines the tasks, renames, dependencies and assets the source declares", () => {
    const manifest = serializeDags(load("standard").dags);
    const etl = manifest.dags.find((d) => d.dagId === "decorated_etl");
    expect(etl?.schedule).toEqual({
      kind: "assets",
      condition: {
        kind: "all",
        conditions: [{ kind: "asset", name: "orders", uri: "s3://warehouse/orders.parquet" }],
      },
    });
    expect(etl?.maxActiveRuns).toBe(2);
    expect(etl?.tasks.map((t) => [t.taskId, t.operator, t.upstream])).toEqual([
      ["announce", "BashOperator", []],
      ["audit", "task", ["publish"]],
      ["extract", "task", ["announce"]],
      ["publish", "task", ["scale"]],
      ["scale", "task", ["extract"]],
    ]);
    expect(etl?.tasks.find((t) => t.taskId === "scale")?.retries).toBe(1);
    expect(manifest.assets.map((a) => [a.name, a.group])).toEqual([
      ["orders", "sales"],
      ["s3://warehouse/summary.json", "asset"],
    ]);
    const child = manifest.dags.find((d) => d.dagId === "DecoratedChild");
    expect(child?.schedule).toEqual({ kind: "cron", expression: "@daily", timezone: "UTC" });
    expect(child?.tasks.map((t) => t.taskId)).toEqual(["announce", "audit", "extract", "followUp", "publish", "scale"]);
    expect(child?.tasks.find((t) => t.taskId === "followUp")?.upstream).toEqual(["audit"]);
  });

  it("does not leak the subclass's task into the parent DAG in either mode", () => {
    for (const mode of Object.keys(MODES) as Mode[]) {
      const parent = scanDagClass(load(mode).module.DecoratedEtl as Function);
      expect(parent.getTask("followUp")).toBeUndefined();
      expect([...parent.tasks.keys()]).toEqual(["announce", "extract", "scale", "publish", "audit"]);
    }
  });

  for (const mode of Object.keys(MODES) as Mode[]) {
    it(`runs the ${mode} build's tasks with this bound to the DAG instance`, async () => {
      const etl = load(mode).dags[0] as Dag;
      const extract = etl.getTaskOrThrow("extract");
      if (extract.runner.kind !== "function") throw new Error("extract is not a method task");
      expect(extract.runner.thisArg).toBeInstanceOf(load(mode).module.DecoratedEtl as Function);

      expect(callMethod(extract)).toEqual({ rows: 3 });
      await expect(callMethod(etl.getTaskOrThrow("scale"), { rows: 3 })).resolves.toBe(30);

      const publish = callMethod(etl.getTaskOrThrow("publish"), 30) as Generator<unknown, string>;
      const yielded = publish.next().value;
      expect(isMetadata(yielded) && yielded.extra).toEqual({ total: 30 });
      expect(publish.next()).toEqual({ done: true, value: "published 30" });

      const audit = callMethod(etl.getTaskOrThrow("audit")) as AsyncGenerator<never, number>;
      expect(await audit.next()).toEqual({ done: true, value: 10 });

      const child = load(mode).dags[1] as Dag;
      expect(callMethod(child.getTaskOrThrow("followUp"))).toBe(11);

      const announce = etl.getTaskOrThrow("announce");
      if (announce.runner.kind !== "operator") throw new Error("announce is not an operator");
      expect(announce.runner.operator).toBeInstanceOf(BashOperator);
      const requests: BashRequest[] = [];
      await expect(announce.runner.operator.execute(makeContext(requests))).resolves.toBe("starting");
      expect(requests.map((r) => r.command)).toEqual(["echo starting {{ ds }}"]);
    });
  }
});

describe("the DAG source typechecks in both modes", () => {
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(join(repoRoot, "tsconfig.json"), ts.sys.readFile).config,
    ts.sys,
    repoRoot,
  );
  // A virtual .ts file beside the fixture, so "assetflow" resolves through the project's paths.
  const virtualFile = join(dirname(fixturePath), "dag-source.ts");

  for (const mode of Object.keys(MODES) as Mode[]) {
    it(`has no TypeScript diagnostics with ${mode} decorators`, () => {
      const options: ts.CompilerOptions = { ...parsed.options, ...MODES[mode], noEmit: true };
      const host = ts.createCompilerHost(options);
      const getSourceFile = host.getSourceFile.bind(host);
      const fileExists = host.fileExists.bind(host);
      host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
        fileName === virtualFile
          ? ts.createSourceFile(fileName, source, languageVersion, true)
          : getSourceFile(fileName, languageVersion, onError, shouldCreate);
      host.fileExists = (fileName) => fileName === virtualFile || fileExists(fileName);
      const program = ts.createProgram({ rootNames: [virtualFile], options, host });
      const sourceFile = program.getSourceFile(virtualFile);
      expect(sourceFile).toBeDefined();
      const diagnostics = ts.getPreEmitDiagnostics(program, sourceFile);
      const messages = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(messages).toEqual([]);
    });
  }
});

describe("@asset and @asset.multi on static methods, compiled each way", () => {
  const assetDags = new Map<Mode, { dags: Dag[]; module: Record<string, unknown> }>();

  beforeAll(async () => {
    for (const mode of Object.keys(MODES) as Mode[]) {
      const file = join(workDir, `asset-${mode}.mjs`);
      writeFileSync(file, compile(mode, assetSource));
      const { result, dags } = await collectDags(
        () => import(/* @vite-ignore */ pathToFileURL(file).href) as Promise<Record<string, unknown>>,
      );
      assetDags.set(mode, { dags, module: result });
    }
  });

  it("defines the same DAGs when the class is defined, with identical manifests", () => {
    const standard = assetDags.get("standard");
    const experimental = assetDags.get("experimental");
    expect(standard?.dags.map((d) => d.dagId)).toEqual(["daily", "split_both"]);
    expect(experimental?.dags.map((d) => d.dagId)).toEqual(["daily", "split_both"]);
    expect(manifestToJson(serializeDags(experimental?.dags ?? []))).toBe(
      manifestToJson(serializeDags(standard?.dags ?? [])),
    );
    const daily = serializeDags(standard?.dags ?? []).dags.find((d) => d.dagId === "daily");
    expect(daily?.tasks.map((t) => [t.taskId, t.retries, t.outlets])).toEqual([
      ["daily", 1, [{ kind: "asset", name: "daily", uri: "s3://warehouse/daily" }]],
    ]);
  });

  for (const mode of Object.keys(MODES) as Mode[]) {
    it(`runs the ${mode} build's methods with this bound to the class`, () => {
      const loadedAssets = assetDags.get(mode);
      const [daily, split] = loadedAssets?.dags ?? [];
      const dailyTask = daily?.getTaskOrThrow("daily") as TaskDefinition;
      expect(dailyTask.runner.kind === "function" && dailyTask.runner.thisArg).toBe(
        loadedAssets?.module.WarehouseAssets,
      );
      expect(callMethod(dailyTask)).toBe(14);
      expect(callMethod(split?.getTaskOrThrow("splitBoth") as TaskDefinition)).toBe(7);
    });
  }
});
