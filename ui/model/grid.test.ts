import { describe, expect, it } from "vitest";
import type { RunSummary, TaskInstance } from "../api/types.js";
import { buildGrid, orderTasks } from "./grid.js";

const run = (runId: string, createdAt: string, state: RunSummary["state"] = "success"): RunSummary => ({
  runId,
  runType: "manual",
  state,
  createdAt,
  startDate: createdAt,
  endDate: null,
});
const ti = (runId: string, taskId: string, state: string, tryNumber = 1) =>
  ({
    dagId: "d",
    runId,
    taskId,
    mapIndex: -1,
    state,
    tryNumber,
    maxTries: 0,
    startDate: null,
    endDate: null,
    error: null,
  }) as TaskInstance;

describe("the grid of runs by task", () => {
  it("has one column per run, oldest first, and one row per task in dependency order", () => {
    const tasks = [
      { taskId: "report", upstream: ["load", "clean"] },
      { taskId: "clean", upstream: ["load"] },
      { taskId: "load", upstream: [] },
    ];
    const runs = [run("r2", "2025-01-02T00:00:00Z", "failed"), run("r1", "2025-01-01T00:00:00Z")];
    const instances = new Map([
      ["r1", [ti("r1", "load", "success"), ti("r1", "clean", "success"), ti("r1", "report", "success")]],
      ["r2", [ti("r2", "load", "success"), ti("r2", "clean", "failed", 3)]],
    ]);
    const grid = buildGrid(tasks, runs, instances);
    expect(grid.columns.map((column) => [column.runId, column.state])).toEqual([
      ["r1", "success"],
      ["r2", "failed"],
    ]);
    expect(grid.rows.map((row) => [row.taskId, row.depth, row.cells.map((cell) => cell.state)])).toEqual([
      ["load", 0, ["success", "success"]],
      ["clean", 1, ["success", "failed"]],
      ["report", 2, ["success", "none"]],
    ]);
    expect(grid.rows[1]?.cells[1]?.tryNumber).toBe(3);
  });

  it("orders tasks of a cycle after the others instead of looping", () => {
    expect(
      orderTasks([
        { taskId: "a", upstream: ["b"] },
        { taskId: "b", upstream: ["a"] },
        { taskId: "c", upstream: ["gone"] },
      ]),
    ).toEqual([
      { taskId: "c", depth: 0 },
      { taskId: "a", depth: 0 },
      { taskId: "b", depth: 0 },
    ]);
  });
});
