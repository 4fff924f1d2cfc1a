/**
 * A DAG's task graph: one box per task (coloured by its state in the chosen
 * run), edges from upstream tasks, and the assets each task updates.
 */
import type { DagTask } from "../api/types.js";
import type { GraphEdgeSpec, GraphNodeSpec } from "./graph-spec.js";
import { wrapLabel } from "./lineage.js";

/**
 * The boxes and edges of a task graph.
 *
 * @example
 * ```ts
 * const { nodes, edges } = taskGraph(dag.tasks, new Map([["load", "success"]]));
 * ```
 */
export function taskGraph(
  tasks: readonly DagTask[],
  states: ReadonlyMap<string, string>,
): { nodes: GraphNodeSpec[]; edges: GraphEdgeSpec[] } {
  const nodes: GraphNodeSpec[] = [];
  const edges: GraphEdgeSpec[] = [];
  const outletIds = new Set<string>();
  for (const task of tasks) {
    const state = states.get(task.taskId) ?? null;
    const lines = wrapLabel(task.taskId, 30, 2);
    nodes.push({
      id: `task:${task.taskId}`,
      kind: "task",
      lines,
      detail: state === null ? task.operator : `${task.operator} · ${state.replace(/_/g, " ")}`,
      width: Math.max(140, Math.max(...lines.map((line) => line.length)) * 7.3 + 28),
      height: 14 + lines.length * 17 + 15,
      title: `task ${task.taskId} (${task.operator})${state ? `: ${state}` : ""}`,
      state,
      data: { "task-id": task.taskId },
    });
    for (const upstream of task.upstream) {
      edges.push({
        id: `task:${upstream}->${task.taskId}`,
        source: `task:${upstream}`,
        target: `task:${task.taskId}`,
        kind: "task",
      });
    }
    for (const outlet of task.outlets) {
      const id = outlet.kind === "asset" ? `asset:${outlet.name}\n${outlet.uri ?? ""}` : `alias:${outlet.name}`;
      if (!outletIds.has(id)) {
        outletIds.add(id);
        const label = outlet.kind === "asset" ? outlet.name : outlet.name;
        const outletLines = wrapLabel(label, 30, 2);
        nodes.push({
          id,
          kind: outlet.kind,
          lines: outletLines,
          detail:
            outlet.kind === "alias"
              ? "alias"
              : outlet.uri !== undefined && outlet.uri !== outlet.name
                ? outlet.uri
                : null,
          width: Math.max(120, Math.max(...outletLines.map((line) => line.length)) * 7.3 + 28),
          height:
            14 +
            outletLines.length * 17 +
            (outlet.kind === "alias" || (outlet.uri !== undefined && outlet.uri !== outlet.name) ? 15 : 0),
          title: `${outlet.kind} ${outlet.kind === "asset" ? (outlet.uri ?? outlet.name) : outlet.name}`,
          data: outlet.kind === "asset" ? { uri: outlet.uri ?? "", name: outlet.name } : { alias: outlet.name },
        });
      }
      edges.push({ id: `outlet:${task.taskId}->${id}`, source: `task:${task.taskId}`, target: id, kind: "outlet" });
    }
  }
  return { nodes, edges };
}
