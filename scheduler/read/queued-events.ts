/**
 * Reads of queued events (pending inbox entries grouped by consumer and
 * asset), and their deletion (a consumer forgets that progress).
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";

/** Pending events of one consumer for one asset (the seed's "queued asset event"). */
export interface QueuedEventView {
  readonly dagId: string;
  readonly assetName: string;
  readonly uri: string;
  /** When the first pending event was queued (epoch ms). */
  readonly createdAt: number;
  /** How many events are pending. */
  readonly count: number;
}

/**
 * Queued events: pending inbox entries grouped by consumer and asset,
 * optionally for one consumer, one asset URI, and only entries queued before
 * `before` (epoch ms).
 *
 * @example
 * ```ts
 * await listQueuedEvents(db, { dagId: "waiting_for_asset_1_and_2" });
 * ```
 */
export async function listQueuedEvents(
  db: Kysely<Database>,
  filter: QueuedEventFilter = {},
): Promise<QueuedEventView[]> {
  const rows = await db
    .selectFrom("asset_event_inbox as i")
    .innerJoin("asset as a", "a.id", "i.asset_id")
    .select((eb) => [
      "i.dag_id",
      "a.name",
      "a.uri",
      eb.fn.min("i.created_at").as("created_at"),
      eb.fn.countAll<number>().as("count"),
    ])
    .$if(filter.dagId !== undefined, (q) => q.where("i.dag_id", "=", filter.dagId as string))
    .$if(filter.uri !== undefined, (q) => q.where("a.uri", "=", filter.uri as string))
    .$if(filter.before !== undefined, (q) => q.where("i.created_at", "<", filter.before as number))
    .groupBy(["i.dag_id", "a.id", "a.name", "a.uri"])
    .orderBy("i.dag_id")
    .orderBy("a.uri")
    .execute();
  return rows.map((row) => ({
    dagId: row.dag_id,
    assetName: row.name,
    uri: row.uri,
    createdAt: Number(row.created_at),
    count: Number(row.count),
  }));
}

/**
 * Deletes queued events (the consumer forgets that progress); same filters as
 * {@link listQueuedEvents}. Returns how many entries were deleted.
 */
export async function deleteQueuedEvents(db: Kysely<Database>, filter: QueuedEventFilter = {}): Promise<number> {
  const result = await db
    .deleteFrom("asset_event_inbox")
    .$if(filter.dagId !== undefined, (q) => q.where("dag_id", "=", filter.dagId as string))
    .$if(filter.uri !== undefined, (q) =>
      q.where(
        "asset_id",
        "in",
        db
          .selectFrom("asset")
          .select("id")
          .where("uri", "=", filter.uri as string),
      ),
    )
    .$if(filter.before !== undefined, (q) => q.where("created_at", "<", filter.before as number))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Filters of {@link listQueuedEvents} and {@link deleteQueuedEvents}: one consumer, one asset URI, entries queued before (epoch ms). */
export interface QueuedEventFilter {
  readonly dagId?: string;
  readonly uri?: string;
  readonly before?: number;
}

/**
 * The queued-event queries over one store.
 *
 * @example
 * ```ts
 * const queued = await queuedEventQueries(db).list({ dagId: "consumer" });
 * ```
 */
export function queuedEventQueries(db: Kysely<Database>) {
  return {
    /** Pending entries grouped by consumer and asset ({@link listQueuedEvents}). */
    list: (filter?: QueuedEventFilter) => listQueuedEvents(db, filter),
  };
}
