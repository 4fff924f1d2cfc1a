/**
 * Reads of the DAGs overview: DAGs filtered by text, tag, schedule kind,
 * paused state and last-run state, each with its latest run; the tags in
 * use; and a DAG's grid (recent runs with their task instances).
 */
import type { Kysely } from "kysely";
import type { ScheduleManifest } from "../../sdk/manifest/schema.js";
import { RUN_STATES, type RunKind, type RunState } from "../contracts.js";
import type { Database } from "../store/schema.js";
import { type DagView, toDagView } from "./dags.js";
import { containsIgnoringCase, type Page } from "./paging.js";
import { type TaskInstanceView, toTaskInstanceView } from "./task-instances.js";

/** How a schedule is grouped by the overview's filter. */
export const SCHEDULE_KIND_FILTERS = ["time", "assets", "assetOrTime", "manual"] as const;
/** One of {@link SCHEDULE_KIND_FILTERS}. */
export type ScheduleKindFilter = (typeof SCHEDULE_KIND_FILTERS)[number];

/** The last-run states the overview filters by (`none`: never ran). */
export const LAST_RUN_STATE_FILTERS = [...RUN_STATES, "none"] as const;
/** One of {@link LAST_RUN_STATE_FILTERS}. */
export type LastRunStateFilter = (typeof LAST_RUN_STATE_FILTERS)[number];

/** A run as the overview and the grid show it. */
export interface RunSummaryView {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunKind;
  readonly state: RunState;
  readonly createdAt: number;
  readonly startDate: number | null;
  readonly endDate: number | null;
}

/** A DAG with its latest run. */
export interface DagOverviewView extends DagView {
  readonly lastRun: RunSummaryView | null;
}

/** Filters of {@link listDagOverview}. */
export interface DagOverviewFilter {
  /** Case-insensitive text in the DAG id, description or a tag. */
  readonly search?: string;
  /** Case-insensitive substring of the DAG id only. */
  readonly dagIdPattern?: string;
  readonly tag?: string;
  readonly scheduleKind?: ScheduleKindFilter;
  readonly lastRunState?: LastRunStateFilter;
  readonly paused?: boolean;
  /** Only DAGs some file still defines (default true). */
  readonly onlyActive?: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

/**
 * The group of a schedule for the overview's filter.
 *
 * @example
 * ```ts
 * scheduleKindOf({ kind: "cronTrigger", expression: "@daily", timezone: "UTC" }); // "time"
 * ```
 */
export function scheduleKindOf(schedule: ScheduleManifest): ScheduleKindFilter {
  switch (schedule.kind) {
    case "none":
      return "manual";
    case "once":
    case "cron":
    case "cronTrigger":
      return "time";
    case "assets":
      return "assets";
    case "assetOrTime":
      return "assetOrTime";
  }
}

/**
 * A page of DAGs by id with their latest runs. Text, tag and schedule
 * filters read the DAGs' manifests (parsed once per call: tens of
 * milliseconds for 5,000 DAGs); the last-run filter reads one row per DAG.
 *
 * @example
 * ```ts
 * const { items, total } = await listDagOverview(db, { tag: "finance", lastRunState: "failed", limit: 50 });
 * ```
 */
export async function listDagOverview(
  db: Kysely<Database>,
  filter: DagOverviewFilter = {},
): Promise<Page<DagOverviewView>> {
  const base = db
    .selectFrom("dag")
    .$if(filter.onlyActive ?? true, (q) => q.where("is_active", "=", 1))
    .$if(filter.paused !== undefined, (q) => q.where("is_paused", "=", filter.paused ? 1 : 0))
    .$if((filter.dagIdPattern ?? "") !== "", (q) =>
      q.where(containsIgnoringCase("dag_id", filter.dagIdPattern as string)),
    );
  const offset = filter.offset ?? 0;
  const limit = filter.limit ?? 100;
  const search = filter.search?.trim().toLowerCase() ?? "";
  if (
    search === "" &&
    filter.tag === undefined &&
    filter.scheduleKind === undefined &&
    filter.lastRunState === undefined
  ) {
    // Nothing to read in the manifests: page in SQL and read the latest runs of that page only.
    const [count, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirst(),
      base.selectAll().orderBy("dag_id").limit(limit).offset(offset).execute(),
    ]);
    const lastRuns = await latestRuns(
      db,
      rows.map((row) => row.dag_id),
    );
    return {
      items: rows.map((row): DagOverviewView => ({ ...toDagView(row), lastRun: lastRuns.get(row.dag_id) ?? null })),
      total: Number(count?.count ?? 0),
    };
  }
  // The manifest holds the id, description and tags as JSON text: a DAG whose text lacks the search (or the tag)
  // cannot match, so only the others are parsed (the checks below decide).
  const rows = await base
    // (Only for text that JSON writes as is: a quote or a control character is escaped in the manifest.)
    .$if(search !== "" && JSON.stringify(search) === `"${search}"`, (q) =>
      q.where(containsIgnoringCase("manifest", search)),
    )
    .$if(filter.tag !== undefined, (q) => q.where(containsIgnoringCase("manifest", JSON.stringify(filter.tag))))
    .selectAll()
    .orderBy("dag_id")
    .execute();
  const dags = rows.map(toDagView).filter((dag) => {
    if (filter.tag !== undefined && !dag.tags.includes(filter.tag)) return false;
    if (filter.scheduleKind !== undefined && scheduleKindOf(dag.schedule) !== filter.scheduleKind) return false;
    if (search === "") return true;
    return (
      dag.dagId.toLowerCase().includes(search) ||
      (dag.description ?? "").toLowerCase().includes(search) ||
      dag.tags.some((tag) => tag.toLowerCase().includes(search))
    );
  });
  const lastRuns = await latestRuns(db);
  const withRuns = dags.map((dag): DagOverviewView => ({ ...dag, lastRun: lastRuns.get(dag.dagId) ?? null }));
  const matching =
    filter.lastRunState === undefined
      ? withRuns
      : withRuns.filter((dag) => (dag.lastRun?.state ?? "none") === filter.lastRunState);
  return { items: matching.slice(offset, offset + limit), total: matching.length };
}

/**
 * The tags of the active DAGs, sorted.
 *
 * @example
 * ```ts
 * await listDagTags(db); // ["finance", "hourly"]
 * ```
 */
export async function listDagTags(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom("dag").selectAll().where("is_active", "=", 1).execute();
  return [...new Set(rows.flatMap((row) => toDagView(row).tags))].sort();
}

/**
 * A DAG's `limit` most recent runs (newest first) and their task instances.
 *
 * @example
 * ```ts
 * const { runs, taskInstances } = await dagGrid(db, "consumer", 25);
 * ```
 */
export async function dagGrid(
  db: Kysely<Database>,
  dagId: string,
  limit: number,
): Promise<{ runs: RunSummaryView[]; taskInstances: TaskInstanceView[] }> {
  const rows = await db
    .selectFrom("dag_run")
    .select(["dag_id", "run_id", "run_type", "state", "created_at", "start_date", "end_date"])
    .where("dag_id", "=", dagId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  const runs = rows.map(toRunSummary);
  if (runs.length === 0) return { runs, taskInstances: [] };
  const instances = await db
    .selectFrom("task_instance")
    .selectAll()
    .where("dag_id", "=", dagId)
    .where(
      "run_id",
      "in",
      runs.map((run) => run.runId),
    )
    .orderBy("run_id")
    .orderBy("task_id")
    .orderBy("map_index")
    .execute();
  return { runs, taskInstances: instances.map(toTaskInstanceView) };
}

/** The latest run of every DAG that ran (or of `dagIds` only), by DAG id. */
async function latestRuns(db: Kysely<Database>, dagIds?: readonly string[]): Promise<Map<string, RunSummaryView>> {
  if (dagIds !== undefined && dagIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("dag_run")
    .select(["dag_id", "run_id", "run_type", "state", "created_at", "start_date", "end_date"])
    .where("id", "in", (eb) =>
      eb
        .selectFrom("dag_run")
        .select((inner) => inner.fn.max("id").as("id"))
        .$if(dagIds !== undefined, (q) => q.where("dag_id", "in", dagIds as string[]))
        .groupBy("dag_id"),
    )
    .execute();
  return new Map(rows.map((row) => [row.dag_id, toRunSummary(row)]));
}

function toRunSummary(row: {
  dag_id: string;
  run_id: string;
  run_type: RunKind;
  state: RunState;
  created_at: number;
  start_date: number | null;
  end_date: number | null;
}): RunSummaryView {
  return {
    dagId: row.dag_id,
    runId: row.run_id,
    runType: row.run_type,
    state: row.state,
    createdAt: Number(row.created_at),
    startDate: row.start_date === null ? null : Number(row.start_date),
    endDate: row.end_date === null ? null : Number(row.end_date),
  };
}
