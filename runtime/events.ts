/**
 * Conversions between the scheduler's plain records (epoch milliseconds) and
 * the SDK's `AssetEvent` (Dates), shared by the inlet and triggering accessors.
 */
import type { AssetEventRecord, EventSubject, SourceRunRecord } from "../scheduler/contracts.js";
import { type AnyAsset, type AssetAlias, type AssetEvent, isAsset, type SourceDagRun } from "../sdk/index.js";

/** A Date from epoch milliseconds, or null. */
export function toDate(epochMs: number | null): Date | null {
  return epochMs === null ? null : new Date(epochMs);
}

/**
 * The SDK view of a stored event: Dates instead of epoch milliseconds, frozen,
 * with what a consumer's URI patterns captured (none outside
 * `triggeringAssetEvents`).
 *
 * @example
 * ```ts
 * const event = toAssetEvent(record);
 * event.sourceDagRun?.dataIntervalStart; // a Date, or null
 * ```
 */
export function toAssetEvent(record: AssetEventRecord, captures: Readonly<Record<string, string>> = {}): AssetEvent {
  return Object.freeze({
    id: record.id,
    asset: Object.freeze({ name: record.assetName, uri: record.assetUri }),
    extra: deepFreeze(structuredClone(record.extra)),
    timestamp: new Date(record.timestamp),
    sourceDagId: record.sourceDagId,
    sourceTaskId: record.sourceTaskId,
    sourceRunId: record.sourceRunId,
    sourceMapIndex: record.sourceMapIndex,
    sourceAliases: Object.freeze([...record.sourceAliases]),
    sourceDagRun: record.sourceRun === null ? null : toSourceDagRun(record.sourceRun),
    captures: Object.freeze({ ...captures }),
  });
}

function toSourceDagRun(run: SourceRunRecord): SourceDagRun {
  return Object.freeze({
    dagId: run.dagId,
    runId: run.runId,
    runType: run.runType,
    logicalDate: toDate(run.logicalDate),
    dataIntervalStart: toDate(run.dataIntervalStart),
    dataIntervalEnd: toDate(run.dataIntervalEnd),
  });
}

/** The reader subject of an asset or an alias. */
export function eventSubject(target: AnyAsset | AssetAlias): EventSubject {
  return isAsset(target) ? { kind: "asset", name: target.name, uri: target.uri } : { kind: "alias", name: target.name };
}

/** A string that identifies a subject: assets by (name, uri), aliases by name. */
export function subjectKey(subject: EventSubject): string {
  return subject.kind === "asset"
    ? JSON.stringify(["asset", subject.name, subject.uri])
    : JSON.stringify(["alias", subject.name]);
}

/** Freezes `value` and everything it holds; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
