/**
 * `asset(options, fn)`, `asset.multi(options, fn)` and their decorators on
 * static methods, as the SDK's `asset-definition.ts` defines them: the asset
 * (name defaulting to the function's name), a DAG (id defaulting to the
 * asset's name, or the function's for `asset.multi`) and its one task (id: the
 * function's name when it is a valid id, else the DAG id) whose outlets are
 * the asset (or the `outlets` of `asset.multi`).
 */
import type { ts } from "ts-morph";
import { ASSET_OPTION_KEYS } from "../../sdk/asset.js";
import {
  assetDefinitionOptionsSchema,
  dagOptionsSchema,
  ID_PATTERN,
  multiAssetOptionsSchema,
  taskOptionsSchema,
} from "../../sdk/option-schemas.js";
import { parseDagSettings, parseTaskOptions } from "../definitions.js";
import { DiagnosticCatalog } from "../diagnostics.js";
import { checkOptions } from "../sdk-rules.js";
import { CONSTANT_HINT, INVALID, makeAsset, reportUnknown } from "../semantics.js";
import { type ObjectValue, Props, Scope, type Site, type Value } from "../values.js";
import type { Interpreter } from "./interpreter.js";

/** The asset's own options, as `new Asset({...})` takes them. */
const ASSET_KEYS = ASSET_OPTION_KEYS;
/** The options of the one task. */
const TASK_KEYS = ["inlets", "retries", "retryDelay", "executionTimeout"] as const;
/** The options of the DAG (the SDK's schema is their one source). */
const DAG_KEYS: readonly string[] = Object.keys(dagOptionsSchema.shape);

/** Which form: one asset, or `asset.multi`. */
export type AssetDefinitionKind = "asset" | "multi";

/** The function that materializes the asset: its declaration, closure, `this` and run-time name. */
export interface AssetFunctionSource {
  readonly node: ts.FunctionLikeDeclaration | undefined;
  readonly scope: Scope | undefined;
  readonly thisValue: Value | undefined;
  readonly name: string;
  /**
   * The variable the asset is assigned to (`const orders = asset(...)`): the
   * function may name its own asset (`ctx.outletEvents.get(orders)`), which it
   * reads only when it runs, after the assignment.
   */
  readonly selfName?: string | undefined;
}

/**
 * Defines the DAG of an asset function. Returns the asset (for `asset`) or
 * the DAG (for `asset.multi`), or INVALID after reporting why not.
 */
export function defineAssetDefinition(
  vm: Interpreter,
  kind: AssetDefinitionKind,
  options: Value | undefined,
  fn: AssetFunctionSource,
  site: Site,
): Value {
  const label =
    kind === "asset" ? describeAsset(options, fn.name) : (describeMulti(options, fn.name) ?? "asset.multi()");
  if (options?.kind === "unknown") {
    reportUnknown(vm, options, { what: `The options of ${label}`, hint: CONSTANT_HINT });
    return INVALID;
  }
  if (options?.kind !== "object") {
    vm.report(DiagnosticCatalog.invalidDag, { message: `Options of ${label} must be an object.` }, site);
    return INVALID;
  }
  if (options.havoc) {
    reportUnknown(vm, options.havoc, { what: `The options of ${label}`, hint: CONSTANT_HINT });
    return INVALID;
  }
  const schema = kind === "asset" ? assetDefinitionOptionsSchema : multiAssetOptionsSchema;
  if (!checkOptions(vm, options, schema, label, site)) return INVALID;
  const pick = (keys: readonly string[], extra: Array<[string, Value]> = []): ObjectValue => ({
    kind: "object",
    props: new Props([...[...options.props].filter(([key]) => keys.includes(key)), ...extra]),
    ...(options.origin ? { origin: options.origin } : {}),
  });
  let outlets: Value;
  let defaultDagId: string | undefined;
  let result: Value;
  if (kind === "asset") {
    const named = options.props.get("name");
    const nameDefault: Array<[string, Value]> =
      (named === undefined || named.kind === "undefined") && fn.name !== ""
        ? [["name", { kind: "string", value: fn.name }]]
        : [];
    const asset = makeAsset(vm, pick(ASSET_KEYS, nameDefault), undefined, site);
    if (asset.kind !== "asset") {
      if (asset.kind === "unknown") reportUnknown(vm, asset, { what: `The asset of ${label}`, hint: CONSTANT_HINT });
      return INVALID;
    }
    outlets = { kind: "array", items: [asset] };
    defaultDagId = ID_PATTERN.test(asset.name) ? asset.name : undefined;
    if (defaultDagId === undefined && !options.props.has("dagId")) {
      vm.report(
        DiagnosticCatalog.invalidOption,
        {
          option: "dagId",
          where: label,
          problem: `its name ${JSON.stringify(asset.name)} is not a DAG id (letters, digits, "_", "-", "."): pass a name such as asset({ uri, name: "orders" }, fn), a dagId, or a named function`,
        },
        site,
      );
      return INVALID;
    }
    result = asset;
  } else {
    const declared = options.props.get("outlets");
    if (declared === undefined || (declared.kind === "array" && declared.items.length === 0)) {
      vm.report(
        DiagnosticCatalog.invalidOption,
        { option: "outlets", where: label, problem: "list the assets the function updates (at least one)" },
        site,
      );
      return INVALID;
    }
    outlets = declared;
    defaultDagId = ID_PATTERN.test(fn.name) ? fn.name : undefined;
    result = INVALID;
  }
  const parsed = parseDagSettings(vm, pick(DAG_KEYS), {
    where: () => label,
    site,
    ...(defaultDagId === undefined ? {} : { defaultDagId }),
  });
  if (!parsed) return INVALID;
  const dagId = parsed.settings.dagId;
  const taskOptions = parseTaskOptions(
    vm,
    pick(TASK_KEYS, [["outlets", outlets]]),
    taskOptionsSchema,
    label,
    label,
    site,
  );
  if (!taskOptions) return INVALID;
  const taskId = ID_PATTERN.test(fn.name) ? fn.name : dagId;
  const build = vm.dags.openDag(parsed.settings, site, parsed.scheduleSite);
  const task = vm.dags.addTask(build, taskId, "task", taskOptions, site);
  if (task && fn.node && fn.scope) {
    let closure = fn.scope;
    if (fn.selfName !== undefined && kind === "asset") {
      closure = new Scope(fn.scope, fn.scope.file);
      closure.set(fn.selfName, { kind: "value", value: result });
    }
    vm.taskBodies.collectTouches(fn.node, closure, task, build, fn.thisValue);
  }
  vm.dags.finishDag(build);
  return kind === "asset" ? result : { kind: "dag", dagId };
}

function describeAsset(options: Value | undefined, fnName: string): string {
  const props = options?.kind === "object" ? options.props : undefined;
  const name = props?.get("name");
  const uri = props?.get("uri");
  const shown = name?.kind === "string" ? name.value : fnName || (uri?.kind === "string" ? uri.value : "");
  return shown ? `asset "${shown}"` : "asset()";
}

function describeMulti(options: Value | undefined, fnName: string): string | undefined {
  const dagId = options?.kind === "object" ? options.props.get("dagId") : undefined;
  if (dagId?.kind === "string") return `asset.multi "${dagId.value}"`;
  return fnName ? `asset.multi "${fnName}"` : undefined;
}
