/**
 * A consumer's consumption policy and the rule it waits on, in words (issue
 * 18's "why not yet"), from `GET /dags/{dagId}/assets/condition`. Pure.
 */
import type { ConsumerStatus } from "../api/types.js";
import { formatDuration, formatTime, plural } from "./format.js";

type Policy = NonNullable<ConsumerStatus["consume"]>;
type Wait = NonNullable<ConsumerStatus["waitingOn"]>;

/**
 * The policy in words.
 *
 * @example
 * ```ts
 * policyInWords({ kind: "debounce", debounceMs: 300_000, maxWaitMs: null }); // "a run once no event arrived for 5m 00s"
 * ```
 */
export function policyInWords(policy: Policy): string {
  switch (policy.kind) {
    case "all-pending":
      return "one run takes every pending event";
    case "each":
      return "one run per event (per complete set), oldest first";
    case "maxEvents":
      return `at most ${plural(policy.maxEvents ?? 0, "event")} per run`;
    case "debounce": {
      const quiet = `a run once no event arrived for ${formatDuration(policy.debounceMs ?? 0)}`;
      return policy.maxWaitMs ? `${quiet}, or after ${formatDuration(policy.maxWaitMs)} at most` : quiet;
    }
    case "window": {
      const windows = `events grouped by fixed windows of ${formatDuration(policy.windowMs ?? 0)}`;
      return (policy.minEvents ?? 1) > 1
        ? `${windows}, at least ${plural(policy.minEvents ?? 0, "event")} each`
        : windows;
    }
  }
}

/**
 * Which rule holds the consumer back and until when, in words; null when a
 * run is due now.
 *
 * @example
 * ```ts
 * waitInWords({ rule: "debounce", until: "2025-01-01T00:05:00.000Z" });
 * // "Waiting for a quiet period: no run before 2025-01-01 00:05:00 UTC (unless another event arrives first, which restarts it)"
 * ```
 */
export function waitInWords(wait: Wait | null): string | null {
  if (wait === null) return null;
  const until = `${formatTime(wait.until)} UTC`;
  switch (wait.rule) {
    case "events":
      return "Waiting for events: none is pending.";
    case "paused":
      return "Paused: pending events wait until the DAG is unpaused.";
    case "condition":
      return "Waiting on the asset condition: ✗ marks what is still missing.";
    case "maxActiveRuns":
      return `Waiting for a run slot: ${wait.activeRuns ?? 0} of ${wait.maxActiveRuns ?? 0} runs are queued or running.`;
    case "debounce":
      return `Waiting for a quiet period: no run before ${until} (a new event restarts it).`;
    case "window":
      return `Waiting for the window that began ${formatTime(wait.windowStart ?? null)} UTC to end at ${until}.`;
    case "minEvents":
      return `Waiting for more events: ${wait.events ?? 0} of ${wait.minEvents ?? 0} in the window ending ${until}; too few roll into the next window.`;
  }
}
