/**
 * DAG registration: a manifest becomes DAG rows, consumer references, task
 * asset references and timetable plans. Re-registering updates references; a
 * DAG that disappears from its scope is deactivated and stops consuming.
 */
import { sql } from "kysely";
import { stableStringify } from "../../sdk/json.js";
import type { DagManifest, Manifest } from "../../sdk/manifest/schema.js";
import { assetConditionOf, conditionLeaves } from "../condition-evaluator.js";
import { planNextRun, timetableOf } from "../timetable.js";
import { ensureAlias, ensureAsset } from "./assets.js";
import { applyAssetCatchup } from "./catchup.js";
import { consumedAssetIds } from "./consumed-assets.js";
import { assetIdentity, type EngineContext, type Executor } from "./context.js";
import { ensurePattern } from "./patterns.js";
import { lockRegistrations } from "./registration-lock.js";

/** Which registered DAGs a manifest replaces. */
export type RegistrationScope =
  /** The manifest is the whole project: DAGs missing from it are deactivated. */
  | { readonly kind: "project" }
  /** The manifest is one file: only DAGs last loaded from that file and missing now are deactivated. */
  | { readonly kind: "file"; readonly fileloc: string }
  /** Only add or update; deactivate nothing. */
  | { readonly kind: "merge" };

/** What a registration changed. */
export interface RegistrationResult {
  readonly added: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  readonly deactivated: string[];
  /** Asset-scheduled DAGs, new or reactivated, that queued earlier events (their `catchup`): evaluate them after commit. */
  readonly caughtUp: string[];
}

/** Registers every DAG of `manifest` in one transaction. */
export async function registerManifest(
  ctx: EngineContext,
  trx: Executor,
  manifest: Manifest,
  scope: RegistrationScope,
): Promise<RegistrationResult> {
  // Several schedulers register the same DAG files when they start. Unserialized,
  // two of them saw a new DAG missing and both inserted it: all but one failed on
  // the primary key and exited. Registrations are rare: let them take turns.
  await lockRegistrations(ctx, trx, "exclusive");
  const now = ctx.clock.now();
  const result: RegistrationResult = { added: [], updated: [], unchanged: [], deactivated: [], caughtUp: [] };
  const declared = new Map(manifest.assets.map((asset) => [assetIdentity(asset.name, asset.uri), asset]));
  for (const asset of manifest.assets) await ensureAsset(ctx, trx, asset, true);
  for (const alias of manifest.aliases) await ensureAlias(ctx, trx, alias.name, alias.group);
  const fileloc = scope.kind === "file" ? scope.fileloc : null;

  for (const dag of manifest.dags) {
    const text = stableStringify(dag, 0);
    const existing = await trx
      .selectFrom("dag")
      .select(["manifest", "is_active", "fileloc"])
      .where("dag_id", "=", dag.dagId)
      .executeTakeFirst();
    if (
      existing &&
      existing.manifest === text &&
      existing.is_active === 1 &&
      existing.fileloc === (fileloc ?? existing.fileloc)
    ) {
      result.unchanged.push(dag.dagId);
      continue;
    }
    if (existing) {
      await trx
        .updateTable("dag")
        .set({
          manifest: text,
          is_active: 1,
          max_active_runs: dag.maxActiveRuns,
          buffer_while_paused: dag.whilePaused === "catchup" ? 0 : 1,
          updated_at: now,
          fileloc: fileloc ?? existing.fileloc,
        })
        .where("dag_id", "=", dag.dagId)
        .execute();
      result.updated.push(dag.dagId);
    } else {
      await trx
        .insertInto("dag")
        .values({
          dag_id: dag.dagId,
          manifest: text,
          fileloc,
          is_paused: 0,
          is_active: 1,
          max_active_runs: dag.maxActiveRuns,
          registered_at: now,
          updated_at: now,
          next_run_at: null,
          next_logical_date: null,
          next_interval_start: null,
          next_interval_end: null,
          paused_at: null,
          next_consume_at: null,
          buffer_while_paused: dag.whilePaused === "catchup" ? 0 : 1,
        })
        .execute();
      result.added.push(dag.dagId);
    }
    const previous = existing ? (JSON.parse(existing.manifest) as DagManifest) : null;
    await writeReferences(ctx, trx, dag, declared);
    if (!previous || timeSignature(previous) !== timeSignature(dag) || existing?.is_active === 0) {
      await replanTimetable(ctx, trx, dag.dagId, dag);
    }
    // A consumer that starts (or starts again) catches up on what it missed.
    if ((!existing || existing.is_active === 0) && dag.assetCatchup && assetConditionOf(dag.schedule)) {
      if ((await applyAssetCatchup(ctx, trx, dag.dagId, dag.assetCatchup, null)) > 0) result.caughtUp.push(dag.dagId);
    }
  }

  const kept = manifest.dags.map((dag) => dag.dagId);
  if (scope.kind !== "merge") {
    let query = trx.selectFrom("dag").select("dag_id").where("is_active", "=", 1);
    if (kept.length > 0) query = query.where("dag_id", "not in", kept);
    if (scope.kind === "file") query = query.where("fileloc", "=", scope.fileloc);
    for (const row of await query.execute()) {
      await deactivateDag(ctx, trx, row.dag_id);
      result.deactivated.push(row.dag_id);
    }
  }
  return result;
}

/** Marks a DAG inactive: it keeps its history but stops consuming and scheduling. */
export async function deactivateDag(ctx: EngineContext, trx: Executor, dagId: string): Promise<void> {
  await trx
    .updateTable("dag")
    .set({ is_active: 0, next_run_at: null, updated_at: ctx.clock.now() })
    .where("dag_id", "=", dagId)
    .execute();
  for (const table of [
    "dag_schedule_asset",
    "dag_schedule_alias",
    "dag_schedule_ref",
    "dag_schedule_pattern",
    "asset_event_inbox",
  ] as const) {
    await trx.deleteFrom(table).where("dag_id", "=", dagId).execute();
  }
  ctx.dagManifests.delete(dagId);
}

async function writeReferences(
  ctx: EngineContext,
  trx: Executor,
  dag: DagManifest,
  declared: Map<string, { name: string; uri: string; group: string; extra: Record<string, unknown> }>,
): Promise<void> {
  for (const table of [
    "dag_schedule_asset",
    "dag_schedule_alias",
    "dag_schedule_ref",
    "dag_schedule_pattern",
    "task_asset_reference",
  ] as const) {
    await trx.deleteFrom(table).where("dag_id", "=", dag.dagId).execute();
  }
  const assetIdOf = (name: string, uri: string) => {
    const asset = declared.get(assetIdentity(name, uri));
    return ensureAsset(ctx, trx, {
      name,
      uri,
      group: asset?.group ?? "asset",
      extra: (asset?.extra as Record<string, never>) ?? {},
    });
  };
  const condition = assetConditionOf(dag.schedule);
  if (condition) {
    const leaves = conditionLeaves(condition);
    for (const asset of leaves.assets) {
      await trx
        .insertInto("dag_schedule_asset")
        .values({ dag_id: dag.dagId, asset_id: await assetIdOf(asset.name, asset.uri) })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    for (const alias of leaves.aliases) {
      await trx
        .insertInto("dag_schedule_alias")
        .values({ dag_id: dag.dagId, alias_id: await ensureAlias(ctx, trx, alias) })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    const refs = [
      ...leaves.names.map((value) => ({ ref_kind: "name" as const, value })),
      ...leaves.uris.map((value) => ({ ref_kind: "uri" as const, value })),
    ];
    for (const ref of refs) {
      await trx
        .insertInto("dag_schedule_ref")
        .values({ dag_id: dag.dagId, ...ref })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    for (const pattern of leaves.patterns) {
      await trx
        .insertInto("dag_schedule_pattern")
        .values({ dag_id: dag.dagId, pattern_id: await ensurePattern(ctx, trx, pattern) })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
  for (const task of dag.tasks) {
    for (const [direction, items] of [
      ["outlet", task.outlets],
      ["inlet", task.inlets],
    ] as const) {
      for (const item of items) {
        await trx
          .insertInto("task_asset_reference")
          .values({
            dag_id: dag.dagId,
            task_id: task.taskId,
            direction,
            asset_id: item.kind === "asset" ? await assetIdOf(item.name, item.uri) : null,
            alias_id: item.kind === "alias" ? await ensureAlias(ctx, trx, item.name) : null,
          })
          .execute();
      }
    }
  }
  // Pending entries of assets the new schedule no longer mentions are dropped.
  await sql`
    DELETE FROM asset_event_inbox
    WHERE dag_id = ${dag.dagId}
      AND asset_id NOT IN (${consumedAssetIds(dag.dagId)})
  `.execute(trx);
}

function timeSignature(dag: DagManifest): string {
  return JSON.stringify([timetableOf(dag.schedule), dag.startDate, dag.catchup]);
}

/** Recomputes when a DAG's next time-based run is due. */
export async function replanTimetable(
  ctx: EngineContext,
  trx: Executor,
  dagId: string,
  dag: DagManifest,
): Promise<void> {
  const timetable = timetableOf(dag.schedule);
  const row = await trx.selectFrom("dag").select("registered_at").where("dag_id", "=", dagId).executeTakeFirstOrThrow();
  let plan = null;
  if (timetable) {
    const last = await trx
      .selectFrom("dag_run")
      .select(["logical_date", "data_interval_end"])
      .where("dag_id", "=", dagId)
      .where("run_type", "=", "scheduled")
      .orderBy("logical_date", "desc")
      .limit(1)
      .executeTakeFirst();
    plan = planNextRun(timetable, {
      startDate: dag.startDate === null ? null : Date.parse(dag.startDate),
      catchup: dag.catchup,
      registeredAt: row.registered_at,
      lastRun:
        last && last.logical_date !== null
          ? { logicalDate: last.logical_date, intervalEnd: last.data_interval_end ?? last.logical_date }
          : null,
      now: ctx.clock.now(),
    });
  }
  await trx
    .updateTable("dag")
    .set({
      next_run_at: plan?.runAt ?? null,
      next_logical_date: plan?.logicalDate ?? null,
      next_interval_start: plan?.intervalStart ?? null,
      next_interval_end: plan?.intervalEnd ?? null,
    })
    .where("dag_id", "=", dagId)
    .execute();
}
