/**
 * Reads of DAGs: a page of registered DAGs by id, one DAG, and the DAG row as
 * users see it (its manifest parsed).
 */
import type { Kysely } from "kysely";
import type { JsonObject } from "../../sdk/json.js";
import type { DagManifest, ScheduleManifest, TaskManifest } from "../../sdk/manifest/schema.js";
import type { Database } from "../store/schema.js";
import { containsIgnoringCase, nullableNumber, type Page, type PageOptions } from "./paging.js";

/** A registered DAG as users see it. */
export interface DagView {
  readonly dagId: string;
  readonly description: string | null;
  /** The DAG file it was loaded from, if known. */
  readonly fileloc: string | null;
  readonly isPaused: boolean;
  /** False once its file no longer defines it. */
  readonly isActive: boolean;
  readonly maxActiveRuns: number;
  readonly tags: string[];
  readonly schedule: ScheduleManifest;
  readonly params: JsonObject;
  readonly tasks: TaskManifest[];
  /** Epoch ms when its next time-based run is due, or null. */
  readonly nextRunAt: number | null;
  readonly registeredAt: number;
  readonly updatedAt: number;
}

/** Filters of {@link listDags}. */
export interface DagFilter extends PageOptions {
  /** Case-insensitive substring of the DAG id. */
  readonly dagIdPattern?: string;
  readonly paused?: boolean;
  /** Only DAGs some file still defines (default true). */
  readonly onlyActive?: boolean;
}

/**
 * A page of DAGs, by id.
 *
 * @example
 * ```ts
 * const { items } = await listDags(db, { paused: false });
 * ```
 */
export async function listDags(db: Kysely<Database>, filter: DagFilter = {}): Promise<Page<DagView>> {
  const query = db
    .selectFrom("dag")
    .$if(filter.onlyActive ?? true, (q) => q.where("is_active", "=", 1))
    .$if(filter.paused !== undefined, (q) => q.where("is_paused", "=", filter.paused ? 1 : 0))
    .$if(filter.dagIdPattern !== undefined, (q) =>
      q.where(containsIgnoringCase("dag_id", filter.dagIdPattern as string)),
    );
  const count = await query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirst();
  const rows = await query
    .selectAll()
    .orderBy("dag_id")
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return { items: rows.map(toDagView), total: Number(count?.count ?? 0) };
}

/**
 * One DAG (active or not), or undefined.
 *
 * @example
 * ```ts
 * const dag = await getDag(db, "consumer");
 * ```
 */
export async function getDag(db: Kysely<Database>, dagId: string): Promise<DagView | undefined> {
  const row = await db.selectFrom("dag").selectAll().where("dag_id", "=", dagId).executeTakeFirst();
  return row ? toDagView(row) : undefined;
}

/**
 * A DAG row as users see it (its manifest parsed).
 *
 * @example
 * ```ts
 * const dags = rows.map(toDagView);
 * ```
 */
export function toDagView(row: Database["dag"]): DagView {
  const manifest = JSON.parse(row.manifest) as DagManifest;
  return {
    dagId: row.dag_id,
    description: manifest.description,
    fileloc: row.fileloc,
    isPaused: row.is_paused === 1,
    isActive: row.is_active === 1,
    maxActiveRuns: Number(row.max_active_runs),
    tags: manifest.tags,
    schedule: manifest.schedule,
    params: manifest.params,
    tasks: manifest.tasks,
    nextRunAt: nullableNumber(row.next_run_at),
    registeredAt: Number(row.registered_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * The DAG queries over one store.
 *
 * @example
 * ```ts
 * const { items } = await dagQueries(db).list({ paused: false });
 * ```
 */
export function dagQueries(db: Kysely<Database>) {
  return {
    /** A page of DAGs by id ({@link listDags}). */
    list: (filter?: DagFilter) => listDags(db, filter),
    /** One DAG, active or not ({@link getDag}). */
    get: (dagId: string) => getDag(db, dagId),
  };
}
