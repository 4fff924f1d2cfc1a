/**
 * Asset-centric authoring, as Airflow 3's `@asset`: a function that
 * materializes an asset defines both the asset and a DAG of one task whose
 * outlet it is. `asset(options, fn)` returns an {@link AssetDefinition} (an
 * {@link Asset} usable in schedules, with its `dag`); `asset.multi(options, fn)`
 * one function updating several assets. This module defines them; the `asset`
 * export (`asset-function.ts`) and the decorators (`decorators/asset-decorator.ts`)
 * call it.
 */
import { Asset, type AssetAlias, type AssetOptions, type InletTarget, isAsset } from "./asset.js";
import type { TaskContext } from "./context.js";
import type { DagOptions } from "./dag.js";
import { makeDagSettings } from "./dag-settings.js";
import { type Dag, DagBuilder, isDag } from "./definitions.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import type { JsonObject } from "./json.js";
import { assetDefinitionOptionsSchema, ID_PATTERN, multiAssetOptionsSchema } from "./option-schemas.js";
import { parseOptions } from "./options.js";
import { registerDag } from "./registry.js";
import { makeTaskDefinition } from "./task.js";

/** Options of the one task an asset function becomes (its outlet is the asset). */
export interface AssetTaskOptions {
  /** Assets, aliases and `Asset.ref`s whose past events the function reads through `ctx.inletEvents`. */
  inlets?: readonly InletTarget[];
  /** How many times a failed try is retried (default 0). */
  retries?: number;
  /** Milliseconds between tries (default 300000). */
  retryDelay?: number;
  /** Milliseconds a try may run before it fails (default: no limit). */
  executionTimeout?: number;
}

/**
 * Options of `asset(options, fn)` and `@asset(options)`: the asset's own
 * options (`uri`, `name`, `group`, `extra`, `schema`), the DAG's (`schedule`,
 * `dagId`, ...), and its task's.
 */
export interface AssetDefinitionOptions<TExtra extends object = JsonObject>
  extends AssetOptions<TExtra>,
    Omit<DagOptions, "dagId">,
    AssetTaskOptions {
  /** The DAG's id; defaults to the asset's name (which defaults to the function's name). */
  dagId?: string;
}

/**
 * Options of `asset.multi(options, fn)` and `@asset.multi(options)`: the
 * assets the function updates, the DAG's options and its task's.
 */
export interface MultiAssetOptions extends Omit<DagOptions, "dagId">, AssetTaskOptions {
  /** The assets (and aliases) the function updates when it succeeds: at least one. */
  outlets: readonly (Asset<object> | AssetAlias)[];
  /** The DAG's id; defaults to the function's (or method's) name. */
  dagId?: string;
}

/** The function that materializes an asset: plain, async, or an (async) generator yielding `Metadata`. */
export type AssetFunction = (ctx: TaskContext) => unknown;

/**
 * An asset defined by the function that materializes it: an {@link Asset}
 * (schedule other DAGs on it, declare it as inlet) and the DAG of one task
 * that updates it (`dag`), registered like any DAG.
 */
export class AssetDefinition<TExtra extends object = JsonObject> extends Asset<TExtra> {
  /** The DAG of one task whose outlet is this asset. */
  declare readonly dag: Dag;

  /** @internal Use `asset(options, fn)`. */
  constructor(assetOptions: AssetOptions<TExtra>, defineDag: (self: Asset<TExtra>) => Dag) {
    super(assetOptions);
    Object.defineProperty(this, "dag", { value: defineDag(this), enumerable: true });
    Object.freeze(this);
  }
}

/** True for an {@link AssetDefinition} from any copy of the package. */
export function isAssetDefinition(value: unknown): value is AssetDefinition<object> {
  return isAsset(value) && isDag((value as { dag?: unknown }).dag);
}

/**
 * Defines the asset and its one-task DAG; `thisArg` is the class of a
 * decorated static method, `fnName` the function's or method's name.
 */
export function defineAsset(rawOptions: unknown, fn: Function, thisArg: unknown, fnName: string): AssetDefinition {
  const label = describeAsset(rawOptions, fnName);
  const options = parseOptions(assetDefinitionOptionsSchema, rawOptions, label);
  const {
    uri,
    name,
    group,
    extra,
    schema,
    watchers,
    dagId,
    inlets,
    retries,
    retryDelay,
    executionTimeout,
    ...dagOptions
  } = options;
  const assetName = name ?? (fnName || undefined);
  const assetOptions = {
    ...(uri === undefined ? {} : { uri }),
    ...(assetName === undefined ? {} : { name: assetName }),
    ...(group === undefined ? {} : { group }),
    ...(extra === undefined ? {} : { extra }),
    ...(schema === undefined ? {} : { schema }),
    ...(watchers === undefined ? {} : { watchers }),
  } as AssetOptions<object>;
  return new AssetDefinition(assetOptions, (self) => {
    const id = dagId ?? defaultDagId(self.name, label);
    const taskId = ID_PATTERN.test(fnName) ? fnName : id;
    return finishOneTaskDag(
      { ...dagOptions, dagId: id },
      makeTaskDefinition(taskId, "task", { outlets: [self], inlets, retries, retryDelay, executionTimeout }, [], {
        kind: "function",
        fn: fn as never,
        thisArg,
      }),
    );
  }) as AssetDefinition;
}

/** Defines the one-task DAG of `asset.multi`; arguments as {@link defineAsset}. */
export function defineMultiAsset(rawOptions: unknown, fn: Function, thisArg: unknown, fnName: string): Dag {
  const declared = (rawOptions as { dagId?: unknown } | null)?.dagId;
  const label = `asset.multi ${typeof declared === "string" ? `"${declared}"` : fnName ? `"${fnName}"` : "(anonymous function)"}`;
  const options = parseOptions(multiAssetOptionsSchema, rawOptions, label);
  const { outlets, inlets, retries, retryDelay, executionTimeout, dagId, ...dagOptions } = options;
  if (outlets.length === 0) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `Invalid option "outlets" in ${label}: list the assets the function updates (at least one).`,
      { details: { option: "outlets", where: label } },
    );
  }
  const id = dagId ?? (ID_PATTERN.test(fnName) ? fnName : undefined);
  if (id === undefined) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `${capitalize(label)} has no DAG id: pass asset.multi({ dagId: "my_dag", outlets }, fn) or a named function.`,
    );
  }
  const taskId = ID_PATTERN.test(fnName) ? fnName : id;
  return finishOneTaskDag(
    { ...dagOptions, dagId: id },
    makeTaskDefinition(taskId, "task", { outlets, inlets, retries, retryDelay, executionTimeout }, [], {
      kind: "function",
      fn: fn as never,
      thisArg,
    }),
  );
}

function finishOneTaskDag(
  dagOptions: Parameters<typeof makeDagSettings>[0],
  task: ReturnType<typeof makeTaskDefinition>,
): Dag {
  const builder = new DagBuilder(makeDagSettings(dagOptions));
  builder.addTask(task);
  const definition = builder.finish();
  registerDag(definition);
  return definition;
}

function defaultDagId(assetName: string, label: string): string {
  if (ID_PATTERN.test(assetName)) return assetName;
  throw new DefinitionError(
    ErrorCode.optionInvalid,
    `${capitalize(label)} has no DAG id: its name ${JSON.stringify(assetName)} is not one (letters, digits, "_", "-", "."). Pass a name such as asset({ uri, name: "orders" }, fn), a dagId, or a named function.`,
  );
}

function describeAsset(options: unknown, fnName: string): string {
  const o = options as { name?: unknown; uri?: unknown } | null;
  const shown = typeof o?.name === "string" ? o.name : fnName || (typeof o?.uri === "string" ? o.uri : "");
  return shown ? `asset "${shown}"` : "asset()";
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
