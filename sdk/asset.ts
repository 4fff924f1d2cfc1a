import { assetKey } from "./asset-key.js";
import { ASSET_OPTION_KEYS, checkAlias, checkAsset, checkRef, throwAssetProblem } from "./asset-rules.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import { type ExtraSchema, extraJsonSchema } from "./extra-schema.js";
import { describeValue, type JsonObject, undefinedHint } from "./json.js";
import type { ConditionNode } from "./manifest/schema.js";
import { matchUriPattern, parseUriPattern, type UriPattern } from "./uri/pattern.js";
import { emitAssetflowWarning } from "./warnings.js";
import type { WatcherConfig, WatcherManifest } from "./watchers.js";

export { ASSET_OPTION_KEYS, assetKey };

const ASSET_MARK = Symbol.for("assetflow.asset");
const ALIAS_MARK = Symbol.for("assetflow.alias");
const REF_MARK = Symbol.for("assetflow.assetRef");
const PATTERN_MARK = Symbol.for("assetflow.assetPattern");
const CONDITION_MARK = Symbol.for("assetflow.condition");
const ALL_MARK = Symbol.for("assetflow.conditionAll");
const ANY_MARK = Symbol.for("assetflow.conditionAny");

/** Phantom key that carries an asset's event-extra type at no runtime cost. */
declare const extraType: unique symbol;

/** Options of `new Asset({...})` (and, without `uri`, of `new Asset(uri, {...})`). */
export interface AssetOptions<TExtra extends object = JsonObject> {
  /** The URI; defaults to `name` when only a name is given. */
  uri?: string;
  /** A human-readable identifier; defaults to the URI as written. */
  name?: string;
  /** A free grouping label shown in the Assets view; default `"asset"`. */
  group?: string;
  /** Static description of the asset (owner, purpose). Not part of its identity. */
  extra?: JsonObject;
  /**
   * A validator of the extras of this asset's events (zod, valibot, arktype:
   * any Standard Schema validator that can describe itself as JSON Schema).
   * It types the extras (`TExtra` is its input type), and every event
   * recorded for the asset is checked against it: in tasks, in
   * `assetflow/testing`, through the API and `assetflow assets emit`.
   */
  schema?: ExtraSchema<TExtra>;
  /**
   * Sources whose messages become events of this asset (files, webhook,
   * PostgreSQL, Redis Streams, RabbitMQ, NATS, or a kind made with
   * `defineWatcher`), each exactly once. See docs/watchers.md.
   */
  watchers?: readonly WatcherConfig[];
}

/**
 * Anything a condition is built from: an asset, an alias, a reference, or a
 * combination of them.
 */
export type Condition = AnyAsset | AssetAlias | AssetRef | AnyAssetPattern | AssetAll | AssetAny;

/** An asset whatever its extra type: the supertype of every `Asset<T>`. */
export type AnyAsset = Asset<object>;

/**
 * What a task's `inlets` take: an asset, an alias, or a reference by name or
 * URI (`Asset.ref`), which the runtime resolves to the registered asset when
 * the task runs.
 */
export type InletTarget = AnyAsset | AssetAlias | AssetRef;

/**
 * What a task's `outlets` take: an asset, an alias, or a reference by name or
 * URI (`Asset.ref`), as in Airflow 3: the runtime resolves the ref to the
 * registered asset when the try starts, and the try's event is that asset's.
 */
export type OutletTarget = AnyAsset | AssetAlias | AssetRef;

/**
 * Methods shared by every condition operand: combine with `and` / `or`.
 */
abstract class ConditionBase {
  /** @internal */
  readonly [CONDITION_MARK] = true;

  /**
   * Both this and `others` (the seed's `&`). Returns a new, frozen condition.
   *
   * @example
   * ```ts
   * const both = a.and(b); // schedule when a and b were both updated
   * ```
   */
  and(...others: Condition[]): AssetAll {
    return all(this as unknown as Condition, ...others);
  }

  /**
   * This or any of `others` (the seed's `|`). Returns a new, frozen condition.
   *
   * @example
   * ```ts
   * const either = a.or(b); // schedule when a or b was updated
   * ```
   */
  or(...others: Condition[]): AssetAny {
    return any(this as unknown as Condition, ...others);
  }

  /** The condition's node in the manifest. */
  abstract toConditionNode(): ConditionNode;
}

/**
 * A logical grouping of data identified by a URI. Tasks that update it list it
 * in `outlets`; DAGs scheduled on it run when it is updated.
 *
 * `TExtra` types the extra of this asset's *events* (what `Metadata` and
 * `outletEvents` attach, what `inletEvents` and `triggeringAssetEvents` read).
 * It is a phantom type: it costs nothing at run time.
 *
 * With a `schema` (any Standard Schema validator), `TExtra` is inferred from
 * it and every event's extra is checked against it where it is recorded.
 *
 * Identity is `(name, uri)` after URI sanitization; `extra`, `group` and
 * `schema` are not part of it.
 *
 * @example
 * ```ts
 * const orders = new Asset<{ rowCount: number }>("s3://warehouse/orders.parquet");
 * const named = new Asset({ uri: "s3://asset-bucket/example.csv", name: "bucket-1" });
 * const checked = new Asset("s3://warehouse/customers.parquet", { schema: z.object({ rowCount: z.number() }) });
 * ```
 */
export class Asset<TExtra extends object = JsonObject> extends ConditionBase {
  /** @internal */
  readonly [ASSET_MARK] = true;
  declare readonly [extraType]?: TExtra;
  /** The sanitized URI. */
  readonly uri: string;
  /** The name; defaults to the URI as written. */
  readonly name: string;
  /** Grouping label, `"asset"` unless given. */
  readonly group: string;
  /** Static description of the asset, outside its identity. */
  readonly extra: Readonly<JsonObject>;
  /** The validator of its events' extras, if it has one. */
  readonly schema: ExtraSchema<TExtra> | undefined;
  /** The JSON Schema of its events' extras (what the validator accepts), or null without a schema. */
  readonly jsonSchema: Readonly<JsonObject> | null;
  /** Its watchers, names set (empty without any). */
  readonly watchers: readonly Readonly<WatcherManifest>[];

  constructor(uri: string, options?: Omit<AssetOptions<TExtra>, "uri">);
  constructor(options: AssetOptions<TExtra>);
  constructor(uriOrOptions: string | AssetOptions<TExtra>, moreOptions?: Omit<AssetOptions<TExtra>, "uri">) {
    super();
    const checked = checkAsset(uriOrOptions, moreOptions);
    if (!checked.ok) throwAssetProblem(checked.problem);
    const fields = checked.value;
    for (const warning of fields.warnings) emitAssetflowWarning(warning);
    this.uri = fields.uri;
    this.name = fields.name;
    this.group = fields.group;
    this.extra = deepFreeze(structuredClone(fields.extra));
    this.schema = fields.schema as ExtraSchema<TExtra> | undefined;
    this.jsonSchema =
      fields.schema === undefined
        ? null
        : deepFreeze(extraJsonSchema(fields.schema as ExtraSchema<TExtra>, `asset "${this.uri}"`));
    this.watchers = fields.watchers;
    // A subclass (an asset defined by its function) adds its own fields, then freezes itself.
    if (new.target === Asset) Object.freeze(this);
  }

  /**
   * A reference to an asset by name or by URI, resolved by the scheduler to
   * whichever asset has it. Use it to depend on an asset declared elsewhere.
   *
   * @example
   * ```ts
   * const schedule = Asset.ref({ name: "bucket-1" });
   * ```
   */
  static ref(by: { name: string } | { uri: string }): AssetRef {
    return new AssetRef(by);
  }

  /**
   * Every asset whose URI matches a pattern: `{name}` captures part of one
   * path segment, `{**name}` one or more whole segments. An event of any
   * matching asset reaches the consumer, and its captures are in
   * `triggeringAssetEvents` (`event.captures.date`) and in templates
   * (`captures`). Combine it with `and`/`or` like an asset.
   *
   * @example
   * ```ts
   * const landed = Asset.pattern("s3://landing/{date}/orders_{part}.csv");
   * dag({ dagId: "load_orders", schedule: landed, consume: "each" }, () => {
   *   task({ taskId: "load" }, (ctx) => {
   *     const [event] = ctx.triggeringAssetEvents.get(landed);
   *     ctx.log(`orders of ${event?.captures.date}, part ${event?.captures.part}`);
   *   });
   * });
   * ```
   */
  static pattern<const S extends string>(pattern: S): AssetPattern<CaptureNames<S>> {
    return new AssetPattern<CaptureNames<S>>(pattern);
  }

  /** A stable string key of the identity `(name, uri)`. */
  get key(): string {
    return assetKey(this.name, this.uri);
  }

  /** True when `other` is the same asset (same name and URI). */
  equals(other: AnyAsset): boolean {
    return other.name === this.name && other.uri === this.uri;
  }

  toConditionNode(): ConditionNode {
    return { kind: "asset", name: this.name, uri: this.uri };
  }

  override toString(): string {
    return this.name === this.uri ? `Asset(${this.uri})` : `Asset(${this.name}: ${this.uri})`;
  }
}

/**
 * A named placeholder for assets known only at run time. A task lists the alias
 * in its outlets and adds concrete assets to it while it runs; consumers can
 * schedule on the alias itself.
 *
 * @example
 * ```ts
 * const outputs = new AssetAlias("my-task-outputs");
 * ```
 */
export class AssetAlias extends ConditionBase {
  /** @internal */
  readonly [ALIAS_MARK] = true;
  /** The alias name, its identity. */
  readonly name: string;
  /** Grouping label, `"asset"` unless given. */
  readonly group: string;

  constructor(name: string, options: { group?: string } = {}) {
    super();
    const checked = checkAlias(name, options);
    if (!checked.ok) throwAssetProblem(checked.problem);
    this.name = checked.value.name;
    this.group = checked.value.group;
    Object.freeze(this);
  }

  toConditionNode(): ConditionNode {
    return { kind: "alias", name: this.name };
  }

  override toString(): string {
    return `AssetAlias(${this.name})`;
  }
}

/**
 * A reference to an asset by its name or its URI (see {@link Asset.ref}).
 *
 * @example
 * ```ts
 * const byUri = Asset.ref({ uri: "s3://asset-bucket/example.csv" });
 * ```
 */
export class AssetRef extends ConditionBase {
  /** @internal */
  readonly [REF_MARK] = true;
  readonly name: string | undefined;
  readonly uri: string | undefined;

  constructor(by: { name: string } | { uri: string }) {
    super();
    const checked = checkRef(by);
    if (!checked.ok) throwAssetProblem(checked.problem);
    for (const warning of checked.value.warnings) emitAssetflowWarning(warning);
    this.name = checked.value.name;
    this.uri = checked.value.uri;
    Object.freeze(this);
  }

  toConditionNode(): ConditionNode {
    return this.name !== undefined ? { kind: "ref", name: this.name } : { kind: "ref", uri: this.uri as string };
  }

  override toString(): string {
    return this.name !== undefined ? `Asset.ref(name=${this.name})` : `Asset.ref(uri=${this.uri})`;
  }
}

/**
 * The capture names of a pattern's text, as a union of string literals:
 * `CaptureNames<"s3://b/{date}/{**rest}">` is `"date" | "rest"`.
 */
export type CaptureNames<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `**${infer Spread}` ? Spread : Name) | CaptureNames<Rest>
  : never;

/** A pattern whatever its captures and extra type. */
export type AnyAssetPattern = AssetPattern<string, object>;

/**
 * Every asset whose URI matches a pattern (see {@link Asset.pattern}).
 * `TCaptures` names its captures; `TExtra` types the extra of its events
 * (phantom types, free at run time).
 *
 * @example
 * ```ts
 * const success = Asset.pattern("s3://lake/{**path}/_SUCCESS");
 * success.matches("s3://lake/sales/2025/_SUCCESS"); // { path: "sales/2025" }
 * ```
 */
export class AssetPattern<TCaptures extends string = string, TExtra extends object = JsonObject> extends ConditionBase {
  /** @internal */
  readonly [PATTERN_MARK] = true;
  declare readonly [extraType]?: TExtra;
  /** @internal Carries the capture names' type. */
  declare readonly capturesType?: TCaptures;
  /** The normalized pattern (scheme lower-cased, as asset URIs are). */
  readonly pattern: string;
  /** Its capture names, in order. */
  readonly captures: readonly string[];
  readonly #parsed: UriPattern;

  constructor(pattern: string) {
    super();
    const result = parseUriPattern(pattern);
    if (!result.ok) {
      throw new DefinitionError(ErrorCode.assetPatternInvalid, result.problem, { details: { pattern } });
    }
    this.#parsed = result.pattern;
    this.pattern = result.pattern.text;
    this.captures = Object.freeze([...result.pattern.captures]);
    Object.freeze(this);
  }

  /** The captures of a (sanitized) asset URI that matches, or null. */
  matches(uri: string): Readonly<Record<TCaptures, string>> | null {
    return matchUriPattern(this.#parsed, uri) as Record<TCaptures, string> | null;
  }

  toConditionNode(): ConditionNode {
    return { kind: "pattern", pattern: this.pattern };
  }

  override toString(): string {
    return `Asset.pattern(${this.pattern})`;
  }
}

/**
 * All of its conditions must hold (the seed's `&`, or a schedule list).
 * Immutable; nested `all`s are flattened.
 *
 * @example
 * ```ts
 * const both = all(a, b); // same as a.and(b)
 * ```
 */
export class AssetAll extends ConditionBase {
  /** @internal */
  readonly [ALL_MARK] = true;
  readonly conditions: readonly Condition[];

  constructor(conditions: readonly Condition[]) {
    super();
    this.conditions = Object.freeze(flatten(conditions, "all"));
    Object.freeze(this);
  }

  toConditionNode(): ConditionNode {
    return { kind: "all", conditions: this.conditions.map((c) => c.toConditionNode()) };
  }

  override toString(): string {
    return `(${this.conditions.map(String).join(" & ")})`;
  }
}

/**
 * Any one of its conditions must hold (the seed's `|`). Immutable; nested
 * `any`s are flattened.
 *
 * @example
 * ```ts
 * const either = any(a, b); // same as a.or(b)
 * ```
 */
export class AssetAny extends ConditionBase {
  /** @internal */
  readonly [ANY_MARK] = true;
  readonly conditions: readonly Condition[];

  constructor(conditions: readonly Condition[]) {
    super();
    this.conditions = Object.freeze(flatten(conditions, "any"));
    Object.freeze(this);
  }

  toConditionNode(): ConditionNode {
    return { kind: "any", conditions: this.conditions.map((c) => c.toConditionNode()) };
  }

  override toString(): string {
    return `(${this.conditions.map(String).join(" | ")})`;
  }
}

/**
 * A condition that holds when every operand holds.
 *
 * @example
 * ```ts
 * dag({ dagId: "report", schedule: all(orders, customers) }, () => {});
 * ```
 */
export function all(...conditions: Condition[]): AssetAll {
  return new AssetAll(checkOperands(conditions, "all"));
}

/**
 * A condition that holds when any operand holds.
 *
 * @example
 * ```ts
 * dag({ dagId: "refresh", schedule: any(orders, customers) }, () => {});
 * ```
 */
export function any(...conditions: Condition[]): AssetAny {
  return new AssetAny(checkOperands(conditions, "any"));
}

/** True for an {@link Asset} from any copy of the package. */
export function isAsset(value: unknown): value is AnyAsset {
  return hasMark(value, ASSET_MARK);
}

/** True for an {@link AssetAlias} from any copy of the package. */
export function isAssetAlias(value: unknown): value is AssetAlias {
  return hasMark(value, ALIAS_MARK);
}

/** True for an {@link AssetRef} from any copy of the package. */
export function isAssetRef(value: unknown): value is AssetRef {
  return hasMark(value, REF_MARK);
}

/** True for an {@link AssetPattern} from any copy of the package. */
export function isAssetPattern(value: unknown): value is AnyAssetPattern {
  return hasMark(value, PATTERN_MARK);
}

/** True for an {@link AssetAll} from any copy of the package. */
export function isAssetAll(value: unknown): value is AssetAll {
  return hasMark(value, ALL_MARK);
}

/** True for an {@link AssetAny} from any copy of the package. */
export function isAssetAny(value: unknown): value is AssetAny {
  return hasMark(value, ANY_MARK);
}

/** True for any condition operand: asset, alias, ref, `all` or `any`. */
export function isCondition(value: unknown): value is Condition {
  return hasMark(value, CONDITION_MARK);
}

function hasMark(value: unknown, mark: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[mark] === true;
}

function checkOperands(conditions: readonly unknown[], operator: "all" | "any"): Condition[] {
  if (conditions.length === 0) {
    throw new DefinitionError(
      ErrorCode.conditionInvalid,
      `${operator}() needs at least one asset: an empty condition would never (or always) hold. Pass assets, as in ${operator}(a, b).`,
    );
  }
  conditions.forEach((operand, index) => {
    assertConditionOperand(operand, `operand ${index + 1} of ${operator}()`);
  });
  return conditions as Condition[];
}

/**
 * Throws a clear {@link DefinitionError} unless `operand` is a condition
 * operand. `where` names the place in the message.
 */
export function assertConditionOperand(operand: unknown, where: string): asserts operand is Condition {
  if (!isCondition(operand)) {
    const hint =
      typeof operand === "string"
        ? ` Wrap the URI: new Asset(${JSON.stringify(operand)}).`
        : ` Use an Asset, an AssetAlias, Asset.ref(...), Asset.pattern(...), or a condition made with and/or/all/any.${undefinedHint(operand)}`;
    throw new DefinitionError(
      ErrorCode.conditionInvalid,
      `${where} is ${describeValue(operand)}, not an asset.${hint}`,
      {
        details: { where },
      },
    );
  }
}

function flatten(conditions: readonly Condition[], kind: "all" | "any"): Condition[] {
  const flat: Condition[] = [];
  for (const condition of conditions) {
    if (kind === "all" && isAssetAll(condition)) flat.push(...condition.conditions);
    else if (kind === "any" && isAssetAny(condition)) flat.push(...condition.conditions);
    else flat.push(condition);
  }
  return flat;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
