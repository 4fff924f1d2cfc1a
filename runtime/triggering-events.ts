import type { AssetEventRecord, EventSubject } from "../scheduler/contracts.js";
import type { AnyAsset, AssetAlias, AssetEvent, TriggeringAssetEvents, TriggeringKey } from "../sdk/index.js";
import { isAsset, isAssetAlias } from "../sdk/index.js";
import { describeValue } from "../sdk/json.js";
import { subjectKey, toAssetEvent } from "./events.js";

const NO_EVENTS: readonly AssetEvent[] = Object.freeze([]);

/**
 * `ctx.triggeringAssetEvents` for a run: the consumed events grouped under
 * their asset (every event) and under each alias they reached the run through
 * (`aliasesByEventId`), each list in timestamp order. Keys come in the order
 * of their first event; assets before aliases. Lookups go by identity: an
 * asset by (name, uri), an alias by name; a key from `keys()` works too.
 *
 * @example
 * ```ts
 * const events = createTriggeringAssetEvents(request.triggeringEvents, request.triggeringAliases);
 * events.get(orders)[0]?.sourceDagRun?.dataIntervalStart;
 * ```
 */
export function createTriggeringAssetEvents(
  records: readonly AssetEventRecord[],
  aliasesByEventId: Readonly<Record<number, readonly string[]>>,
): TriggeringAssetEvents {
  const sorted = [...records].sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
  const assetGroups = new Map<string, { key: TriggeringKey; events: AssetEvent[] }>();
  const aliasGroups = new Map<string, { key: TriggeringKey; events: AssetEvent[] }>();
  const addTo = (groups: typeof assetGroups, key: TriggeringKey, event: AssetEvent): void => {
    const id = subjectKey(key);
    const group = groups.get(id) ?? { key: Object.freeze(key), events: [] };
    group.events.push(event);
    groups.set(id, group);
  };
  for (const record of sorted) {
    const event = toAssetEvent(record);
    addTo(assetGroups, { kind: "asset", name: record.assetName, uri: record.assetUri }, event);
    for (const alias of new Set(aliasesByEventId[record.id] ?? []))
      addTo(aliasGroups, { kind: "alias", name: alias }, event);
  }
  const entries = new Map<string, [TriggeringKey, readonly AssetEvent[]]>();
  for (const { key, events } of [...assetGroups.values(), ...aliasGroups.values()]) {
    entries.set(subjectKey(key), Object.freeze([key, Object.freeze(events)]) as [TriggeringKey, readonly AssetEvent[]]);
  }

  const lookup = (target: unknown): readonly AssetEvent[] | undefined =>
    entries.get(subjectKey(toSubject(target)))?.[1];
  const view: TriggeringAssetEvents = {
    get: ((target: AnyAsset | AssetAlias) => lookup(target) ?? NO_EVENTS) as TriggeringAssetEvents["get"],
    has: (target) => lookup(target) !== undefined,
    keys: () => [...entries.values()].map(([key]) => key)[Symbol.iterator](),
    values: () => [...entries.values()].map(([, events]) => events)[Symbol.iterator](),
    entries: () => entries.values(),
    [Symbol.iterator]: () => entries.values(),
    size: entries.size,
  };
  return Object.freeze(view);
}

/** The subject an asset, an alias or a {@link TriggeringKey} stands for. */
function toSubject(target: unknown): EventSubject {
  if (isAssetAlias(target)) return { kind: "alias", name: target.name };
  if (isAsset(target)) return { kind: "asset", name: target.name, uri: target.uri };
  const key = target as Partial<TriggeringKey> | null;
  if (key?.kind === "alias" && typeof key.name === "string") return { kind: "alias", name: key.name };
  if (key?.kind === "asset" && typeof key.name === "string" && typeof key.uri === "string") {
    return { kind: "asset", name: key.name, uri: key.uri };
  }
  throw new TypeError(
    `triggeringAssetEvents takes an Asset, an AssetAlias or one of its keys(), got ${describeValue(target)}.`,
  );
}
