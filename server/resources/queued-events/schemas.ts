/**
 * Queued events: pending events of one consumer for one asset URI.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { QueuedEventView } from "../../../scheduler/read/index.js";
import { component, iso, isoTime } from "../../schemas.js";

/** A queued event: pending events of one consumer for one asset URI. */
export const queuedEventSchema = component(
  "QueuedEvent",
  "Events of an asset a consumer DAG has received but not consumed yet: when the first was queued, and how many.",
  z.object({ dagId: z.string(), uri: z.string(), createdAt: isoTime, count: z.number().int() }),
);

/**
 * Queued events as the API shows them: one per consumer and asset URI (assets
 * sharing a URI are summed, keeping the earliest queue time).
 *
 * @example
 * ```ts
 * toQueuedEvents(await listQueuedEvents(db, { dagId })); // [{ dagId, uri, createdAt, count }]
 * ```
 */
export function toQueuedEvents(views: readonly QueuedEventView[]): Array<z.output<typeof queuedEventSchema>> {
  const merged = new Map<string, { dagId: string; uri: string; createdAt: number; count: number }>();
  for (const view of views) {
    const key = JSON.stringify([view.dagId, view.uri]);
    const existing = merged.get(key);
    merged.set(
      key,
      existing
        ? { ...existing, createdAt: Math.min(existing.createdAt, view.createdAt), count: existing.count + view.count }
        : { dagId: view.dagId, uri: view.uri, createdAt: view.createdAt, count: view.count },
    );
  }
  return [...merged.values()].map((item) => ({ ...item, createdAt: iso(item.createdAt) }));
}
