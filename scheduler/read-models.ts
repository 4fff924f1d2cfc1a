/**
 * Read models over the store: runs with their consumed events, queued events,
 * task instances. Used by the testing harness, the CLI and the API.
 */
import type { Kysely } from "kysely";
import type { JsonObject } from "../sdk/json.js";
import type { AssetEventRecord, RunKind, RunState } from "./contracts.js";
import { consumedEvents } from "./engine/task-instances.js";
import type { Database } from "./store/schema.js";

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

/** A task instance as users see it. */
export interface TaskInstanceView {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly state: string;
  readonly tryNumber: number;
  readonly maxTries: number;
  readonly startDate: number | null;
  readonly endDate: number | null;
  readonly error: { message: string; code?: string } | null;
  readonly result: unknown;
}

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
  for (const row of rows) {
    runs.push({
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
    });
  }
  return runs;
}

/**
 * Task instances of a run, by task id.
 *
 * @example
 * ```ts
 * const tasks = await listTaskInstances(db, "producer", runId);
 * ```
 */
export async function listTaskInstances(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
): Promise<TaskInstanceView[]> {
  const rows = await db
    .selectFrom("task_instance")
    .selectAll()
    .where("dag_id", "=", dagId)
    .where("run_id", "=", runId)
    .orderBy("task_id")
    .execute();
  return rows.map((row) => ({
    dagId: row.dag_id,
    runId: row.run_id,
    taskId: row.task_id,
    mapIndex: row.map_index,
    state: row.state,
    tryNumber: row.try_number,
    maxTries: row.max_tries,
    startDate: row.start_date,
    endDate: row.end_date,
    error: row.error === null ? null : (JSON.parse(row.error) as { message: string; code?: string }),
    result: row.result === null ? undefined : JSON.parse(row.result),
  }));
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
  filter: { dagId?: string; uri?: string; before?: number } = {},
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
export async function deleteQueuedEvents(
  db: Kysely<Database>,
  filter: { dagId?: string; uri?: string; before?: number } = {},
): Promise<number> {
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
  if (!row) return undefined;
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
