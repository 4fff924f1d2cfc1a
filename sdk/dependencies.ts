/**
 * The dependency rules of a DAG, written once: every dependency names tasks
 * of the DAG, no task depends on itself, and the dependencies have no cycle.
 * {@link dependencyProblems} returns the problems (the SDK's `DagBuilder`
 * throws the first; the compiler reports each where it is written) and the
 * upstream ids of each task.
 */
import { ErrorCode } from "./errors.js";

/** A dependency: `downstream` runs after `upstream`. */
export interface Dependency {
  readonly upstream: string;
  readonly downstream: string;
}

/** One problem with a DAG's dependencies: the SDK's code and message, and the dependency or cycle it is about. */
export interface DependencyProblem {
  readonly code: ErrorCode;
  readonly message: string;
  /** The index of the dependency it is about, or undefined for a cycle through several. */
  readonly edge: number | undefined;
  /** The tasks of a cycle, in run order (the first again at the end). */
  readonly cycle?: readonly string[];
  readonly details: Record<string, unknown>;
}

/** What {@link dependencyProblems} found. */
export interface DependencyCheck {
  readonly problems: readonly DependencyProblem[];
  /** The upstream ids of each task (of the dependencies that name two tasks of the DAG). */
  readonly upstream: Map<string, Set<string>>;
}

/**
 * Checks a DAG's dependencies.
 *
 * @example
 * ```ts
 * dependencyProblems("etl", ["a", "b"], [{ upstream: "a", downstream: "b" }, { upstream: "b", downstream: "a" }]).problems[0]?.message;
 * // 'Dependency cycle in DAG "etl": a -> b -> a. A task cannot run after itself; remove one of these dependencies.'
 * ```
 */
export function dependencyProblems(
  dagId: string,
  taskIds: readonly string[],
  edges: readonly Dependency[],
): DependencyCheck {
  const problems: DependencyProblem[] = [];
  const known = new Set(taskIds);
  const upstream = new Map<string, Set<string>>();
  for (const taskId of taskIds) upstream.set(taskId, new Set());
  for (const [index, edge] of edges.entries()) {
    const missing = [edge.upstream, edge.downstream].find((taskId) => !known.has(taskId));
    if (missing !== undefined) {
      problems.push({
        code: ErrorCode.taskNotFound,
        message: `DAG "${dagId}" has a dependency ${edge.upstream} -> ${edge.downstream}, but no task "${missing}". Its tasks: ${taskIds.join(", ") || "(none)"}.`,
        edge: index,
        details: { dagId, taskId: missing },
      });
    } else if (edge.upstream === edge.downstream) {
      problems.push({
        code: ErrorCode.dependencyCycle,
        message: `Task "${edge.upstream}" in DAG "${dagId}" depends on itself. Remove that dependency.`,
        edge: index,
        cycle: [edge.upstream, edge.upstream],
        details: { dagId, cycle: [edge.upstream, edge.upstream] },
      });
    } else {
      upstream.get(edge.downstream)?.add(edge.upstream);
    }
  }
  const cycle = edges.length >= 2 ? findCycle(taskIds, upstream) : undefined;
  if (cycle) {
    problems.push({
      code: ErrorCode.dependencyCycle,
      message: cycleMessage(dagId, cycle),
      edge: undefined,
      cycle,
      details: { dagId, cycle },
    });
  }
  return { problems, upstream };
}

/** The message of a dependency cycle (in run order: a -> b means b runs after a). */
export function cycleMessage(dagId: string, cycle: readonly string[]): string {
  return `Dependency cycle in DAG "${dagId}": ${cycle.join(" -> ")}. A task cannot run after itself; remove one of these dependencies.`;
}

/**
 * A cycle among task dependencies, in run order, or undefined. Kahn's
 * algorithm first (linear; most DAGs have no cycle), then a depth-first walk
 * over upstream ids in sorted order names the same cycle on every machine.
 */
export function findCycle(
  taskIds: readonly string[],
  upstream: ReadonlyMap<string, ReadonlySet<string>>,
): string[] | undefined {
  const remaining = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const taskId of taskIds) {
    const parents = upstream.get(taskId);
    remaining.set(taskId, parents?.size ?? 0);
    for (const parent of parents ?? []) {
      const children = downstream.get(parent);
      if (children) children.push(taskId);
      else downstream.set(parent, [taskId]);
    }
  }
  const ready = taskIds.filter((taskId) => remaining.get(taskId) === 0);
  let done = 0;
  while (ready.length > 0) {
    const taskId = ready.pop() as string;
    done++;
    for (const child of downstream.get(taskId) ?? []) {
      const left = (remaining.get(child) ?? 0) - 1;
      remaining.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (done === taskIds.length) return undefined;
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  let cycle: string[] | undefined;
  const visit = (taskId: string): void => {
    if (cycle) return;
    const seen = state.get(taskId);
    if (seen === "done") return;
    if (seen === "visiting") {
      // The walk follows upstream edges; reversed, the cycle reads in run order.
      cycle = [...path.slice(path.indexOf(taskId)), taskId].reverse();
      return;
    }
    state.set(taskId, "visiting");
    path.push(taskId);
    for (const parent of [...(upstream.get(taskId) ?? [])].sort()) visit(parent);
    path.pop();
    state.set(taskId, "done");
  };
  for (const taskId of taskIds) visit(taskId);
  return cycle;
}
