/**
 * Set-based consumer evaluation for a fan-out (SQLite): one event reaching
 * hundreds of consumers. The consumers are read together (their rows, active
 * runs and pending assets: three statements), the consumption policy decides
 * for each one exactly as {@link evaluateConsumer} would, and the runs of
 * those it starts are created together (a handful of multi-row statements),
 * with exactly the rows the one-by-one path writes. Consumers outside the
 * simple case (another policy, an alias or pattern in the condition, queued
 * runs ahead, a pending wake-up) are returned for {@link evaluateConsumer}.
 */
import { type RawBuilder, sql } from "kysely";
import { assetConditionOf, conditionLeaves } from "../condition-evaluator.js";
import { consumePolicyOf, decideConsumer, type PendingGroup } from "../consumption-plan.js";
import { insertRows } from "./bulk-insert.js";
import { pendingGroupOf } from "./consumers.js";
import type { EngineContext, Executor } from "./context.js";
import {
  type DagRow,
  makeRunId,
  newRunRow,
  newTaskRow,
  type RegisteredDag,
  RUN_COLUMNS,
  registeredDag,
  TASK_COLUMNS,
  taskIndexOf,
} from "./runs.js";

/** Consumers read and created per statement (a task instance row binds 17 values; SQLite allows 32,766). */
export const FAN_OUT_CHUNK = 250;

/** What {@link evaluateConsumersTogether} did. */
export interface FanOutResult {
  /** The runs created, in the order of the consumers. */
  readonly runs: Array<{ dagId: string; runId: string }>;
  /** Consumers to evaluate one by one (see {@link evaluateConsumer}), in their order. */
  readonly others: string[];
}

/** `IN (${list(ids)})`: the ids as one JSON parameter, so the statement's text (and prepared statement) is the same for any count. */
const list = (values: readonly string[]): RawBuilder<unknown> =>
  sql`SELECT value FROM json_each(${JSON.stringify(values)})`;

/**
 * Evaluates up to {@link FAN_OUT_CHUNK} consumers together in the caller's
 * transaction (SQLite only: it takes no locks). Returns the runs created and
 * the consumers left for {@link evaluateConsumer}.
 */
export async function evaluateConsumersTogether(
  ctx: EngineContext,
  trx: Executor,
  dagIds: readonly string[],
): Promise<FanOutResult> {
  if (ctx.dialect !== "sqlite") throw new Error("evaluateConsumersTogether runs on SQLite only (it takes no locks).");
  const ids = [...new Set(dagIds)];
  if (ids.length === 0) return { runs: [], others: [] };
  const rows = await sql<DagRow & { dag_id: string }>`
    SELECT dag_id, manifest, manifest_hash, fileloc, is_paused, is_active, max_active_runs, next_consume_at
    FROM dag WHERE dag_id IN (${list(ids)})
  `.execute(trx);
  const active = await sql<{ dag_id: string; state: string; count: number }>`
    SELECT dag_id, state, count(*) AS count FROM dag_run
    WHERE dag_id IN (${list(ids)}) AND state IN ('queued', 'running') GROUP BY dag_id, state
  `.execute(trx);
  const pending = await sql<{ dag_id: string; asset_id: number; name: string; uri: string; oldest: number }>`
    SELECT i.dag_id, i.asset_id, a.name, a.uri, min(i.event_id) AS oldest
    FROM asset_event_inbox i JOIN asset a ON a.id = i.asset_id
    WHERE i.dag_id IN (${list(ids)})
    GROUP BY i.dag_id, i.asset_id, a.name, a.uri
  `.execute(trx);

  const rowOf = new Map(rows.rows.map((row) => [row.dag_id, row]));
  const counts = new Map<string, { queued: number; running: number }>();
  for (const row of active.rows) {
    const entry = counts.get(row.dag_id) ?? { queued: 0, running: 0 };
    entry[row.state as "queued" | "running"] = Number(row.count);
    counts.set(row.dag_id, entry);
  }
  const groupsOf = new Map<string, PendingGroup[]>();
  for (const row of pending.rows) {
    const groups = groupsOf.get(row.dag_id) ?? [];
    groups.push(pendingGroupOf(row));
    groupsOf.set(row.dag_id, groups);
  }

  const now = ctx.clock.now();
  const starting: RegisteredDag[] = [];
  const others = new Set<string>();
  for (const dagId of ids) {
    const row = rowOf.get(dagId);
    if (!row) continue; // evaluateConsumer: no DAG, no runs
    const dag = await registeredDag(ctx, trx, dagId, row);
    if (dag.isPaused || !dag.isActive) continue;
    const condition = assetConditionOf(dag.manifest.schedule);
    if (!condition) continue;
    const consume = consumePolicyOf(dag.manifest.consume);
    const leaves = conditionLeaves(condition);
    const { queued = 0, running = 0 } = counts.get(dagId) ?? {};
    const simple =
      consume.kind === "all-pending" &&
      leaves.aliases.length === 0 &&
      leaves.patterns.length === 0 &&
      dag.nextConsumeAt === null &&
      dag.manifest.tasks.length > 0 &&
      queued === 0;
    if (!simple) {
      others.add(dagId);
      continue;
    }
    const decision = decideConsumer({
      condition,
      consume,
      groups: groupsOf.get(dagId) ?? [],
      membership: { aliasAssets: new Map(), patternAssets: new Map() },
      paused: dag.isPaused,
      activeRuns: queued + running,
      maxActiveRuns: dag.maxActiveRuns,
      now,
    });
    // An "all-pending" wait has no due time, and next_consume_at is null already: nothing to write.
    if (decision.kind === "wait") continue;
    if (decision.take.kind !== "all" || decision.interval !== null) {
      others.add(dagId);
      continue;
    }
    starting.push(dag);
  }

  const created = await createStartedRuns(trx, starting, now);
  for (const dag of starting) if (!created.has(dag.manifest.dagId)) others.add(dag.manifest.dagId);
  const runs: Array<{ dagId: string; runId: string }> = [];
  for (const dagId of ids) {
    const runId = created.get(dagId);
    if (runId !== undefined) runs.push({ dagId, runId });
  }
  return { runs, others: ids.filter((dagId) => others.has(dagId)) };
}

/**
 * Creates, for each DAG, the run that takes all of its pending entries, as
 * {@link evaluateConsumer} followed by starting it would: the run (running,
 * its data interval the span of the source runs'), its task instances (those
 * without upstream queued), the consumed-event links, the inbox emptied.
 * Returns the run id by DAG.
 */
async function createStartedRuns(
  trx: Executor,
  dags: readonly RegisteredDag[],
  now: number,
): Promise<Map<string, string>> {
  const created = new Map<string, string>();
  if (dags.length === 0) return created;
  const dagIds = dags.map((dag) => dag.manifest.dagId);
  const intervals = await sql<{ dag_id: string; start: number | null; end: number | null }>`
    SELECT i.dag_id, min(r.data_interval_start) AS start, max(r.data_interval_end) AS "end"
    FROM asset_event_inbox i
    JOIN asset_event e ON e.id = i.event_id
    LEFT JOIN dag_run r ON r.dag_id = e.source_dag_id AND r.run_id = e.source_run_id
    WHERE i.dag_id IN (${list(dagIds)})
    GROUP BY i.dag_id
  `.execute(trx);
  const intervalOf = new Map(intervals.rows.map((row) => [row.dag_id, row]));
  const runRows = dags.map((dag) => {
    const interval = intervalOf.get(dag.manifest.dagId);
    const row = newRunRow(
      dag.manifest.dagId,
      makeRunId("asset_triggered", now),
      {
        runType: "asset_triggered",
        logicalDate: now,
        dataIntervalStart: interval?.start == null ? null : Number(interval.start),
        dataIntervalEnd: interval?.end == null ? null : Number(interval.end),
        conf: {},
        started: true,
      },
      now,
    );
    return RUN_COLUMNS.map((column) => row[column]);
  });
  const inserted = await insertRows<"dag_run", { dag_id: string; run_id: string }>(
    "sqlite",
    trx,
    "dag_run",
    RUN_COLUMNS,
    runRows,
    "ON CONFLICT (dag_id, run_id) DO NOTHING RETURNING dag_id, run_id",
  );
  for (const row of inserted) created.set(row.dag_id, row.run_id);
  const taskRows: unknown[][] = [];
  for (const dag of dags) {
    const runId = created.get(dag.manifest.dagId);
    if (runId === undefined) continue;
    const index = taskIndexOf(dag.manifest);
    for (const task of dag.manifest.tasks) {
      const root = (index.byId.get(task.taskId)?.upstream.length ?? 0) === 0;
      const row = newTaskRow(dag.manifest.dagId, runId, task, root, now);
      taskRows.push(TASK_COLUMNS.map((column) => row[column]));
    }
  }
  await insertRows("sqlite", trx, "task_instance", TASK_COLUMNS, taskRows);
  if (created.size === 0) return created;
  await sql`
    WITH v(dag_id, run_id) AS (
      SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${JSON.stringify([...created])})
    )
    INSERT INTO dag_run_consumed_event (dag_id, run_id, event_id)
    SELECT i.dag_id, v.run_id, i.event_id FROM asset_event_inbox i JOIN v ON v.dag_id = i.dag_id
  `.execute(trx);
  // Exactly the entries just linked: SQLite has one writer, so none arrived in between.
  await sql`DELETE FROM asset_event_inbox WHERE dag_id IN (${list([...created.keys()])})`.execute(trx);
  return created;
}
