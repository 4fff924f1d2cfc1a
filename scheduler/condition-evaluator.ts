/**
 * Pure evaluation of serialized asset conditions (the manifest's condition
 * tree). The scheduler never sees SDK objects: it decides from data.
 */

import { assetKey } from "../sdk/asset-key.js";
import type { ConditionNode } from "../sdk/manifest/schema.js";

/** Answers, for one consumer, whether a leaf has at least one pending event. */
export interface PendingLookup {
  hasAsset(name: string, uri: string): boolean;
  /** True when a pending event's asset was ever resolved through the alias. */
  hasAlias(name: string): boolean;
  hasAssetNamed(name: string): boolean;
  hasAssetWithUri(uri: string): boolean;
  /** True when a pending event's asset matches the URI pattern. */
  hasPattern(pattern: string): boolean;
}

/** The asset condition of a schedule, if it has one. */
export function assetConditionOf(schedule: { kind: string; condition?: ConditionNode }): ConditionNode | null {
  return schedule.kind === "assets" || schedule.kind === "assetOrTime" ? (schedule.condition ?? null) : null;
}

/**
 * True when the condition holds: `all` needs every child, `any` one child, a
 * leaf at least one pending event.
 *
 * @example
 * ```ts
 * evaluateCondition({ kind: "all", conditions: [a1, a2] }, lookup);
 * ```
 */
export function evaluateCondition(node: ConditionNode, pending: PendingLookup): boolean {
  switch (node.kind) {
    case "asset":
      return pending.hasAsset(node.name, node.uri);
    case "alias":
      return pending.hasAlias(node.name);
    case "ref":
      return "name" in node ? pending.hasAssetNamed(node.name) : pending.hasAssetWithUri(node.uri);
    case "pattern":
      return pending.hasPattern(node.pattern);
    case "all":
      return node.conditions.every((child) => evaluateCondition(child, pending));
    case "any":
      return node.conditions.some((child) => evaluateCondition(child, pending));
    default:
      return assertNever(node);
  }
}

/** A condition tree with each node marked satisfied or not ("why has this not run yet"). */
export type ExplainedCondition = ConditionNode extends infer N
  ? N extends { kind: "all" | "any" }
    ? { kind: N["kind"]; satisfied: boolean; conditions: ExplainedCondition[] }
    : N & { satisfied: boolean }
  : never;

/**
 * The condition tree with every node marked `satisfied`.
 *
 * @example
 * ```ts
 * explainCondition(schedule.condition, lookup).satisfied; // false: a2 still missing
 * ```
 */
export function explainCondition(node: ConditionNode, pending: PendingLookup): ExplainedCondition {
  if (node.kind === "all" || node.kind === "any") {
    const conditions = node.conditions.map((child) => explainCondition(child, pending));
    const satisfied = node.kind === "all" ? conditions.every((c) => c.satisfied) : conditions.some((c) => c.satisfied);
    return { kind: node.kind, satisfied, conditions } as ExplainedCondition;
  }
  return { ...node, satisfied: evaluateCondition(node, pending) } as ExplainedCondition;
}

/** The leaves a condition references, by kind, without duplicates. */
export interface ConditionLeaves {
  readonly assets: ReadonlyArray<{ name: string; uri: string }>;
  readonly aliases: readonly string[];
  readonly names: readonly string[];
  readonly uris: readonly string[];
  readonly patterns: readonly string[];
}

/**
 * Collects the leaves of a condition tree.
 *
 * @example
 * ```ts
 * conditionLeaves(node).assets; // [{ name, uri }, ...]
 * ```
 */
export function conditionLeaves(node: ConditionNode): ConditionLeaves {
  const assets = new Map<string, { name: string; uri: string }>();
  const aliases = new Set<string>();
  const names = new Set<string>();
  const uris = new Set<string>();
  const patterns = new Set<string>();
  const walk = (current: ConditionNode): void => {
    switch (current.kind) {
      case "asset":
        assets.set(assetKey(current.name, current.uri), { name: current.name, uri: current.uri });
        return;
      case "alias":
        aliases.add(current.name);
        return;
      case "ref":
        if ("name" in current) names.add(current.name);
        else uris.add(current.uri);
        return;
      case "pattern":
        patterns.add(current.pattern);
        return;
      case "all":
      case "any":
        current.conditions.forEach(walk);
        return;
      default:
        assertNever(current);
    }
  };
  walk(node);
  return {
    assets: [...assets.values()],
    aliases: [...aliases],
    names: [...names],
    uris: [...uris],
    patterns: [...patterns],
  };
}

/** A leaf of a condition tree. */
export type ConditionLeaf = Exclude<ConditionNode, { kind: "all" | "any" }>;

/**
 * The oldest complete set of a condition: for a leaf its oldest pending event,
 * for `all` the union of its children's sets, for `any` the child's set that
 * was complete first (the smallest newest event). Null when the condition does
 * not hold. `oldest` gives a leaf's oldest pending event id, or null.
 *
 * @example
 * ```ts
 * pickCompleteSet(aAndB, (leaf) => oldestPending(leaf)); // [12, 15]: a's event 12 and b's event 15
 * ```
 */
export function pickCompleteSet(node: ConditionNode, oldest: (leaf: ConditionLeaf) => number | null): number[] | null {
  switch (node.kind) {
    case "all": {
      const ids = new Set<number>();
      for (const child of node.conditions) {
        const set = pickCompleteSet(child, oldest);
        if (set === null) return null;
        for (const id of set) ids.add(id);
      }
      return [...ids].sort((a, b) => a - b);
    }
    case "any": {
      let best: number[] | null = null;
      for (const child of node.conditions) {
        const set = pickCompleteSet(child, oldest);
        if (set !== null && (best === null || newest(set) < newest(best))) best = set;
      }
      return best;
    }
    default: {
      const id = oldest(node);
      return id === null ? null : [id];
    }
  }
}

function newest(ids: readonly number[]): number {
  return ids[ids.length - 1] as number;
}

/** Fails the build when a union gains a member a switch does not handle. */
export function assertNever(value: never): never {
  throw new Error(`assetflow bug: unhandled case ${JSON.stringify(value)}`);
}
