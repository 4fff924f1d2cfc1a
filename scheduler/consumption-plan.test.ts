import { describe, expect, it } from "vitest";
import type { ConditionNode } from "../sdk/manifest/schema.js";
import {
  type ConsumePolicyNode,
  type ConsumerSnapshot,
  decideConsumer,
  type PendingGroup,
} from "./consumption-plan.js";

const A1: ConditionNode = { kind: "asset", name: "a1", uri: "s3://b/a1" };
const A2: ConditionNode = { kind: "asset", name: "a2", uri: "s3://b/a2" };
const FILES: ConditionNode = { kind: "pattern", pattern: "s3://landing/{file}.csv" };
const HOUR = 3_600_000;

function group(asset: 1 | 2, oldestEventId: number, fields: Partial<PendingGroup> = {}): PendingGroup {
  return {
    assetId: asset,
    name: `a${asset}`,
    uri: `s3://b/a${asset}`,
    oldestEventId,
    count: null,
    firstArrival: null,
    lastArrival: null,
    window: null,
    ...fields,
  };
}

function snapshot(
  consume: ConsumePolicyNode,
  groups: PendingGroup[],
  fields: Partial<ConsumerSnapshot> = {},
): ConsumerSnapshot {
  return {
    condition: A1,
    consume,
    groups,
    membership: { aliasAssets: new Map(), patternAssets: new Map() },
    paused: false,
    activeRuns: 0,
    maxActiveRuns: 16,
    now: 10 * HOUR,
    ...fields,
  };
}

describe("decideConsumer", () => {
  it("says paused first, then that nothing is pending", () => {
    expect(decideConsumer(snapshot({ kind: "each" }, [group(1, 1)], { paused: true }))).toEqual({
      kind: "wait",
      wait: { rule: "paused" },
    });
    expect(decideConsumer(snapshot({ kind: "each" }, []))).toEqual({ kind: "wait", wait: { rule: "events" } });
  });

  it("all-pending takes everything once the condition holds, within the run slots", () => {
    const both: Partial<ConsumerSnapshot> = { condition: { kind: "all", conditions: [A1, A2] } };
    expect(decideConsumer(snapshot({ kind: "all-pending" }, [group(1, 4)], both))).toEqual({
      kind: "wait",
      wait: { rule: "condition" },
    });
    expect(decideConsumer(snapshot({ kind: "all-pending" }, [group(1, 4), group(2, 9)], both))).toEqual({
      kind: "run",
      take: { kind: "all" },
      interval: null,
    });
    expect(
      decideConsumer(snapshot({ kind: "all-pending" }, [group(1, 4)], { activeRuns: 2, maxActiveRuns: 2 })),
    ).toEqual({ kind: "wait", wait: { rule: "maxActiveRuns", activeRuns: 2, maxActiveRuns: 2 } });
  });

  it("each takes the oldest complete set; an OR takes the branch complete first", () => {
    const both: Partial<ConsumerSnapshot> = { condition: { kind: "all", conditions: [A1, A2] } };
    expect(decideConsumer(snapshot({ kind: "each" }, [group(1, 4), group(2, 9)], both))).toMatchObject({
      take: { kind: "events", eventIds: [4, 9], fill: 0 },
    });
    const either: Partial<ConsumerSnapshot> = { condition: { kind: "any", conditions: [A1, A2] } };
    expect(decideConsumer(snapshot({ kind: "each" }, [group(1, 7), group(2, 5)], either))).toMatchObject({
      take: { kind: "events", eventIds: [5], fill: 0 },
    });
  });

  it("maxEvents fills the run after the complete set", () => {
    expect(decideConsumer(snapshot({ kind: "maxEvents", maxEvents: 3 }, [group(1, 4)]))).toMatchObject({
      take: { kind: "events", eventIds: [4], fill: 2 },
    });
  });

  it("matches pattern leaves through the membership the engine loaded", () => {
    const membership = { aliasAssets: new Map(), patternAssets: new Map([[FILES.pattern, new Set([2])]]) };
    const fields = { condition: FILES, membership };
    expect(decideConsumer(snapshot({ kind: "each" }, [group(1, 3)], fields))).toMatchObject({
      wait: { rule: "condition" },
    });
    expect(decideConsumer(snapshot({ kind: "each" }, [group(1, 3), group(2, 8)], fields))).toMatchObject({
      take: { eventIds: [8] },
    });
  });

  it("debounce waits for the quiet period or maxWait, whichever comes first", () => {
    const policy = { kind: "debounce", debounceMs: 5 * 60_000, maxWaitMs: HOUR } as const;
    const now = 10 * HOUR;
    const pending = (first: number, last: number) => [
      group(1, 1, { count: 3, firstArrival: first, lastArrival: last }),
    ];
    expect(decideConsumer(snapshot(policy, pending(now - 60_000, now - 60_000)))).toEqual({
      kind: "wait",
      wait: { rule: "debounce", until: now + 4 * 60_000 },
    });
    expect(decideConsumer(snapshot(policy, pending(now - HOUR, now - 60_000)))).toMatchObject({
      take: { kind: "all" },
    });
    expect(decideConsumer(snapshot(policy, pending(now - 10 * 60_000, now - 5 * 60_000)))).toMatchObject({
      take: { kind: "all" },
    });
  });

  it("window runs the oldest ended window, rolls thin ones forward, and waits for an open one", () => {
    const policy = { kind: "window", windowMs: HOUR, minEvents: 2 } as const;
    const now = 10 * HOUR + 30 * 60_000;
    const inWindow = (window: number, count: number) => group(1, window * 100, { count, window });
    expect(decideConsumer(snapshot(policy, [inWindow(7, 1), inWindow(8, 1), inWindow(9, 5)], { now }))).toEqual({
      kind: "run",
      take: { kind: "before", timestamp: 9 * HOUR },
      interval: { start: 7 * HOUR, end: 9 * HOUR },
    });
    expect(decideConsumer(snapshot(policy, [inWindow(10, 3)], { now }))).toEqual({
      kind: "wait",
      wait: { rule: "window", until: 11 * HOUR, windowStart: 10 * HOUR },
    });
    expect(decideConsumer(snapshot(policy, [inWindow(8, 1)], { now }))).toEqual({
      kind: "wait",
      wait: { rule: "minEvents", until: 11 * HOUR, events: 1, minEvents: 2 },
    });
  });
});
