/**
 * What changed: one stamp per resource, cheap to compute (indexed maxima,
 * the open runs and task instances, the small tables whole), so a UI can
 * poll `GET /changes?since=<cursor>` every second or two and fetch again only
 * what changed. A stamp changes whenever its resource does: new rows raise
 * a maximum id, and every run or task transition adds a row to, removes one
 * from, or changes one within the open set.
 */
import { createHash } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { ACTIVE_RUN_STATES, OPEN_TASK_STATES } from "../contracts.js";
import type { Database } from "../store/schema.js";

/** The resources a change stamp covers. */
export const CHANGE_RESOURCES = [
  "dags",
  "runs",
  "taskInstances",
  "assetEvents",
  "queuedEvents",
  "assets",
  "importErrors",
] as const;
/** One of {@link CHANGE_RESOURCES}. */
export type ChangeResource = (typeof CHANGE_RESOURCES)[number];

/** A stamp per resource. */
export type ChangeStamps = Record<ChangeResource, string>;

/**
 * The current stamp of every resource.
 *
 * @example
 * ```ts
 * const before = await changeStamps(db);
 * // ... a run finishes ...
 * changedResources(before, await changeStamps(db)); // ["runs", "taskInstances", ...]
 * ```
 */
export async function changeStamps(db: Kysely<Database>): Promise<ChangeStamps> {
  const [dags, paused, lastRun, openRuns, openTasks, lastEvent, inbox, assets, importErrors, warnings] =
    await Promise.all([
      // One row of aggregates: a registration or deactivation moves updated_at, a planned run the sum of next runs.
      db
        .selectFrom("dag")
        .select((eb) => [
          eb.fn.countAll<number>().as("count"),
          eb.fn.max("updated_at").as("updated"),
          eb.fn.sum<number>("is_active").as("active"),
          eb.fn.sum<number>(sql`coalesce(next_run_at, 0) % 1000000007`).as("next"),
        ])
        .executeTakeFirst(),
      // Pausing touches no timestamp: the paused DAGs themselves (usually few).
      db.selectFrom("dag").select("dag_id").where("is_paused", "=", 1).orderBy("dag_id").execute(),
      db
        .selectFrom("dag_run")
        .select((eb) => eb.fn.max("id").as("id"))
        .executeTakeFirst(),
      db
        .selectFrom("dag_run")
        .select(["id", "state", "start_date"])
        .where("state", "in", [...ACTIVE_RUN_STATES])
        .execute(),
      db
        .selectFrom("task_instance")
        .select(["dag_id", "run_id", "task_id", "map_index", "state", "try_number"])
        .where("state", "in", [...OPEN_TASK_STATES])
        .execute(),
      db
        .selectFrom("asset_event")
        .select((eb) => eb.fn.max("id").as("id"))
        .executeTakeFirst(),
      db
        .selectFrom("asset_event_inbox")
        .select((eb) => [eb.fn.countAll<number>().as("count"), eb.fn.sum<number>("event_id").as("sum")])
        .executeTakeFirst(),
      db
        .selectFrom("asset")
        .select((eb) => [eb.fn.countAll<number>().as("count"), eb.fn.max("id").as("id")])
        .executeTakeFirst(),
      db.selectFrom("import_error").select(["id", "fileloc", "created_at"]).execute(),
      // DAG warnings ride on importErrors: the UI reads both for its problems banner.
      db
        .selectFrom("dag_warning")
        .select(["dag_id", "warning_type", "created_at"])
        .orderBy("dag_id")
        .orderBy("warning_type")
        .execute(),
    ]);
  return {
    dags: digest([dags?.count ?? 0, dags?.updated ?? null, dags?.active ?? 0, dags?.next ?? 0, paused]),
    // A run that finishes leaves the open set; a new run raises the maximum id.
    runs: digest([lastRun?.id ?? null, openRuns]),
    // A finished try leaves the open set; every other transition changes a state or try number in it.
    taskInstances: digest([lastRun?.id ?? null, openTasks]),
    assetEvents: digest([lastEvent?.id ?? null]),
    queuedEvents: digest([inbox?.count ?? 0, inbox?.sum ?? 0]),
    assets: digest([assets?.count ?? 0, assets?.id ?? null]),
    importErrors: digest([importErrors, warnings]),
  };
}

/**
 * The resources whose stamps differ.
 *
 * @example
 * ```ts
 * changedResources(before, after); // ["assetEvents", "queuedEvents"]
 * ```
 */
export function changedResources(before: Partial<ChangeStamps>, after: ChangeStamps): ChangeResource[] {
  return CHANGE_RESOURCES.filter((resource) => before[resource] !== after[resource]);
}

/** Stamps as one opaque cursor (`v1.<stamp>.<stamp>...` in {@link CHANGE_RESOURCES} order). */
export function encodeCursor(stamps: ChangeStamps): string {
  return ["v1", ...CHANGE_RESOURCES.map((resource) => stamps[resource])].join(".");
}

/**
 * The stamps of a cursor, or null when it is not one this server wrote.
 *
 * @example
 * ```ts
 * decodeCursor(encodeCursor(stamps)); // stamps
 * ```
 */
export function decodeCursor(cursor: string): ChangeStamps | null {
  const parts = cursor.split(".");
  if (parts[0] !== "v1" || parts.length !== CHANGE_RESOURCES.length + 1) return null;
  if (!parts.slice(1).every((part) => /^[A-Za-z0-9_-]{1,64}$/.test(part))) return null;
  return Object.fromEntries(CHANGE_RESOURCES.map((resource, index) => [resource, parts[index + 1]])) as ChangeStamps;
}

function digest(value: unknown): string {
  // Numbers come back as strings from PostgreSQL bigints and as numbers from SQLite: normalize.
  const text = JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? String(item) : item)).replace(
    /"(-?\d+)"/g,
    "$1",
  );
  return createHash("sha256").update(text).digest("base64url").slice(0, 16);
}
