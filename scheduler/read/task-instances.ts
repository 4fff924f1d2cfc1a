/**
 * Reads of task instances: a run's task instances, one of them, and when a
 * run's next retry is due. (A try's log is a file the runtime writes: see
 * `runtime/task-logs.ts`.)
 */
import type { Kysely, Selectable } from "kysely";
import type { TaskState } from "../contracts.js";
import type { Database } from "../store/schema.js";

/** A task instance as users see it. */
export interface TaskInstanceView {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly state: TaskState;
  readonly tryNumber: number;
  readonly maxTries: number;
  readonly startDate: number | null;
  readonly endDate: number | null;
  readonly error: { message: string; code?: string } | null;
  readonly result: unknown;
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
  return rows.map(toTaskInstanceView);
}

/**
 * A task instance row as users see it.
 *
 * @example
 * ```ts
 * const tis = rows.map(toTaskInstanceView);
 * ```
 */
export function toTaskInstanceView(row: Selectable<Database["task_instance"]>): TaskInstanceView {
  return {
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
  };
}

/**
 * One task instance of a run, or undefined: the one with `mapIndex` when
 * given, else the task's first (an unmapped task has one, at map index -1).
 *
 * @example
 * ```ts
 * const ti = await getTaskInstance(db, "producer", runId, "producer");
 * ```
 */
export async function getTaskInstance(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
  taskId: string,
  mapIndex?: number,
): Promise<TaskInstanceView | undefined> {
  const all = await listTaskInstances(db, dagId, runId);
  return all
    .filter((ti) => ti.taskId === taskId && (mapIndex === undefined || ti.mapIndex === mapIndex))
    .sort((a, b) => a.mapIndex - b.mapIndex)[0];
}

/**
 * When the earliest retry of a run's tries is due (epoch ms), or null when no
 * try waits for a retry.
 *
 * @example
 * ```ts
 * const at = await nextRetryAt(db, "producer", runId);
 * ```
 */
export async function nextRetryAt(db: Kysely<Database>, dagId: string, runId: string): Promise<number | null> {
  const row = await db
    .selectFrom("task_instance")
    .select((eb) => eb.fn.min("next_retry_at").as("at"))
    .where("dag_id", "=", dagId)
    .where("run_id", "=", runId)
    .where("state", "=", "up_for_retry")
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/**
 * Worker ids holding running tries that are `base` itself or `base#<anything>`
 * (the ids of one worker name across processes).
 *
 * @example
 * ```ts
 * const ids = await runningWorkers(db, "host-1"); // ["host-1#4242"]
 * ```
 */
export async function runningWorkers(db: Kysely<Database>, base: string): Promise<string[]> {
  const rows = await db
    .selectFrom("task_instance")
    .select("worker_id")
    .distinct()
    .where("state", "=", "running")
    .where((eb) => eb.or([eb("worker_id", "=", base), eb("worker_id", "like", `${escapeLike(base)}#%`)]))
    .execute();
  return rows.map((row) => row.worker_id).filter((id): id is string => id !== null);
}

/** `text` with the LIKE wildcards escaped by a backslash (PostgreSQL's default escape). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The task-instance queries over one store.
 *
 * @example
 * ```ts
 * const tis = await taskInstanceQueries(db).list("producer", runId);
 * ```
 */
export function taskInstanceQueries(db: Kysely<Database>) {
  return {
    /** A run's task instances by task id ({@link listTaskInstances}). */
    list: (dagId: string, runId: string) => listTaskInstances(db, dagId, runId),
    /** One task instance, or undefined ({@link getTaskInstance}). */
    get: (dagId: string, runId: string, taskId: string, mapIndex?: number) =>
      getTaskInstance(db, dagId, runId, taskId, mapIndex),
    /** When the run's next retry is due, or null ({@link nextRetryAt}). */
    nextRetryAt: (dagId: string, runId: string) => nextRetryAt(db, dagId, runId),
    /** Worker ids of running tries named `base` or `base#...` ({@link runningWorkers}). */
    runningWorkers: (base: string) => runningWorkers(db, base),
  };
}
