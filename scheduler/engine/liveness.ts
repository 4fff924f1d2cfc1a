/**
 * Liveness of running tries: workers heartbeat the tries they run, and a
 * try whose heartbeat stopped (its worker died) is failed so that it is
 * retried per its settings. Also starts queued runs a crash left behind.
 */
import type { TaskInstanceKey } from "../contracts.js";
import { TaskState } from "../contracts.js";
import type { EngineContext, Executor } from "./context.js";
import { type CompletionEffects, completeTries, isRunningTry } from "./task-instances.js";

/** Records that a worker is still running these tries. */
export async function heartbeat(ctx: EngineContext, db: Executor, keys: readonly TaskInstanceKey[]): Promise<void> {
  const now = ctx.clock.now();
  for (const key of keys) {
    await db.updateTable("task_instance").set({ heartbeat_at: now }).where(isRunningTry(key)).execute();
  }
}

/**
 * Running tries whose last heartbeat is older than `timeoutMs` (or, with
 * `workerIds`, that belong to those workers): their worker is gone.
 */
export async function findLostTries(
  ctx: EngineContext,
  db: Executor,
  options: { timeoutMs?: number; workerIds?: readonly string[] },
): Promise<TaskInstanceKey[]> {
  let query = db
    .selectFrom("task_instance")
    .select(["dag_id", "run_id", "task_id", "map_index", "try_number"])
    .where("state", "=", TaskState.running);
  if (options.workerIds) {
    if (options.workerIds.length === 0) return [];
    query = query.where("worker_id", "in", options.workerIds);
  } else {
    query = query.where("heartbeat_at", "<", ctx.clock.now() - (options.timeoutMs ?? 60_000));
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    dagId: row.dag_id,
    runId: row.run_id,
    taskId: row.task_id,
    mapIndex: row.map_index,
    tryNumber: row.try_number,
  }));
}

/** Fails a lost try (so it is retried when it has retries left). */
export function failLostTry(ctx: EngineContext, trx: Executor, key: TaskInstanceKey): Promise<CompletionEffects> {
  const outcome = {
    state: "failed",
    error: {
      code: "WORKER_LOST",
      message: `The worker running try ${key.tryNumber} of task "${key.taskId}" stopped (no heartbeat); the try counts as failed.`,
    },
  } as const;
  return completeTries(ctx, trx, [{ key, outcome }]);
}

/** DAG ids that have queued runs (to start them after a crash or a freed slot). */
export async function dagsWithQueuedRuns(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom("dag_run").select("dag_id").distinct().where("state", "=", "queued").execute();
  return rows.map((row) => row.dag_id);
}
