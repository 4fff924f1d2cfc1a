/**
 * A consumer's explained asset condition (from `GET /dags/{dagId}/assets/condition`
 * or the DAG list) as the pages show it: the tree with each node satisfied
 * or not, and "waiting for" -- what is still missing, in words.
 */
import type { ExplainedCondition } from "../api/types.js";
import { leafLabel } from "./schedule.js";

/** A node of the condition tree as the tree component draws it. */
export interface ConditionTreeNode {
  /** Stable key: the path of child indexes from the root (`0.1.0`). */
  readonly key: string;
  readonly kind: ExplainedCondition["kind"];
  readonly satisfied: boolean;
  /** `AND` / `OR` for gates, the asset's (alias's, reference's) label for leaves. */
  readonly label: string;
  /** The asset URI of a leaf that names one (links to the asset page). */
  readonly uri: string | null;
  readonly name: string | null;
  readonly children: readonly ConditionTreeNode[];
}

/**
 * The tree the condition component draws.
 *
 * @example
 * ```ts
 * conditionTree(status.condition).children.map((child) => child.label); // ["asset-1", "asset-2"]
 * ```
 */
export function conditionTree(node: ExplainedCondition, key = "0"): ConditionTreeNode {
  const gate = node.kind === "all" || node.kind === "any";
  return {
    key,
    kind: node.kind,
    satisfied: node.satisfied,
    label: node.kind === "all" ? "AND" : node.kind === "any" ? "OR" : leafLabel(node),
    uri: node.kind === "asset" || (node.kind === "ref" && node.uri !== undefined) ? (node.uri ?? null) : null,
    name: node.name ?? null,
    children: gate ? (node.conditions ?? []).map((child, index) => conditionTree(child, `${key}.${index}`)) : [],
  };
}

/**
 * What a waiting consumer still needs, in words, or null when its condition
 * holds: the unsatisfied children of an AND, every child of an unsatisfied
 * OR (any one of them would do).
 *
 * @example
 * ```ts
 * waitingFor(explained); // "asset-2" or "a or b"
 * ```
 */
export function waitingFor(node: ExplainedCondition): string | null {
  if (node.satisfied) return null;
  switch (node.kind) {
    case "asset":
    case "alias":
    case "ref":
    case "pattern":
      return leafLabel(node);
    case "all": {
      const missing = (node.conditions ?? []).filter((child) => !child.satisfied);
      return missing.map((child) => wrap(child, waitingFor(child) ?? "", "any")).join(" and ");
    }
    case "any":
      return (node.conditions ?? []).map((child) => wrap(child, waitingFor(child) ?? "", "never")).join(" or ");
  }
}

/**
 * How many leaves are satisfied, of how many.
 *
 * @example
 * ```ts
 * satisfiedLeaves(explained); // { satisfied: 1, total: 2 }
 * ```
 */
export function satisfiedLeaves(node: ExplainedCondition): { satisfied: number; total: number } {
  if (node.kind !== "all" && node.kind !== "any") return { satisfied: node.satisfied ? 1 : 0, total: 1 };
  return (node.conditions ?? [])
    .map(satisfiedLeaves)
    .reduce((sum, part) => ({ satisfied: sum.satisfied + part.satisfied, total: sum.total + part.total }), {
      satisfied: 0,
      total: 0,
    });
}

function wrap(child: ExplainedCondition, text: string, parenthesize: "any" | "never"): string {
  return parenthesize === "any" && child.kind === "any" && (child.conditions?.length ?? 0) > 1 ? `(${text})` : text;
}
