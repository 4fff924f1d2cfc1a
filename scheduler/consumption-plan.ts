/**
 * Consumption policies as pure decisions: given what a consumer has pending
 * (grouped by asset, and by window for `window`), its condition, policy and
 * run slots, either a run and which events it takes, or the rule that holds
 * it back and until when ("why not yet"). The engine loads the snapshot,
 * applies the decision in one transaction, and asks again until it waits.
 */
import type { ConditionNode, ConsumeManifest } from "../sdk/manifest/schema.js";
import {
  assertNever,
  type ConditionLeaf,
  evaluateCondition,
  type PendingLookup,
  pickCompleteSet,
} from "./condition-evaluator.js";

/** The kinds of consumption policy; `all-pending` is the default (no `consume` in the manifest). */
export type ConsumeKind = "all-pending" | ConsumeManifest["kind"];

/** The policy of a DAG's manifest node, with the default spelled out. */
export type ConsumePolicyNode = ConsumeManifest | { readonly kind: "all-pending" };

/**
 * A consumer's pending events of one asset (and, for the `window` policy, of
 * one window). `count` and the arrival times are null when the loader only
 * probes for the oldest event (`all-pending`, `each`, `maxEvents`).
 */
export interface PendingGroup {
  readonly assetId: number;
  readonly name: string;
  readonly uri: string;
  readonly oldestEventId: number;
  readonly count: number | null;
  /** When the first / last of these entries reached the consumer (epoch ms). */
  readonly firstArrival: number | null;
  readonly lastArrival: number | null;
  /** `floor(event timestamp / windowMs)` for the `window` policy, else null. */
  readonly window: number | null;
}

/** The assets ever resolved through each alias, and matching each pattern, among the pending ones. */
export interface LeafMembership {
  readonly aliasAssets: ReadonlyMap<string, ReadonlySet<number>>;
  readonly patternAssets: ReadonlyMap<string, ReadonlySet<number>>;
}

/** Everything a decision depends on. */
export interface ConsumerSnapshot {
  readonly condition: ConditionNode;
  readonly consume: ConsumePolicyNode;
  readonly groups: readonly PendingGroup[];
  readonly membership: LeafMembership;
  readonly paused: boolean;
  /** Queued and running runs. */
  readonly activeRuns: number;
  readonly maxActiveRuns: number;
  readonly now: number;
}

/** Which pending entries a run takes. */
export type Take =
  /** Every pending entry. */
  | { readonly kind: "all" }
  /** These events, then the `fill` oldest other pending ones. */
  | { readonly kind: "events"; readonly eventIds: readonly number[]; readonly fill: number }
  /** Every pending entry whose event was recorded before `timestamp`. */
  | { readonly kind: "before"; readonly timestamp: number };

/** Why a consumer has not run (yet). Times are epoch ms. */
export type ConsumerWait =
  /** Nothing is pending. */
  | { readonly rule: "events" }
  /** The DAG is paused. */
  | { readonly rule: "paused" }
  /** Events are pending, but the asset condition does not hold over them. */
  | { readonly rule: "condition" }
  /** A run is due, but `maxActiveRuns` runs are queued or running. */
  | { readonly rule: "maxActiveRuns"; readonly activeRuns: number; readonly maxActiveRuns: number }
  /** `debounce`: no run until `until` (no new event for the period, or `maxWait`). */
  | { readonly rule: "debounce"; readonly until: number }
  /** `window`: the window that holds the pending events ends at `until`. */
  | { readonly rule: "window"; readonly until: number; readonly windowStart: number }
  /** `window`: fewer than `minEvents` events are pending; the current window ends at `until`. */
  | { readonly rule: "minEvents"; readonly until: number; readonly events: number; readonly minEvents: number };

/** The rules of {@link ConsumerWait}. */
export type WaitRule = ConsumerWait["rule"];

/** What to do now. */
export type ConsumerDecision =
  | {
      readonly kind: "run";
      readonly take: Take;
      /** The run's data interval when the policy defines one (a window), else null. */
      readonly interval: { readonly start: number; readonly end: number } | null;
    }
  | { readonly kind: "wait"; readonly wait: ConsumerWait };

/** The policy a DAG's manifest asks for. */
export function consumePolicyOf(consume: ConsumeManifest | undefined): ConsumePolicyNode {
  return consume ?? { kind: "all-pending" };
}

/** What the engine must load for a policy: a probe of each asset's oldest entry, or aggregates (by window). */
export function pendingLoad(policy: ConsumePolicyNode): {
  readonly aggregate: boolean;
  readonly windowMs: number | null;
} {
  switch (policy.kind) {
    case "all-pending":
    case "each":
    case "maxEvents":
      return { aggregate: false, windowMs: null };
    case "debounce":
      return { aggregate: true, windowMs: null };
    case "window":
      return { aggregate: true, windowMs: policy.windowMs };
    default:
      return assertNever(policy);
  }
}

/**
 * Decides for one consumer: paused, nothing pending, the policy's own rule
 * (condition, quiet period, window), then the run slots.
 *
 * @example
 * ```ts
 * const decision = decideConsumer(snapshot);
 * if (decision.kind === "wait") console.log(decision.wait.rule); // "debounce"
 * ```
 */
export function decideConsumer(snapshot: ConsumerSnapshot): ConsumerDecision {
  if (snapshot.paused) return wait({ rule: "paused" });
  if (snapshot.groups.length === 0) return wait({ rule: "events" });
  const decision = decidePolicy(snapshot);
  if (decision.kind === "wait") return decision;
  if (snapshot.activeRuns >= snapshot.maxActiveRuns) {
    return wait({ rule: "maxActiveRuns", activeRuns: snapshot.activeRuns, maxActiveRuns: snapshot.maxActiveRuns });
  }
  return decision;
}

function decidePolicy(snapshot: ConsumerSnapshot): ConsumerDecision {
  const policy = snapshot.consume;
  switch (policy.kind) {
    case "all-pending":
      return holds(snapshot, snapshot.groups) ? run({ kind: "all" }) : wait({ rule: "condition" });
    case "each":
    case "maxEvents": {
      const set = pickCompleteSet(snapshot.condition, (leaf) => oldestOf(leaf, snapshot.groups, snapshot.membership));
      if (set === null) return wait({ rule: "condition" });
      return run({ kind: "events", eventIds: set, fill: policy.kind === "each" ? 0 : policy.maxEvents - set.length });
    }
    case "debounce": {
      if (!holds(snapshot, snapshot.groups)) return wait({ rule: "condition" });
      const last = Math.max(...snapshot.groups.map((group) => group.lastArrival ?? 0));
      const first = Math.min(...snapshot.groups.map((group) => group.firstArrival ?? 0));
      const due = Math.min(last + policy.debounceMs, policy.maxWaitMs === null ? Infinity : first + policy.maxWaitMs);
      return snapshot.now >= due ? run({ kind: "all" }) : wait({ rule: "debounce", until: due });
    }
    case "window":
      return decideWindow(snapshot, policy.windowMs, policy.minEvents);
    default:
      return assertNever(policy);
  }
}

/**
 * Fixed windows: the oldest window that has ended with at least `minEvents`
 * events (its own and those rolled in from thinner windows before it) and the
 * condition holding over them gets a run; events of an open window wait.
 */
function decideWindow(snapshot: ConsumerSnapshot, windowMs: number, minEvents: number): ConsumerDecision {
  const windows = [...new Set(snapshot.groups.map((group) => group.window as number))].sort((a, b) => a - b);
  const first = windows[0] as number;
  const taken: PendingGroup[] = [];
  for (const window of windows) {
    taken.push(...snapshot.groups.filter((group) => group.window === window));
    const end = (window + 1) * windowMs;
    if (end > snapshot.now) return waitForWindow(snapshot, taken, window * windowMs, end, minEvents);
    if (countOf(taken) >= minEvents && holds(snapshot, taken)) {
      return run({ kind: "before", timestamp: end }, { start: first * windowMs, end });
    }
  }
  // Every window with events has ended without a run: they roll into the current one.
  const current = Math.floor(snapshot.now / windowMs);
  return waitForWindow(snapshot, taken, current * windowMs, (current + 1) * windowMs, minEvents);
}

function waitForWindow(
  snapshot: ConsumerSnapshot,
  taken: readonly PendingGroup[],
  windowStart: number,
  until: number,
  minEvents: number,
): ConsumerDecision {
  const events = countOf(taken);
  if (events < minEvents) return wait({ rule: "minEvents", until, events, minEvents });
  if (!holds(snapshot, taken)) return wait({ rule: "condition" });
  return wait({ rule: "window", until, windowStart });
}

function countOf(groups: readonly PendingGroup[]): number {
  return groups.reduce((sum, group) => sum + (group.count ?? 1), 0);
}

function holds(snapshot: ConsumerSnapshot, groups: readonly PendingGroup[]): boolean {
  return evaluateCondition(snapshot.condition, pendingLookup(groups, snapshot.membership));
}

/** True when a pending group's asset satisfies a leaf. */
export function leafMatches(leaf: ConditionLeaf, group: PendingGroup, membership: LeafMembership): boolean {
  switch (leaf.kind) {
    case "asset":
      return group.name === leaf.name && group.uri === leaf.uri;
    case "alias":
      return membership.aliasAssets.get(leaf.name)?.has(group.assetId) ?? false;
    case "ref":
      return "name" in leaf ? group.name === leaf.name : group.uri === leaf.uri;
    case "pattern":
      return membership.patternAssets.get(leaf.pattern)?.has(group.assetId) ?? false;
    default:
      return assertNever(leaf);
  }
}

/** A {@link PendingLookup} over pending groups. */
export function pendingLookup(groups: readonly PendingGroup[], membership: LeafMembership): PendingLookup {
  const some = (leaf: ConditionLeaf) => groups.some((group) => leafMatches(leaf, group, membership));
  return {
    hasAsset: (name, uri) => some({ kind: "asset", name, uri }),
    hasAlias: (name) => some({ kind: "alias", name }),
    hasAssetNamed: (name) => some({ kind: "ref", name }),
    hasAssetWithUri: (uri) => some({ kind: "ref", uri }),
    hasPattern: (pattern) => some({ kind: "pattern", pattern }),
  };
}

function oldestOf(leaf: ConditionLeaf, groups: readonly PendingGroup[], membership: LeafMembership): number | null {
  let oldest: number | null = null;
  for (const group of groups) {
    if (leafMatches(leaf, group, membership) && (oldest === null || group.oldestEventId < oldest)) {
      oldest = group.oldestEventId;
    }
  }
  return oldest;
}

function run(
  take: Take,
  interval: { start: number; end: number } | null = null,
): Extract<ConsumerDecision, { kind: "run" }> {
  return { kind: "run", take, interval };
}

function wait(reason: ConsumerWait): Extract<ConsumerDecision, { kind: "wait" }> {
  return { kind: "wait", wait: reason };
}
