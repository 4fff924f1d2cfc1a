/**
 * What each export of the SDK means at build time, in one table keyed by the
 * export's name. The table's type lists every value export of `sdk/index.ts`:
 * an export added to the SDK without an entry here fails the build.
 *
 * An entry says what using the export does to the asset graph (its
 * `effect`, which decides what code the compiler must follow), and how the
 * compiler evaluates it: as a constant, a call, a `new`, a tagged template,
 * static members, or an operator class users extend.
 */
import type { ts } from "ts-morph";
import { RunType } from "../../sdk/context.js";
import { DEFAULT_MAX_ACTIVE_RUNS } from "../../sdk/dag-settings.js";
import { ErrorCode } from "../../sdk/errors.js";
import { EXTRA_JSON_SCHEMA_TARGET } from "../../sdk/extra-schema.js";
import type * as Sdk from "../../sdk/index.js";
import { MANIFEST_SCHEMA_VERSION } from "../../sdk/manifest/schema.js";
import { CRON_PRESETS } from "../../sdk/schedule.js";
import { DEFAULT_RETRY_DELAY_MS } from "../../sdk/task.js";
import { uriSchemeProblem } from "../../sdk/uri/sanitize.js";
import { SDK_OPERATOR_OWN_KEYS } from "../definitions.js";
import { DiagnosticCatalog, sdkRuleDiagnostic } from "../diagnostics.js";
import { operandProbe } from "../sdk-rules.js";
import {
  INVALID,
  makeAlias,
  makeAsset,
  makeAssetOrTime,
  makeCombined,
  makePattern,
  makeRef,
  makeTimetable,
  parseAssetsTemplate,
  reportUnknown,
} from "../semantics.js";
import { Props, type Site, UNDEFINED, type Value } from "../values.js";
import { type AssetDefinitionKind, defineAssetDefinition } from "./asset-definitions.js";
import type { Interpreter } from "./interpreter.js";
import { type Env, jsonToValue } from "./support.js";

/** The name of a value export of the SDK (`"Asset"`, `"dag"`, ...). */
export type SdkExportName = keyof typeof Sdk;

/**
 * What using an export does to the asset graph:
 * - `graph`: defines or changes DAGs, tasks, dependencies or URI rules
 *   (`dag`, `task`, `chain`, operators, `registerUriScheme`): code that may
 *   reach it must be followed, or reported;
 * - `value`: makes definition values (assets, aliases, conditions,
 *   schedules) that matter where they flow;
 * - `none`: nothing the manifest depends on (run-time helpers, errors, schemas).
 */
export type SdkEffect = "graph" | "value" | "none";

/** A call, `new` or tagged template of an SDK export, with its evaluated arguments. */
export interface SdkInvocation<N extends ts.Node> {
  readonly vm: Interpreter;
  readonly args: Value[];
  readonly node: N;
  readonly env: Env;
  /** The site of the whole call. */
  readonly site: Site;
}

/** How the compiler evaluates one export (or one static member of an export). */
export interface SdkExportSemantics {
  readonly effect: SdkEffect;
  /** A constant: its value (made fresh at each use, as user code may change it). */
  readonly value?: () => Value;
  /** `name(...)`. */
  readonly call?: (invocation: SdkInvocation<ts.CallExpression>) => Value;
  /** `new name(...)`. */
  readonly construct?: (invocation: SdkInvocation<ts.NewExpression>) => Value;
  /** ``name`...` ``. */
  readonly tag?: (vm: Interpreter, strings: readonly string[], values: readonly Value[], site: Site) => Value;
  /** Static members (`Asset.ref`). */
  readonly members?: Readonly<Record<string, SdkExportSemantics>>;
  /** For an operator class: its own option keys (besides the base operator options). */
  readonly operatorKeys?: readonly string[];
}

const none: SdkExportSemantics = Object.freeze({ effect: "none" });
const constant = (value: unknown): SdkExportSemantics => ({ effect: "none", value: () => jsonToValue(value) });
const operator = (name: string): SdkExportSemantics => ({
  effect: "graph",
  operatorKeys: SDK_OPERATOR_OWN_KEYS.get(name) ?? [],
  construct: ({ vm, args, node, env }) =>
    vm.classes.newOperator({ kind: "sdk", name }, args, node as ts.NewExpression, env),
});
/** The site of a constructor's first argument (where messages about an asset's options point). */
const firstArgument = (invocation: SdkInvocation<ts.NewExpression>): Site => ({
  file: invocation.env.scope.file,
  node: invocation.node.arguments?.[0] ?? invocation.node,
});
/** A rule the compiler does not know, for the SDK's checks that do not look at the rule itself. */
const A_FUNCTION = (): undefined => undefined;

/** An export that defines DAGs in a way the compiler does not follow. */
const notFollowed = (name: string): SdkExportSemantics => ({
  effect: "graph",
  call: ({ vm, site }) => {
    vm.report(DiagnosticCatalog.sdkCallNotFollowed, { name }, site);
    return INVALID;
  },
});

/** The SDK's semantics at build time, one entry per value export. */
export const SDK_SEMANTICS: { readonly [Name in SdkExportName]: SdkExportSemantics } = {
  // ---- assets and conditions ---------------------------------------------------
  Asset: {
    effect: "value",
    construct: (invocation) =>
      makeAsset(invocation.vm, invocation.args[0], invocation.args[1], firstArgument(invocation)),
    members: {
      ref: { effect: "value", call: ({ vm, args, site }) => makeRef(vm, args[0], site) },
      pattern: { effect: "value", call: ({ vm, args, site }) => makePattern(vm, args[0], site) },
    },
  },
  AssetAlias: {
    effect: "value",
    construct: (invocation) => makeAlias(invocation.vm, invocation.args, firstArgument(invocation)),
  },
  AssetRef: { effect: "value", construct: ({ vm, args, site }) => makeRef(vm, args[0], site) },
  AssetAll: { effect: "value", construct: ({ vm, args, site }) => combinedOf(vm, "all", args[0], site) },
  AssetAny: { effect: "value", construct: ({ vm, args, site }) => combinedOf(vm, "any", args[0], site) },
  all: { effect: "value", call: ({ vm, args, site }) => makeCombined(vm, "all", args, site) },
  any: { effect: "value", call: ({ vm, args, site }) => makeCombined(vm, "any", args, site) },
  assets: { effect: "value", tag: (vm, strings, values, site) => parseAssetsTemplate(vm, strings, values, site) },
  assetKey: none,
  isAsset: none,
  // Watchers are declared as plain JSON in `new Asset(uri, { watchers })`; these are run-time helpers.
  BUILT_IN_WATCHER_KINDS: none,
  defineWatcher: none,
  normalizeWatchers: none,
  watcherDefinition: none,
  isAssetAlias: none,
  isAssetAll: none,
  isAssetAny: none,
  isAssetRef: none,
  isCondition: none,
  AssetPattern: { effect: "value", construct: ({ vm, args, site }) => makePattern(vm, args[0], site) },
  isAssetPattern: none,
  parseDuration: none,
  completeSetSize: none,

  // ---- schedules ---------------------------------------------------------------
  AssetOrTimeSchedule: { effect: "value", construct: ({ vm, args, site }) => makeAssetOrTime(vm, args[0], site) },
  CronTriggerTimetable: {
    effect: "value",
    construct: ({ vm, args, site }) => makeTimetable(vm, "cronTrigger", args, site),
  },
  CronDataIntervalTimetable: {
    effect: "value",
    construct: ({ vm, args, site }) => makeTimetable(vm, "cron", args, site),
  },
  CRON_PRESETS: constant(CRON_PRESETS),
  isAssetOrTimeSchedule: none,
  isTimetable: none,
  normalizeSchedule: none,

  // ---- DAGs, tasks and dependencies --------------------------------------------
  dag: {
    effect: "graph",
    call: ({ vm, args, node, env, site }) =>
      args.length >= 2
        ? vm.dags.defineFunctionalDag(args, node, env)
        : { kind: "decorator", decorator: "dag", options: args[0] ?? UNDEFINED, site },
  },
  task: { effect: "graph", call: ({ vm, args, node, env }) => vm.dags.taskCall(args, node, env) },
  asset: {
    effect: "graph",
    call: (invocation) => assetCall(invocation, "asset"),
    members: { multi: { effect: "graph", call: (invocation) => assetCall(invocation, "multi") } },
  },
  AssetDefinition: none,
  isAssetDefinition: none,
  chain: { effect: "graph", call: ({ vm, args, node, env }) => vm.dags.chain(args, node, env) },
  BaseOperator: operator("BaseOperator"),
  BashOperator: operator("BashOperator"),
  SQLExecuteQueryOperator: operator("SQLExecuteQueryOperator"),
  DEFAULT_MAX_ACTIVE_RUNS: constant(DEFAULT_MAX_ACTIVE_RUNS),
  DEFAULT_RETRY_DELAY_MS: constant(DEFAULT_RETRY_DELAY_MS),
  Dag: none,
  isDag: none,
  isTaskHandle: none,
  scanDagClass: none,
  resolveDag: none,
  registerDag: notFollowed("registerDag"),
  collectDags: notFollowed("collectDags"),

  // ---- URIs ----------------------------------------------------------------------
  registerUriScheme: {
    effect: "graph",
    call: ({ vm, args, node, env, site }) => {
      if (env.mode !== "execute") return UNDEFINED;
      const [scheme, rule] = args;
      // The SDK's own rules of the call (scheme name, reserved and built-in schemes, a function).
      const problem =
        scheme !== undefined && scheme.kind !== "unknown"
          ? uriSchemeProblem(operandProbe(scheme), rule?.kind === "unknown" ? A_FUNCTION : rule && operandProbe(rule))
          : undefined;
      if (problem) {
        vm.report(sdkRuleDiagnostic(problem.code), { rule: problem.code, message: problem.message }, site);
        return UNDEFINED;
      }
      vm.uriSchemes.register(scheme, rule, node, env);
      return UNDEFINED;
    },
  },
  sanitizeUri: none,
  looksLikePattern: none,
  parseUriPattern: none,
  matchUriPattern: none,
  UriPatternIndex: none,

  // ---- what tasks use when they run -------------------------------------------------
  Metadata: {
    effect: "none",
    construct: ({ args }) => ({ kind: "metadata", asset: args[0] ?? UNDEFINED, alias: args[2] }),
  },
  isMetadata: none,
  RunType: constant(RunType),
  TaskSkipped: none,
  isTaskSkipped: none,
  captureWarnings: none,
  emitAssetflowWarning: none,

  // ---- errors, JSON and the manifest --------------------------------------------------
  AssetflowError: none,
  AssetUriError: {
    effect: "none",
    // As `new Error(message)`: what a URI scheme rule throws, for the message the compiler reports.
    construct: ({ vm, args, node, env }) =>
      args[0]?.kind === "string"
        ? {
            kind: "object",
            props: new Props([
              ["name", { kind: "string", value: "AssetUriError" }],
              ["message", args[0]],
            ]),
          }
        : vm.runtime(node, env),
  },
  DefinitionError: none,
  ExtraError: none,
  ExtraSchemaError: none,
  ManifestError: none,
  ErrorCode: constant(ErrorCode),
  isAssetflowError: none,
  assertJsonObject: none,

  // ---- schemas of event extras (run-time validators: not in the static manifest) ----
  checkExtra: none,
  EXTRA_JSON_SCHEMA_TARGET: constant(EXTRA_JSON_SCHEMA_TARGET),
  extraIssues: none,
  extraJsonSchema: none,
  extraSchemaError: none,
  isStandardSchema: none,

  findNonJson: none,
  stableStringify: none,
  MANIFEST_SCHEMA_VERSION: constant(MANIFEST_SCHEMA_VERSION),
  parseManifest: none,
  manifestToJson: none,
  serializeDags: none,
  jsonObjectSchema: none,
  assetNodeSchema: none,
  aliasNodeSchema: none,
  refNodeSchema: none,
  patternNodeSchema: none,
  consumeSchema: none,
  assetCatchupSchema: none,
  conditionNodeSchema: none,
  cronTimetableSchema: none,
  cronTriggerTimetableSchema: none,
  timetableSchema: none,
  scheduleSchema: none,
  taskAssetSchema: none,
  taskInletSchema: none,
  sourceLocationSchema: none,
  taskSchema: none,
  dagSchema: none,
  assetSchema: none,
  aliasSchema: none,
  manifestSchema: none,
};

/**
 * `asset(options, fn)` / `asset.multi(options, fn)`: the asset's DAG; with
 * options only, the decorator `@asset(options)` / `@asset.multi(options)`.
 */
function assetCall({ vm, args, node, env, site }: SdkInvocation<ts.CallExpression>, kind: AssetDefinitionKind): Value {
  const [options, fn] = args;
  if (fn === undefined) {
    return {
      kind: "decorator",
      decorator: kind === "asset" ? "asset" : "assetMulti",
      options: options ?? UNDEFINED,
      site,
    };
  }
  if (env.mode !== "execute") return vm.runtime(node, env);
  const call = kind === "asset" ? "asset(options, fn)" : "asset.multi(options, fn)";
  if (fn.kind === "unknown") {
    reportUnknown(vm, fn, { what: `The function of ${call}`, hint: "define it in this project" });
    return INVALID;
  }
  if (fn.kind !== "function") {
    vm.report(
      DiagnosticCatalog.invalidDag,
      { message: `${call} takes the function that materializes the asset as its second argument.` },
      site,
    );
    return INVALID;
  }
  return defineAssetDefinition(
    vm,
    kind,
    options,
    {
      node: fn.node,
      scope: fn.scope,
      thisValue: fn.thisValue,
      name: fn.name,
      selfName: vm.expressions.assignedName(node),
    },
    site,
  );
}

function combinedOf(vm: Interpreter, kind: "all" | "any", list: Value | undefined, site: Site): Value {
  if (list?.kind === "unknown") return list;
  return makeCombined(vm, kind, list?.kind === "array" ? list.items : [], site);
}

/** The SDK's export names, as a set: looked up for every SDK import and call. */
const SDK_EXPORT_NAMES: ReadonlySet<string> = new Set(Object.keys(SDK_SEMANTICS));

function isSdkExportName(name: string): name is SdkExportName {
  return SDK_EXPORT_NAMES.has(name);
}

/** The entry of an SDK value (`{ kind: "sdk", name, member? }`), if the SDK has it. */
function entryOf(value: { readonly name: string; readonly member?: string }): SdkExportSemantics | undefined {
  if (!isSdkExportName(value.name)) return undefined;
  const entry = SDK_SEMANTICS[value.name];
  return value.member === undefined ? entry : entry.members?.[value.member];
}

/** The value of an import from the SDK. */
export function sdkExport(vm: Interpreter, name: string, node: ts.Node, env: Env): Value {
  if (name === "*") return { kind: "sdkNamespace" };
  if (!isSdkExportName(name)) {
    return vm.unknown(
      { kind: "missing", name, detail: `"assetflow" has no export named ${JSON.stringify(name)}` },
      node,
      env,
    );
  }
  const entry = SDK_SEMANTICS[name];
  return entry.value ? entry.value() : { kind: "sdk", name };
}

/** A static member of an SDK export (`Asset.ref`). */
export function sdkMember(
  vm: Interpreter,
  receiver: { readonly name: string; readonly member?: string },
  name: string,
  node: ts.Node,
  env: Env,
): Value {
  if (receiver.member === undefined && entryOf(receiver)?.members?.[name]) {
    return { kind: "sdk", name: receiver.name, member: name };
  }
  return vm.runtime(node, env);
}

/** What using an SDK value does to the asset graph. */
export function sdkEffectOf(value: { readonly name: string; readonly member?: string }): SdkEffect {
  return entryOf(value)?.effect ?? "none";
}

/** The own option keys of an SDK operator class, or undefined when it is not one. */
export function sdkOperatorKeys(value: {
  readonly name: string;
  readonly member?: string;
}): readonly string[] | undefined {
  return entryOf(value)?.operatorKeys;
}

/** `name(...)` of an SDK export. */
export function callSdk(
  vm: Interpreter,
  callee: { readonly name: string; readonly member?: string },
  args: Value[],
  node: ts.CallExpression,
  env: Env,
): Value {
  const handler = entryOf(callee)?.call;
  if (handler) return handler({ vm, args, node, env, site: { file: env.scope.file, node } });
  return vm.callOf(node, env);
}

/** `new name(...)` of an SDK export. */
export function constructSdk(
  vm: Interpreter,
  callee: { readonly name: string; readonly member?: string },
  args: Value[],
  node: ts.NewExpression,
  env: Env,
): Value {
  const handler = entryOf(callee)?.construct;
  if (handler) return handler({ vm, args, node, env, site: { file: env.scope.file, node } });
  return vm.runtime(node, env);
}

/** ``name`...` `` of an SDK export. */
export function tagSdk(
  vm: Interpreter,
  tag: { readonly name: string; readonly member?: string },
  strings: readonly string[],
  values: readonly Value[],
  node: ts.TaggedTemplateExpression,
  env: Env,
): Value {
  const handler = entryOf(tag)?.tag;
  if (handler) return handler(vm, strings, values, { file: env.scope.file, node });
  return vm.callOf(node, env);
}
