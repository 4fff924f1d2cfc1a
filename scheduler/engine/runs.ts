/**
 * DAG runs and the task-instance state machine inside a run: creating runs,
 * starting queued runs under `maxActiveRuns`, and advancing task instances
 * (queue ready tasks, propagate failures and skips, finish the run).
 */
import { randomBytes } from "node:crypto";
import { CompiledQuery, type RawBuilder, sql } from "kysely";
import type { JsonObject } from "../../sdk/json.js";
import type { DagManifest } from "../../sdk/manifest/schema.js";
import { FINAL_TASK_STATES, OPEN_TASK_STATES, type RunKind, RunState, TaskState } from "../contracts.js";
import { SEND_WITH_NEXT } from "../store/next-statement.js";
import type { DagRunTable, DagTable, TaskInstanceTable } from "../store/schema.js";
import { insertRows } from "./bulk-insert.js";
import { compiledQuery, executeWithNext, withNext } from "./compiled-query.js";
import type { EngineContext, Executor } from "./context.js";

/** A new run's fields. */
export interface NewRun {
  readonly runType: RunKind;
  readonly runId?: string;
  readonly logicalDate: number | null;
  /** The data interval: values, or expressions the insert computes (no read-back before it). */
  readonly dataIntervalStart: number | null | RawBuilder<number | null>;
  readonly dataIntervalEnd: number | null | RawBuilder<number | null>;
  readonly conf: JsonObject;
  /**
   * Create the run running, its tasks without upstream tasks queued: what
   * starting it at once ({@link startQueuedRunsLocked}) would write, without
   * reading it back. Only for a caller holding the DAG's lock that knows a
   * slot is free and no run is queued ahead ({@link startsAtOnce}).
   */
  readonly started?: boolean;
  /**
   * PostgreSQL: more common table expressions for the run's insert statement
   * (`name AS (...)`, comma-separated), which read the new run from `created`
   * (`run_id`; no row when the run existed already): work that belongs with
   * the run, done in the same round trip. Ignored on SQLite.
   */
  readonly alsoWhenCreated?: RawBuilder<unknown>;
  /**
   * PostgreSQL: the run's insert is not waited for: it goes in the
   * transaction's next message ({@link SEND_WITH_NEXT}), and the run id is
   * returned without its answer. A run with that id existing already then
   * fails the transaction (no `ON CONFLICT`) instead of giving null: only for
   * run ids with a random suffix (not `scheduled`). Ignored on SQLite.
   */
  readonly sendWithNext?: boolean;
}

/**
 * Whether a new run of a DAG may be created started (see {@link NewRun.started}):
 * no run of the DAG is queued or running, a run may be active, and the DAG has
 * tasks (a run without tasks finishes as it starts, which {@link advanceRun} does).
 */
export function startsAtOnce(dag: Pick<RegisteredDag, "manifest" | "maxActiveRuns">, activeRuns: number): boolean {
  return activeRuns === 0 && dag.maxActiveRuns >= 1 && dag.manifest.tasks.length > 0;
}

/**
 * A DAG's row, with its manifest text only when its hash is not `held` (the
 * hash of the parsed manifest this process holds, "" for none): one
 * statement either way, and no 100 kB text read for a version already parsed.
 */
const dagRowSelect = (db: Executor, dagId: string, held: string) =>
  db
    .selectFrom("dag")
    .select([
      manifestUnlessHeld(held),
      "manifest_hash",
      "fileloc",
      "is_paused",
      "is_active",
      "max_active_runs",
      "next_consume_at",
    ])
    .where("dag_id", "=", dagId);

/**
 * The columns of a {@link DagRow} from `dag` aliased as `table`, for a
 * statement that reads a DAG's row with another row (a run's); with a left
 * join, check the DAG's key before using them. `held`: as in
 * {@link manifestUnlessHeld}, or null for no manifest text at all.
 */
export function dagRowColumns(held: string | null, table: string) {
  const column = <T>(name: keyof DagTable) => sql.ref<T>(`${table}.${name}`).as(name);
  return [
    // held null: no text (a reader that parsed no version yet reads it once, see registeredDag).
    held === null ? sql<string | null>`CAST(NULL AS TEXT)`.as("manifest") : manifestUnlessHeld(held, table),
    column<DagTable["manifest_hash"]>("manifest_hash"),
    column<DagTable["fileloc"]>("fileloc"),
    column<DagTable["is_paused"]>("is_paused"),
    column<DagTable["is_active"]>("is_active"),
    column<DagTable["max_active_runs"]>("max_active_runs"),
    column<DagTable["next_consume_at"]>("next_consume_at"),
  ] as const;
}

/** `dag.manifest`, or null when its hash is `held` (see {@link dagRowSelect}); `dag` may be aliased as `table`. */
export function manifestUnlessHeld(held: string, table = "dag") {
  return sql<
    string | null
  >`CASE WHEN ${sql.ref(`${table}.manifest_hash`)} = ${held} THEN NULL ELSE ${sql.ref(`${table}.manifest`)} END`.as(
    "manifest",
  );
}

/** A DAG's manifest text with its hash (read only when a row came without the text it needs). */
const manifestTextQuery = compiledQuery((db, dagId: string) =>
  db.selectFrom("dag").select(["manifest", "manifest_hash"]).where("dag_id", "=", dagId),
);

const dagRowQuery = compiledQuery((db, dagId: string, held: string) => dagRowSelect(db, dagId, held));
/** The DAG's row, locked for the rest of the transaction (PostgreSQL). */
const dagRowLockedQuery = compiledQuery((db, dagId: string, held: string) => dagRowSelect(db, dagId, held).forUpdate());
/** The DAG's row, locked, or nothing when another transaction holds its lock (PostgreSQL). */
const dagRowFreeQuery = compiledQuery((db, dagId: string, held: string) =>
  dagRowSelect(db, dagId, held).forUpdate().skipLocked(),
);

/** The hash of the parsed manifest of `dagId` this process holds, "" for none (see {@link dagRowSelect}). */
export function heldManifestHash(ctx: EngineContext, dagId: string): string {
  return ctx.dagManifests.get(dagId)?.hash ?? "";
}

/**
 * The columns of a DAG row that {@link RegisteredDag} needs: the manifest's
 * hash, and its text unless this process holds that version parsed.
 */
export type DagRow = Awaited<ReturnType<typeof dagRowQuery>>["rows"][number];

/** A registered DAG: its parsed manifest and the settings of its row. */
export interface RegisteredDag {
  readonly manifest: DagManifest;
  readonly fileloc: string | null;
  readonly isPaused: boolean;
  readonly isActive: boolean;
  readonly maxActiveRuns: number;
  /** When a waiting consumption policy is due again (epoch ms), or null. */
  readonly nextConsumeAt: number | null;
}

/** The parsed manifest of a registered DAG (parsed once per distinct manifest text), or undefined. */
export async function getDagManifest(
  ctx: EngineContext,
  db: Executor,
  dagId: string,
): Promise<RegisteredDag | undefined> {
  const [row] = (await dagRowQuery(ctx.dialect, db, dagId, heldManifestHash(ctx, dagId))).rows;
  return row ? registeredDag(ctx, db, dagId, row) : undefined;
}

/**
 * {@link lockDag} and {@link getDagManifest} in one statement. With
 * `skipLocked` (PostgreSQL) it does not wait for a lock another transaction
 * holds and returns "locked" instead; on SQLite nothing is locked. `next`:
 * the read the caller runs next when it gets the DAG (see {@link executeWithNext}).
 */
export async function lockDagManifest(
  ctx: EngineContext,
  trx: Executor,
  dagId: string,
  options: { skipLocked?: boolean; next?: CompiledQuery | null } = {},
): Promise<RegisteredDag | undefined | "locked"> {
  if (ctx.dialect !== "postgres") return getDagManifest(ctx, trx, dagId);
  const query = options.skipLocked ? dagRowFreeQuery : dagRowLockedQuery;
  const statement = query.statement(ctx.dialect, trx, dagId, heldManifestHash(ctx, dagId));
  const [row] = (await executeWithNext(ctx.dialect, trx, statement, options.next ?? null)).rows;
  if (row) return registeredDag(ctx, trx, dagId, row);
  if (!options.skipLocked) return undefined;
  // No row: either no such DAG or its lock is taken.
  return (await dagRowQuery(ctx.dialect, trx, dagId, heldManifestHash(ctx, dagId))).rows.length > 0
    ? "locked"
    : undefined;
}

/**
 * A registered DAG from its row (see {@link getDagManifest}): the manifest is
 * read and parsed once per version, and only its hash otherwise.
 */
export async function registeredDag(
  ctx: EngineContext,
  db: Executor,
  dagId: string,
  row: DagRow,
): Promise<RegisteredDag> {
  // Keyed by the manifest's content (its hash), never by a time: another process may
  // re-register the DAG within the same millisecond (or with a clock behind).
  let cached = ctx.dagManifests.get(dagId);
  if (!cached || row.manifest_hash === null || cached.hash !== row.manifest_hash) {
    let text = row.manifest;
    let hash = row.manifest_hash;
    if (text === null) {
      const [stored] = (await manifestTextQuery(ctx.dialect, db, dagId)).rows;
      if (!stored) throw new Error(`The DAG "${dagId}" is gone.`);
      ({ manifest: text, manifest_hash: hash } = stored);
    }
    // Not validated again: registration is the only writer of `dag.manifest`, and it writes the
    // text of a manifest of this schema (which only checks, it changes nothing). Validating a
    // thousand consumers' manifests took most of a cold fan-out's time.
    cached = { hash: hash ?? "", manifest: JSON.parse(text) as DagManifest };
    ctx.dagManifests.set(dagId, cached);
  }
  return {
    manifest: cached.manifest,
    fileloc: row.fileloc,
    isPaused: row.is_paused === 1,
    isActive: row.is_active === 1,
    maxActiveRuns: row.max_active_runs,
    nextConsumeAt: row.next_consume_at === null ? null : Number(row.next_consume_at),
  };
}

/** On PostgreSQL, locks a DAG's row for the rest of the transaction (serializes run decisions across processes). */
export async function lockDag(ctx: EngineContext, trx: Executor, dagId: string): Promise<void> {
  if (ctx.dialect === "postgres") await sql`SELECT dag_id FROM dag WHERE dag_id = ${dagId} FOR UPDATE`.execute(trx);
}

/** A run id: `<type>__<ISO time>` plus a random suffix for runs that are not scheduled. */
export function makeRunId(runType: RunKind, time: number): string {
  const iso = new Date(time).toISOString();
  return runType === "scheduled" ? `scheduled__${iso}` : `${runType}__${iso}_${randomSuffix()}`;
}

/** Random bytes drawn 4,096 at a time: a fan-out names a thousand runs, and each `randomBytes` call costs a system call. */
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** Eight random hex digits. */
function randomSuffix(): string {
  if (randomOffset + 4 > randomPool.length) {
    randomPool = randomBytes(4096);
    randomOffset = 0;
  }
  randomOffset += 4;
  return randomPool.toString("hex", randomOffset - 4, randomOffset);
}

/** The task instance columns a new run inserts, in one order for every statement that does. */
export const TASK_COLUMNS = [
  "dag_id",
  "run_id",
  "task_id",
  "map_index",
  "state",
  "try_number",
  "max_tries",
  "retry_delay_ms",
  "execution_timeout_ms",
  "next_retry_at",
  "queued_at",
  "start_date",
  "end_date",
  "worker_id",
  "heartbeat_at",
  "result",
  "error",
] as const satisfies readonly (keyof TaskInstanceTable)[];

/** The run columns a new run inserts, in one order for every statement that does. */
export const RUN_COLUMNS = [
  "dag_id",
  "run_id",
  "run_type",
  "state",
  "logical_date",
  "data_interval_start",
  "data_interval_end",
  "conf",
  "created_at",
  "start_date",
  "end_date",
] as const satisfies readonly (keyof DagRunTable)[];

/**
 * The row of a new run: queued, or running from `now` when created started
 * (see {@link NewRun.started}). The data interval may be an expression the
 * insert computes.
 */
export function newRunRow<Interval extends NewRun["dataIntervalStart"]>(
  dagId: string,
  runId: string,
  run: Pick<NewRun, "runType" | "logicalDate" | "conf" | "started"> & {
    readonly dataIntervalStart: Interval;
    readonly dataIntervalEnd: Interval;
  },
  now: number,
) {
  const started = run.started === true;
  return {
    dag_id: dagId,
    run_id: runId,
    run_type: run.runType,
    state: started ? RunState.running : RunState.queued,
    logical_date: run.logicalDate,
    data_interval_start: run.dataIntervalStart,
    data_interval_end: run.dataIntervalEnd,
    conf: JSON.stringify(run.conf),
    created_at: now,
    start_date: started ? now : null,
    end_date: null,
  } satisfies Record<(typeof RUN_COLUMNS)[number], unknown>;
}

/** The row of a new run's task instance: queued (at `now`) or waiting for its upstream tasks (`none`). */
export function newTaskRow(
  dagId: string,
  runId: string,
  task: DagManifest["tasks"][number],
  queued: boolean,
  now: number,
): TaskInstanceTable {
  return {
    dag_id: dagId,
    run_id: runId,
    task_id: task.taskId,
    map_index: -1,
    state: queued ? TaskState.queued : TaskState.none,
    try_number: 0,
    max_tries: task.retries,
    retry_delay_ms: task.retryDelayMs,
    execution_timeout_ms: task.executionTimeoutMs,
    next_retry_at: null,
    queued_at: queued ? now : null,
    start_date: null,
    end_date: null,
    worker_id: null,
    heartbeat_at: null,
    result: null,
    error: null,
  };
}

/**
 * Inserts a queued run and its task instances. Returns the run id, or null
 * when a run with that id exists already (a scheduled tick created twice).
 * On PostgreSQL one statement inserts both (the tasks as one JSON parameter),
 * with the caller's {@link NewRun.alsoWhenCreated}.
 */
export async function createRun(
  ctx: EngineContext,
  trx: Executor,
  dag: DagManifest,
  run: NewRun,
): Promise<string | null> {
  const now = ctx.clock.now();
  const runId = run.runId ?? makeRunId(run.runType, run.logicalDate ?? now);
  const started = run.started === true;
  const tasks = dag.tasks.map((task) => newTaskRow(dag.dagId, runId, task, started && task.upstream.length === 0, now));
  if (ctx.dialect === "postgres") {
    const held = run.sendWithNext === true && run.runType !== "scheduled";
    const insert = trx.insertInto("dag_run").values(newRunRow(dag.dagId, runId, run, now));
    const runInsert = (
      held ? insert : insert.onConflict((oc) => oc.columns(["dag_id", "run_id"]).doNothing())
    ).returning("run_id");
    const columns = sql.join(TASK_COLUMNS.map((column) => sql.id(column)));
    const picked = sql.join(TASK_COLUMNS.map((column) => sql.ref(`t.${column}`)));
    const statement = sql<{ run_id: string }>`
      WITH created AS (${runInsert}),${run.alsoWhenCreated ? sql` ${run.alsoWhenCreated},` : sql``}
      tasks AS (
        INSERT INTO task_instance (${columns})
        SELECT ${picked} FROM created CROSS JOIN json_populate_recordset(NULL::task_instance, ${JSON.stringify(tasks)}) t
      )
      SELECT run_id FROM created
    `.compile(trx);
    if (held) {
      await trx.executeQuery(CompiledQuery.raw(statement.sql, [...statement.parameters, SEND_WITH_NEXT]));
      return runId;
    }
    const { rows } = await trx.executeQuery(statement);
    return rows.length > 0 ? runId : null;
  }
  const inserted = await trx.executeQuery(sqliteRunInsert(trx, newRunRow(dag.dagId, runId, run, now)));
  if (inserted.rows.length === 0) return null;
  // Without the query builder (it parses every value and compiles the statement anew at each run).
  await insertRows(
    "sqlite",
    trx,
    "task_instance",
    TASK_COLUMNS,
    tasks.map((task) => TASK_COLUMNS.map((column) => task[column])),
  );
  return runId;
}

/**
 * SQLite: the insert of a new run's row (ignored when the run exists), which
 * returns its id, with the row's values bound and its expressions (a data
 * interval the insert computes) inlined. The text is the same for every run
 * whose expressions are the same, so its prepared statement is reused; the
 * query builder would parse and compile it at every run.
 */
function sqliteRunInsert(trx: Executor, row: ReturnType<typeof newRunRow>): CompiledQuery<{ run_id: string }> {
  const values: string[] = [];
  const parameters: unknown[] = [];
  for (const column of RUN_COLUMNS) {
    const value = row[column];
    if (isExpression(value)) {
      const compiled = value.compile(trx);
      values.push(`(${compiled.sql})`);
      parameters.push(...compiled.parameters);
    } else {
      values.push("?");
      parameters.push(value);
    }
  }
  const columns = RUN_COLUMNS.map((column) => `"${column}"`).join(", ");
  return CompiledQuery.raw(
    `INSERT INTO "dag_run" (${columns}) VALUES (${values.join(", ")}) ON CONFLICT ("dag_id", "run_id") DO NOTHING RETURNING "run_id"`,
    parameters,
  );
}

/** Whether a new run's value is an expression (a `sql` template; the row's values are strings, numbers or null). */
function isExpression(value: unknown): value is RawBuilder<unknown> {
  return typeof value === "object" && value !== null;
}

/** Starts queued runs of a DAG, oldest first, while fewer than `maxActiveRuns` run. Returns the started run ids. */
export async function startQueuedRuns(ctx: EngineContext, trx: Executor, dagId: string): Promise<string[]> {
  await lockDag(ctx, trx, dagId);
  const dag = await getDagManifest(ctx, trx, dagId);
  return dag ? startQueuedRunsLocked(ctx, trx, dag) : [];
}

/** {@link startQueuedRuns} for a caller that holds the DAG's lock (see {@link lockDag}) and has read the DAG. */
export async function startQueuedRunsLocked(
  ctx: EngineContext,
  trx: Executor,
  dag: Pick<RegisteredDag, "manifest" | "maxActiveRuns">,
): Promise<string[]> {
  const dagId = dag.manifest.dagId;
  const { rows } = await trx.executeQuery(slotsStatement(ctx, trx, dag));
  const slots = dag.maxActiveRuns - Number(rows[0]?.running ?? 0);
  if (slots <= 0) return [];
  const queued = rows.flatMap((row) => (row.run_id === null ? [] : [row.run_id])).slice(0, slots);
  const started: string[] = [];
  for (const runId of queued) {
    const updated = await startRunQuery(ctx.dialect, trx, ctx.clock.now(), dagId, runId);
    await advanceRun(ctx, trx, dag.manifest, runId, undefined, Number(updated.numAffectedRows) === 1);
    started.push(runId);
  }
  return started;
}

/**
 * How many runs of a DAG run, with its oldest queued runs (at most `limit`),
 * in one statement: one row per queued run, or one row with a null run id.
 */
const slotsQuery = compiledQuery(
  (_db, dagId: string, limit: number) => sql<{ running: number | string; run_id: string | null }>`
    SELECT (SELECT count(*) FROM dag_run WHERE dag_id = ${dagId} AND state = 'running') AS running, q.run_id
    FROM (SELECT 1 AS one) o
    LEFT JOIN (
      SELECT id, run_id FROM dag_run WHERE dag_id = ${dagId} AND state = 'queued' ORDER BY id LIMIT ${limit}
    ) q ON 1 = 1
    ORDER BY q.id
  `,
);

/** The first statement of {@link startQueuedRunsLocked}: {@link slotsQuery} for the DAG. */
export function slotsStatement(
  ctx: EngineContext,
  trx: Executor,
  dag: Pick<RegisteredDag, "manifest" | "maxActiveRuns">,
) {
  return slotsQuery.statement(ctx.dialect, trx, dag.manifest.dagId, Math.max(0, dag.maxActiveRuns));
}

const startRunQuery = compiledQuery((db, now: number, dagId: string, runId: string) =>
  db
    .updateTable("dag_run")
    .set({ state: "running", start_date: now })
    .where("dag_id", "=", dagId)
    .where("run_id", "=", runId)
    .where("state", "=", "queued"),
);

/** What {@link advanceRun} did. */
export interface AdvanceResult {
  /** Task ids newly queued. */
  readonly queued: string[];
  /** The run's final state when it just finished. */
  readonly finished: "success" | "failed" | null;
}

/** Per manifest: tasks by id and each task's downstream ids. */
interface TaskIndex {
  readonly byId: ReadonlyMap<string, DagManifest["tasks"][number]>;
  readonly downstream: ReadonlyMap<string, readonly string[]>;
}

const taskIndexes = new WeakMap<DagManifest, TaskIndex>();

/** Tasks by id and their downstream ids, computed once per manifest. */
export function taskIndexOf(dag: DagManifest): TaskIndex {
  let index = taskIndexes.get(dag);
  if (!index) {
    const downstream = new Map<string, string[]>();
    for (const task of dag.tasks) {
      for (const upstream of task.upstream)
        downstream.set(upstream, [...(downstream.get(upstream) ?? []), task.taskId]);
    }
    index = { byId: new Map(dag.tasks.map((task) => [task.taskId, task])), downstream };
    taskIndexes.set(dag, index);
  }
  return index;
}

const runStateQuery = compiledQuery((db, dagId: string, runId: string) =>
  db.selectFrom("dag_run").select("state").where("dag_id", "=", dagId).where("run_id", "=", runId),
);

/**
 * Finishes a running run without an open task instance, in one statement:
 * `failed` when one of its tasks failed (or is upstream_failed), else
 * `success`. The two conditions are indexed probes (task_instance_by_run_state),
 * not counts. Returns the state it finished in; no row when it did not finish.
 */
const finishRunSql = (now: number, dagId: string, runId: string) => sql<{ state: "success" | "failed" }>`
    UPDATE dag_run SET
      state = CASE WHEN EXISTS (SELECT 1 FROM task_instance t WHERE t.dag_id = ${dagId} AND t.run_id = ${runId}
          AND t.state IN (${sql.lit(TaskState.failed)}, ${sql.lit(TaskState.upstreamFailed)}))
        THEN ${sql.lit("failed")} ELSE ${sql.lit("success")} END,
      end_date = ${now}
    WHERE dag_id = ${dagId} AND run_id = ${runId} AND state = ${sql.lit("running")}
      AND NOT EXISTS (SELECT 1 FROM task_instance t WHERE t.dag_id = ${dagId} AND t.run_id = ${runId}
        AND t.state IN (${sql.join(OPEN_TASK_STATES.map((state) => sql.lit(state)))}))
    RETURNING state
  `;

const finishRunQuery = compiledQuery((_db, now: number, dagId: string, runId: string) =>
  finishRunSql(now, dagId, runId),
);

/**
 * PostgreSQL: {@link finishRunSql}, and when the run finished, the DAG's row
 * locked (see {@link lockDag}) in the same statement.
 */
const finishRunLockDagQuery = compiledQuery(
  (_db, now: number, dagId: string, runId: string) => sql<{ state: "success" | "failed"; locked: string | null }>`
    WITH finished AS (${finishRunSql(now, dagId, runId)})
    SELECT f.state, l.dag_id AS locked FROM finished f
    LEFT JOIN LATERAL (SELECT d.dag_id FROM dag d WHERE d.dag_id = ${dagId} FOR UPDATE) l ON TRUE
  `,
);

/** A boolean from SQL: PostgreSQL's booleans, SQLite's 0 and 1. */
export const truthy = (value: boolean | number | string | undefined): boolean =>
  value === true || value === 1 || value === "1" || value === "t";

/**
 * Moves a running run forward: queues tasks whose upstream tasks all
 * succeeded, marks `upstream_failed` / `skipped` where upstream failed or
 * skipped, and finishes the run when every task instance is final.
 * `changed` names the tasks that just reached a final state: only their
 * downstream tasks are looked at (every task when it is omitted, as when a run
 * starts), so a run of many tasks costs the same per completion.
 * `lockDagIfFinished`: on PostgreSQL, when the run finishes, its DAG's row is
 * locked by the same statement (for a caller that would {@link lockDag} next).
 * `nextIfFinished`: the read that caller runs next when the run finished (see
 * {@link executeWithNext}). `now`: the time the run's changes are stamped
 * with (default: the clock's now), as in a {@link firstAdvanceStatement}
 * sent ahead.
 */
export async function advanceRun(
  ctx: EngineContext,
  trx: Executor,
  dag: DagManifest,
  runId: string,
  changed?: readonly string[],
  knownRunning = false,
  options: AdvanceOptions = {},
): Promise<AdvanceResult> {
  if (!knownRunning) {
    const [run] = (await runStateQuery(ctx.dialect, trx, dag.dagId, runId)).rows;
    if (run?.state !== "running") return { queued: [], finished: null };
  }
  const index = taskIndexOf(dag);
  const states = new Map<string, string>();
  const load = async (taskIds: readonly string[]) => {
    const missing = [...new Set(taskIds)].filter((id) => !states.has(id));
    for (let first = 0; first < missing.length; first += 10_000) {
      const rows = await trx
        .selectFrom("task_instance")
        .select(["task_id", "state"])
        .where("dag_id", "=", dag.dagId)
        .where("run_id", "=", runId)
        .where("task_id", "in", missing.slice(first, first + 10_000))
        .execute();
      for (const row of rows) states.set(row.task_id, row.state);
    }
  };
  const changes = new Map<string, TaskState>();
  let frontier =
    changed === undefined
      ? dag.tasks.map((task) => task.taskId)
      : changed.flatMap((id) => index.downstream.get(id) ?? []);
  while (frontier.length > 0) {
    await load([...frontier, ...frontier.flatMap((id) => index.byId.get(id)?.upstream ?? [])]);
    const next: string[] = [];
    for (const taskId of new Set(frontier)) {
      if (states.get(taskId) !== TaskState.none) continue;
      const upstream = (index.byId.get(taskId)?.upstream ?? []).map((id) => states.get(id));
      let state: TaskState | null = null;
      if (upstream.some((s) => s === TaskState.failed || s === TaskState.upstreamFailed))
        state = TaskState.upstreamFailed;
      else if (upstream.every((s) => s !== undefined && FINAL_TASK_STATES.has(s as TaskState))) {
        state = upstream.some((s) => s === TaskState.skipped) ? TaskState.skipped : TaskState.queued;
      }
      if (state) {
        states.set(taskId, state);
        changes.set(taskId, state);
        if (state !== TaskState.queued) next.push(...(index.downstream.get(taskId) ?? []));
      }
    }
    frontier = next;
  }
  const now = options.now ?? ctx.clock.now();
  const byState = new Map<TaskState, string[]>();
  for (const [taskId, state] of changes) byState.set(state, [...(byState.get(state) ?? []), taskId]);
  for (const [state, taskIds] of byState) {
    for (let first = 0; first < taskIds.length; first += 10_000) {
      await trx
        .updateTable("task_instance")
        .set(state === TaskState.queued ? { state, queued_at: now } : { state, end_date: now })
        .where("dag_id", "=", dag.dagId)
        .where("run_id", "=", runId)
        .where("task_id", "in", taskIds.slice(first, first + 10_000))
        .where("state", "=", TaskState.none)
        .execute();
    }
  }
  const [row] = (await trx.executeQuery(finishStatement(ctx, trx, dag, runId, now, options))).rows;
  return { queued: byState.get(TaskState.queued) ?? [], finished: row?.state ?? null };
}

/** Options of {@link advanceRun}. */
export interface AdvanceOptions {
  readonly lockDagIfFinished?: boolean;
  readonly nextIfFinished?: CompiledQuery;
  readonly now?: number;
}

/** The statement that ends {@link advanceRun}: the run's finish (the DAG locked with it when asked), `nextIfFinished` attached. */
function finishStatement(
  ctx: EngineContext,
  trx: Executor,
  dag: DagManifest,
  runId: string,
  now: number,
  options: AdvanceOptions,
): CompiledQuery<{ state: "success" | "failed" }> {
  // A caller that locks the DAG of a finished run next (PostgreSQL) has it locked with the finish.
  const finish = options.lockDagIfFinished && ctx.dialect === "postgres" ? finishRunLockDagQuery : finishRunQuery;
  return withNext(
    ctx.dialect,
    finish.statement(ctx.dialect, trx, now, dag.dagId, runId),
    options.nextIfFinished ?? null,
  );
}

/**
 * The first statement {@link advanceRun} runs with these arguments when that
 * is known without reading anything: when none of the `changed` tasks has a
 * downstream task, and the run is known to be running, it is the run's finish
 * (with `nextIfFinished` attached). Null otherwise. With `options.now` set, the
 * statement is the very one `advanceRun` then runs, so it may be sent ahead
 * (see {@link executeWithNext}).
 */
export function firstAdvanceStatement(
  ctx: EngineContext,
  trx: Executor,
  dag: DagManifest,
  runId: string,
  changed: readonly string[],
  knownRunning: boolean,
  options: AdvanceOptions & { readonly now: number },
): CompiledQuery | null {
  const index = taskIndexOf(dag);
  if (!knownRunning || changed.some((id) => (index.downstream.get(id) ?? []).length > 0)) return null;
  return finishStatement(ctx, trx, dag, runId, options.now, options);
}
