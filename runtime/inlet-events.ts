import type { AssetEventReader, AssetIdentity, EventSubject } from "../scheduler/contracts.js";
import {
  type AssetEvent,
  type InletEventSequence,
  type InletEvents,
  type InletTarget,
  isAsset,
  isAssetAlias,
  isAssetRef,
} from "../sdk/index.js";
import { describeValue } from "../sdk/json.js";
import { assetsNamedBy, describeAsset, describeRef, refKey, refUnresolved, resolveRef } from "./asset-refs.js";
import { RuntimeErrorCode, TaskRuntimeError } from "./errors.js";
import { eventSubject, subjectKey, toAssetEvent } from "./events.js";

/**
 * How many events `for await` over an inlet sequence reads per call to the reader.
 *
 * @example
 * ```ts
 * createInletEventSequence(reader, subject, INLET_PAGE_SIZE * 10); // bigger pages
 * ```
 */
export const INLET_PAGE_SIZE = 100;

/**
 * A lazy, timestamp-ordered sequence of a subject's past events, backed by an
 * {@link AssetEventReader}. Nothing is read until a method is called; every
 * call reads afresh (no cache), so the sequence sees events recorded since.
 *
 * @example
 * ```ts
 * const events = createInletEventSequence(reader, { kind: "asset", name: "orders", uri: "s3://b/orders" });
 * const latest = await events.at(-1);
 * const lastTwo = await events.slice(-2);
 * for await (const event of events) console.log(event.extra);
 * ```
 */
export function createInletEventSequence(
  reader: AssetEventReader,
  subject: EventSubject,
  pageSize = INLET_PAGE_SIZE,
): InletEventSequence {
  const read = async (offset: number, limit: number): Promise<AssetEvent[]> =>
    limit <= 0 ? [] : (await reader.listEvents(subject, offset, limit)).map((record) => toAssetEvent(record));

  return Object.freeze({
    async at(index: number): Promise<AssetEvent | undefined> {
      let position = toInteger(index);
      if (position < 0) position += await reader.countEvents(subject);
      if (position < 0 || !Number.isFinite(position)) return undefined;
      return (await read(position, 1))[0];
    },

    async slice(start?: number, end?: number): Promise<AssetEvent[]> {
      const from = start === undefined ? 0 : toInteger(start);
      const to = end === undefined ? Number.POSITIVE_INFINITY : toInteger(end);
      if (from >= 0 && to >= 0 && Number.isFinite(to)) return read(from, to - from);
      const length = await reader.countEvents(subject);
      const first = relative(from, length);
      return read(first, relative(to, length) - first);
    },

    length(): Promise<number> {
      return reader.countEvents(subject);
    },

    async *[Symbol.asyncIterator](): AsyncGenerator<AssetEvent, void, undefined> {
      for (let offset = 0; ; offset += pageSize) {
        const page = await read(offset, pageSize);
        yield* page;
        if (page.length < pageSize) return;
      }
    },
  });
}

/** `ToIntegerOrInfinity`, as `Array.prototype.at` and `slice` apply it. */
function toInteger(value: number): number {
  const number = Number(value);
  return Number.isNaN(number) ? 0 : Math.trunc(number);
}

/** A relative index clamped into `[0, length]`, as `Array.prototype.slice` does. */
function relative(index: number, length: number): number {
  return index < 0 ? Math.max(length + index, 0) : Math.min(index, length);
}

/** The task whose inlets an {@link InletEvents} serves, for checks and messages. */
export interface InletOwner {
  readonly dagId: string;
  readonly taskId: string;
  readonly inlets: readonly InletTarget[];
}

/** The asset each `Asset.ref` inlet of a task resolved to, by the ref's key ({@link refKey}). */
export type ResolvedInletRefs = ReadonlyMap<string, AssetIdentity>;

const NO_REFS: ResolvedInletRefs = new Map();

/**
 * Resolves the `Asset.ref` inlets of a task to the assets they name, as
 * Airflow resolves `Asset.ref` inlets when it builds a try's `inlet_events`:
 * a ref that names no asset the store knows (or, by name or URI, several)
 * throws a {@link TaskRuntimeError} (`INLET_REF_UNRESOLVED`) naming the task
 * and the ref, so that the try fails before the task runs.
 *
 * @example
 * ```ts
 * const refs = await resolveInletRefs({ dagId: "report", taskId: "read", inlets: [Asset.ref({ name: "orders" })] }, reader);
 * const inletEvents = createInletEvents(owner, reader, refs);
 * ```
 */
export async function resolveInletRefs(owner: InletOwner, reader: AssetEventReader): Promise<ResolvedInletRefs> {
  const refs = owner.inlets.filter(isAssetRef);
  if (refs.length === 0) return NO_REFS;
  const resolved = new Map<string, AssetIdentity>();
  for (const ref of refs) {
    const { asset: only, matches: assets } = await resolveRef(reader, ref);
    if (only === undefined) {
      const by = ref.name !== undefined ? "name" : "URI";
      const problem =
        assets.length === 0
          ? `no asset the scheduler knows has that ${by}: declare the asset in a registered DAG (an outlet, inlet or schedule) or record an event of it, or fix the ${by}`
          : `${assets.length} assets have that ${by} (${assets.map(describeAsset).join(", ")}): declare the inlet as new Asset({ name, uri }) instead`;
      throw new TaskRuntimeError(
        RuntimeErrorCode.inletRefUnresolved,
        `Task "${owner.taskId}" of DAG "${owner.dagId}" declares the inlet ${describeRef(ref)}, but ${problem}.`,
        { details: { dagId: owner.dagId, taskId: owner.taskId, inlet: describeRef(ref), matches: assets.length } },
      );
    }
    resolved.set(refKey(ref), only);
  }
  return resolved;
}

/**
 * `ctx.inletEvents` of a task: `get(assetOrAliasOrRef)` returns the lazy
 * sequence of a declared inlet's events and throws a {@link TaskRuntimeError}
 * naming the task for anything not in its inlets. An `Asset.ref` inlet counts
 * as the asset it resolved to ({@link resolveInletRefs}): `get` takes that
 * asset, the ref, or a ref by the asset's other key (name or URI); a ref
 * `get` is given matches a declared asset inlet by name or URI too. A ref
 * that matches no asset inlet is `INLET_UNDECLARED`; one that matches
 * several (two inlets of one name) is `ASSET_REF_UNRESOLVED`.
 *
 * @example
 * ```ts
 * const inletEvents = createInletEvents({ dagId: "report", taskId: "read", inlets: [orders] }, reader);
 * const latest = await inletEvents.get(orders).at(-1);
 * ```
 */
export function createInletEvents(
  owner: InletOwner,
  reader: AssetEventReader,
  refs: ResolvedInletRefs = NO_REFS,
): InletEvents {
  const subjects = owner.inlets.flatMap((inlet): EventSubject[] => {
    if (!isAssetRef(inlet)) return [eventSubject(inlet)];
    const asset = refs.get(refKey(inlet));
    return asset === undefined ? [] : [{ kind: "asset", name: asset.name, uri: asset.uri }];
  });
  const declared = new Set(subjects.map(subjectKey));
  const assets = subjects.filter((subject) => subject.kind === "asset");
  const undeclared = (target: InletTarget): TaskRuntimeError => {
    const described = isAssetRef(target) ? describeRef(target) : `${target}`;
    return new TaskRuntimeError(
      RuntimeErrorCode.inletUndeclared,
      `Task "${owner.taskId}" of DAG "${owner.dagId}" reads the events of ${described}, which is not among its inlets: ` +
        `add ${described} to the task's inlets option.`,
      { details: { dagId: owner.dagId, taskId: owner.taskId, inlet: described } },
    );
  };
  const get = (target: InletTarget): InletEventSequence => {
    if (isAssetRef(target)) {
      const named = assetsNamedBy(target, assets);
      const [asset] = named;
      if (asset === undefined) throw undeclared(target);
      if (named.length > 1) throw refUnresolved(owner, target, named, "the task's inlets");
      return createInletEventSequence(reader, { kind: "asset", name: asset.name, uri: asset.uri });
    }
    if (!isAsset(target) && !isAssetAlias(target)) {
      throw new TypeError(
        `ctx.inletEvents.get() takes an Asset, an AssetAlias or an Asset.ref(...), got ${describeValue(target)}.`,
      );
    }
    const subject = eventSubject(target);
    if (!declared.has(subjectKey(subject))) throw undeclared(target);
    return createInletEventSequence(reader, subject);
  };
  return Object.freeze({ get: get as InletEvents["get"] });
}
