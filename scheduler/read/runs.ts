/**
 * Reads of DAG runs: a DAG's runs (all, or a filtered page), one run, each
 * with the asset events it consumed.
 */
import type { Kysely, Selectable } from "kysely";
import type { JsonObject } from "../../sdk/json.js";
import type { AssetEventRecord, RunKind, RunState } from "../contracts.js";
import { consumedEvents, eventQuery, withAliases } from "../engine/task-instances.js";
import type { DagRunTable, Database } from "../store/schema.js";
import { nullableNumber, type Page, type PageOptions } from "./paging.js";

/** A DAG run as users see it. */
export interface DagRunView {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunKind;
  readonly state: RunState;
  readonly logicalDate: number | null;
  readonly dataIntervalStart: number | null;
  readonly dataIntervalEnd: number | null;
  readonly conf: JsonObject;
  readonly createdAt: number;
  readonly startDate: number | null;
  readonly endDate: number | null;
  /** The asset events the run consumed, in timestamp order. */
  readonly consumedEvents: AssetEventRecord[];
}

/**
 * Runs of a DAG, oldest first, with their consumed events.
 *
 * @example
 * ```ts
 * const runs = await listDagRuns(db, "consumer");
 * ```
 */
export async function listDagRuns(
  db: Kysely<Database>,
  dagId: string,
  options: { limit?: number; offset?: number } = {},
): Promise<DagRunView[]> {
  const rows = await db
    .selectFrom("dag_run")
    .selectAll()
    .where("dag_id", "=", dagId)
    .orderBy("id")
    .limit(options.limit ?? 1000)
    .offset(options.offset ?? 0)
    .execute();
  const runs: DagRunView[] = [];
  for (const row of rows) runs.push(await toDagRunView(db, row));
  return runs;
}

/** A run row as users see it, with its consumed events. */
async function toDagRunView(db: Kysely<Database>, row: Selectable<DagRunTable>): Promise<DagRunView> {
  return {
    dagId: row.dag_id,
    runId: row.run_id,
    runType: row.run_type,
    state: row.state,
    logicalDate: row.logical_date,
    dataIntervalStart: row.data_interval_start,
    dataIntervalEnd: row.data_interval_end,
    conf: JSON.parse(row.conf) as JsonObject,
    createdAt: row.created_at,
    startDate: row.start_date,
    endDate: row.end_date,
    consumedEvents: (await consumedEvents(db, row.dag_id, row.run_id)).events,
  };
}

/**
 * One run with its consumed events, or undefined.
 *
 * @example
 * ```ts
 * const run = await getDagRun(db, "consumer", runId);
 * ```
 */
export async function getDagRun(db: Kysely<Database>, dagId: string, runId: string): Promise<DagRunView | undefined> {
  const row = await db
    .selectFrom("dag_run")
    .selectAll()
    .where("dag_id", "=", dagId)
    .where("run_id", "=", runId)
    .executeTakeFirst();
  return row ? toDagRunView(db, row) : undefined;
}

/** How many run ids one query of consumed events names. */
const RUN_ID_CHUNK = 500;

/** Filters of {@link listDagRunsPage}. */
export interface DagRunFilter extends PageOptions {
  readonly state?: RunState;
  readonly runType?: RunKind;
  /** By creation: `"desc"` (newest first, the default) or `"asc"`. */
  readonly order?: "asc" | "desc";
}

/**
 * A page of a DAG's runs, each with its consumed events.
 *
 * @example
 * ```ts
 * const { items } = await listDagRunsPage(db, "consumer", { limit: 10 });
 * ```
 */
export async function listDagRunsPage(
  db: Kysely<Database>,
  dagId: string,
  filter: DagRunFilter = {},
): Promise<Page<DagRunView>> {
  const query = db
    .selectFrom("dag_run")
    .where("dag_id", "=", dagId)
    .$if(filter.state !== undefined, (q) => q.where("state", "=", filter.state as RunState))
    .$if(filter.runType !== undefined, (q) => q.where("run_type", "=", filter.runType as RunKind));
  const count = await query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirst();
  const rows = await query
    .selectAll()
    .orderBy("id", filter.order ?? "desc")
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  const runIds = rows.map((row) => row.run_id);
  const consumed = new Map<string, AssetEventRecord[]>();
  // A page may hold every run (the CLI lists them all): ask in chunks, under the drivers' parameter limits.
  for (let start = 0; start < runIds.length; start += RUN_ID_CHUNK) {
    const eventRows = await eventQuery(db)
      .innerJoin("dag_run_consumed_event as c", "c.event_id", "e.id")
      .select("c.run_id as consumed_by")
      .where("c.dag_id", "=", dagId)
      .where("c.run_id", "in", runIds.slice(start, start + RUN_ID_CHUNK))
      .orderBy("e.timestamp")
      .orderBy("e.id")
      .execute();
    const events = await withAliases(db, eventRows);
    eventRows.forEach((row, index) => {
      const event = events[index];
      if (event) consumed.set(row.consumed_by, [...(consumed.get(row.consumed_by) ?? []), event]);
    });
  }
  const items = rows.map((row) => ({
    dagId: row.dag_id,
    runId: row.run_id,
    runType: row.run_type,
    state: row.state,
    logicalDate: nullableNumber(row.logical_date),
    dataIntervalStart: nullableNumber(row.data_interval_start),
    dataIntervalEnd: nullableNumber(row.data_interval_end),
    conf: JSON.parse(row.conf) as JsonObject,
    createdAt: Number(row.created_at),
    startDate: nullableNumber(row.start_date),
    endDate: nullableNumber(row.end_date),
    consumedEvents: consumed.get(row.run_id) ?? [],
  }));
  return { items, total: Number(count?.count ?? 0) };
}

/**
 * The run queries over one store.
 *
 * @example
 * ```ts
 * const run = await runQueries(db).get("consumer", runId);
 * ```
 */
export function runQueries(db: Kysely<Database>) {
  return {
    /** A DAG's runs, oldest first ({@link listDagRuns}). */
    list: (dagId: string, options?: PageOptions) => listDagRuns(db, dagId, options),
    /** A filtered page of a DAG's runs, newest first by default ({@link listDagRunsPage}). */
    page: (dagId: string, filter?: DagRunFilter) => listDagRunsPage(db, dagId, filter),
    /** One run, or undefined ({@link getDagRun}). */
    get: (dagId: string, runId: string) => getDagRun(db, dagId, runId),
  };
}
