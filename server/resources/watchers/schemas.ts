/**
 * Watchers: a watcher of an asset and its state (where it runs, the position
 * committed with its last event, its last error and lag).
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the scheduler's records.
 */
import { z } from "zod";
import { WATCHER_STATES, type WatcherRecord, watcherState } from "../../../scheduler/index.js";
import { component } from "../../schemas.js";

/** A watcher and its state. */
export const watcherSchema = component(
  "Watcher",
  "A watcher of an asset (`new Asset(uri, { watchers })`) and its state: where it runs, the source position committed with its last event, its last error and lag.",
  z.object({
    watcherId: z.string().describe("`<asset uri>#<name>`; the webhook endpoint takes it percent-encoded."),
    asset: z.object({ name: z.string(), uri: z.string() }),
    name: z.string(),
    kind: z.string(),
    state: z
      .enum(WATCHER_STATES)
      .describe(
        "running / failing (running, with a last error) / stopped (no process holds it); webhooks: receiving; removed: no DAG file declares it any more (it does not run; declared again, it resumes from its position).",
      ),
    runningIn: z.string().nullable().describe("The process holding its lease (`host:pid:id`)."),
    position: z.unknown().describe("The source position committed with its last event (JSON), or null."),
    events: z.number().int(),
    lastEventAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    lag: z
      .number()
      .nullable()
      .describe("How far behind its source it is, as the kind reports it (messages or files pending)."),
  }),
);

/**
 * A watcher as the API shows it: its state (`watcherState`, the scheduler's one rule) at `now`.
 *
 * @example
 * ```ts
 * const watchers = records.map((record) => toWatcher(record, scheduler.clock.now()));
 * ```
 */
export function toWatcher(record: WatcherRecord, now: number): z.output<typeof watcherSchema> {
  const state = watcherState(record, now);
  return {
    watcherId: record.watcherId,
    asset: { ...record.asset },
    name: record.name,
    kind: record.kind,
    state,
    runningIn: state === "running" || state === "failing" ? record.leaseOwner : null,
    position: record.position,
    events: record.events,
    lastEventAt: record.lastEventAt === null ? null : new Date(record.lastEventAt).toISOString(),
    lastError: record.lastError,
    lastErrorAt: record.lastErrorAt === null ? null : new Date(record.lastErrorAt).toISOString(),
    lag: record.lag,
  };
}
