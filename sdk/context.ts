/**
 * The task context: what a running task sees. The SDK declares the shapes;
 * the runtime (`assetflow/runtime`) implements them.
 */
import type { Asset, AssetAlias, AssetPattern, AssetRef } from "./asset.js";
import type { JsonObject } from "./json.js";
import type { RunType } from "./run-type.js";

/** The run an asset event came from. */
export interface SourceDagRun {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  readonly logicalDate: Date | null;
  readonly dataIntervalStart: Date | null;
  readonly dataIntervalEnd: Date | null;
}

export { RunType } from "./run-type.js";

/** A recorded update of an asset, with the extra its producer attached. */
export interface AssetEvent<TExtra extends object = JsonObject, TCaptures extends string = string> {
  /** The event's id in the store. */
  readonly id: number;
  /** The asset that was updated. */
  readonly asset: { readonly name: string; readonly uri: string };
  /** What the producer attached (Metadata, outletEvents, or the API). */
  readonly extra: Readonly<TExtra>;
  /** When the event was recorded. */
  readonly timestamp: Date;
  /** The producing DAG, task, run and map index; null for external events. */
  readonly sourceDagId: string | null;
  readonly sourceTaskId: string | null;
  readonly sourceRunId: string | null;
  readonly sourceMapIndex: number | null;
  /** Names of the aliases the event was emitted through. */
  readonly sourceAliases: readonly string[];
  /** The producing run, with its data interval; null for external events. */
  readonly sourceDagRun: SourceDagRun | null;
  /**
   * In `triggeringAssetEvents`: what the consumer's URI patterns captured from
   * the asset's URI (`event.captures.date` for `{date}`); `{}` elsewhere.
   * Under a pattern's key, that pattern's captures; under the asset's key,
   * those of every pattern of the schedule it matches.
   */
  readonly captures: Readonly<Record<TCaptures, string>>;
}

/** Sets the extra of the event a task emits for one of its outlet assets. */
export interface OutletEventAccessor<TExtra extends object = JsonObject> {
  /** The extra so far (merged from `Metadata` and earlier writes). */
  get extra(): Partial<TExtra>;
  /** Replaces the extra. */
  set extra(value: TExtra);
}

/** Adds concrete assets to an alias the task lists in its outlets. */
export interface OutletAliasAccessor {
  /**
   * Emits an event for `asset` through this alias. The same asset with the same
   * extra, added through several aliases of one task, is one event.
   */
  add<TExtra extends object>(asset: Asset<TExtra>, extra?: TExtra): void;
  /**
   * Emits an event through this alias for the asset the store knows by the
   * ref's name or URI, resolved when the try ends: a ref naming no asset (a
   * ref never creates one) or several fails the try (`ASSET_REF_UNRESOLVED`).
   */
  add(ref: AssetRef, extra?: JsonObject): void;
}

/**
 * `ctx.outletEvents`: per outlet, the event the task will emit when it
 * succeeds. `get` takes an outlet asset, an outlet alias, or an `Asset.ref`
 * naming one of the task's outlet assets by name or URI (none:
 * `OUTLET_UNDECLARED`; several: `ASSET_REF_UNRESOLVED`).
 */
export interface OutletEvents {
  get<TExtra extends object>(asset: Asset<TExtra>): OutletEventAccessor<TExtra>;
  get(alias: AssetAlias): OutletAliasAccessor;
  get(ref: AssetRef): OutletEventAccessor<JsonObject>;
}

/**
 * A lazy, timestamp-ordered (earliest first) sequence of an inlet's past
 * events. Nothing is read from the store until you ask.
 */
export interface InletEventSequence<TExtra extends object = JsonObject> extends AsyncIterable<AssetEvent<TExtra>> {
  /** The event at `index`; negative counts from the end (`at(-1)` is the latest). */
  at(index: number): Promise<AssetEvent<TExtra> | undefined>;
  /** Events from `start` to `end` (exclusive), with negative indexes as `Array.prototype.slice`. */
  slice(start?: number, end?: number): Promise<AssetEvent<TExtra>[]>;
  /** How many events there are. */
  length(): Promise<number>;
}

/**
 * `ctx.inletEvents`: past events of the task's declared inlets. An
 * `Asset.ref` inlet resolved, when the try started, to a registered asset:
 * `get` takes the ref (or any ref by the asset's name or URI) and the asset
 * itself.
 */
export interface InletEvents {
  get<TExtra extends object>(asset: Asset<TExtra>): InletEventSequence<TExtra>;
  get(alias: AssetAlias): InletEventSequence<JsonObject>;
  get(ref: AssetRef): InletEventSequence<JsonObject>;
}

/** A key of {@link TriggeringAssetEvents}: an asset, an alias, or a URI pattern of the schedule. */
export type TriggeringKey =
  | { readonly kind: "asset"; readonly name: string; readonly uri: string }
  | { readonly kind: "alias"; readonly name: string }
  /** `name` repeats the pattern, so that every key has a name. */
  | { readonly kind: "pattern"; readonly name: string; readonly pattern: string };

/**
 * `ctx.triggeringAssetEvents`: the events that triggered this run, per asset,
 * per alias and per URI pattern of the schedule, in timestamp order. An
 * `Asset.ref` stands for the asset it names among the run's triggering events
 * and the assets of the DAG's schedule (its refs resolved when the try
 * started); a ref naming none of them, or several, throws
 * `ASSET_REF_UNRESOLVED`.
 */
export interface TriggeringAssetEvents extends Iterable<[TriggeringKey, readonly AssetEvent[]]> {
  get<TExtra extends object>(asset: Asset<TExtra>): readonly AssetEvent<TExtra>[];
  get(alias: AssetAlias): readonly AssetEvent[];
  get<TCaptures extends string, TExtra extends object>(
    pattern: AssetPattern<TCaptures, TExtra>,
  ): readonly AssetEvent<TExtra, TCaptures>[];
  get(ref: AssetRef): readonly AssetEvent[];
  has(key: Asset<object> | AssetAlias | AssetPattern<string, object> | AssetRef): boolean;
  keys(): IterableIterator<TriggeringKey>;
  values(): IterableIterator<readonly AssetEvent[]>;
  entries(): IterableIterator<[TriggeringKey, readonly AssetEvent[]]>;
  readonly size: number;
}

/** Services the runtime lends to built-in operators. */
export interface OperatorServices {
  /** Runs a shell command; resolves with its output or rejects with a task failure. */
  runBash(request: BashRequest): Promise<BashResult>;
  /** Runs SQL on the connection `connId`; resolves with the rows of the last statement. */
  runSql(request: SqlRequest): Promise<SqlResult>;
}

/** A shell command for {@link OperatorServices.runBash}. */
export interface BashRequest {
  readonly command: string;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly appendEnv: boolean;
  readonly cwd: string | undefined;
  readonly skipOnExitCode: number;
  /** Connections the command uses: each reaches it as `ASSETFLOW_CONN_<ID>` (no other connection does). */
  readonly connIds?: readonly string[];
}

/** The result of a shell command. */
export interface BashResult {
  readonly exitCode: number;
  readonly lastLine: string;
}

/** A SQL request for {@link OperatorServices.runSql}. */
export interface SqlRequest {
  readonly connId: string;
  readonly sql: string | readonly string[];
  readonly parameters: readonly unknown[] | Readonly<Record<string, unknown>> | undefined;
}

/** The result of a SQL request. */
export interface SqlResult {
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * Everything a running task sees: where it runs, its run's data interval and
 * params, and the asset event accessors.
 *
 * @example
 * ```ts
 * task({ taskId: "load", outlets: [orders] }, (ctx) => {
 *   ctx.outletEvents.get(orders).extra = { rowCount: 3 };
 * });
 * ```
 */
export interface TaskContext {
  readonly dagId: string;
  readonly taskId: string;
  readonly runId: string;
  readonly runType: RunType;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly tryNumber: number;
  readonly mapIndex: number;
  readonly logicalDate: Date | null;
  readonly dataIntervalStart: Date | null;
  readonly dataIntervalEnd: Date | null;
  /** The DAG's params merged with the run's conf. */
  readonly params: Readonly<JsonObject>;
  /** The conf the run was triggered with. */
  readonly conf: Readonly<JsonObject>;
  readonly outletEvents: OutletEvents;
  readonly inletEvents: InletEvents;
  readonly triggeringAssetEvents: TriggeringAssetEvents;
  /** Writes a line to the task's log. */
  log(message: string): void;
  /** Services for built-in operators. */
  readonly services: OperatorServices;
}
