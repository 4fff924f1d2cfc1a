import { describe, expect, it } from "vitest";
import type { DagListItem, ExplainedCondition } from "../api/types.js";
import { dagListQuery, dagRow, nextRun, pageCount } from "./dag-list.js";
import { DEFAULT_DAG_FILTER } from "./routes.js";

const NOW = Date.parse("2025-01-01T12:00:00Z");
const dag = (overrides: Partial<DagListItem>): DagListItem =>
  ({
    dagId: "d",
    description: null,
    fileloc: null,
    isPaused: false,
    isActive: true,
    maxActiveRuns: 16,
    tags: [],
    schedule: { kind: "none" },
    params: {},
    tasks: [],
    nextRunAt: null,
    lastRun: null,
    assetCondition: null,
    ...overrides,
  }) as DagListItem;

describe("the DAGs page rows", () => {
  it("shows the next time-based run, what a consumer waits for, or both", () => {
    expect(nextRun(dag({ nextRunAt: "2025-01-01T12:10:00Z" }), NOW)).toMatchObject({
      kind: "time",
      text: "in 10m 00s",
    });
    const waiting: ExplainedCondition = {
      kind: "all",
      satisfied: false,
      conditions: [
        { kind: "asset", name: "a", uri: "a", satisfied: true },
        { kind: "asset", name: "b", uri: "b", satisfied: false },
      ],
    };
    expect(nextRun(dag({ assetCondition: waiting }), NOW)).toEqual({ kind: "waiting", text: "Waiting for b" });
    expect(nextRun(dag({ assetCondition: waiting, nextRunAt: "2025-01-01T13:00:00Z" }), NOW).text).toBe(
      "in 1h 00m, or when b updates",
    );
    expect(nextRun(dag({ assetCondition: { ...waiting, satisfied: true } }), NOW).kind).toBe("ready");
    expect(nextRun(dag({ isPaused: true, nextRunAt: "2025-01-01T13:00:00Z" }), NOW)).toEqual({
      kind: "paused",
      text: "Paused",
    });
    expect(nextRun(dag({}), NOW).kind).toBe("none");
  });

  it("summarizes the last run with its state and how long ago it started", () => {
    const row = dagRow(
      dag({
        lastRun: {
          runId: "r",
          runType: "manual",
          state: "failed",
          createdAt: "2025-01-01T11:00:00Z",
          startDate: "2025-01-01T11:58:00Z",
          endDate: null,
        },
      }),
      NOW,
    );
    expect(row.lastRun).toEqual({ state: "failed", runId: "r", when: "2m 00s ago" });
    expect(row.schedule.text).toBe("Manual only");
  });

  it("turns the page's filters into the API's query", () => {
    expect(dagListQuery(DEFAULT_DAG_FILTER)).toEqual({ limit: "50", offset: "0" });
    expect(
      dagListQuery({
        search: " x ",
        lastRunState: "none",
        tag: "t",
        scheduleKind: "assets",
        paused: "active",
        page: 3,
      }),
    ).toEqual({
      limit: "50",
      offset: "100",
      search: "x",
      lastRunState: "none",
      tag: "t",
      scheduleKind: "assets",
      paused: "false",
    });
    expect(pageCount(0, 50)).toBe(1);
    expect(pageCount(101, 50)).toBe(3);
  });
});
