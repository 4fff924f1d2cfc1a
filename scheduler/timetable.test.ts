import { describe, expect, it } from "vitest";
import type { TimetableManifest } from "../sdk/manifest/schema.js";
import { inferManualInterval, type PlanInput, type PlannedRun, planNextRun, timetableOf } from "./timetable.js";

const t = (iso: string): number => Date.parse(iso);

/** A plan as ISO strings: `[runAt, logicalDate, intervalStart, intervalEnd]`. */
function show(plan: PlannedRun | null): string[] | null {
  if (plan === null) return null;
  return [plan.runAt, plan.logicalDate, plan.intervalStart, plan.intervalEnd].map((ms) => new Date(ms).toISOString());
}

function input(overrides: Partial<PlanInput> & { now: number }): PlanInput {
  return { startDate: null, catchup: false, registeredAt: overrides.now, lastRun: null, ...overrides };
}

const daily: TimetableManifest = { kind: "cron", expression: "@daily", timezone: "UTC" };
const hourly: TimetableManifest = { kind: "cron", expression: "@hourly", timezone: "UTC" };

describe("planNextRun: cron (data interval) timetables", () => {
  it("without a startDate, the first run covers the interval of the registration and is due at its end", () => {
    expect(show(planNextRun(daily, input({ now: t("2025-01-01T00:00:00Z") })))).toEqual([
      "2025-01-02T00:00:00.000Z",
      "2025-01-01T00:00:00.000Z",
      "2025-01-01T00:00:00.000Z",
      "2025-01-02T00:00:00.000Z",
    ]);
    // An @daily DAG registered on a Thursday afternoon runs Thursday's interval on Friday at midnight.
    expect(show(planNextRun(daily, input({ now: t("2025-01-02T15:28:00Z") })))).toEqual([
      "2025-01-03T00:00:00.000Z",
      "2025-01-02T00:00:00.000Z",
      "2025-01-02T00:00:00.000Z",
      "2025-01-03T00:00:00.000Z",
    ]);
  });

  it("an @hourly DAG registered at 15:28 runs the 15:00-16:00 interval at 16:00", () => {
    expect(show(planNextRun(hourly, input({ now: t("2025-01-01T15:28:00Z") })))).toEqual([
      "2025-01-01T16:00:00.000Z",
      "2025-01-01T15:00:00.000Z",
      "2025-01-01T15:00:00.000Z",
      "2025-01-01T16:00:00.000Z",
    ]);
  });

  it("with a startDate, the first interval starts at the first tick at or after it", () => {
    const registered = t("2025-01-01T15:28:00Z");
    expect(show(planNextRun(hourly, input({ startDate: registered, now: registered })))?.slice(0, 2)).toEqual([
      "2025-01-01T17:00:00.000Z",
      "2025-01-01T16:00:00.000Z",
    ]);
  });

  it("without catchup, a startDate long past plans only the latest complete interval, due now", () => {
    const plan = planNextRun(daily, input({ startDate: t("2024-12-25T00:00:00Z"), now: t("2025-01-01T12:00:00Z") }));
    expect(show(plan)).toEqual([
      "2025-01-01T00:00:00.000Z",
      "2024-12-31T00:00:00.000Z",
      "2024-12-31T00:00:00.000Z",
      "2025-01-01T00:00:00.000Z",
    ]);
  });

  it("with catchup, a startDate long past plans the first interval since startDate", () => {
    const plan = planNextRun(
      daily,
      input({ startDate: t("2024-12-25T00:00:00Z"), catchup: true, now: t("2025-01-01T12:00:00Z") }),
    );
    expect(show(plan)?.slice(2)).toEqual(["2024-12-25T00:00:00.000Z", "2024-12-26T00:00:00.000Z"]);
  });

  it("with catchup, the next run follows the last one even when it is long overdue", () => {
    const plan = planNextRun(
      daily,
      input({
        startDate: t("2024-12-25T00:00:00Z"),
        catchup: true,
        lastRun: { logicalDate: t("2024-12-25T00:00:00Z"), intervalEnd: t("2024-12-26T00:00:00Z") },
        now: t("2025-01-01T12:00:00Z"),
      }),
    );
    expect(show(plan)?.slice(2)).toEqual(["2024-12-26T00:00:00.000Z", "2024-12-27T00:00:00.000Z"]);
  });

  it("without catchup, missed intervals after the last run are skipped to the latest", () => {
    const plan = planNextRun(
      daily,
      input({
        lastRun: { logicalDate: t("2024-12-25T00:00:00Z"), intervalEnd: t("2024-12-26T00:00:00Z") },
        now: t("2025-01-01T12:00:00Z"),
      }),
    );
    expect(show(plan)?.slice(2)).toEqual(["2024-12-31T00:00:00.000Z", "2025-01-01T00:00:00.000Z"]);
  });

  it("without catchup and nothing missed, the next interval starts where the last one ended", () => {
    const plan = planNextRun(
      hourly,
      input({
        lastRun: { logicalDate: t("2025-01-01T09:00:00Z"), intervalEnd: t("2025-01-01T10:00:00Z") },
        now: t("2025-01-01T10:00:01Z"),
      }),
    );
    expect(show(plan)).toEqual([
      "2025-01-01T11:00:00.000Z",
      "2025-01-01T10:00:00.000Z",
      "2025-01-01T10:00:00.000Z",
      "2025-01-01T11:00:00.000Z",
    ]);
  });

  it("a future startDate is respected, and one off a tick starts at the following tick", () => {
    const now = t("2025-01-01T00:00:00Z");
    expect(show(planNextRun(daily, input({ startDate: t("2025-01-05T00:00:00Z"), now })))?.slice(2)).toEqual([
      "2025-01-05T00:00:00.000Z",
      "2025-01-06T00:00:00.000Z",
    ]);
    expect(show(planNextRun(daily, input({ startDate: t("2025-01-05T06:00:00Z"), now })))?.slice(2)).toEqual([
      "2025-01-06T00:00:00.000Z",
      "2025-01-07T00:00:00.000Z",
    ]);
  });

  it("reads the expression in the timetable's time zone", () => {
    const paris: TimetableManifest = { kind: "cron", expression: "@daily", timezone: "Europe/Paris" };
    // Registered at 01:00 in Paris: the Paris day of January 1st.
    expect(show(planNextRun(paris, input({ now: t("2025-01-01T00:00:00Z") })))?.slice(2)).toEqual([
      "2024-12-31T23:00:00.000Z",
      "2025-01-01T23:00:00.000Z",
    ]);
    // Registered at 19:00 on December 31st in New York: that New York day.
    const newYork: TimetableManifest = { kind: "cron", expression: "0 0 * * *", timezone: "America/New_York" };
    expect(show(planNextRun(newYork, input({ now: t("2025-01-01T00:00:00Z") })))?.slice(2)).toEqual([
      "2024-12-31T05:00:00.000Z",
      "2025-01-01T05:00:00.000Z",
    ]);
  });

  it("a daily interval across a daylight-saving change lasts 23 hours in that zone", () => {
    const paris: TimetableManifest = { kind: "cron", expression: "@daily", timezone: "Europe/Paris" };
    const plan = planNextRun(
      paris,
      input({
        catchup: true,
        lastRun: { logicalDate: t("2025-03-28T23:00:00Z"), intervalEnd: t("2025-03-29T23:00:00Z") },
        now: t("2025-03-29T23:00:00Z"),
      }),
    );
    expect(show(plan)?.slice(2)).toEqual(["2025-03-29T23:00:00.000Z", "2025-03-30T22:00:00.000Z"]);
  });
});

describe("planNextRun: cron trigger timetables", () => {
  const sixInParis: TimetableManifest = { kind: "cronTrigger", expression: "0 6 * * *", timezone: "Europe/Paris" };

  it("runs at the tick with an empty interval, in the timetable's time zone (winter and summer)", () => {
    expect(show(planNextRun(sixInParis, input({ now: t("2025-01-01T00:00:00Z") })))).toEqual([
      "2025-01-01T05:00:00.000Z",
      "2025-01-01T05:00:00.000Z",
      "2025-01-01T05:00:00.000Z",
      "2025-01-01T05:00:00.000Z",
    ]);
    expect(show(planNextRun(sixInParis, input({ now: t("2025-07-01T00:00:00Z") })))?.[0]).toBe(
      "2025-07-01T04:00:00.000Z",
    );
  });

  it("without a startDate, the first run is at the next tick after registration", () => {
    const hourlyTrigger: TimetableManifest = { kind: "cronTrigger", expression: "@hourly", timezone: "UTC" };
    expect(show(planNextRun(hourlyTrigger, input({ now: t("2025-01-01T15:28:00Z") })))).toEqual(
      Array(4).fill("2025-01-01T16:00:00.000Z"),
    );
  });

  it("the next tick follows the last run", () => {
    const plan = planNextRun(
      sixInParis,
      input({
        lastRun: { logicalDate: t("2025-01-01T05:00:00Z"), intervalEnd: t("2025-01-01T05:00:00Z") },
        now: t("2025-01-01T05:00:01Z"),
      }),
    );
    expect(show(plan)?.[0]).toBe("2025-01-02T05:00:00.000Z");
  });

  it("without catchup, missed ticks are skipped to the latest one; with catchup they are all run", () => {
    const lastRun = { logicalDate: t("2025-01-01T05:00:00Z"), intervalEnd: t("2025-01-01T05:00:00Z") };
    const now = t("2025-01-05T12:00:00Z");
    expect(show(planNextRun(sixInParis, input({ lastRun, now })))?.[1]).toBe("2025-01-05T05:00:00.000Z");
    expect(show(planNextRun(sixInParis, input({ lastRun, now, catchup: true })))?.[1]).toBe("2025-01-02T05:00:00.000Z");
  });

  it("a startDate in the future delays the first tick", () => {
    const plan = planNextRun(
      sixInParis,
      input({ startDate: t("2025-02-01T00:00:00Z"), now: t("2025-01-01T00:00:00Z") }),
    );
    expect(show(plan)?.[0]).toBe("2025-02-01T05:00:00.000Z");
  });
});

describe("planNextRun: @once", () => {
  it("runs once at registration, or at its startDate, and never again", () => {
    const now = t("2025-01-01T00:00:00Z");
    expect(show(planNextRun({ kind: "once" }, input({ now })))).toEqual(Array(4).fill("2025-01-01T00:00:00.000Z"));
    expect(show(planNextRun({ kind: "once" }, input({ now, startDate: t("2025-01-03T00:00:00Z") })))?.[0]).toBe(
      "2025-01-03T00:00:00.000Z",
    );
    expect(show(planNextRun({ kind: "once" }, input({ now, startDate: t("2024-06-01T00:00:00Z") })))?.[0]).toBe(
      "2024-06-01T00:00:00.000Z",
    );
    expect(planNextRun({ kind: "once" }, input({ now, lastRun: { logicalDate: now, intervalEnd: now } }))).toBeNull();
  });
});

describe("timetableOf", () => {
  it("returns the time-based part of every schedule kind", () => {
    const condition = { kind: "asset" as const, name: "a", uri: "a" };
    expect(timetableOf({ kind: "none" })).toBeNull();
    expect(timetableOf({ kind: "assets", condition })).toBeNull();
    expect(timetableOf({ kind: "once" })).toEqual({ kind: "once" });
    expect(timetableOf(daily)).toEqual(daily);
    expect(timetableOf({ kind: "cronTrigger", expression: "0 1 * * 3", timezone: "UTC" })).toEqual({
      kind: "cronTrigger",
      expression: "0 1 * * 3",
      timezone: "UTC",
    });
    expect(timetableOf({ kind: "assetOrTime", timetable: hourly, condition })).toEqual(hourly);
  });
});

describe("inferManualInterval", () => {
  const now = t("2025-01-01T10:30:00Z");
  const interval = (value: { start: number; end: number }) =>
    [value.start, value.end].map((ms) => new Date(ms).toISOString());

  it("gives a cron DAG's manual run the latest complete interval", () => {
    expect(interval(inferManualInterval(hourly, now))).toEqual([
      "2025-01-01T09:00:00.000Z",
      "2025-01-01T10:00:00.000Z",
    ]);
    expect(interval(inferManualInterval(hourly, t("2025-01-01T10:00:00Z")))).toEqual([
      "2025-01-01T09:00:00.000Z",
      "2025-01-01T10:00:00.000Z",
    ]);
    const condition = { kind: "asset" as const, name: "a", uri: "a" };
    expect(interval(inferManualInterval({ kind: "assetOrTime", timetable: daily, condition }, now))).toEqual([
      "2024-12-31T00:00:00.000Z",
      "2025-01-01T00:00:00.000Z",
    ]);
  });

  it("reads the cron in its time zone", () => {
    const paris: TimetableManifest = { kind: "cron", expression: "@daily", timezone: "Europe/Paris" };
    expect(interval(inferManualInterval(paris, now))).toEqual(["2024-12-30T23:00:00.000Z", "2024-12-31T23:00:00.000Z"]);
  });

  it("gives the instant itself to cron triggers, @once and DAGs without a time schedule", () => {
    const instant = ["2025-01-01T10:30:00.000Z", "2025-01-01T10:30:00.000Z"];
    expect(
      interval(inferManualInterval({ kind: "cronTrigger", expression: "0 6 * * *", timezone: "UTC" }, now)),
    ).toEqual(instant);
    expect(interval(inferManualInterval({ kind: "once" }, now))).toEqual(instant);
    expect(interval(inferManualInterval({ kind: "none" }, now))).toEqual(instant);
    expect(interval(inferManualInterval({ kind: "assets", condition: { kind: "alias", name: "x" } }, now))).toEqual(
      instant,
    );
  });
});
