/**
 * Consumer evaluation: when a consumer's condition holds over its pending
 * inbox entries and it is under `maxActiveRuns`, one asset-triggered run is
 * created that consumes all of them, in one transaction.
 */
import { sql } from "kysely";
import type { ConditionNode } from "../../sdk/manifest/schema.js";
import {
  conditionLeaves,
  type ExplainedCondition,
  evaluateCondition,
  explainCondition,
  type PendingLookup,
} from "../condition-evaluator.js";
import { assetIdentity, type EngineContext, type Executor } from "./context.js";
import { consumedAssetIds } from "./registration.js";
import { createRun, getDagManifest, lockDag, startQueuedRunsLocked } from "./runs.js";

/** The asset condition of a schedule, if it has one. */
export function assetConditionOf(schedule: { kind: string; condition?: ConditionNode }): ConditionNode | null {
  return schedule.kind === "assets" || schedule.kind === "assetOrTime" ? (schedule.condition ?? null) : null;
}

/** Builds the pending lookup of one consumer from its inbox. */
export async function loadPending(
  db: Executor,
  dagId: string,
  condition: ConditionNode,
): Promise<PendingLookup & { empty: boolean }> {
  // One indexed EXISTS probe per asset the schedule reaches
  // (asset_event_inbox_by_asset is (asset_id, dag_id)), instead of reading
  // and grouping every pending row: cost no longer grows with the inbox.
  const pending = (
    await sql<{ id: number; name: string; uri: string }>`
      SELECT a.id, a.name, a.uri FROM asset a
      WHERE a.id IN (${consumedAssetIds(dagId)})
        AND EXISTS (SELECT 1 FROM asset_event_inbox i WHERE i.asset_id = a.id AND i.dag_id = ${dagId})
    `.execute(db)
  ).rows;
  const ids = new Set(pending.map((row) => Number(row.id)));
  const identities = new Set(pending.map((row) => assetIdentity(row.name, row.uri)));
  const names = new Set(pending.map((row) => row.name));
  const uris = new Set(pending.map((row) => row.uri));
  const aliasNames = conditionLeaves(condition).aliases;
  const aliasAssets = new Map<string, Set<number>>();
  if (aliasNames.length > 0 && pending.length > 0) {
    const rows = await db
      .selectFrom("asset_alias as al")
      .innerJoin("asset_alias_asset as aa", "aa.alias_id", "al.id")
      .select(["al.name", "aa.asset_id"])
      .where("al.name", "in", aliasNames)
      .execute();
    for (const row of rows) {
      const set = aliasAssets.get(row.name) ?? new Set<number>();
      set.add(Number(row.asset_id));
      aliasAssets.set(row.name, set);
    }
  }
  return {
    empty: pending.length === 0,
    hasAsset: (name, uri) => identities.has(assetIdentity(name, uri)),
    hasAlias: (name) => [...(aliasAssets.get(name) ?? [])].some((id) => ids.has(id)),
    hasAssetNamed: (name) => names.has(name),
    hasAssetWithUri: (uri) => uris.has(uri),
  };
}

/**
 * Evaluates one consumer and, when its condition holds and a run slot is free,
 * creates the asset-triggered run consuming all of its pending entries.
 * Returns the new run id, or null. Run it inside a transaction.
 */
export async function evaluateConsumer(ctx: EngineContext, trx: Executor, dagId: string): Promise<string | null> {
  // Serialize evaluations of one consumer across scheduler processes.
  await lockDag(ctx, trx, dagId);
  const dag = await getDagManifest(ctx, trx, dagId);
  if (!dag || dag.isPaused || !dag.isActive) return null;
  const condition = assetConditionOf(dag.manifest.schedule);
  if (!condition) return null;
  const active = await trx
    .selectFrom("dag_run")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("dag_id", "=", dagId)
    .where("state", "in", ["queued", "running"])
    .executeTakeFirstOrThrow();
  if (Number(active.count) >= dag.maxActiveRuns) return null;
  const pending = await loadPending(trx, dagId, condition);
  if (pending.empty || !evaluateCondition(condition, pending)) return null;

  const interval = await trx
    .selectFrom("asset_event_inbox as i")
    .innerJoin("asset_event as e", "e.id", "i.event_id")
    .leftJoin("dag_run as r", (join) =>
      join.onRef("r.dag_id", "=", "e.source_dag_id").onRef("r.run_id", "=", "e.source_run_id"),
    )
    .select((eb) => [eb.fn.min("r.data_interval_start").as("start"), eb.fn.max("r.data_interval_end").as("end")])
    .where("i.dag_id", "=", dagId)
    .executeTakeFirst();
  const now = ctx.clock.now();
  const runId = await createRun(ctx, trx, dag.manifest, {
    runType: "asset_triggered",
    logicalDate: now,
    dataIntervalStart: interval?.start == null ? null : Number(interval.start),
    dataIntervalEnd: interval?.end == null ? null : Number(interval.end),
    conf: {},
  });
  if (runId === null) return null;
  await sql`
    INSERT INTO dag_run_consumed_event (dag_id, run_id, event_id)
    SELECT dag_id, ${runId}, event_id FROM asset_event_inbox WHERE dag_id = ${dagId}
  `.execute(trx);
  // Delete exactly what was consumed: an entry committed meanwhile by another
  // process stays pending for the next evaluation.
  await sql`
    DELETE FROM asset_event_inbox WHERE dag_id = ${dagId} AND event_id IN (
      SELECT event_id FROM dag_run_consumed_event WHERE dag_id = ${dagId} AND run_id = ${runId})
  `.execute(trx);
  await startQueuedRunsLocked(ctx, trx, dag);
  return runId;
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
  const dag = await getDagManifest(ctx, db, dagId);
  const condition = dag ? assetConditionOf(dag.manifest.schedule) : null;
  if (!condition) return null;
  return explainCondition(condition, await loadPending(db, dagId, condition));
}
