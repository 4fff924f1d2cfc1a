/**
 * The DAGs page: what each row shows (schedule in words, last run, next run
 * or what it waits for), and the API query of the page's filters.
 */
import type { DagListItem, RunState } from "../api/types.js";
import { waitingFor } from "./condition.js";
import { relativeTime } from "./format.js";
import type { DagListFilter } from "./routes.js";
import { summarizeSchedule } from "./schedule.js";

/** DAGs per page. */
export const DAG_PAGE_SIZE = 50;

/** What comes next for a DAG. */
export type NextRun =
  | { readonly kind: "time"; readonly at: string; readonly text: string }
  | { readonly kind: "waiting"; readonly text: string }
  | { readonly kind: "ready"; readonly text: string }
  | { readonly kind: "paused"; readonly text: string }
  | { readonly kind: "none"; readonly text: string };

/** One row of the DAGs table. */
export interface DagRow {
  readonly dagId: string;
  readonly description: string | null;
  readonly isPaused: boolean;
  readonly schedule: ReturnType<typeof summarizeSchedule>;
  readonly lastRun: { readonly state: RunState; readonly runId: string; readonly when: string } | null;
  readonly next: NextRun;
  readonly tags: readonly string[];
}

/**
 * A DAG as a row of the DAGs page.
 *
 * @example
 * ```ts
 * dagRow(dag, Date.now()).next; // { kind: "waiting", text: "Waiting for asset-2" }
 * ```
 */
export function dagRow(dag: DagListItem, now: number): DagRow {
  return {
    dagId: dag.dagId,
    description: dag.description,
    isPaused: dag.isPaused,
    schedule: summarizeSchedule(dag.schedule),
    lastRun: dag.lastRun
      ? {
          state: dag.lastRun.state,
          runId: dag.lastRun.runId,
          when: relativeTime(dag.lastRun.startDate ?? dag.lastRun.createdAt, now),
        }
      : null,
    next: nextRun(dag, now),
    tags: dag.tags,
  };
}

/**
 * What comes next: the next time-based run, or the assets a consumer waits
 * for (both for a schedule on assets or time), or nothing.
 *
 * @example
 * ```ts
 * nextRun(dag, Date.now()).text; // "in 12m 00s"
 * ```
 */
export function nextRun(dag: DagListItem, now: number): NextRun {
  if (dag.isPaused) return { kind: "paused", text: "Paused" };
  const waiting = dag.assetCondition === null ? null : waitingFor(dag.assetCondition);
  const time = dag.nextRunAt === null ? null : relativeTime(dag.nextRunAt, now);
  if (dag.assetCondition !== null && waiting === null) return { kind: "ready", text: "Condition met: starting" };
  if (waiting !== null && time !== null) {
    return { kind: "waiting", text: `${time}, or when ${waiting} updates` };
  }
  if (waiting !== null) return { kind: "waiting", text: `Waiting for ${waiting}` };
  if (dag.nextRunAt !== null && time !== null) return { kind: "time", at: dag.nextRunAt, text: time };
  return { kind: "none", text: "–" };
}

/** Query parameters of `GET /api/v1/dags` for a filter. */
export type DagListQuery = Record<string, string>;

/**
 * The API query of the DAGs page's filters.
 *
 * @example
 * ```ts
 * dagListQuery({ ...DEFAULT_DAG_FILTER, search: "orders", page: 2 }); // { search: "orders", limit: "50", offset: "50" }
 * ```
 */
export function dagListQuery(filter: DagListFilter, pageSize = DAG_PAGE_SIZE): DagListQuery {
  const query: Record<string, string> = {
    limit: String(pageSize),
    offset: String((filter.page - 1) * pageSize),
  };
  if (filter.search.trim() !== "") query.search = filter.search.trim();
  if (filter.lastRunState !== "all") query.lastRunState = filter.lastRunState;
  if (filter.tag !== null) query.tag = filter.tag;
  if (filter.scheduleKind !== "all") query.scheduleKind = filter.scheduleKind;
  if (filter.paused !== "all") query.paused = filter.paused === "paused" ? "true" : "false";
  return query;
}

/**
 * How many pages `total` rows fill (at least 1).
 *
 * @example
 * ```ts
 * pageCount(101, 50); // 3
 * ```
 */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
