/**
 * The grid of a DAG's recent runs: one column per run (oldest on the left),
 * one row per task, each cell coloured by the task's state in that run and
 * linking to it; the column head shows the run's state.
 */
import { formatDuration, formatTime } from "../model/format.js";
import type { Grid } from "../model/grid.js";
import { runRoute } from "../model/routes.js";
import { cssState } from "./common.js";
import { Link } from "./router.js";

/**
 * The grid.
 *
 * @example
 * ```tsx
 * <GridView dagId="consumer" grid={buildGrid(dag.tasks, runs, instances)} />
 * ```
 */
export function GridView({ dagId, grid, now }: { dagId: string; grid: Grid; now: number }) {
  if (grid.columns.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <div className="grid-scroll">
      <table className="grid" aria-label="Recent runs by task">
        <thead>
          <tr>
            <th scope="col" className="task-head">
              Task \ run
            </th>
            {grid.columns.map((column) => {
              const took =
                column.startDate === null
                  ? "not started"
                  : formatDuration(
                      (column.endDate === null ? now : Date.parse(column.endDate)) - Date.parse(column.startDate),
                    );
              return (
                <th key={column.runId} scope="col" className="run-head">
                  <Link
                    to={runRoute(dagId, column.runId)}
                    className={`run-bar state-${cssState(column.state)}`}
                    title={`${column.runId}\n${column.runType} · ${column.state} · ${formatTime(column.createdAt)} UTC · ${took}`}
                    data-run-id={column.runId}
                    data-state={column.state}
                  >
                    <span className="visually-hidden">
                      Run {column.runId}: {column.state}
                    </span>
                  </Link>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {grid.rows.map((row) => (
            <tr key={row.taskId}>
              <th scope="row" className="task-name" title={row.taskId}>
                <span style={{ paddingLeft: `${Math.min(row.depth, 8) * 10}px` }}>{row.taskId}</span>
              </th>
              {row.cells.map((cell) => (
                <td key={cell.runId}>
                  {cell.state === "none" && cell.tryNumber === 0 ? (
                    <span className="cell state-none" title={`${row.taskId} · not started`} />
                  ) : (
                    <Link
                      to={runRoute(dagId, cell.runId, row.taskId, cell.tryNumber || null)}
                      className={`cell state-${cssState(cell.state)}`}
                      title={`${row.taskId} · ${cell.state}${cell.tryNumber > 1 ? ` · try ${cell.tryNumber}` : ""}`}
                      data-task-id={row.taskId}
                      data-state={cell.state}
                    >
                      <span className="visually-hidden">
                        {row.taskId} in {cell.runId}: {cell.state}
                      </span>
                    </Link>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
