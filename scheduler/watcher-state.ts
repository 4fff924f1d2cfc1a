/**
 * The one rule for a watcher's state as `watchers list`, the API and the web
 * UI show it.
 */
import type { WatcherRecord } from "./contracts.js";

/** Kinds that no process runs: the API server receives them (webhooks). */
export const PASSIVE_WATCHER_KINDS: readonly string[] = Object.freeze(["webhook"]);

/**
 * What a watcher is doing: `removed` (no DAG file declares it any more: it
 * does not run, and keeps its position for when it is declared again),
 * `receiving` (a webhook), `running` / `failing` (a process holds its lease;
 * failing: with a last error), or `stopped` (no process holds it).
 */
export type WatcherState = "running" | "failing" | "stopped" | "receiving" | "removed";

/** The states, for schemas. */
export const WATCHER_STATES = [
  "running",
  "failing",
  "stopped",
  "receiving",
  "removed",
] as const satisfies readonly WatcherState[];

/** True while a process holds the watcher's lease at `now`. */
export function watcherHeld(record: WatcherRecord, now: number): boolean {
  return record.leaseOwner !== null && record.leaseExpiresAt !== null && record.leaseExpiresAt > now;
}

/** The state of a watcher at `now` (see {@link WatcherState}). */
export function watcherState(record: WatcherRecord, now: number): WatcherState {
  if (record.removedAt !== null) return "removed";
  if (PASSIVE_WATCHER_KINDS.includes(record.kind)) return "receiving";
  if (!watcherHeld(record, now)) return "stopped";
  return record.lastError ? "failing" : "running";
}
