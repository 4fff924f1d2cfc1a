import type { AssetEventReader, EventSubject } from "../scheduler/contracts.js";
import {
  type AnyAsset,
  type AssetAlias,
  type AssetEvent,
  type InletEventSequence,
  type InletEvents,
  isAsset,
  isAssetAlias,
} from "../sdk/index.js";
import { describeValue } from "../sdk/json.js";
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
  readonly inlets: readonly (AnyAsset | AssetAlias)[];
}

/**
 * `ctx.inletEvents` of a task: `get(assetOrAlias)` returns the lazy sequence
 * of a declared inlet's events and throws a {@link TaskRuntimeError} naming
 * the task for anything not in its inlets.
 *
 * @example
 * ```ts
 * const inletEvents = createInletEvents({ dagId: "report", taskId: "read", inlets: [orders] }, reader);
 * const latest = await inletEvents.get(orders).at(-1);
 * ```
 */
export function createInletEvents(owner: InletOwner, reader: AssetEventReader): InletEvents {
  const declared = new Set(owner.inlets.map((inlet) => subjectKey(eventSubject(inlet))));
  const get = (target: AnyAsset | AssetAlias): InletEventSequence => {
    if (!isAsset(target) && !isAssetAlias(target)) {
      throw new TypeError(`ctx.inletEvents.get() takes an Asset or an AssetAlias, got ${describeValue(target)}.`);
    }
    const subject = eventSubject(target);
    if (!declared.has(subjectKey(subject))) {
      throw new TaskRuntimeError(
        RuntimeErrorCode.inletUndeclared,
        `Task "${owner.taskId}" of DAG "${owner.dagId}" reads the events of ${target}, which is not among its inlets: ` +
          `add ${target} to the task's inlets option.`,
        { details: { dagId: owner.dagId, taskId: owner.taskId, inlet: `${target}` } },
      );
    }
    return createInletEventSequence(reader, subject);
  };
  return Object.freeze({ get: get as InletEvents["get"] });
}
