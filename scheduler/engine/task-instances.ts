/**
 * Task instances from queued to final: claiming queued ones for a worker,
 * building their run requests, and completing a try — recording its asset
 * events in the same transaction that marks it successful.
 */
import { sql } from "kysely";
import type { JsonObject, JsonValue } from "../../sdk/json.js";
import {
  type AssetEventRecord,
  type RunKind,
  type TaskInstanceKey,
  type TaskOutcome,
  type TaskRunRequest,
  TaskState,
} from "../contracts.js";
import type { EngineContext, Executor } from "./context.js";
import { recordEvents } from "./events.js";
import { advanceRun, getDagManifest, taskIndexOf } from "./runs.js";

/** What completing a try changed, for the work to do after commit. */
export interface CompletionEffects {
  /** False when the report was stale (the try was no longer running). */
  readonly accepted: boolean;
  /** Consumers that received events. */
  readonly consumers: string[];
  /** Set when the run finished. */
  readonly finishedRun: { dagId: string; runId: string; state: "success" | "failed" } | null;
  /** True when tasks were queued. */
  readonly queuedTasks: boolean;
  /** When the try will be retried, if it failed with retries left. */
  readonly retryAt: number | null;
}

/**
 * Claims up to `limit` queued task instances for `workerId` (oldest first):
 * marks them running, increments their try number, and returns their keys.
 */
export async function claimQueued(
  ctx: EngineContext,
  trx: Executor,
  workerId: string,
  limit: number,
): Promise<TaskInstanceKey[]> {
  const now = ctx.clock.now();
  let query = trx
    .selectFrom("task_instance")
    .select(["dag_id", "run_id", "task_id", "map_index", "try_number"])
    .where("state", "=", TaskState.queued)
    .orderBy("queued_at")
    .limit(limit);
  if (ctx.dialect === "postgres") query = query.forUpdate().skipLocked();
  const rows = await query.execute();
  const keys: TaskInstanceKey[] = [];
  for (const row of rows) {
    const updated = await trx
      .updateTable("task_instance")
      .set({
        state: TaskState.running,
        try_number: row.try_number + 1,
        start_date: now,
        end_date: null,
        worker_id: workerId,
        heartbeat_at: now,
      })
      .where("dag_id", "=", row.dag_id)
      .where("run_id", "=", row.run_id)
      .where("task_id", "=", row.task_id)
      .where("map_index", "=", row.map_index)
      .where("state", "=", TaskState.queued)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) {
      keys.push({
        dagId: row.dag_id,
        runId: row.run_id,
        taskId: row.task_id,
        mapIndex: row.map_index,
        tryNumber: row.try_number + 1,
      });
    }
  }
  return keys;
}

/** Builds the run request of a claimed try. */
export async function buildRunRequest(ctx: EngineContext, db: Executor, key: TaskInstanceKey): Promise<TaskRunRequest> {
  const run = await db
    .selectFrom("dag_run")
    .selectAll()
    .where("dag_id", "=", key.dagId)
    .where("run_id", "=", key.runId)
    .executeTakeFirstOrThrow();
  const ti = await db
    .selectFrom("task_instance")
    .select(["execution_timeout_ms"])
    .where("dag_id", "=", key.dagId)
    .where("run_id", "=", key.runId)
    .where("task_id", "=", key.taskId)
    .where("map_index", "=", key.mapIndex)
    .executeTakeFirstOrThrow();
  const dag = await getDagManifest(ctx, db, key.dagId);
  const upstream = dag ? (taskIndexOf(dag.manifest).byId.get(key.taskId)?.upstream ?? []) : [];
  const upstreamResults: Record<string, JsonValue> = {};
  if (upstream.length > 0) {
    const rows = await db
      .selectFrom("task_instance")
      .select(["task_id", "result"])
      .where("dag_id", "=", key.dagId)
      .where("run_id", "=", key.runId)
      .where("task_id", "in", upstream)
      .where("result", "is not", null)
      .execute();
    for (const row of rows) upstreamResults[row.task_id] = JSON.parse(row.result as string) as JsonValue;
  }
  const { events, aliases } = await consumedEvents(db, key.dagId, key.runId);
  return {
    key,
    runType: run.run_type as RunKind,
    logicalDate: run.logical_date,
    dataIntervalStart: run.data_interval_start,
    dataIntervalEnd: run.data_interval_end,
    conf: JSON.parse(run.conf) as JsonObject,
    upstreamResults,
    triggeringEvents: events,
    triggeringAliases: aliases,
    executionTimeoutMs: ti.execution_timeout_ms,
  };
}

/** The events a run consumed, in timestamp order, with the aliases each came through. */
export async function consumedEvents(
  db: Executor,
  dagId: string,
  runId: string,
): Promise<{ events: AssetEventRecord[]; aliases: Record<number, string[]> }> {
  const rows = await eventQuery(db)
    .innerJoin("dag_run_consumed_event as c", "c.event_id", "e.id")
    .where("c.dag_id", "=", dagId)
    .where("c.run_id", "=", runId)
    .orderBy("e.timestamp")
    .orderBy("e.id")
    .execute();
  const events = await withAliases(db, rows);
  const aliases: Record<number, string[]> = {};
  for (const event of events) aliases[event.id] = [...event.sourceAliases];
  return { events, aliases };
}

/** The base query of an event with its asset and source run. */
export function eventQuery(db: Executor) {
  return db
    .selectFrom("asset_event as e")
    .innerJoin("asset as a", "a.id", "e.asset_id")
    .leftJoin("dag_run as r", (join) =>
      join.onRef("r.dag_id", "=", "e.source_dag_id").onRef("r.run_id", "=", "e.source_run_id"),
    )
    .select([
      "e.id",
      "a.name as asset_name",
      "a.uri as asset_uri",
      "e.extra",
      "e.timestamp",
      "e.source_dag_id",
      "e.source_task_id",
      "e.source_run_id",
      "e.source_map_index",
      "r.run_type as source_run_type",
      "r.logical_date as source_logical_date",
      "r.data_interval_start as source_interval_start",
      "r.data_interval_end as source_interval_end",
    ]);
}

type EventRow = Awaited<ReturnType<ReturnType<typeof eventQuery>["execute"]>>[number];

/** Turns event rows into records, loading their source aliases. */
export async function withAliases(db: Executor, rows: readonly EventRow[]): Promise<AssetEventRecord[]> {
  const ids = rows.map((row) => Number(row.id));
  const aliasRows =
    ids.length === 0
      ? []
      : await db
          .selectFrom("asset_event_alias as ea")
          .innerJoin("asset_alias as al", "al.id", "ea.alias_id")
          .select(["ea.event_id", "al.name"])
          .where("ea.event_id", "in", ids)
          .orderBy("al.name")
          .execute();
  const aliasesOf = new Map<number, string[]>();
  for (const row of aliasRows) {
    const id = Number(row.event_id);
    aliasesOf.set(id, [...(aliasesOf.get(id) ?? []), row.name]);
  }
  return rows.map((row) => ({
    id: Number(row.id),
    assetName: row.asset_name,
    assetUri: row.asset_uri,
    extra: JSON.parse(row.extra) as JsonObject,
    timestamp: Number(row.timestamp),
    sourceDagId: row.source_dag_id,
    sourceTaskId: row.source_task_id,
    sourceRunId: row.source_run_id,
    sourceMapIndex: row.source_map_index,
    sourceAliases: aliasesOf.get(Number(row.id)) ?? [],
    sourceRun:
      row.source_dag_id && row.source_run_id && row.source_run_type
        ? {
            dagId: row.source_dag_id,
            runId: row.source_run_id,
            runType: row.source_run_type as RunKind,
            logicalDate: row.source_logical_date,
            dataIntervalStart: row.source_interval_start,
            dataIntervalEnd: row.source_interval_end,
          }
        : null,
  }));
}

/**
 * Completes a try. Success records its events and routes them in this same
 * transaction; failure retries (up_for_retry) while tries remain; skip records
 * nothing. A report for a try that is no longer running is ignored.
 */
export async function completeTry(
  ctx: EngineContext,
  trx: Executor,
  key: TaskInstanceKey,
  outcome: TaskOutcome,
): Promise<CompletionEffects> {
  const now = ctx.clock.now();
  if (ctx.dialect === "postgres") {
    // Completions within one run are serialized, so the last one always sees
    // every other task final and finishes the run.
    await sql`SELECT id FROM dag_run WHERE dag_id = ${key.dagId} AND run_id = ${key.runId} FOR UPDATE`.execute(trx);
  }
  const ti = await trx
    .selectFrom("task_instance")
    .select(["state", "try_number", "max_tries", "retry_delay_ms"])
    .where("dag_id", "=", key.dagId)
    .where("run_id", "=", key.runId)
    .where("task_id", "=", key.taskId)
    .where("map_index", "=", key.mapIndex)
    .executeTakeFirst();
  if (!ti || ti.state !== TaskState.running || ti.try_number !== key.tryNumber) {
    return { accepted: false, consumers: [], finishedRun: null, queuedTasks: false, retryAt: null };
  }
  const consumers = new Set<string>();
  let retryAt: number | null = null;
  let update: Record<string, unknown>;
  if (outcome.state === "success") {
    update = {
      state: TaskState.success,
      end_date: now,
      result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
      error: null,
    };
    const source = { dagId: key.dagId, taskId: key.taskId, runId: key.runId, mapIndex: key.mapIndex };
    const recorded = await recordEvents(
      ctx,
      trx,
      outcome.events.map((event) => ({ asset: event.asset, extra: event.extra, aliases: event.aliases, source })),
    );
    for (const event of recorded) for (const consumer of event.consumers) consumers.add(consumer);
  } else if (outcome.state === "failed") {
    const retry = ti.try_number <= ti.max_tries;
    retryAt = retry ? now + ti.retry_delay_ms : null;
    update = {
      state: retry ? TaskState.upForRetry : TaskState.failed,
      end_date: now,
      next_retry_at: retryAt,
      error: JSON.stringify(outcome.error),
    };
  } else {
    update = { state: TaskState.skipped, end_date: now, error: JSON.stringify({ message: outcome.reason }) };
  }
  await trx
    .updateTable("task_instance")
    .set(update)
    .where("dag_id", "=", key.dagId)
    .where("run_id", "=", key.runId)
    .where("task_id", "=", key.taskId)
    .where("map_index", "=", key.mapIndex)
    .execute();
  const dag = await getDagManifest(ctx, trx, key.dagId);
  const advanced = dag
    ? await advanceRun(ctx, trx, dag.manifest, key.runId, [key.taskId])
    : { queued: [], finished: null };
  return {
    accepted: true,
    consumers: [...consumers],
    finishedRun: advanced.finished ? { dagId: key.dagId, runId: key.runId, state: advanced.finished } : null,
    queuedTasks: advanced.queued.length > 0,
    retryAt,
  };
}

/** Requeues tries whose retry delay has passed. Returns how many. */
export async function requeueDueRetries(ctx: EngineContext, db: Executor): Promise<number> {
  const now = ctx.clock.now();
  const result = await sql`
    UPDATE task_instance SET state = ${TaskState.queued}, queued_at = ${now}, next_retry_at = NULL
    WHERE state = ${TaskState.upForRetry} AND next_retry_at <= ${now}
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
