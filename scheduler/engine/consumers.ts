/**
 * Consumer evaluation: load what a consumer has pending, let its consumption
 * policy decide (`consumption-plan.ts`), and create each run it asks for in
 * the caller's transaction — linking exactly the events the run takes and
 * removing them from the inbox — until the policy waits. The DAG's row lock
 * (PostgreSQL) serializes evaluations of one consumer across schedulers, and
 * `dag_run_consumed_event_once` guarantees no event goes into two runs.
 */
import { type CompiledQuery, type RawBuilder, sql } from "kysely";
import type { ConditionNode, DagManifest } from "../../sdk/manifest/schema.js";
import {
  assetConditionOf,
  conditionLeaves,
  type ExplainedCondition,
  explainCondition,
} from "../condition-evaluator.js";
import {
  type ConsumePolicyNode,
  type ConsumerDecision,
  type ConsumerSnapshot,
  type ConsumerWait,
  consumePolicyOf,
  decideConsumer,
  type LeafMembership,
  type PendingGroup,
  pendingLoad,
  pendingLookup,
  type Take,
} from "../consumption-plan.js";
import { ACTIVE_RUN_STATES } from "../contracts.js";
import { compiledQuery } from "./compiled-query.js";
import type { EngineContext, Executor } from "./context.js";
import {
  createRun,
  getDagManifest,
  lockDagManifest,
  type RegisteredDag,
  startQueuedRunsLocked,
  startsAtOnce,
} from "./runs.js";

/** Asset ids per `IN (...)` list. */
const ID_CHUNK = 5000;

/**
 * Evaluates one consumer and creates the runs its policy allows now (oldest
 * first, within `maxActiveRuns`); records when a waiting policy is due again.
 * Returns the new run ids. Run it inside a transaction.
 */
export async function evaluateConsumer(ctx: EngineContext, trx: Executor, dagId: string): Promise<string[]> {
  // Serialize evaluations of one consumer across scheduler processes.
  const dag = (await lockDagManifest(ctx, trx, dagId)) as RegisteredDag | undefined;
  return dag ? evaluateLockedConsumer(ctx, trx, dag) : [];
}

/**
 * {@link evaluateConsumer} unless another transaction holds the consumer's
 * lock (PostgreSQL): then nothing is waited for and null is returned, so a
 * transaction that already holds other locks (a completion) never waits on
 * this one while holding them. The caller evaluates it later on its own.
 * `read`: the consumer's DAG as this transaction read it, if it did (SQLite
 * then reads nothing again).
 */
export async function evaluateConsumerIfFree(
  ctx: EngineContext,
  trx: Executor,
  dagId: string,
  read?: RegisteredDag,
): Promise<string[] | null> {
  // SQLite: a row this transaction read is still the row (it holds the write lock), and there is nothing to lock.
  if (read && ctx.dialect === "sqlite") return evaluateLockedConsumer(ctx, trx, read);
  // The first read after the lock goes with it (a read: dropped if the DAG turns out locked or changed).
  const known = read?.manifest ?? ctx.dagManifests.get(dagId)?.manifest;
  const next = known && assetConditionOf(known.schedule) ? firstReadAfterLock(ctx, trx, known) : null;
  const dag = await lockDagManifest(ctx, trx, dagId, { skipLocked: true, next });
  if (dag === "locked") return null;
  return dag ? evaluateLockedConsumer(ctx, trx, dag) : [];
}

/** Whether the consumer's policy reads pending events aggregated (debounce, window), not probed. */
function aggregates(manifest: DagManifest): boolean {
  return pendingLoad(consumePolicyOf(manifest.consume)).aggregate;
}

/** The statement {@link evaluateLockedConsumer} runs first for a consumer with an asset schedule. */
function firstReadAfterLock(ctx: EngineContext, db: Executor, manifest: DagManifest): CompiledQuery {
  return aggregates(manifest)
    ? activeRunsQuery.statement(ctx.dialect, db, manifest.dagId)
    : probeWithActiveRunsQuery.statement(ctx.dialect, db, manifest.dagId);
}

async function evaluateLockedConsumer(ctx: EngineContext, trx: Executor, dag: RegisteredDag): Promise<string[]> {
  const dagId = dag.manifest.dagId;
  if (dag.isPaused || !dag.isActive) return [];
  const condition = assetConditionOf(dag.manifest.schedule);
  if (!condition) return [];
  // The active runs are counted after the lock (a statement of their own: one snapshot
  // with the lock could miss a run another scheduler just committed); the policies that
  // probe what is pending read it with the count.
  const first = aggregates(dag.manifest)
    ? { activeRuns: await countActiveRuns(ctx, trx, dagId), groups: undefined }
    : await probePendingWithActiveRuns(ctx, trx, dagId);
  let activeRuns = first.activeRuns;
  let probed: PendingGroup[] | undefined = first.groups;
  const runs: string[] = [];
  // Whether a run was created queued: those are started (within maxActiveRuns) at the end.
  let queuedRuns = false;
  for (;;) {
    const snapshot = await loadSnapshot(ctx, trx, dag, condition, activeRuns, probed);
    probed = undefined;
    const decision = decideConsumer(snapshot);
    if (decision.kind === "wait") {
      const until = "until" in decision.wait ? decision.wait.until : null;
      if (until !== dag.nextConsumeAt) {
        await trx.updateTable("dag").set({ next_consume_at: until }).where("dag_id", "=", dagId).execute();
      }
      break;
    }
    // The first run of a free consumer (the common case) is created started: no read-back to start it.
    const started = startsAtOnce(dag, activeRuns);
    const runId = await createConsumerRun(ctx, trx, dag, decision, started);
    if (runId === null) break;
    if (!started) queuedRuns = true;
    runs.push(runId);
    activeRuns++;
    // "all" took everything pending: nothing is left to decide on.
    if (decision.take.kind === "all") {
      if (dag.nextConsumeAt !== null) {
        await trx.updateTable("dag").set({ next_consume_at: null }).where("dag_id", "=", dagId).execute();
      }
      break;
    }
  }
  if (queuedRuns) await startQueuedRunsLocked(ctx, trx, dag);
  return runs;
}

/** "Why has this consumer not run yet": its condition over the pending events, and the rule that holds it back. */
export interface ConsumerStatus {
  readonly dagId: string;
  readonly consume: ConsumePolicyNode;
  /** The condition with each node marked satisfied by the pending events. */
  readonly condition: ExplainedCondition;
  /** Events pending for the consumer. */
  readonly pendingEvents: number;
  /** What it waits for, or null when a run is due now (it is being created). */
  readonly waiting: ConsumerWait | null;
}

/**
 * The status of a consumer, or null for a DAG without an asset condition.
 * Uses the same decision as {@link evaluateConsumer}.
 */
export async function consumerStatus(ctx: EngineContext, db: Executor, dagId: string): Promise<ConsumerStatus | null> {
  const dag = await getDagManifest(ctx, db, dagId);
  const condition = dag ? assetConditionOf(dag.manifest.schedule) : null;
  if (!dag || !condition) return null;
  const snapshot = await loadSnapshot(ctx, db, dag, condition, await countActiveRuns(ctx, db, dagId));
  const decision = decideConsumer(snapshot);
  const pending = await db
    .selectFrom("asset_event_inbox")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("dag_id", "=", dagId)
    .executeTakeFirstOrThrow();
  return {
    dagId,
    consume: snapshot.consume,
    condition: explainCondition(condition, pendingLookup(snapshot.groups, snapshot.membership)),
    pendingEvents: Number(pending.count),
    waiting: decision.kind === "wait" ? decision.wait : null,
  };
}

/**
 * Why a consumer has (not) run: its condition tree with each leaf marked, or
 * null for a DAG without an asset condition.
 */
export async function explainConsumer(
  ctx: EngineContext,
  db: Executor,
  dagId: string,
): Promise<ExplainedCondition | null> {
  return (await consumerStatus(ctx, db, dagId))?.condition ?? null;
}

/** A consumer's active runs (queued or running), counted. */
const activeRunsSelect = (db: Executor, dagId: string) =>
  db
    .selectFrom("dag_run")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("dag_id", "=", dagId)
    .where("state", "in", [...ACTIVE_RUN_STATES]);

const activeRunsQuery = compiledQuery(activeRunsSelect);

/** How many runs of a DAG are queued or running. */
export async function countActiveRuns(ctx: EngineContext, db: Executor, dagId: string): Promise<number> {
  return Number((await activeRunsQuery(ctx.dialect, db, dagId)).rows[0]?.count ?? 0);
}

/** What the policy decides on: the pending groups, which aliases and patterns they satisfy, the slots. */
async function loadSnapshot(
  ctx: EngineContext,
  db: Executor,
  dag: RegisteredDag,
  condition: ConditionNode,
  activeRuns: number,
  probed?: PendingGroup[],
): Promise<ConsumerSnapshot> {
  const consume = consumePolicyOf(dag.manifest.consume);
  const load = pendingLoad(consume);
  const dagId = dag.manifest.dagId;
  const groups =
    probed ?? (load.aggregate ? await aggregatePending(db, dagId, load.windowMs) : await probePending(ctx, db, dagId));
  return {
    condition,
    consume,
    groups,
    membership: await loadMembership(db, condition, groups),
    paused: dag.isPaused,
    activeRuns,
    maxActiveRuns: dag.maxActiveRuns,
    now: ctx.clock.now(),
  };
}

/**
 * Each pending asset with its oldest pending event: a skip scan over
 * `asset_event_inbox_by_dag_asset`, so the cost grows with the number of
 * assets pending, not with the events pending nor the assets the schedule
 * could reach (a pattern can reach thousands).
 */
const pendingSql = (dagId: string) => sql`
  WITH RECURSIVE pending(asset_id) AS (
    SELECT min(asset_id) FROM asset_event_inbox WHERE dag_id = ${dagId}
    UNION ALL
    SELECT (SELECT min(i.asset_id) FROM asset_event_inbox i WHERE i.dag_id = ${dagId} AND i.asset_id > p.asset_id)
    FROM pending p WHERE p.asset_id IS NOT NULL
  )
  SELECT p.asset_id, a.name, a.uri,
    (SELECT min(i.event_id) FROM asset_event_inbox i WHERE i.dag_id = ${dagId} AND i.asset_id = p.asset_id) AS oldest
  FROM pending p JOIN asset a ON a.id = p.asset_id
`;

const probePendingQuery = compiledQuery(
  (_db, dagId: string) => sql<{ asset_id: number; name: string; uri: string; oldest: number }>`${pendingSql(dagId)}`,
);

/**
 * {@link pendingSql} with the consumer's active runs (as {@link activeRunsSelect}
 * counts them) in one statement: one row per pending asset, or one row with a
 * null asset when nothing is pending.
 */
const probeWithActiveRunsQuery = compiledQuery(
  (db, dagId: string) => sql<{
    active_runs: number | string;
    asset_id: number | null;
    name: string;
    uri: string;
    oldest: number;
  }>`
    SELECT ${activeRunsSelect(db, dagId)} AS active_runs, g.asset_id, g.name, g.uri, g.oldest
    FROM (SELECT 1 AS one) o LEFT JOIN (${pendingSql(dagId)}) g ON 1 = 1
  `,
);

async function probePendingWithActiveRuns(
  ctx: EngineContext,
  db: Executor,
  dagId: string,
): Promise<{ activeRuns: number; groups: PendingGroup[] }> {
  const { rows } = await probeWithActiveRunsQuery(ctx.dialect, db, dagId);
  return {
    activeRuns: Number(rows[0]?.active_runs ?? 0),
    groups: rows.flatMap((row) => (row.asset_id === null ? [] : [pendingGroupOf({ ...row, asset_id: row.asset_id })])),
  };
}

async function probePending(ctx: EngineContext, db: Executor, dagId: string): Promise<PendingGroup[]> {
  const { rows } = await probePendingQuery(ctx.dialect, db, dagId);
  return rows.map(pendingGroupOf);
}

/** A probed pending asset (its oldest event) as the planner's group: counts and arrivals are read only when a policy needs them. */
export function pendingGroupOf(row: { asset_id: number; name: string; uri: string; oldest: number }): PendingGroup {
  return {
    assetId: Number(row.asset_id),
    name: row.name,
    uri: row.uri,
    oldestEventId: Number(row.oldest),
    count: null,
    firstArrival: null,
    lastArrival: null,
    window: null,
  };
}

/** Pending events aggregated per asset (and per window of `windowMs` by event time), for debounce and window. */
async function aggregatePending(db: Executor, dagId: string, windowMs: number | null): Promise<PendingGroup[]> {
  const window =
    windowMs === null
      ? sql<number | null>`CAST(NULL AS BIGINT)`
      : sql<number>`CAST(e.timestamp / ${windowMs} AS BIGINT)`;
  const { rows } = await sql<{
    asset_id: number;
    name: string;
    uri: string;
    win: number | null;
    oldest: number;
    count: number;
    first_arrival: number;
    last_arrival: number;
  }>`
    SELECT q.asset_id, q.name, q.uri, q.win, min(q.event_id) AS oldest, count(*) AS count,
      min(q.created_at) AS first_arrival, max(q.created_at) AS last_arrival
    FROM (
      SELECT i.asset_id, a.name, a.uri, ${window} AS win, i.event_id, i.created_at
      FROM asset_event_inbox i
      JOIN asset a ON a.id = i.asset_id
      JOIN asset_event e ON e.id = i.event_id
      WHERE i.dag_id = ${dagId}
    ) q
    GROUP BY q.asset_id, q.name, q.uri, q.win
  `.execute(db);
  return rows.map((row) => ({
    assetId: Number(row.asset_id),
    name: row.name,
    uri: row.uri,
    oldestEventId: Number(row.oldest),
    count: Number(row.count),
    firstArrival: Number(row.first_arrival),
    lastArrival: Number(row.last_arrival),
    window: row.win === null ? null : Number(row.win),
  }));
}

/** Which pending assets each alias and each pattern of the condition reaches. */
async function loadMembership(
  db: Executor,
  condition: ConditionNode,
  groups: readonly PendingGroup[],
): Promise<LeafMembership> {
  const leaves = conditionLeaves(condition);
  const aliasAssets = new Map<string, Set<number>>();
  const patternAssets = new Map<string, Set<number>>();
  const ids = [...new Set(groups.map((group) => group.assetId))];
  const add = (into: Map<string, Set<number>>, key: string, assetId: number) => {
    const set = into.get(key) ?? new Set<number>();
    set.add(Number(assetId));
    into.set(key, set);
  };
  for (let first = 0; first < ids.length; first += ID_CHUNK) {
    const chunk = ids.slice(first, first + ID_CHUNK);
    if (leaves.aliases.length > 0) {
      const rows = await db
        .selectFrom("asset_alias as al")
        .innerJoin("asset_alias_asset as aa", "aa.alias_id", "al.id")
        .select(["al.name", "aa.asset_id"])
        .where("al.name", "in", leaves.aliases)
        .where("aa.asset_id", "in", chunk)
        .execute();
      for (const row of rows) add(aliasAssets, row.name, row.asset_id);
    }
    if (leaves.patterns.length > 0) {
      const rows = await db
        .selectFrom("asset_pattern_match as m")
        .innerJoin("uri_pattern as p", "p.id", "m.pattern_id")
        .select(["p.pattern", "m.asset_id"])
        .where("p.pattern", "in", leaves.patterns)
        .where("m.asset_id", "in", chunk)
        .execute();
      for (const row of rows) add(patternAssets, row.pattern, row.asset_id);
    }
  }
  return { aliasAssets, patternAssets };
}

/**
 * The data interval spanning the source runs of the events a run takes
 * (`min` of their starts, `max` of their ends), as an expression of the run's
 * insert: no read before it.
 */
const intervalBound = (taken: RawBuilder<unknown>, bound: "start" | "end") =>
  bound === "start"
    ? sql<number | null>`(SELECT min(r.data_interval_start) ${intervalSource(taken)})`
    : sql<number | null>`(SELECT max(r.data_interval_end) ${intervalSource(taken)})`;

const intervalSource = (taken: RawBuilder<unknown>) => sql`
  FROM asset_event_inbox i
  JOIN asset_event e ON e.id = i.event_id
  LEFT JOIN dag_run r ON r.dag_id = e.source_dag_id AND r.run_id = e.source_run_id
  WHERE ${taken}
`;

/** Links the entries a run takes to the run. */
const consumeSql = (taken: RawBuilder<unknown>, runId: string) => sql`
  INSERT INTO dag_run_consumed_event (dag_id, run_id, event_id)
  SELECT i.dag_id, ${runId}, i.event_id FROM asset_event_inbox i WHERE ${taken}
`;

/**
 * PostgreSQL: removes the entries a run takes from the inbox and links them
 * to the run, as common table expressions of the run's insert (see
 * `NewRun.alsoWhenCreated`; nothing when the run was not created): what
 * {@link consumeSql} then {@link deleteConsumedQuery} do in two statements.
 */
const consumeWithRunSql = (taken: RawBuilder<unknown>) => sql`
  taken AS (
    DELETE FROM asset_event_inbox i WHERE ${taken} AND EXISTS (SELECT 1 FROM created)
    RETURNING i.dag_id, i.event_id
  ),
  linked AS (
    INSERT INTO dag_run_consumed_event (dag_id, run_id, event_id)
    SELECT t.dag_id, c.run_id, t.event_id FROM taken t CROSS JOIN created c
  )
`;

// The "all" take (the default policy, the hot path) as compiled statements.
const allConsumeQuery = compiledQuery((_db, dagId: string, runId: string) =>
  consumeSql(sql`i.dag_id = ${dagId}`, runId),
);

/**
 * Deletes exactly what a run consumed: an entry committed meanwhile by
 * another process stays pending for the next evaluation.
 */
const deleteConsumedQuery = compiledQuery(
  (_db, dagId: string, runId: string) => sql`
    DELETE FROM asset_event_inbox WHERE dag_id = ${dagId} AND event_id IN (
      SELECT event_id FROM dag_run_consumed_event WHERE dag_id = ${dagId} AND run_id = ${runId})
  `,
);

/** The inbox entries (`asset_event_inbox i`) a run takes, as a SQL condition. */
function takenEntries(dagId: string, take: Take): RawBuilder<unknown> {
  switch (take.kind) {
    case "all":
      return sql`i.dag_id = ${dagId}`;
    case "events": {
      const ids = sql.join(take.eventIds.map((id) => sql`${id}`));
      if (take.fill === 0) return sql`i.dag_id = ${dagId} AND i.event_id IN (${ids})`;
      return sql`i.dag_id = ${dagId} AND (i.event_id IN (${ids}) OR i.event_id IN (
        SELECT o.event_id FROM asset_event_inbox o
        WHERE o.dag_id = ${dagId} AND o.event_id NOT IN (${ids})
        ORDER BY o.event_id LIMIT ${take.fill}))`;
    }
    case "before":
      return sql`i.dag_id = ${dagId} AND EXISTS (
        SELECT 1 FROM asset_event t WHERE t.id = i.event_id AND t.timestamp < ${take.timestamp})`;
  }
}

/**
 * Creates the asset-triggered run of a decision: its data interval (the
 * policy's, else the span of the source runs' intervals), the consumed-event
 * links, and the inbox entries removed. Returns the run id, or null.
 */
async function createConsumerRun(
  ctx: EngineContext,
  trx: Executor,
  dag: RegisteredDag,
  decision: Extract<ConsumerDecision, { kind: "run" }>,
  started: boolean,
): Promise<string | null> {
  const dagId = dag.manifest.dagId;
  const taken = takenEntries(dagId, decision.take);
  const all = decision.take.kind === "all";
  // No interval from the policy: the span of the source runs' intervals, computed by the insert.
  const interval = decision.interval;
  const runId = await createRun(ctx, trx, dag.manifest, {
    runType: "asset_triggered",
    logicalDate: ctx.clock.now(),
    dataIntervalStart: interval === null ? intervalBound(taken, "start") : interval.start,
    dataIntervalEnd: interval === null ? intervalBound(taken, "end") : interval.end,
    conf: {},
    started,
    // PostgreSQL: exactly the entries the statement deleted are linked: one committed meanwhile stays pending.
    alsoWhenCreated: consumeWithRunSql(taken),
    // PostgreSQL: sent with what the transaction sends next (the commit, when this was its last decision).
    sendWithNext: true,
  });
  if (runId === null || ctx.dialect === "postgres") return runId;
  if (all) await allConsumeQuery(ctx.dialect, trx, dagId, runId);
  else await consumeSql(taken, runId).execute(trx);
  await deleteConsumedQuery(ctx.dialect, trx, dagId, runId);
  return runId;
}
