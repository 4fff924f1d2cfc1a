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
      if (outlet.kind === "ref") {
        // An Asset.ref outlet: the asset it names is resolved when the task runs.
        const key = outlet.name !== undefined ? `name:${outlet.name}` : `uri:${outlet.uri ?? ""}`;
        const id = `ref:${key}`;
        if (!outletIds.has(id)) {
          outletIds.add(id);
          const lines = wrapLabel(outlet.name ?? outlet.uri ?? "", 30, 2);
          nodes.push({
            id,
            kind: "ref",
            lines,
            detail: outlet.name !== undefined ? "Asset.ref by name" : "Asset.ref by URI",
            width: Math.max(120, Math.max(...lines.map((line) => line.length)) * 7.3 + 28),
            height: 14 + lines.length * 17 + 15,
            title: `Asset.ref ${outlet.name ?? outlet.uri ?? ""}`,
            data: outlet.name !== undefined ? { name: outlet.name } : { uri: outlet.uri ?? "" },
          });
        }
        edges.push({ id: `outlet:${task.taskId}->${id}`, source: `task:${task.taskId}`, target: id, kind: "outlet" });
        continue;
      }
      const id = outlet.kind === "asset" ? `asset:${outlet.name}\n${outlet.uri ?? ""}` : `alias:${outlet.name}`;
      if (!outletIds.has(id)) {
        outletIds.add(id);
        // An asset or an alias always has a name (the schema makes it optional for refs only).
        const label = outlet.name ?? "";
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
          data: outlet.kind === "asset" ? { uri: outlet.uri ?? "", name: label } : { alias: label },
        });
      }
      edges.push({ id: `outlet:${task.taskId}->${id}`, source: `task:${task.taskId}`, target: id, kind: "outlet" });
    }
  }
  return { nodes, edges };
}
