import type { AssetEventReader, AssetEventRecord, AssetIdentity, PatternCaptures } from "../scheduler/contracts.js";
import type {
  AssetEvent,
  ConditionNode,
  ScheduleManifest,
  TriggeringAssetEvents,
  TriggeringKey,
} from "../sdk/index.js";
import { isAsset, isAssetAlias, isAssetPattern, isAssetRef } from "../sdk/index.js";
import { describeValue } from "../sdk/json.js";
import { assetsNamedBy, type RefUser, refUnresolved } from "./asset-refs.js";
import { toAssetEvent } from "./events.js";

/**
 * What an `Asset.ref` given to `ctx.triggeringAssetEvents` may name besides
 * the run's triggering assets: the assets of the DAG's schedule, its refs
 * resolved (see {@link scheduleAssets}); and the task, for messages.
 */
export interface TriggeringRefScope {
  readonly user: RefUser;
  readonly scheduleAssets: readonly AssetIdentity[];
}

const NO_EVENTS: readonly AssetEvent[] = Object.freeze([]);

/**
 * `ctx.triggeringAssetEvents` for a run: the consumed events grouped under
 * their asset (every event), under each alias they reached the run through
 * (`aliasesByEventId`), and under each URI pattern of the schedule their asset
 * matches (`capturesByEventId`), each list in timestamp order. Keys come in
 * the order of their first event; assets, then aliases, then patterns.
 * Lookups go by identity: an asset by (name, uri), an alias by name, a pattern
 * by its text; a key from `keys()` works too. Under a pattern, an event carries
 * that pattern's captures; under its asset or an alias, every pattern's.
 * An `Asset.ref` is the asset it names (by name or URI) among the triggering
 * events' assets and `refScope.scheduleAssets`: none or several is
 * `ASSET_REF_UNRESOLVED`; a schedule asset without events gives `[]`.
 *
 * @example
 * ```ts
 * const events = createTriggeringAssetEvents(request.triggeringEvents, request.triggeringAliases, request.triggeringCaptures);
 * events.get(orders)[0]?.sourceDagRun?.dataIntervalStart;
 * events.get(landed)[0]?.captures.date;
 * ```
 */
export function createTriggeringAssetEvents(
  records: readonly AssetEventRecord[],
  aliasesByEventId: Readonly<Record<number, readonly string[]>>,
  capturesByEventId: Readonly<Record<number, readonly PatternCaptures[]>> = {},
  refScope: TriggeringRefScope = { user: { dagId: "?", taskId: "?" }, scheduleAssets: [] },
): TriggeringAssetEvents {
  const sorted = [...records].sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
  const groups = { asset: new Map(), alias: new Map(), pattern: new Map() } satisfies Record<
    TriggeringKey["kind"],
    Map<string, { key: TriggeringKey; events: AssetEvent[] }>
  >;
  const addTo = (key: TriggeringKey, event: AssetEvent): void => {
    const id = keyOf(key);
    const group = groups[key.kind].get(id) ?? { key: Object.freeze(key), events: [] };
    group.events.push(event);
    groups[key.kind].set(id, group);
  };
  for (const record of sorted) {
    const matched = capturesByEventId[record.id] ?? [];
    const merged: Record<string, string> = {};
    for (const { captures } of [...matched].reverse()) Object.assign(merged, captures);
    const event = toAssetEvent(record, merged);
    addTo({ kind: "asset", name: record.assetName, uri: record.assetUri }, event);
    for (const alias of new Set(aliasesByEventId[record.id] ?? [])) addTo({ kind: "alias", name: alias }, event);
    for (const { pattern, captures } of matched) {
      addTo({ kind: "pattern", name: pattern, pattern }, toAssetEvent(record, captures));
    }
  }
  const entries = new Map<string, [TriggeringKey, readonly AssetEvent[]]>();
  for (const { key, events } of [...groups.asset.values(), ...groups.alias.values(), ...groups.pattern.values()]) {
    entries.set(keyOf(key), Object.freeze([key, Object.freeze(events)]) as [TriggeringKey, readonly AssetEvent[]]);
  }

  const triggeringAssets = [...groups.asset.values()].map(({ key }) => key as AssetIdentity);
  const lookup = (target: unknown): readonly AssetEvent[] | undefined => {
    if (!isAssetRef(target)) return entries.get(keyOf(toKey(target)))?.[1];
    const named = assetsNamedBy(target, [...triggeringAssets, ...refScope.scheduleAssets]);
    const [only] = named;
    if (only === undefined || named.length > 1) {
      throw refUnresolved(refScope.user, target, named, "this run's triggering events and its DAG's schedule");
    }
    return entries.get(keyOf({ kind: "asset", name: only.name, uri: only.uri }))?.[1];
  };
  const view: TriggeringAssetEvents = {
    get: ((target: unknown) => lookup(target) ?? NO_EVENTS) as TriggeringAssetEvents["get"],
    has: (target) => lookup(target) !== undefined,
    keys: () => [...entries.values()].map(([key]) => key)[Symbol.iterator](),
    values: () => [...entries.values()].map(([, events]) => events)[Symbol.iterator](),
    entries: () => entries.values(),
    [Symbol.iterator]: () => entries.values(),
    size: entries.size,
  };
  return Object.freeze(view);
}

/** A string that identifies a key: assets by (name, uri), aliases by name, patterns by text. */
function keyOf(key: TriggeringKey): string {
  switch (key.kind) {
    case "asset":
      return JSON.stringify(["asset", key.name, key.uri]);
    case "alias":
      return JSON.stringify(["alias", key.name]);
    case "pattern":
      return JSON.stringify(["pattern", key.pattern]);
  }
}

/** The key an asset, an alias, a pattern or a {@link TriggeringKey} stands for. */
function toKey(target: unknown): TriggeringKey {
  if (isAssetAlias(target)) return { kind: "alias", name: target.name };
  if (isAsset(target)) return { kind: "asset", name: target.name, uri: target.uri };
  if (isAssetPattern(target)) return { kind: "pattern", name: target.pattern, pattern: target.pattern };
  const key = target as Partial<Record<string, unknown>> | null;
  if (key?.kind === "alias" && typeof key.name === "string") return { kind: "alias", name: key.name };
  if (key?.kind === "asset" && typeof key.name === "string" && typeof key.uri === "string") {
    return { kind: "asset", name: key.name, uri: key.uri };
  }
  if (key?.kind === "pattern" && typeof key.pattern === "string") {
    return { kind: "pattern", name: key.pattern, pattern: key.pattern };
  }
  throw new TypeError(
    `triggeringAssetEvents takes an Asset, an AssetAlias, an Asset.pattern(...), an Asset.ref(...) or one of its keys(), got ${describeValue(target)}.`,
  );
}

/**
 * The assets a DAG's schedule names: its assets, and the assets the store
 * knows by each of its `Asset.ref`s (read through `reader` only when the
 * schedule has refs). What a ref given to `ctx.triggeringAssetEvents` may
 * name besides the triggering events' assets.
 *
 * @example
 * ```ts
 * const known = await scheduleAssets(dag.settings.schedule, reader);
 * ```
 */
export async function scheduleAssets(schedule: ScheduleManifest, reader: AssetEventReader): Promise<AssetIdentity[]> {
  const condition = schedule.kind === "assets" || schedule.kind === "assetOrTime" ? schedule.condition : null;
  const assets: AssetIdentity[] = [];
  const walk = async (node: ConditionNode): Promise<void> => {
    if (node.kind === "asset") assets.push({ name: node.name, uri: node.uri });
    else if (node.kind === "ref") for (const { name, uri } of await reader.resolveRef(node)) assets.push({ name, uri });
    else if (node.kind === "all" || node.kind === "any") for (const child of node.conditions) await walk(child);
  };
  if (condition !== null) await walk(condition);
  return assets;
}
