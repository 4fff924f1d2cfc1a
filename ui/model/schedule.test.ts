import { describe, expect, it } from "vitest";
import { conditionInWords, summarizeSchedule } from "./schedule.js";

const a = { kind: "asset", name: "a", uri: "s3://a" } as const;
const b = { kind: "asset", name: "s3://b", uri: "s3://b" } as const;
const c = { kind: "alias", name: "outputs" } as const;

describe("schedules in words", () => {
  it("writes AND tighter than OR, with parentheses only where they are needed", () => {
    expect(conditionInWords({ kind: "all", conditions: [a, { kind: "any", conditions: [b, c] }] })).toBe(
      "a and (s3://b or alias outputs)",
    );
    expect(conditionInWords({ kind: "any", conditions: [a, { kind: "all", conditions: [b, c] }] })).toBe(
      "a or s3://b and alias outputs",
    );
    expect(conditionInWords({ kind: "ref", uri: "s3://x" })).toBe("uri s3://x");
    expect(conditionInWords({ kind: "ref", name: "x" })).toBe("name x");
  });

  it("summarizes each kind of schedule and groups it for the filter", () => {
    expect(summarizeSchedule({ kind: "none" })).toMatchObject({ kind: "manual", text: "Manual only" });
    expect(summarizeSchedule({ kind: "once" })).toMatchObject({ kind: "time", text: "@once" });
    expect(summarizeSchedule({ kind: "cron", expression: "@daily", timezone: "UTC" } as never)).toMatchObject({
      kind: "time",
      text: "@daily",
    });
    expect(
      summarizeSchedule({ kind: "cronTrigger", expression: "0 1 * * 3", timezone: "Europe/Paris" } as never).text,
    ).toBe("0 1 * * 3 (Europe/Paris) trigger");
    expect(summarizeSchedule({ kind: "assets", condition: a } as never)).toMatchObject({
      kind: "assets",
      condition: "a",
      text: "On a",
    });
    expect(
      summarizeSchedule({
        kind: "assetOrTime",
        timetable: { kind: "cron", expression: "@hourly", timezone: "UTC" },
        condition: { kind: "all", conditions: [a, b] },
      } as never),
    ).toMatchObject({
      kind: "assetOrTime",
      time: "@hourly",
      condition: "a and s3://b",
      text: "@hourly, or on a and s3://b",
    });
  });
});

describe("URI patterns in words", () => {
  it("names a pattern leaf as what it matches", () => {
    expect(
      conditionInWords({ kind: "any", conditions: [a, { kind: "pattern", pattern: "s3://in/{day}.csv" }] } as never),
    ).toBe("a or any asset matching s3://in/{day}.csv");
  });
});
