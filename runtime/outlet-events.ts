import type { EmittedAssetEvent } from "../scheduler/contracts.js";
import {
  type AnyAsset,
  type AssetAlias,
  assertJsonObject,
  assetKey,
  checkExtra,
  isAsset,
  isAssetAlias,
  type JsonObject,
  type Metadata,
  type OutletAliasAccessor,
  type OutletEventAccessor,
  type OutletEvents,
  stableStringify,
} from "../sdk/index.js";
import { describeValue } from "../sdk/json.js";
import { RuntimeErrorCode, TaskRuntimeError } from "./errors.js";

/** The task an outlet collector belongs to, for error messages. */
export interface OutletOwner {
  readonly dagId: string;
  readonly taskId: string;
  readonly outlets: readonly (AnyAsset | AssetAlias)[];
}

interface AliasAddition {
  readonly asset: AnyAsset;
  readonly extra: JsonObject;
  readonly aliases: string[];
}

/**
 * Collects what one try of a task emits: the extra of each outlet asset
 * (`ctx.outletEvents.get(asset).extra`, merged `Metadata`) and the assets it
 * adds through outlet aliases. {@link OutletCollector.events} turns them into
 * the events of a successful try.
 *
 * @example
 * ```ts
 * const collector = new OutletCollector({ dagId: "etl", taskId: "load", outlets: [orders] });
 * collector.accessors.get(orders).extra = { rowCount: 3 };
 * collector.events(); // [{ asset: { name, uri, group, extra }, extra: { rowCount: 3 }, aliases: [] }]
 * ```
 */
export class OutletCollector {
  /** `ctx.outletEvents`. */
  readonly accessors: OutletEvents;
  private readonly extras = new Map<string, { asset: AnyAsset; extra: unknown }>();
  private readonly aliases = new Map<string, AssetAlias>();
  private readonly additions = new Map<string, AliasAddition>();

  constructor(private readonly owner: OutletOwner) {
    for (const outlet of owner.outlets) {
      if (isAsset(outlet)) this.extras.set(outlet.key, { asset: outlet, extra: {} });
      else if (isAssetAlias(outlet)) this.aliases.set(outlet.name, outlet);
    }
    const get = (target: AnyAsset | AssetAlias): OutletEventAccessor<object> | OutletAliasAccessor =>
      isAssetAlias(target) ? this.aliasAccessor(target) : this.assetAccessor(target);
    this.accessors = Object.freeze({ get: get as OutletEvents["get"] });
  }

  /**
   * Applies a yielded `Metadata`: merges its extra into the asset's outlet
   * extra (when the asset is an outlet) and, with `alias`, adds the asset
   * through that alias. Without `alias` the asset must be an outlet.
   */
  applyMetadata({ asset, extra, alias }: Metadata<object>): void {
    if (alias === undefined || this.extras.has(asset.key)) {
      const slot = this.assetSlot(asset);
      slot.extra = Object.assign(isPlainObject(slot.extra) ? slot.extra : {}, structuredClone(extra));
    }
    if (alias !== undefined) this.aliasAccessor(alias).add(asset, extra);
  }

  /**
   * The events of a successful try: one per outlet asset, in outlet order,
   * then one per distinct (asset, extra) added through aliases. An alias
   * addition equal to an outlet's (asset, extra) joins that outlet's event.
   * Throws an `ExtraError` naming the asset URI and the key when an extra is
   * not JSON.
   */
  events(): EmittedAssetEvent[] {
    return this.collect().map(({ asset, extra, aliases }) => ({
      asset: {
        name: asset.name,
        uri: asset.uri,
        group: asset.group,
        extra: structuredClone(asset.extra),
        ...(asset.jsonSchema === null ? {} : { schema: structuredClone(asset.jsonSchema) as JsonObject }),
      },
      extra,
      aliases,
    }));
  }

  /**
   * {@link events}, after checking each event's extra against its asset's
   * schema (`new Asset(uri, { schema })`): an `ExtraSchemaError` naming the
   * asset, the key, what is expected and the task when one does not match.
   */
  async checkedEvents(): Promise<EmittedAssetEvent[]> {
    const { dagId, taskId } = this.owner;
    for (const { asset, extra } of this.collect()) {
      await checkExtra(asset, extra, `emitted by task "${taskId}" of DAG "${dagId}"`);
    }
    return this.events();
  }

  private collect(): Array<{ asset: AnyAsset; extra: JsonObject; aliases: string[] }> {
    const events = new Map<string, { asset: AnyAsset; extra: JsonObject; aliases: string[] }>();
    for (const { asset, extra } of this.extras.values()) {
      assertJsonObject(extra, `extra of asset "${asset.uri}" emitted by task "${this.owner.taskId}"`);
      events.set(eventKey(asset, extra), { asset, extra: structuredClone(extra), aliases: [] });
    }
    for (const [key, addition] of this.additions) {
      const existing = events.get(key);
      if (existing) existing.aliases.push(...addition.aliases);
      else events.set(key, { asset: addition.asset, extra: addition.extra, aliases: [...addition.aliases] });
    }
    return [...events.values()];
  }

  private assetAccessor(target: AnyAsset): OutletEventAccessor<object> {
    const slot = this.assetSlot(target);
    return {
      get extra() {
        return slot.extra as Partial<object>;
      },
      set extra(value: object) {
        slot.extra = value;
      },
    };
  }

  private assetSlot(target: unknown): { asset: AnyAsset; extra: unknown } {
    if (!isAsset(target)) {
      throw new TypeError(
        `ctx.outletEvents.get() takes an Asset or an AssetAlias of the task's outlets, got ${describeValue(target)}.`,
      );
    }
    const slot = this.extras.get(target.key);
    if (!slot) throw this.undeclared(`${target}`);
    return slot;
  }

  private aliasAccessor(target: AssetAlias): OutletAliasAccessor {
    const alias = this.aliases.get(target.name);
    if (!alias) throw this.undeclared(`${target}`);
    return {
      add: (asset, extra) => {
        if (!isAsset(asset)) {
          throw new TypeError(
            `ctx.outletEvents.get(${alias}).add() takes an Asset as its first argument, got ${describeValue(asset)}.`,
          );
        }
        const value: unknown = extra ?? {};
        assertJsonObject(value, `extra of asset "${asset.uri}" added through ${alias} by task "${this.owner.taskId}"`);
        const copy = structuredClone(value);
        const key = eventKey(asset, copy);
        const addition = this.additions.get(key) ?? { asset, extra: copy, aliases: [] };
        if (!addition.aliases.includes(alias.name)) addition.aliases.push(alias.name);
        this.additions.set(key, addition);
      },
    };
  }

  private undeclared(what: string): TaskRuntimeError {
    const { dagId, taskId } = this.owner;
    return new TaskRuntimeError(
      RuntimeErrorCode.outletUndeclared,
      `Task "${taskId}" of DAG "${dagId}" emits an event for ${what}, which is not among its outlets: ` +
        `add ${what} to the task's outlets option.`,
      { details: { dagId, taskId, outlet: what } },
    );
  }
}

/** Identity of an event for deduplication: the asset and its extra as stable JSON. */
function eventKey(asset: AnyAsset, extra: JsonObject): string {
  return `${assetKey(asset.name, asset.uri)}\n${stableStringify(extra, 0)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
