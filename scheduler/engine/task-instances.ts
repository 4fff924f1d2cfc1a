/**
 * Task instances from queued to final: claiming queued ones for a worker,
 * building their run requests, and completing a try — recording its asset
 * events in the same transaction that marks it successful.
 */
import { type Compilable, type CompiledQuery, type ExpressionBuilder, sql } from "kysely";
import { jsonArrayFrom as postgresJsonArrayFrom } from "kysely/helpers/postgres";
import { jsonArrayFrom as sqliteJsonArrayFrom } from "kysely/helpers/sqlite";
import type { JsonObject, JsonValue } from "../../sdk/json.js";
import { assetConditionOf, conditionLeaves } from "../condition-evaluator.js";
import {
  type AssetEventRecord,
  type PatternCaptures,
  type RunKind,
  type TaskInstanceKey,
  type TaskOutcome,
  type TaskRunRequest,
  TaskState,
  type TryReport,
  type TryWarning,
} from "../contracts.js";
import type { DagRunTable, Database } from "../store/schema.js";
import { compiledQuery, executeWithNext } from "./compiled-query.js";
import { evaluateConsumerIfFree } from "./consumers.js";
import { dialectOf, type EngineContext, type Executor } from "./context.js";
import { type EventToRecord, recordEvents } from "./events.js";
import {
  type AdvanceOptions,
  advanceRun,
  type DagRow,
  dagRowColumns,
  firstAdvanceStatement,
  heldManifestHash,
  lockDag,
  type RegisteredDag,
  registeredDag,
  slotsStatement,
  startQueuedRunsLocked,
  taskIndexOf,
  truthy,
} from "./runs.js";

/** What completing one reported try did. */
export interface TryCompletion {
  /** False when the report was stale (the try was no longer running). */
  readonly accepted: boolean;
  /** When the try will be retried, if it failed with retries left. */
  readonly retryAt: number | null;
}

/** A run that finished. */
export interface FinishedRun {
  readonly dagId: string;
  readonly runId: string;
  readonly state: "success" | "failed";
}

/** What completing a batch of tries changed, for the work to do after commit. */
export interface CompletionEffects {
  /** One entry per report, in the order of the reports. */
  readonly tries: readonly TryCompletion[];
  /** DAGs to evaluate as consumers: those that received events, and asset-scheduled DAGs a finished run freed a slot of. */
  readonly consumers: string[];
  /** Those of {@link consumers} left to evaluate after commit (the others were evaluated in the transaction). */
  readonly deferredConsumers: string[];
  /** The runs created by consumers evaluated in the completion's transaction (see `inlineConsumers`). */
  readonly inlineRuns: Array<{ dagId: string; runId: string }>;
  /** Runs that finished. */
  readonly finishedRuns: FinishedRun[];
  /** True when tasks were queued. */
  readonly queuedTasks: boolean;
  /** Warnings about the reported tries, for their logs (see {@link TryWarning}). */
  readonly warnings: readonly TryWarning[];
}

/** A claimed try and what the claim read of its task instance (and, on PostgreSQL, of its run). */
export interface ClaimedTry {
  readonly key: TaskInstanceKey;
  readonly executionTimeoutMs: number | null;
  /** The run as {@link buildRunRequests} reads it, when the claim read it with the try. */
  readonly run?: RunRequestRow;
}

/** A task instance row a claim returns (with its new try number). */
interface ClaimedRow {
  readonly dag_id: string;
  readonly run_id: string;
  readonly task_id: string;
  readonly map_index: number;
  readonly try_number: number;
  readonly execution_timeout_ms: number | null;
  readonly queued_at: number | string | null;
}

/**
 * SQLite: claims the oldest queued tries in one statement (the write lock is
 * held from `BEGIN IMMEDIATE`, so nothing can take them in between); returns
 * them with their new try number. RETURNING gives no order: the caller sorts
 * by `queued_at`, then `rowid` (the order of the `task_instance_by_state`
 * index the pick reads).
 */
const claimOldestSqliteQuery = compiledQuery(
  (_db, now: number, workerId: string, limit: number) => sql<ClaimedRow & { row: number }>`
    UPDATE task_instance
    SET state = ${TaskState.running}, try_number = try_number + 1, start_date = ${now}, end_date = NULL,
      worker_id = ${workerId}, heartbeat_at = ${now}
    WHERE rowid IN (
      SELECT rowid FROM task_instance WHERE state = ${TaskState.queued} ORDER BY queued_at LIMIT ${limit}
    )
    RETURNING rowid AS row, dag_id, run_id, task_id, map_index, try_number, execution_timeout_ms, queued_at
  `,
);

/**
 * PostgreSQL: claims the oldest queued tries in one statement, skipping rows
 * another claim holds; returns them with their new try number and what
 * {@link buildRunRequests} needs of their runs (see {@link runRequestColumns};
 * no manifest text). The picked rows are a MATERIALIZED CTE: as a subquery of
 * the UPDATE, the planner may run the LIMIT more than once and claim more than
 * asked.
 */
const claimOldestQuery = compiledQuery(
  (db, now: number, workerId: string, limit: number) => sql<ClaimedRow & RunRequestRow>`
    WITH q AS MATERIALIZED (
      SELECT dag_id, run_id, task_id, map_index FROM task_instance
      WHERE state = ${TaskState.queued} ORDER BY queued_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
    )
    UPDATE task_instance t
    SET state = ${TaskState.running}, try_number = t.try_number + 1, start_date = ${now}, end_date = NULL,
      worker_id = ${workerId}, heartbeat_at = ${now}
    FROM q
    JOIN dag_run run ON run.dag_id = q.dag_id AND run.run_id = q.run_id
    LEFT JOIN dag d ON d.dag_id = q.dag_id
    WHERE t.dag_id = q.dag_id AND t.run_id = q.run_id AND t.task_id = q.task_id AND t.map_index = q.map_index
      AND t.state = ${TaskState.queued}
    RETURNING t.dag_id, t.run_id, t.task_id, t.map_index, t.try_number, t.execution_timeout_ms, t.queued_at,
      ${sql.join(runRequestColumns(db, null))}
  `,
);

/**
 * Claims up to `limit` queued task instances for `workerId` (oldest first):
 * marks them running, increments their try number, and returns them. On
 * PostgreSQL rows another claim holds are skipped, not waited for.
 */
export async function claimQueued(
  ctx: EngineContext,
  trx: Executor,
  workerId: string,
  limit: number,
): Promise<ClaimedTry[]> {
  const now = ctx.clock.now();
  if (ctx.dialect === "postgres") {
    // One statement: pick (skipping rows another claim holds) and mark running.
    const { rows } = await claimOldestQuery(ctx.dialect, trx, now, workerId, limit);
    return [...rows]
      .sort((a, b) => Number(a.queued_at) - Number(b.queued_at))
      .map((row) => ({ ...claimedTry(row), run: row }));
  }
  const { rows } = await claimOldestSqliteQuery(ctx.dialect, trx, now, workerId, limit);
  return [...rows].sort((a, b) => queuedOrder(a.queued_at, b.queued_at) || a.row - b.row).map(claimedTry);
}

/** `queued_at` ascending as SQLite orders it (NULL first). */
function queuedOrder(a: number | string | null, b: number | string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return Number(a) - Number(b);
}

/** A claimed row as a {@link ClaimedTry}. */
function claimedTry(row: ClaimedRow): ClaimedTry {
  return {
    key: {
      dagId: row.dag_id,
      runId: row.run_id,
      taskId: row.task_id,
      mapIndex: row.map_index,
      tryNumber: row.try_number,
    },
    executionTimeoutMs: row.execution_timeout_ms,
  };
}

/**
 * What a run request needs of a run (`dag_run run`): its columns, its DAG's
 * row (`dag d`, see {@link DagRow}; `dag_row` null when there is none) and,
 * for an asset-triggered run, the events it consumed as a JSON array (see
 * {@link consumedEventRows}). `held`: see {@link dagRowColumns}.
 */
function runRequestColumns(db: Executor, held: string | null) {
  const column = <T>(name: keyof DagRunTable) => sql.ref<T>(`run.${name}`).as(name);
  const jsonArrayFrom = dialectOf(db) === "postgres" ? postgresJsonArrayFrom : sqliteJsonArrayFrom;
  const consumed = jsonArrayFrom(
    consumedEventRows(db).where(sql<boolean>`c.dag_id = run.dag_id AND c.run_id = run.run_id`),
  );
  return [
    column<DagRunTable["run_type"]>("run_type"),
    column<DagRunTable["logical_date"]>("logical_date"),
    column<DagRunTable["data_interval_start"]>("data_interval_start"),
    column<DagRunTable["data_interval_end"]>("data_interval_end"),
    column<DagRunTable["conf"]>("conf"),
    sql.ref<string | null>("d.dag_id").as("dag_row"),
    ...dagRowColumns(held, "d"),
    // Only asset-triggered runs consume events: the others skip the subquery.
    sql<unknown>`CASE WHEN run.run_type = ${sql.lit("asset_triggered")} THEN ${consumed} END`.as("consumed"),
  ] as const;
}

/** A run as {@link runRequestColumns} reads it. */
type RunRequestRow = Pick<
  DagRunTable,
  "run_type" | "logical_date" | "data_interval_start" | "data_interval_end" | "conf"
> &
  DagRow & {
    readonly dag_row: string | null;
    /** JSON array of consumed event rows: parsed (PostgreSQL), text (SQLite), or null (not asset-triggered). */
    readonly consumed: unknown;
  };

/** A run with what its run requests need (see {@link runRequestColumns}), in one statement. */
const runQuery = compiledQuery(
  (db, dagId: string, runId: string, held: string) =>
    db
      .selectFrom("dag_run as run")
      .leftJoin("dag as d", "d.dag_id", "run.dag_id")
      .select(runRequestColumns(db, held))
      .where("run.dag_id", "=", dagId)
      .where("run.run_id", "=", runId) as unknown as Compilable<RunRequestRow>,
);

const patternSchedules = new WeakMap<object, boolean>();

/** Whether a DAG's asset schedule has URI patterns (true when the DAG is unknown: then nobody knows). */
function schedulesPatterns(dag: RegisteredDag | undefined): boolean {
  if (!dag) return true;
  let has = patternSchedules.get(dag.manifest);
  if (has === undefined) {
    const condition = assetConditionOf(dag.manifest.schedule);
    has = condition !== null && conditionLeaves(condition).patterns.length > 0;
    patternSchedules.set(dag.manifest, has);
  }
  return has;
}

/**
 * Builds the run requests of claimed tries. What tries of one run share (the
 * run, its consumed events, the DAG) is read once per run, so a claim of many
 * tries of one run costs a few statements, not a few per try.
 */
export async function buildRunRequests(
  ctx: EngineContext,
  db: Executor,
  claimed: readonly ClaimedTry[],
): Promise<TaskRunRequest[]> {
  const byRun = new Map<string, ClaimedTry[]>();
  for (const item of claimed) {
    const runKey = JSON.stringify([item.key.dagId, item.key.runId]);
    byRun.set(runKey, [...(byRun.get(runKey) ?? []), item]);
  }
  const requests = new Map<ClaimedTry, TaskRunRequest>();
  for (const tries of byRun.values()) {
    const { dagId, runId } = (tries[0] as ClaimedTry).key;
    const run = tries[0]?.run ?? (await runQuery(ctx.dialect, db, dagId, runId, heldManifestHash(ctx, dagId))).rows[0];
    if (!run) throw new Error(`The run "${runId}" of DAG "${dagId}" is gone.`);
    // No DAG row (never in practice): the request has no DAG file, as before.
    const dag = run.dag_row === null ? undefined : await registeredDag(ctx, db, dagId, run);
    const index = dag ? taskIndexOf(dag.manifest) : undefined;
    const upstreamOf = (taskId: string) => index?.byId.get(taskId)?.upstream ?? [];
    const upstream = [...new Set(tries.flatMap((item) => upstreamOf(item.key.taskId)))];
    const results = new Map<string, JsonValue>();
    if (upstream.length > 0) {
      const rows = await db
        .selectFrom("task_instance")
        .select(["task_id", "result"])
        .where("dag_id", "=", dagId)
        .where("run_id", "=", runId)
        .where("task_id", "in", upstream)
        .where("result", "is not", null)
        .execute();
      for (const row of rows) results.set(row.task_id, JSON.parse(row.result as string) as JsonValue);
    }
    // Only asset-triggered runs consume events (read with the run).
    const triggered = run.run_type === "asset_triggered";
    const { events, aliases } = triggered ? await consumedEventRecords(db, run.consumed) : { events: [], aliases: {} };
    // Captures come from the schedule's URI patterns: a schedule without any has none.
    const captures = triggered && schedulesPatterns(dag) ? await consumedCaptures(db, dagId, runId) : {};
    for (const item of tries) {
      const upstreamResults: Record<string, JsonValue> = {};
      for (const taskId of upstreamOf(item.key.taskId)) {
        const result = results.get(taskId);
        if (result !== undefined) upstreamResults[taskId] = result;
      }
      requests.set(item, {
        key: item.key,
        dagFile: dag?.fileloc ?? null,
        ...(dag?.manifest.uriSchemeFiles === undefined ? {} : { uriSchemeFiles: dag.manifest.uriSchemeFiles }),
        runType: run.run_type as RunKind,
        logicalDate: run.logical_date,
        dataIntervalStart: run.data_interval_start,
        dataIntervalEnd: run.data_interval_end,
        conf: JSON.parse(run.conf) as JsonObject,
        upstreamResults,
        triggeringEvents: events,
        triggeringAliases: aliases,
        triggeringCaptures: captures,
        executionTimeoutMs: item.executionTimeoutMs,
      });
    }
  }
  return claimed.map((item) => requests.get(item) as TaskRunRequest);
}

/** The events a run consumed, in timestamp order, with the aliases each came through. */
export async function consumedEvents(
  db: Executor,
  dagId: string,
  runId: string,
): Promise<{ events: AssetEventRecord[]; aliases: Record<number, string[]> }> {
  const { rows } = await consumedEventsQuery(dialectOf(db), db, dagId, runId);
  return consumedEventRecords(db, rows);
}

type ConsumedEventRow = EventRow & { has_aliases: unknown };

/**
 * Records of consumed events read as rows, or as the JSON array of
 * {@link runQuery} (parsed by the PostgreSQL driver, text on SQLite), in
 * timestamp order, with the aliases each came through.
 */
async function consumedEventRecords(
  db: Executor,
  read: readonly ConsumedEventRow[] | string | unknown,
): Promise<{ events: AssetEventRecord[]; aliases: Record<number, string[]> }> {
  const rows = (typeof read === "string" ? JSON.parse(read) : read) as ConsumedEventRow[];
  const ordered = [...rows].sort((a, b) => Number(a.timestamp) - Number(b.timestamp) || Number(a.id) - Number(b.id));
  const events = await withAliases(
    db,
    ordered,
    ordered.filter((row) => truthy(row.has_aliases as boolean | number)),
  );
  const aliases: Record<number, string[]> = {};
  for (const event of events) aliases[event.id] = [...event.sourceAliases];
  return { events, aliases };
}

/**
 * What the URI patterns of a DAG's schedule captured from the assets of a
 * run's consumed events, by event id (patterns in text order).
 */
export async function consumedCaptures(
  db: Executor,
  dagId: string,
  runId: string,
): Promise<Record<number, PatternCaptures[]>> {
  const rows = await db
    .selectFrom("dag_run_consumed_event as c")
    .innerJoin("asset_event as e", "e.id", "c.event_id")
    .innerJoin("asset_pattern_match as m", "m.asset_id", "e.asset_id")
    .innerJoin("dag_schedule_pattern as sp", (join) =>
      join.onRef("sp.pattern_id", "=", "m.pattern_id").onRef("sp.dag_id", "=", "c.dag_id"),
    )
    .innerJoin("uri_pattern as p", "p.id", "m.pattern_id")
    .select(["c.event_id", "p.pattern", "m.captures"])
    .where("c.dag_id", "=", dagId)
    .where("c.run_id", "=", runId)
    .orderBy("c.event_id")
    .orderBy("p.pattern")
    .execute();
  const byEvent: Record<number, PatternCaptures[]> = {};
  for (const row of rows) {
    const id = Number(row.event_id);
    const list = byEvent[id] ?? [];
    list.push({ pattern: row.pattern, captures: JSON.parse(row.captures) as Record<string, string> });
    byEvent[id] = list;
  }
  return byEvent;
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

/** Consumed events (`dag_run_consumed_event c`) with their asset, source run and whether they came through aliases. */
function consumedEventRows(db: Executor) {
  return (
    eventQuery(db)
      .innerJoin("dag_run_consumed_event as c", "c.event_id", "e.id")
      // Whether the event came through aliases: the claim reads aliases only for those that did.
      .select((eb) =>
        eb
          .exists(eb.selectFrom("asset_event_alias as x").select("x.event_id").whereRef("x.event_id", "=", "e.id"))
          .as("has_aliases"),
      )
  );
}

/** The events a run consumed, oldest first: built once per dialect. */
const consumedEventsQuery = compiledQuery((db, dagId: string, runId: string) =>
  consumedEventRows(db)
    .where("c.dag_id", "=", dagId)
    .where("c.run_id", "=", runId)
    .orderBy("e.timestamp")
    .orderBy("e.id"),
);

/**
 * Turns event rows into records, loading the source aliases of `aliased`
 * (by default every row; the others have none).
 */
export async function withAliases(
  db: Executor,
  rows: readonly EventRow[],
  aliased: readonly EventRow[] = rows,
): Promise<AssetEventRecord[]> {
  const ids = aliased.map((row) => Number(row.id));
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
 * Completes reported tries in one transaction. Success records the try's
 * events and routes them in this same transaction; failure retries
 * (up_for_retry) while tries remain; skip records nothing. A report for a try
 * that is no longer running is ignored. Each run the tries belong to is then
 * advanced once, with all of its finished tasks. The first `inlineConsumers`
 * consumers to evaluate are evaluated in this transaction too.
 */
export async function completeTries(
  ctx: EngineContext,
  trx: Executor,
  reports: readonly TryReport[],
  inlineConsumers = 0,
): Promise<CompletionEffects> {
  const now = ctx.clock.now();
  interface RunToAdvance {
    dagId: string;
    runId: string;
    taskIds: string[];
    running: boolean;
    /** The DAG's row, read with the run's state: null when it has none, undefined when not read yet. */
    dagRow?: DagRow | null;
  }
  const runs = new Map<string, RunToAdvance>();
  for (const { key } of reports) {
    const runKey = JSON.stringify([key.dagId, key.runId]);
    if (!runs.has(runKey)) runs.set(runKey, { dagId: key.dagId, runId: key.runId, taskIds: [], running: false });
  }
  if (ctx.dialect === "postgres") {
    // Completions within one run are serialized, so the last one always sees
    // every other task final and finishes the run. Locked in one order, so two
    // batches never wait for each other's locks.
    const order = [...runs.keys()].sort();
    for (const [index, runKey] of order.entries()) {
      const run = runs.get(runKey) as RunToAdvance;
      const lock = lockRunQuery.statement(ctx.dialect, trx, run.dagId, run.runId, heldManifestHash(ctx, run.dagId));
      // The first report's try is ended right after the last lock: both go in one round trip.
      const first = index === order.length - 1 ? reports[0] : undefined;
      const next = first ? endTryStatement(ctx, trx, first.key, first.outcome, now, first.startedAt) : null;
      const [row] = (await executeWithNext(ctx.dialect, trx, lock, next)).rows;
      run.running = row?.state === "running";
      run.dagRow = row?.dag_row == null ? null : (row as DagRow);
    }
  }
  const tries: TryCompletion[] = [];
  const events: EventToRecord[] = [];
  const eventKeys: TaskInstanceKey[] = [];
  for (const { key, outcome, startedAt } of reports) {
    const completion = await finishTry(ctx, trx, key, outcome, now, startedAt ?? null);
    tries.push(completion);
    if (!completion.accepted) continue;
    runs.get(JSON.stringify([key.dagId, key.runId]))?.taskIds.push(key.taskId);
    if (outcome.state !== "success") continue;
    const source = { dagId: key.dagId, taskId: key.taskId, runId: key.runId, mapIndex: key.mapIndex };
    for (const event of outcome.events) {
      events.push({ asset: event.asset, extra: event.extra, aliases: event.aliases, source });
      eventKeys.push(key);
    }
  }
  // PostgreSQL, one run: when the run's first step is known before the events are recorded (its
  // finish, the finished tasks having no downstream task), it goes in the last event's message.
  const [only] = runs.size === 1 ? runs.values() : [];
  const ahead = ctx.dialect === "postgres" && only ? await advanceAhead(ctx, trx, only, now) : null;
  const consumers = new Set<string>();
  const warnings: TryWarning[] = [];
  (await recordEvents(ctx, trx, events, ahead?.statement ?? null)).forEach((event, index) => {
    for (const consumer of event.consumers) consumers.add(consumer);
    if (event.createdByAlias !== undefined) {
      const uri = events[index]?.asset.uri;
      const message = `asset "${uri}" did not exist; created by alias "${event.createdByAlias}"`;
      warnings.push({ key: eventKeys[index] as TaskInstanceKey, message });
    }
  });
  const finishedRuns: FinishedRun[] = [];
  const finishedDags = new Map<string, RegisteredDag>();
  let queuedTasks = false;
  for (const run of runs.values()) {
    const { dagId, runId, taskIds } = run;
    if (taskIds.length === 0) continue;
    if (run.dagRow === undefined) {
      // SQLite: the run's state and its DAG's row in one read (the write lock keeps both).
      const [row] = (await readRunQuery(ctx.dialect, trx, dagId, runId, heldManifestHash(ctx, dagId))).rows;
      run.running = row?.state === "running";
      run.dagRow = row?.dag_row == null ? null : (row as DagRow);
    }
    const { running, dagRow } = run;
    // A run that is not running (finished, or gone) has nothing to advance.
    if (!running || dagRow === null) continue;
    const dag = await registeredDag(ctx, trx, dagId, dagRow);
    // The lock read the run's state (PostgreSQL), and the lock keeps it.
    // One run (PostgreSQL): its DAG is locked as the run finishes, as the loop below would
    // next; with several, the loop locks their DAGs in one order.
    // One run: when it finishes, the DAG's queued runs are looked at next (below).
    const advanced = await advanceRun(
      ctx,
      trx,
      dag.manifest,
      runId,
      taskIds,
      running,
      ahead?.options ?? {
        lockDagIfFinished: runs.size === 1,
        ...(runs.size === 1 ? { nextIfFinished: slotsStatement(ctx, trx, dag) } : {}),
      },
    );
    if (advanced.finished) {
      finishedRuns.push({ dagId, runId, state: advanced.finished });
      finishedDags.set(dagId, dag);
    }
    if (advanced.queued.length > 0) queuedTasks = true;
  }
  // A finished run frees a slot under maxActiveRuns: queued runs of its DAG
  // start in this transaction, and a DAG scheduled on assets is evaluated after
  // it (events may be waiting for the slot).
  for (const [dagId, dag] of [...finishedDags].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (runs.size > 1 || ctx.dialect !== "postgres") await lockDag(ctx, trx, dagId);
    if ((await startQueuedRunsLocked(ctx, trx, dag)).length > 0) queuedTasks = true;
    if (assetConditionOf(dag.manifest.schedule)) consumers.add(dagId);
  }
  const all = [...consumers];
  const { evaluated, deferred } = await evaluateInline(ctx, trx, all, inlineConsumers, finishedDags);
  return {
    tries,
    consumers: all,
    deferredConsumers: deferred,
    finishedRuns,
    queuedTasks,
    inlineRuns: evaluated,
    warnings,
  };
}

/**
 * PostgreSQL: {@link completeTries}' advance of its one run, when its first
 * statement is known before the events are recorded (see
 * {@link firstAdvanceStatement}): that statement, and the options that make
 * {@link advanceRun} run exactly it. Null when it is not known, or nothing
 * of the run advances (no try accepted, the run not running).
 */
async function advanceAhead(
  ctx: EngineContext,
  trx: Executor,
  run: { dagId: string; runId: string; taskIds: readonly string[]; running: boolean; dagRow?: DagRow | null },
  now: number,
): Promise<{ statement: CompiledQuery; options: AdvanceOptions & { now: number } } | null> {
  if (run.taskIds.length === 0 || !run.running || !run.dagRow) return null;
  // Read here (a statement only when the manifest is not held), not between the events and the advance.
  const dag = await registeredDag(ctx, trx, run.dagId, run.dagRow);
  const options = { lockDagIfFinished: true, nextIfFinished: slotsStatement(ctx, trx, dag), now };
  const statement = firstAdvanceStatement(ctx, trx, dag.manifest, run.runId, run.taskIds, true, options);
  return statement ? { statement, options } : null;
}

/** Thrown by {@link completeTries} when evaluating a consumer in the completion's transaction failed (see {@link InlineEvaluationError.cause}). */
export class InlineEvaluationError extends Error {
  constructor(override readonly cause: unknown) {
    super(`evaluating consumers in the completion's transaction failed: ${(cause as Error)?.message ?? cause}`);
  }
}

/**
 * Evaluates up to `limit` consumers in the completion's transaction (one
 * commit for the completion and the runs it triggers). A consumer whose lock
 * another transaction holds is not waited for (that could deadlock with the
 * run and DAG locks this transaction holds): it is returned in `deferred`
 * with the consumers beyond `limit`, for evaluation after the commit.
 * `read`: DAGs whose rows this transaction read already (see
 * {@link evaluateConsumerIfFree}).
 */
async function evaluateInline(
  ctx: EngineContext,
  trx: Executor,
  consumers: readonly string[],
  limit: number,
  read: ReadonlyMap<string, RegisteredDag>,
): Promise<{ evaluated: Array<{ dagId: string; runId: string }>; deferred: string[] }> {
  const evaluated: Array<{ dagId: string; runId: string }> = [];
  const deferred: string[] = [];
  for (const [index, dagId] of consumers.entries()) {
    if (index >= limit) {
      deferred.push(dagId);
      continue;
    }
    let runs: string[] | null;
    try {
      runs = await evaluateConsumerIfFree(ctx, trx, dagId, read.get(dagId));
    } catch (error) {
      throw new InlineEvaluationError(error);
    }
    if (runs === null) deferred.push(dagId);
    else for (const runId of runs) evaluated.push({ dagId, runId });
  }
  return { evaluated, deferred };
}

/** A run's state and its DAG's row (see {@link DagRow}) in one statement. */
const runAndDagSelect = (db: Executor, dagId: string, runId: string, held: string) =>
  db
    .selectFrom("dag_run as run")
    .leftJoin("dag as d", "d.dag_id", "run.dag_id")
    .select(["run.state", "d.dag_id as dag_row", ...dagRowColumns(held, "d")])
    .where("run.dag_id", "=", dagId)
    .where("run.run_id", "=", runId);

/** PostgreSQL: {@link runAndDagSelect} with the run's row locked for the completion. */
const lockRunQuery = compiledQuery((db, dagId: string, runId: string, held: string) =>
  runAndDagSelect(db, dagId, runId, held).forUpdate("run"),
);

/** SQLite: {@link runAndDagSelect} (the transaction holds the write lock). */
const readRunQuery = compiledQuery(runAndDagSelect);

/** Ends a running try in `state`, if it is still that try (the UPDATE's guard). */
function endTryQuery(state: typeof TaskState.success | typeof TaskState.skipped) {
  return compiledQuery(
    (
      db,
      now: number,
      startedAt: number | null,
      text: string | null,
      dagId: string,
      runId: string,
      taskId: string,
      mapIndex: number,
      tryNumber: number,
    ) =>
      db
        .updateTable("task_instance")
        .set(
          state === TaskState.success
            ? { state, start_date: startDate(startedAt), end_date: now, result: text, error: null }
            : { state, start_date: startDate(startedAt), end_date: now, error: text },
        )
        .where("dag_id", "=", dagId)
        .where("run_id", "=", runId)
        .where("task_id", "=", taskId)
        .where("map_index", "=", mapIndex)
        .where("state", "=", TaskState.running)
        .where("try_number", "=", tryNumber),
  );
}

/** The try's start: when its host began it, if reported, else the claim time it has. */
function startDate(startedAt: number | null) {
  return sql<number>`coalesce(${startedAt}, start_date)`;
}

const succeedQuery = endTryQuery(TaskState.success);
const skipQuery = endTryQuery(TaskState.skipped);

/**
 * The one statement that ends a successful or skipped try (a guarded UPDATE,
 * which changes nothing for a stale report); null for a failure, which reads
 * the try first.
 */
function endTryStatement(
  ctx: EngineContext,
  trx: Executor,
  key: TaskInstanceKey,
  outcome: TaskOutcome,
  now: number,
  startedAt: number | null | undefined,
): CompiledQuery | null {
  const { dagId, runId, taskId, mapIndex, tryNumber } = key;
  const started = startedAt ?? null;
  if (outcome.state === "success") {
    const result = outcome.result === undefined ? null : JSON.stringify(outcome.result);
    return succeedQuery.statement(ctx.dialect, trx, now, started, result, dagId, runId, taskId, mapIndex, tryNumber);
  }
  if (outcome.state === "skipped") {
    const error = JSON.stringify({ message: outcome.reason });
    return skipQuery.statement(ctx.dialect, trx, now, started, error, dagId, runId, taskId, mapIndex, tryNumber);
  }
  return null;
}

/** Sets the final (or retry) state of one reported try, if it is still running. */
async function finishTry(
  ctx: EngineContext,
  trx: Executor,
  key: TaskInstanceKey,
  outcome: TaskOutcome,
  now: number,
  startedAt: number | null,
): Promise<TryCompletion> {
  // Success and skip need nothing read first: one guarded UPDATE, which changes nothing for a stale report.
  if (outcome.state !== "failed") {
    const end = endTryStatement(ctx, trx, key, outcome, now, startedAt) as CompiledQuery;
    const updated = await trx.executeQuery(end);
    return { accepted: Number(updated.numAffectedRows) === 1, retryAt: null };
  }
  const thisTry = trx.updateTable("task_instance").where(isRunningTry(key));
  const ti = await trx
    .selectFrom("task_instance")
    .select(["state", "try_number", "max_tries", "retry_delay_ms"])
    .where("dag_id", "=", key.dagId)
    .where("run_id", "=", key.runId)
    .where("task_id", "=", key.taskId)
    .where("map_index", "=", key.mapIndex)
    .executeTakeFirst();
  if (!ti || ti.state !== TaskState.running || ti.try_number !== key.tryNumber) {
    return { accepted: false, retryAt: null };
  }
  const retry = ti.try_number <= ti.max_tries;
  const retryAt = retry ? now + ti.retry_delay_ms : null;
  await thisTry
    .set({
      state: retry ? TaskState.upForRetry : TaskState.failed,
      start_date: startDate(startedAt),
      end_date: now,
      next_retry_at: retryAt,
      error: JSON.stringify(outcome.error),
    })
    .execute();
  return { accepted: true, retryAt };
}

/** Matches the task instance of `key` while that try still runs (a stale key matches nothing). */
export function isRunningTry(key: TaskInstanceKey) {
  return (eb: ExpressionBuilder<Database, "task_instance">) =>
    eb.and([
      eb("dag_id", "=", key.dagId),
      eb("run_id", "=", key.runId),
      eb("task_id", "=", key.taskId),
      eb("map_index", "=", key.mapIndex),
      eb("state", "=", TaskState.running),
      eb("try_number", "=", key.tryNumber),
    ]);
}

/**
 * Gives claimed tries that never started back to the queue: each is queued
 * again with its previous try number, so the next claim runs the same try. A
 * key that is no longer the running try changes nothing. Returns the keys
 * released.
 */
export async function releaseTries(
  ctx: EngineContext,
  trx: Executor,
  keys: readonly TaskInstanceKey[],
): Promise<TaskInstanceKey[]> {
  const now = ctx.clock.now();
  const released: TaskInstanceKey[] = [];
  for (const key of keys) {
    const updated = await trx
      .updateTable("task_instance")
      .set({
        state: TaskState.queued,
        try_number: key.tryNumber - 1,
        queued_at: now,
        start_date: null,
        worker_id: null,
        heartbeat_at: null,
      })
      .where(isRunningTry(key))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) released.push(key);
  }
  return released;
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
