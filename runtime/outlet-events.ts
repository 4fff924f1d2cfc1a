import type { AssetEventReader, AssetIdentity, EmittedAssetEvent, ResolvedAsset } from "../scheduler/contracts.js";
import { ExtraValidator } from "../scheduler/extra-validation.js";
import {
  type AnyAsset,
  type AssetAlias,
  type AssetRef,
  assertJsonObject,
  assetKey,
  checkExtra,
  isAsset,
  isAssetAlias,
  isAssetRef,
  type JsonObject,
  type Metadata,
  type OutletAliasAccessor,
  type OutletEventAccessor,
  type OutletEvents,
  type OutletTarget,
  stableStringify,
} from "../sdk/index.js";
import { describeValue } from "../sdk/json.js";
import { assetsNamedBy, describeRef, type ResolvedRefs, refKey, refUnresolved, resolveRef } from "./asset-refs.js";
import { RuntimeErrorCode, TaskRuntimeError } from "./errors.js";

/** The task an outlet collector belongs to, for error messages. */
export interface OutletOwner {
  readonly dagId: string;
  readonly taskId: string;
  readonly outlets: readonly OutletTarget[];
}

/**
 * The fields of an emitted event's asset: an outlet's, or those of an asset a
 * ref named, with the extra schema the store keeps for it (`storedSchema`).
 */
type EmittedAsset = Pick<AnyAsset, "name" | "uri" | "group" | "extra" | "jsonSchema" | "schema"> & {
  readonly storedSchema?: string | null;
};

/** An asset a ref named, as an emitted event carries it: the store keeps its declaration (group, extra, schema). */
function namedAsset(asset: ResolvedAsset): EmittedAsset {
  return {
    name: asset.name,
    uri: asset.uri,
    group: "asset",
    extra: {},
    jsonSchema: null,
    schema: undefined,
    storedSchema: asset.schema ?? null,
  };
}

/** Validators of the schemas the store keeps (JSON Schema), for events of assets a ref named. */
const storedSchemas = new ExtraValidator();

/**
 * The one rule for the extra of an event a task emits: checked against its
 * asset's schema, the asset's own validator for an `Asset`, the JSON Schema
 * the store keeps for an asset a ref named; an `ExtraSchemaError`
 * (`EXTRA_INVALID`) naming the asset, the key and the task when it does not
 * match.
 */
async function checkEmittedExtra(asset: EmittedAsset, extra: JsonObject, where: string): Promise<void> {
  if (asset.schema) await checkExtra(asset, extra, where);
  else if (asset.storedSchema) await storedSchemas.check({ ...asset, schema: asset.storedSchema }, extra, where);
}

interface AliasAddition {
  readonly asset: EmittedAsset;
  readonly extra: JsonObject;
  readonly aliases: string[];
}

/** `ctx.outletEvents.get(alias).add(Asset.ref(...), extra)`: resolved through the read layer when the try ends. */
interface RefAddition {
  readonly ref: AssetRef;
  readonly extra: JsonObject;
  readonly alias: string;
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
  private readonly extras = new Map<string, { asset: EmittedAsset; extra: unknown }>();
  private readonly aliases = new Map<string, AssetAlias>();
  private readonly additions = new Map<string, AliasAddition>();
  private readonly refAdditions: RefAddition[] = [];

  /**
   * @param owner the task and its outlets.
   * @param reader resolves `Asset.ref`s added through an alias when the try
   *   ends (without one, such an addition fails the try).
   * @param refs the assets the task's `Asset.ref` outlets resolved to when the
   *   try started (`resolveDeclaredRefs`); each is an outlet asset.
   */
  constructor(
    private readonly owner: OutletOwner,
    private readonly reader?: AssetEventReader,
    refs: ResolvedRefs = new Map(),
  ) {
    for (const outlet of owner.outlets) {
      if (isAsset(outlet)) this.extras.set(outlet.key, { asset: outlet, extra: {} });
      else if (isAssetAlias(outlet)) this.aliases.set(outlet.name, outlet);
      else if (isAssetRef(outlet)) {
        const asset = refs.get(refKey(outlet));
        if (asset === undefined) throw new Error(`assetflow bug: the outlet ${describeRef(outlet)} was not resolved`);
        const key = assetKey(asset.name, asset.uri);
        if (!this.extras.has(key)) this.extras.set(key, { asset: namedAsset(asset), extra: {} });
      }
    }
    const get = (target: AnyAsset | AssetAlias | AssetRef): OutletEventAccessor<object> | OutletAliasAccessor => {
      if (isAssetAlias(target)) return this.aliasAccessor(target);
      return this.assetAccessor(isAssetRef(target) ? this.slotNamedBy(target) : this.assetSlot(target));
    };
    this.accessors = Object.freeze({ get: get as OutletEvents["get"] });
  }

  /**
   * Applies a yielded `Metadata`: merges its extra into the asset's outlet
   * extra (when the asset is an outlet) and, with `alias`, adds the asset
   * through that alias. Without `alias` the asset must be an outlet.
   */
  applyMetadata({ asset, extra, alias }: Metadata<object>): void {
    // A ref names an outlet by the rule of ctx.outletEvents.get(ref).
    const isOutlet = isAssetRef(asset)
      ? assetsNamedBy(asset, this.outletAssets()).length > 0
      : this.extras.has(asset.key);
    if (alias === undefined || isOutlet) {
      const slot = isAssetRef(asset) ? this.slotNamedBy(asset) : this.assetSlot(asset);
      slot.extra = Object.assign(isPlainObject(slot.extra) ? slot.extra : {}, structuredClone(extra));
    }
    if (alias !== undefined) {
      const accessor = this.aliasAccessor(alias);
      if (isAssetRef(asset)) accessor.add(asset, extra as JsonObject);
      else accessor.add(asset, extra);
    }
  }

  /**
   * The events of a successful try: one per outlet asset, in outlet order,
   * then one per distinct (asset, extra) added through aliases. An alias
   * addition equal to an outlet's (asset, extra) joins that outlet's event.
   * Throws an `ExtraError` naming the asset URI and the key when an extra is
   * not JSON.
   */
  events(): EmittedAssetEvent[] {
    const [pending] = this.refAdditions;
    if (pending !== undefined) {
      throw new TypeError(
        `${describeRef(pending.ref)} was added through an alias: its asset is resolved by checkedEvents(), not events().`,
      );
    }
    return this.toEmitted(this.collect());
  }

  /**
   * {@link events}, after checking each event's extra against its asset's
   * schema (`new Asset(uri, { schema })`): an `ExtraSchemaError` naming the
   * asset, the key, what is expected and the task when one does not match.
   */
  async checkedEvents(): Promise<EmittedAssetEvent[]> {
    const { dagId, taskId } = this.owner;
    await this.resolveRefAdditions();
    const collected = this.collect();
    for (const { asset, extra } of collected) {
      await checkEmittedExtra(asset, extra, `emitted by task "${taskId}" of DAG "${dagId}"`);
    }
    return this.toEmitted(collected);
  }

  private toEmitted(
    collected: Array<{ asset: EmittedAsset; extra: JsonObject; aliases: string[] }>,
  ): EmittedAssetEvent[] {
    return collected.map(({ asset, extra, aliases }) => ({
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

  private collect(): Array<{ asset: EmittedAsset; extra: JsonObject; aliases: string[] }> {
    const events = new Map<string, { asset: EmittedAsset; extra: JsonObject; aliases: string[] }>();
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

  private assetAccessor(slot: { extra: unknown }): OutletEventAccessor<object> {
    return {
      get extra() {
        return slot.extra as Partial<object>;
      },
      set extra(value: object) {
        slot.extra = value;
      },
    };
  }

  /**
   * The outlet a ref given to `get` names (by name or URI), or `target`
   * itself: a ref naming none of the outlets is `OUTLET_UNDECLARED`, one
   * naming several `ASSET_REF_UNRESOLVED`.
   */
  private slotNamedBy(target: AssetRef): { asset: EmittedAsset; extra: unknown } {
    const named = assetsNamedBy(target, this.outletAssets());
    const [only] = named;
    if (only === undefined) throw this.undeclared(describeRef(target));
    if (named.length > 1) throw refUnresolved(this.owner, target, named, "the task's outlets");
    return this.extras.get(assetKey(only.name, only.uri)) as { asset: EmittedAsset; extra: unknown };
  }

  /** The assets of the task's outlets (refs among them as resolved when the try started). */
  private outletAssets(): EmittedAsset[] {
    return [...this.extras.values()].map((slot) => slot.asset);
  }

  /**
   * Turns the refs added through aliases into additions of the assets the
   * store knows by them (`ASSET_REF_UNRESOLVED` for none or several: an alias
   * creates an asset only from a whole `Asset`, never from a ref).
   */
  private async resolveRefAdditions(): Promise<void> {
    for (const { ref, extra, alias } of this.refAdditions.splice(0)) {
      const { asset, matches } = this.reader
        ? await resolveRef(this.reader, ref)
        : { asset: undefined, matches: [] as AssetIdentity[] };
      if (asset === undefined) throw refUnresolved(this.owner, ref, matches, "the assets the scheduler knows");
      this.addThrough(alias, namedAsset(asset), extra);
    }
  }

  private assetSlot(target: unknown): { asset: EmittedAsset; extra: unknown } {
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
      add: (asset: unknown, extra?: object) => {
        if (!isAsset(asset) && !isAssetRef(asset)) {
          throw new TypeError(
            `ctx.outletEvents.get(${alias}).add() takes an Asset or an Asset.ref(...) as its first argument, got ${describeValue(asset)}.`,
          );
        }
        const what = isAssetRef(asset) ? describeRef(asset) : `asset "${asset.uri}"`;
        const value: unknown = extra ?? {};
        assertJsonObject(value, `extra of ${what} added through ${alias} by task "${this.owner.taskId}"`);
        const copy = structuredClone(value);
        if (isAssetRef(asset)) this.refAdditions.push({ ref: asset, extra: copy, alias: alias.name });
        else this.addThrough(alias.name, asset, copy);
      },
    };
  }

  /** Records `asset` with `extra` as added through the alias (one event per distinct asset and extra). */
  private addThrough(alias: string, asset: EmittedAsset, extra: JsonObject): void {
    const key = eventKey(asset, extra);
    const addition = this.additions.get(key) ?? { asset, extra, aliases: [] };
    if (!addition.aliases.includes(alias)) addition.aliases.push(alias);
    this.additions.set(key, addition);
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
function eventKey(asset: AssetIdentity, extra: JsonObject): string {
  return `${assetKey(asset.name, asset.uri)}\n${stableStringify(extra, 0)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
