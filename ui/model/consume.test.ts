import { describe, expect, it } from "vitest";
import { policyInWords, waitInWords } from "./consume.js";

describe("why a consumer has not run yet, in words", () => {
  it("names each policy", () => {
    expect(policyInWords({ kind: "all-pending" })).toBe("one run takes every pending event");
    expect(policyInWords({ kind: "each" })).toBe("one run per event (per complete set), oldest first");
    expect(policyInWords({ kind: "maxEvents", maxEvents: 3 })).toBe("at most 3 events per run");
    expect(policyInWords({ kind: "debounce", debounceMs: 300_000, maxWaitMs: null })).toBe(
      "a run once no event arrived for 5m 00s",
    );
    expect(policyInWords({ kind: "debounce", debounceMs: 300_000, maxWaitMs: 600_000 })).toBe(
      "a run once no event arrived for 5m 00s, or after 10m 00s at most",
    );
    expect(policyInWords({ kind: "window", windowMs: 3_600_000, minEvents: 1 })).toBe(
      "events grouped by fixed windows of 1h 00m",
    );
    expect(policyInWords({ kind: "window", windowMs: 3_600_000, minEvents: 2 })).toBe(
      "events grouped by fixed windows of 1h 00m, at least 2 events each",
    );
  });

  it("names the rule that waits and, when time decides, until when", () => {
    expect(waitInWords(null)).toBeNull();
    expect(waitInWords({ rule: "paused", until: null })).toMatch(/^Paused/);
    expect(waitInWords({ rule: "maxActiveRuns", until: null, activeRuns: 1, maxActiveRuns: 1 })).toBe(
      "Waiting for a run slot: 1 of 1 runs are queued or running.",
    );
    expect(waitInWords({ rule: "debounce", until: "2025-01-01T00:05:00.000Z" })).toBe(
      "Waiting for a quiet period: no run before 2025-01-01 00:05:00 UTC (a new event restarts it).",
    );
    expect(
      waitInWords({ rule: "window", until: "2025-01-01T11:00:00.000Z", windowStart: "2025-01-01T10:00:00.000Z" }),
    ).toBe("Waiting for the window that began 2025-01-01 10:00:00 UTC to end at 2025-01-01 11:00:00 UTC.");
    expect(waitInWords({ rule: "minEvents", until: "2025-01-01T11:00:00.000Z", events: 1, minEvents: 2 })).toContain(
      "1 of 2 in the window ending 2025-01-01 11:00:00 UTC",
    );
  });
});
