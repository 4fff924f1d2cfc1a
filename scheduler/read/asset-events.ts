/**
 * Reads of asset events: a filtered page of events, one event, and the runs
 * that consumed an event.
 */
import type { Kysely } from "kysely";
import type { AssetEventRecord } from "../contracts.js";
import { eventQuery, withAliases } from "../engine/task-instances.js";
import type { Database } from "../store/schema.js";
import type { Page, PageOptions } from "./paging.js";

/** Filters of {@link listAssetEvents}. Times are epoch ms: `since` inclusive, `before` exclusive. */
export interface AssetEventFilter extends PageOptions {
  readonly uri?: string;
  readonly name?: string;
  readonly sourceDagId?: string;
  readonly sourceTaskId?: string;
  readonly sourceRunId?: string;
  readonly sourceMapIndex?: number;
  readonly since?: number;
  readonly before?: number;
  /** By timestamp then id: `"desc"` (newest first, the default) or `"asc"`. */
  readonly order?: "asc" | "desc";
}

/**
 * A page of asset events matching the filters.
 *
 * @example
 * ```ts
 * const { items } = await listAssetEvents(db, { uri: "s3://asset/example.csv", limit: 10 });
 * ```
 */
export async function listAssetEvents(
  db: Kysely<Database>,
  filter: AssetEventFilter = {},
): Promise<Page<AssetEventRecord>> {
  const query = eventQuery(db)
    .$if(filter.uri !== undefined, (q) => q.where("a.uri", "=", filter.uri as string))
    .$if(filter.name !== undefined, (q) => q.where("a.name", "=", filter.name as string))
    .$if(filter.sourceDagId !== undefined, (q) => q.where("e.source_dag_id", "=", filter.sourceDagId as string))
    .$if(filter.sourceTaskId !== undefined, (q) => q.where("e.source_task_id", "=", filter.sourceTaskId as string))
    .$if(filter.sourceRunId !== undefined, (q) => q.where("e.source_run_id", "=", filter.sourceRunId as string))
    .$if(filter.sourceMapIndex !== undefined, (q) =>
      q.where("e.source_map_index", "=", filter.sourceMapIndex as number),
    )
    .$if(filter.since !== undefined, (q) => q.where("e.timestamp", ">=", filter.since as number))
    .$if(filter.before !== undefined, (q) => q.where("e.timestamp", "<", filter.before as number));
  const count = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirst();
  const order = filter.order ?? "desc";
  const rows = await query
    .orderBy("e.timestamp", order)
    .orderBy("e.id", order)
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return { items: await withAliases(db, rows), total: Number(count?.count ?? 0) };
}

/**
 * One asset event by id, or undefined.
 *
 * @example
 * ```ts
 * const event = await getAssetEvent(db, recorded.eventId);
 * ```
 */
export async function getAssetEvent(db: Kysely<Database>, eventId: number): Promise<AssetEventRecord | undefined> {
  const rows = await eventQuery(db).where("e.id", "=", eventId).execute();
  return (await withAliases(db, rows))[0];
}

/**
 * The runs that consumed an event, by DAG then run id.
 *
 * @example
 * ```ts
 * const runs = await runsConsumingEvent(db, eventId); // [{ dagId: "consumer", runId: "asset_triggered__..." }]
 * ```
 */
export async function runsConsumingEvent(
  db: Kysely<Database>,
  eventId: number,
): Promise<Array<{ dagId: string; runId: string }>> {
  const rows = await db
    .selectFrom("dag_run_consumed_event")
    .select(["dag_id", "run_id"])
    .where("event_id", "=", eventId)
    .orderBy("dag_id")
    .orderBy("run_id")
    .execute();
  return rows.map((row) => ({ dagId: row.dag_id, runId: row.run_id }));
}

/**
 * The asset-event queries over one store.
 *
 * @example
 * ```ts
 * const { items } = await assetEventQueries(db).list({ uri: "s3://asset/example.csv" });
 * ```
 */
export function assetEventQueries(db: Kysely<Database>) {
  return {
    /** A filtered page of events ({@link listAssetEvents}). */
    list: (filter?: AssetEventFilter) => listAssetEvents(db, filter),
    /** One event, or undefined ({@link getAssetEvent}). */
    get: (eventId: number) => getAssetEvent(db, eventId),
    /** The runs that consumed an event ({@link runsConsumingEvent}). */
    consumingRuns: (eventId: number) => runsConsumingEvent(db, eventId),
  };
}
