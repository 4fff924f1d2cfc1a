/**
 * How an asset-scheduled DAG takes its events: the `consume` policy, the
 * asset `catchup`, and `whilePaused`. Each rule is a pure function that turns
 * a user's value into its manifest node or a problem sentence: the SDK throws
 * the problem, the compiler reports it.
 */
import { describeValue } from "./json.js";
import type { AssetCatchupManifest, ConditionNode, ConsumeManifest } from "./manifest/schema.js";

/** A duration: a number of milliseconds, or text such as `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"2d"`, `"1h30m"`. */
export type Duration = number | string;

/**
 * How an asset-triggered run takes the consumer's pending events:
 *
 * - `"all-pending"` (default): one run consumes every pending event once the condition holds;
 * - `"each"`: one run per event, oldest first; with an AND condition, one run
 *   per complete set (the oldest pending event of each needed asset);
 * - `{ maxEvents: n }`: at most n events per run (a complete set first, then the
 *   oldest others); the rest wait for the next run;
 * - `{ debounce: "5m", maxWait?: "30m" }`: a run once no event arrived for the
 *   debounce period, or once the oldest pending event waited `maxWait`;
 * - `{ window: "1h", minEvents?: n }`: fixed windows aligned to the Unix epoch
 *   (UTC); when a window ends, a run takes every pending event up to its end,
 *   if there are at least `minEvents` (default 1) and the condition holds;
 *   otherwise they roll into the next window.
 *
 * @example
 * ```ts
 * dag({ dagId: "load_each_file", schedule: Asset.pattern("s3://landing/{date}/{file}.csv"), consume: "each" }, () => {});
 * dag({ dagId: "hourly_rollup", schedule: [clicks], consume: { window: "1h", minEvents: 10 } }, () => {});
 * ```
 */
export type ConsumePolicy =
  | "all-pending"
  | "each"
  | { readonly maxEvents: number }
  | { readonly debounce: Duration; readonly maxWait?: Duration }
  | { readonly window: Duration; readonly minEvents?: number };

/**
 * The `catchup` of a DAG: `true`/`false` for a time schedule (create the runs
 * missed since `startDate`); for an asset schedule, what a consumer takes of
 * the events recorded before it was registered (or, with
 * `whilePaused: "catchup"`, while it was paused): `"none"` (default), `"latest"`
 * (the last event of each asset it needs), `"all"` (every event) or
 * `{ since }` (every event from that time on).
 *
 * @example
 * ```ts
 * dag({ dagId: "report", schedule: [orders], catchup: "latest" }, () => {});
 * dag({ dagId: "backfill", schedule: [orders], catchup: { since: "2025-01-01T00:00:00Z" }, consume: "each" }, () => {});
 * ```
 */
export type CatchupOption = boolean | "none" | "latest" | "all" | { readonly since: Date | string };

/**
 * What a paused asset-scheduled DAG does with new events: `"buffer"` (default)
 * queues them, and unpausing consumes them; `"catchup"` queues nothing, and
 * unpausing applies `catchup` to the events recorded during the pause.
 */
export type WhilePaused = "buffer" | "catchup";

/** The outcome of a rule: the value, or a sentence saying what is wrong and how to fix it. */
export type RuleResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;

/**
 * Milliseconds of a {@link Duration}.
 *
 * @example
 * ```ts
 * parseDuration("1h30m"); // { ok: true, value: 5_400_000 }
 * ```
 */
export function parseDuration(value: unknown, what: string): RuleResult<number> {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value > 0) return { ok: true, value };
    return problem(`${what} must be a whole number of milliseconds > 0, got ${value}.`);
  }
  if (typeof value === "string" && DURATION.test(value.trim())) {
    let total = 0;
    for (const [, amount, unit] of value.trim().matchAll(/(\d+)(ms|s|m|h|d)/g)) {
      total += Number(amount) * (UNIT_MS[unit as string] as number);
    }
    if (total > 0 && Number.isSafeInteger(total)) return { ok: true, value: total };
  }
  return problem(
    `${what} must be a duration such as "30s", "5m", "1h", "2d" or "1h30m" (or milliseconds), got ${describeValue(value)}.`,
  );
}

/**
 * The manifest node of a `consume` option (undefined for `"all-pending"`).
 * `condition` is the schedule's asset condition (null when it has none), to
 * check `maxEvents` against the events one complete set needs.
 *
 * @example
 * ```ts
 * consumeToManifest({ debounce: "5m" }, condition); // { ok: true, value: { kind: "debounce", debounceMs: 300000, maxWaitMs: null } }
 * ```
 */
export function consumeToManifest(
  value: unknown,
  condition: ConditionNode | null,
): RuleResult<ConsumeManifest | undefined> {
  if (value === undefined || value === "all-pending") return { ok: true, value: undefined };
  if (value === "each") return { ok: true, value: { kind: "each" } };
  const usage =
    'consume must be "all-pending", "each", { maxEvents: n }, { debounce: "5m", maxWait?: "1h" } or { window: "1h", minEvents?: n }';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return problem(`${usage}, got ${describeValue(value)}.`);
  }
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  const allow = (known: string[]): RuleResult<undefined> => {
    const unknown = keys.find((key) => !known.includes(key));
    return unknown === undefined
      ? { ok: true, value: undefined }
      : problem(`${usage}, got the unknown key "${unknown}" next to "${keys[0]}".`);
  };
  if ("maxEvents" in record) {
    const allowed = allow(["maxEvents"]);
    if (!allowed.ok) return allowed;
    const maxEvents = record.maxEvents;
    if (typeof maxEvents !== "number" || !Number.isInteger(maxEvents) || maxEvents < 1) {
      return problem(`consume.maxEvents must be a whole number >= 1, got ${describeValue(maxEvents)}.`);
    }
    const needed = condition === null ? 1 : completeSetSize(condition);
    if (maxEvents < needed) {
      return problem(
        `consume.maxEvents is ${maxEvents}, but one complete set of the schedule's condition takes ${needed} events: raise maxEvents to at least ${needed}.`,
      );
    }
    return { ok: true, value: { kind: "maxEvents", maxEvents } };
  }
  if ("debounce" in record) {
    const allowed = allow(["debounce", "maxWait"]);
    if (!allowed.ok) return allowed;
    const debounce = parseDuration(record.debounce, "consume.debounce");
    if (!debounce.ok) return debounce;
    let maxWaitMs: number | null = null;
    if (record.maxWait !== undefined) {
      const maxWait = parseDuration(record.maxWait, "consume.maxWait");
      if (!maxWait.ok) return maxWait;
      if (maxWait.value < debounce.value) {
        return problem(
          `consume.maxWait (${maxWait.value} ms) is shorter than consume.debounce (${debounce.value} ms): maxWait caps how long events wait, so make it at least the debounce period.`,
        );
      }
      maxWaitMs = maxWait.value;
    }
    return { ok: true, value: { kind: "debounce", debounceMs: debounce.value, maxWaitMs } };
  }
  if ("window" in record) {
    const allowed = allow(["window", "minEvents"]);
    if (!allowed.ok) return allowed;
    const window = parseDuration(record.window, "consume.window");
    if (!window.ok) return window;
    const minEvents = record.minEvents ?? 1;
    if (typeof minEvents !== "number" || !Number.isInteger(minEvents) || minEvents < 1) {
      return problem(`consume.minEvents must be a whole number >= 1, got ${describeValue(minEvents)}.`);
    }
    return { ok: true, value: { kind: "window", windowMs: window.value, minEvents } };
  }
  return problem(
    `${usage}, got ${keys.length > 0 ? `an object with the keys ${keys.join(", ")}` : "an empty object"}.`,
  );
}

/**
 * The manifest node of an asset-schedule `catchup` (undefined for none).
 * `true`/`false` are time-schedule values and mean none here.
 *
 * @example
 * ```ts
 * assetCatchupToManifest("latest"); // { ok: true, value: { kind: "latest" } }
 * ```
 */
export function assetCatchupToManifest(value: unknown): RuleResult<AssetCatchupManifest | undefined> {
  if (value === undefined || typeof value === "boolean" || value === "none") return { ok: true, value: undefined };
  if (value === "latest") return { ok: true, value: { kind: "latest" } };
  if (value === "all") return { ok: true, value: { kind: "all", since: null } };
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const since = (value as { since?: unknown }).since;
    if (keys.length === 1 && keys[0] === "since" && (since instanceof Date || typeof since === "string")) {
      const time = new Date(since).getTime();
      if (!Number.isNaN(time)) return { ok: true, value: { kind: "all", since: new Date(time).toISOString() } };
      return problem(
        `catchup.since must be a Date or an ISO time such as "2025-01-01T00:00:00Z", got ${describeValue(since)}.`,
      );
    }
  }
  return problem(
    `catchup must be true or false for a time schedule, or "none", "latest", "all" or { since: "2025-01-01T00:00:00Z" } for an asset schedule, got ${describeValue(value)}.`,
  );
}

/**
 * The `whilePaused` of the manifest (undefined for `"buffer"`).
 *
 * @example
 * ```ts
 * whilePausedToManifest("catchup"); // { ok: true, value: "catchup" }
 * ```
 */
export function whilePausedToManifest(value: unknown): RuleResult<"catchup" | undefined> {
  if (value === undefined || value === "buffer") return { ok: true, value: undefined };
  if (value === "catchup") return { ok: true, value: "catchup" };
  return problem(`whilePaused is ${describeValue(value)}: use "buffer" (the default) or "catchup".`);
}

/** The consumption settings of a DAG in the manifest (each undefined when default). */
export interface ConsumptionManifest {
  readonly consume: ConsumeManifest | undefined;
  readonly assetCatchup: AssetCatchupManifest | undefined;
  readonly whilePaused: "catchup" | undefined;
}

/**
 * A DAG's `consume`, `catchup` and `whilePaused` options checked together
 * against its schedule's asset condition (null when it has none: then only
 * their defaults, and a boolean `catchup`, are allowed). A problem names the
 * option.
 *
 * @example
 * ```ts
 * consumptionToManifest({ consume: "each", catchup: "latest" }, condition);
 * // { ok: true, value: { consume: { kind: "each" }, assetCatchup: { kind: "latest" }, whilePaused: undefined } }
 * ```
 */
export function consumptionToManifest(
  options: { readonly consume?: unknown; readonly catchup?: unknown; readonly whilePaused?: unknown },
  condition: ConditionNode | null,
):
  | { readonly ok: true; readonly value: ConsumptionManifest }
  | { readonly ok: false; readonly option: "consume" | "catchup" | "whilePaused"; readonly problem: string } {
  const results = {
    consume: consumeToManifest(options.consume, condition),
    catchup: assetCatchupToManifest(options.catchup),
    whilePaused: whilePausedToManifest(options.whilePaused),
  };
  for (const option of ["consume", "catchup", "whilePaused"] as const) {
    const result = results[option];
    if (!result.ok) return { ok: false, option, problem: result.problem };
    if (condition === null && result.value !== undefined) {
      return {
        ok: false,
        option,
        problem: `${option} ${JSON.stringify(options[option])} applies to asset schedules only, and this DAG is not scheduled on assets: remove it, or schedule the DAG on assets.`,
      };
    }
  }
  return {
    ok: true,
    value: {
      consume: (results.consume as { value: ConsumeManifest | undefined }).value,
      assetCatchup: (results.catchup as { value: AssetCatchupManifest | undefined }).value,
      whilePaused: (results.whilePaused as { value: "catchup" | undefined }).value,
    },
  };
}

/**
 * How many events one complete set of a condition takes at least: a leaf 1,
 * `all` the sum of its children, `any` the smallest child.
 *
 * @example
 * ```ts
 * completeSetSize({ kind: "all", conditions: [a1, a2] }); // 2
 * ```
 */
export function completeSetSize(node: ConditionNode): number {
  if (node.kind === "all") return node.conditions.reduce((sum, child) => sum + completeSetSize(child), 0);
  if (node.kind === "any") return Math.min(...node.conditions.map(completeSetSize));
  return 1;
}

function problem(text: string): { ok: false; problem: string } {
  return { ok: false, problem: text };
}
