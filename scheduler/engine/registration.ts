/**
 * DAG registration: a manifest becomes DAG rows, consumer references, task
 * asset references and timetable plans. Re-registering updates references; a
 * DAG that disappears from its scope is deactivated and stops consuming.
 */
import { sql } from "kysely";
import { stableStringify } from "../../sdk/json.js";
import type { DagManifest, Manifest } from "../../sdk/manifest/schema.js";
import { assetConditionOf, conditionLeaves } from "../condition-evaluator.js";
import { manifestHash } from "../store/manifest-hash.js";
import { planNextRun, timetableOf } from "../timetable.js";
import { type AssetInput, ensureAlias, ensureAssets } from "./assets.js";
import { insertRows } from "./bulk-insert.js";
import { applyAssetCatchup } from "./catchup.js";
import { consumedAssetIds } from "./consumed-assets.js";
import { assetIdentity, type EngineContext, type Executor } from "./context.js";
import { replaceCycleWarnings, replaceDagWarnings } from "./dag-warnings.js";
import { ensurePattern } from "./patterns.js";
import { lockRegistrations } from "./registration-lock.js";
import { declareWatchers, type WatcherDeclarationChanges } from "./watchers.js";

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
  /** Watchers no DAG file declares any more (they stop), and removed ones declared again (they resume). */
  readonly watchers: WatcherDeclarationChanges;
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
  const declared = new Map(manifest.assets.map((asset) => [assetIdentity(asset.name, asset.uri), asset]));
  await ensureAssets(ctx, trx, manifest.assets, true);
  const watchers = await declareWatchers(ctx, trx, manifest, scope);
  const result: RegistrationResult = {
    added: [],
    updated: [],
    unchanged: [],
    deactivated: [],
    caughtUp: [],
    watchers,
  };
  for (const alias of manifest.aliases) await ensureAlias(ctx, trx, alias.name, alias.group);
  const fileloc = scope.kind === "file" ? scope.fileloc : null;

  const registered = await registeredDags(
    trx,
    manifest.dags.map((dag) => dag.dagId),
  );
  // New DAGs by id (a manifest naming one twice registers the last).
  const added = new Map<string, DagManifest>();
  // Each DAG's stored text, serialized once.
  const texts = new Map<DagManifest, string>();
  for (const dag of manifest.dags) {
    const text = stableStringify(dag, 0);
    texts.set(dag, text);
    const existing = registered.get(dag.dagId);
    if (!existing) {
      added.set(dag.dagId, dag);
      continue;
    }
    if (existing.manifest === text && existing.is_active === 1 && existing.fileloc === (fileloc ?? existing.fileloc)) {
      result.unchanged.push(dag.dagId);
      continue;
    }
    await trx
      .updateTable("dag")
      .set({
        manifest: text,
        manifest_hash: manifestHash(text),
        is_active: 1,
        max_active_runs: dag.maxActiveRuns,
        buffer_while_paused: dag.whilePaused === "catchup" ? 0 : 1,
        updated_at: now,
        fileloc: fileloc ?? existing.fileloc,
      })
      .where("dag_id", "=", dag.dagId)
      .execute();
    result.updated.push(dag.dagId);
    const previous = JSON.parse(existing.manifest) as DagManifest;
    await replaceReferences(ctx, trx, dag, declared);
    if (timeSignature(previous) !== timeSignature(dag) || existing.is_active === 0) {
      await replanTimetable(ctx, trx, dag.dagId, dag);
    }
    // A consumer that starts again catches up on what it missed.
    if (existing.is_active === 0 && (await catchUp(ctx, trx, dag))) result.caughtUp.push(dag.dagId);
  }
  // New DAGs: rows and references with a few statements per chunk, however many there are.
  await insertDags(ctx, trx, [...added.values()], texts, fileloc, now);
  await insertReferences(ctx, trx, [...added.values()], declared);
  for (const dag of added.values()) {
    result.added.push(dag.dagId);
    if (timetableOf(dag.schedule)) await replanTimetable(ctx, trx, dag.dagId, dag);
    // A consumer that starts catches up on what it missed.
    if (await catchUp(ctx, trx, dag)) result.caughtUp.push(dag.dagId);
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
  await replaceDagWarnings(ctx, trx, manifest.dags);
  await replaceCycleWarnings(ctx, trx);
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
    "dag_warning",
  ] as const) {
    await trx.deleteFrom(table).where("dag_id", "=", dagId).execute();
  }
  ctx.dagManifests.delete(dagId);
}

/** Ids per `IN (...)` list. */
const ROW_CHUNK = 500;

/** The rows of the DAGs already registered among `dagIds`, by id. */
async function registeredDags(trx: Executor, dagIds: readonly string[]) {
  const rows = new Map<string, { manifest: string; is_active: number; fileloc: string | null }>();
  for (let first = 0; first < dagIds.length; first += ROW_CHUNK) {
    const found = await trx
      .selectFrom("dag")
      .select(["dag_id", "manifest", "is_active", "fileloc"])
      .where("dag_id", "in", dagIds.slice(first, first + ROW_CHUNK))
      .execute();
    for (const { dag_id, ...row } of found) rows.set(dag_id, row);
  }
  return rows;
}

const DAG_COLUMNS = [
  "dag_id",
  "manifest",
  "manifest_hash",
  "fileloc",
  "is_paused",
  "is_active",
  "max_active_runs",
  "registered_at",
  "updated_at",
  "next_run_at",
  "next_logical_date",
  "next_interval_start",
  "next_interval_end",
  "paused_at",
  "next_consume_at",
  "buffer_while_paused",
] as const;

/** Inserts the rows of DAGs never registered before (their timetables are planned after). */
async function insertDags(
  ctx: EngineContext,
  trx: Executor,
  dags: readonly DagManifest[],
  texts: ReadonlyMap<DagManifest, string>,
  fileloc: string | null,
  now: number,
): Promise<void> {
  const rows = dags.map((dag) => {
    const text = texts.get(dag) ?? stableStringify(dag, 0);
    return [
      dag.dagId,
      text,
      manifestHash(text),
      fileloc,
      0,
      1,
      dag.maxActiveRuns,
      now,
      now,
      null,
      null,
      null,
      null,
      null,
      null,
      dag.whilePaused === "catchup" ? 0 : 1,
    ];
  });
  await insertRows(ctx.dialect, trx, "dag", DAG_COLUMNS, rows);
}

/** Queues the earlier events a new (or reactivated) consumer's `catchup` asks for; true when it queued some. */
async function catchUp(ctx: EngineContext, trx: Executor, dag: DagManifest): Promise<boolean> {
  if (!dag.assetCatchup || !assetConditionOf(dag.schedule)) return false;
  return (await applyAssetCatchup(ctx, trx, dag.dagId, dag.assetCatchup, null)) > 0;
}

type DeclaredAssets = Map<string, { name: string; uri: string; group: string; extra: Record<string, unknown> }>;

/** Rewrites the references of a registered DAG and drops its pending entries its schedule no longer reaches. */
async function replaceReferences(
  ctx: EngineContext,
  trx: Executor,
  dag: DagManifest,
  declared: DeclaredAssets,
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
  await insertReferences(ctx, trx, [dag], declared);
  // Pending entries of assets the new schedule no longer mentions are dropped.
  await sql`
    DELETE FROM asset_event_inbox
    WHERE dag_id = ${dag.dagId}
      AND asset_id NOT IN (${consumedAssetIds(dag.dagId)})
  `.execute(trx);
}

/**
 * Inserts the references of `dags` (which have none): the assets, aliases,
 * name/URI refs and URI patterns their schedules consume, and the assets and
 * aliases their tasks declare as outlets and inlets (an `Asset.ref` inlet is
 * resolved when its task runs, so it has no row). Assets a manifest uses
 * without declaring them get the default group and no extra.
 */
async function insertReferences(
  ctx: EngineContext,
  trx: Executor,
  dags: readonly DagManifest[],
  declared: DeclaredAssets,
): Promise<void> {
  const assetOf = (name: string, uri: string): AssetInput => {
    const asset = declared.get(assetIdentity(name, uri));
    return { name, uri, group: asset?.group ?? "asset", extra: (asset?.extra as Record<string, never>) ?? {} };
  };
  const leaves = dags.map((dag) => {
    const condition = assetConditionOf(dag.schedule);
    return condition ? conditionLeaves(condition) : null;
  });
  const used: AssetInput[] = [];
  dags.forEach((dag, index) => {
    for (const asset of leaves[index]?.assets ?? []) used.push(assetOf(asset.name, asset.uri));
    for (const task of dag.tasks) {
      for (const item of [...task.outlets, ...task.inlets]) {
        if (item.kind === "asset") used.push(assetOf(item.name, item.uri));
      }
    }
  });
  const usedIds = await ensureAssets(ctx, trx, used);
  const idByKey = new Map(used.map((asset, index) => [assetIdentity(asset.name, asset.uri), usedIds[index] as number]));
  const idOf = (name: string, uri: string) => idByKey.get(assetIdentity(name, uri)) as number;
  const schedule = {
    asset: [] as unknown[][],
    alias: [] as unknown[][],
    ref: [] as unknown[][],
    pattern: [] as unknown[][],
  };
  const tasks: unknown[][] = [];
  for (const [index, dag] of dags.entries()) {
    const dagId = dag.dagId;
    const leaf = leaves[index];
    for (const asset of leaf?.assets ?? []) schedule.asset.push([dagId, idOf(asset.name, asset.uri)]);
    for (const alias of leaf?.aliases ?? []) schedule.alias.push([dagId, await ensureAlias(ctx, trx, alias)]);
    for (const value of leaf?.names ?? []) schedule.ref.push([dagId, "name", value]);
    for (const value of leaf?.uris ?? []) schedule.ref.push([dagId, "uri", value]);
    for (const pattern of leaf?.patterns ?? []) {
      schedule.pattern.push([dagId, await ensurePattern(ctx, trx, pattern)]);
    }
    for (const task of dag.tasks) {
      for (const [direction, items] of [
        ["outlet", task.outlets],
        ["inlet", task.inlets],
      ] as const) {
        for (const item of items) {
          // An Asset.ref inlet is resolved when the task runs (runtime/inlet-events.ts), not linked here.
          if (item.kind === "ref") continue;
          tasks.push([
            dagId,
            task.taskId,
            direction,
            item.kind === "asset" ? idOf(item.name, item.uri) : null,
            item.kind === "alias" ? await ensureAlias(ctx, trx, item.name) : null,
          ]);
        }
      }
    }
  }
  const conflict = "ON CONFLICT DO NOTHING";
  await insertRows(ctx.dialect, trx, "dag_schedule_asset", ["dag_id", "asset_id"], schedule.asset, conflict);
  await insertRows(ctx.dialect, trx, "dag_schedule_alias", ["dag_id", "alias_id"], schedule.alias, conflict);
  await insertRows(ctx.dialect, trx, "dag_schedule_ref", ["dag_id", "ref_kind", "value"], schedule.ref, conflict);
  await insertRows(ctx.dialect, trx, "dag_schedule_pattern", ["dag_id", "pattern_id"], schedule.pattern, conflict);
  await insertRows(
    ctx.dialect,
    trx,
    "task_asset_reference",
    ["dag_id", "task_id", "direction", "asset_id", "alias_id"],
    tasks,
  );
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
