/**
 * The grid of a DAG's recent runs (Airflow's grid view): one column per run,
 * oldest on the left, one row per task in dependency order, each cell the
 * state of that task in that run.
 */
import type { DagRun, DagTask, RunSummary, TaskInstance } from "../api/types.js";

/** How many recent runs the grid shows. */
export const GRID_RUNS = 25;

/** A column: one run. */
export interface GridColumn {
  readonly runId: string;
  readonly state: DagRun["state"];
  readonly runType: DagRun["runType"];
  readonly createdAt: string;
  /** Run duration in ms, or null while it has not started. */
  readonly startDate: string | null;
  readonly endDate: string | null;
}

/** A row: one task. */
export interface GridRow {
  readonly taskId: string;
  /** The task's depth in the dependency graph (0 for tasks with no upstream). */
  readonly depth: number;
  /** Per column: the state of the task in that run (`none` when the run has no instance of it). */
  readonly cells: readonly GridCell[];
}

/** A cell: one task of one run. */
export interface GridCell {
  readonly runId: string;
  readonly state: string;
  readonly tryNumber: number;
}

/** The grid. */
export interface Grid {
  readonly columns: readonly GridColumn[];
  readonly rows: readonly GridRow[];
}

/**
 * The grid of `runs` (any order) over the DAG's tasks, with their task instances.
 *
 * @example
 * ```ts
 * const grid = buildGrid(dag.tasks, runs, instancesByRun);
 * grid.rows[0].cells.map((cell) => cell.state); // ["success", "failed", "running"]
 * ```
 */
export function buildGrid(
  tasks: readonly Pick<DagTask, "taskId" | "upstream">[],
  runs: readonly RunSummary[],
  instances: ReadonlyMap<string, readonly TaskInstance[]>,
): Grid {
  const columns = [...runs]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId))
    .map(
      (run): GridColumn => ({
        runId: run.runId,
        state: run.state,
        runType: run.runType,
        createdAt: run.createdAt,
        startDate: run.startDate,
        endDate: run.endDate,
      }),
    );
  const byRun = new Map(
    columns.map((column) => [column.runId, new Map((instances.get(column.runId) ?? []).map((ti) => [ti.taskId, ti]))]),
  );
  const rows = orderTasks(tasks).map(
    ({ taskId, depth }): GridRow => ({
      taskId,
      depth,
      cells: columns.map((column) => {
        const ti = byRun.get(column.runId)?.get(taskId);
        return { runId: column.runId, state: ti?.state ?? "none", tryNumber: ti?.tryNumber ?? 0 };
      }),
    }),
  );
  return { columns, rows };
}

/**
 * Tasks in dependency order (a task after its upstream tasks; ties by id),
 * each with its depth. Tasks in a cycle (which the SDK refuses) come last.
 *
 * @example
 * ```ts
 * orderTasks([{ taskId: "b", upstream: ["a"] }, { taskId: "a", upstream: [] }]); // a (0), b (1)
 * ```
 */
export function orderTasks(
  tasks: readonly Pick<DagTask, "taskId" | "upstream">[],
): Array<{ taskId: string; depth: number }> {
  const known = new Set(tasks.map((task) => task.taskId));
  const depth = new Map<string, number>();
  const remaining = new Map(tasks.map((task) => [task.taskId, task.upstream.filter((id) => known.has(id))]));
  const ordered: Array<{ taskId: string; depth: number }> = [];
  while (remaining.size > 0) {
    const ready = [...remaining.entries()]
      .filter(([, upstream]) => upstream.every((id) => depth.has(id)))
      .map(([taskId]) => taskId)
      .sort();
    if (ready.length === 0) {
      for (const taskId of [...remaining.keys()].sort()) ordered.push({ taskId, depth: 0 });
      break;
    }
    for (const taskId of ready) {
      const upstream = remaining.get(taskId) ?? [];
      const level = upstream.length === 0 ? 0 : Math.max(...upstream.map((id) => depth.get(id) ?? 0)) + 1;
      depth.set(taskId, level);
      remaining.delete(taskId);
      ordered.push({ taskId, depth: level });
    }
  }
  return ordered;
}
