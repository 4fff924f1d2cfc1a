import {
  Asset,
  AssetAlias,
  AssetOrTimeSchedule,
  all,
  CRON_PRESETS,
  CronDataIntervalTimetable,
  CronTriggerTimetable,
  DefinitionError,
  dag,
  ErrorCode,
  isTimetable,
  normalizeSchedule,
  type Schedule,
} from "assetflow";
import { describe, expect, it } from "vitest";

/** Runs `fn` and returns the DefinitionError it throws (failing the test if it throws nothing or something else). */
function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return error as DefinitionError;
  }
  throw new Error("expected a DefinitionError, but nothing was thrown");
}

/** The manifest node of a schedule, as a DAG defined with it stores it. */
function scheduleOf(schedule: Schedule): unknown {
  return dag({ dagId: "scheduled", schedule }, () => {}).settings.schedule;
}

const dag1Asset = new Asset("s3://dag1/output_1.txt");
const dag2Asset = new Asset("s3://dag2/output_1.txt");
const dag3Asset = new Asset("s3://dag3/output_1.txt");
const node = (asset: Asset) => ({ kind: "asset", name: asset.name, uri: asset.uri });

describe("time schedules", () => {
  it.each(["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"])(
    "accepts the preset %s as a UTC cron schedule",
    (preset) => {
      expect(scheduleOf(preset)).toEqual({ kind: "cron", expression: preset, timezone: "UTC" });
    },
  );

  it("lists exactly the cron presets", () => {
    expect([...CRON_PRESETS]).toEqual(["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"]);
  });

  it('accepts "@once" as a single run', () => {
    expect(scheduleOf("@once")).toEqual({ kind: "once" });
  });

  it.each(["0 6 * * *", "*/15 * * * *", "0 1 * * 3", "30 2 1 * MON-FRI", "0 0 1 1 *"])(
    "accepts the 5-field cron expression %s",
    (expression) => {
      expect(scheduleOf(expression)).toEqual({ kind: "cron", expression, timezone: "UTC" });
    },
  );

  it("rejects an unknown preset, listing the presets", () => {
    const error = definitionError(() => scheduleOf("@reboot"));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain('Invalid cron expression "@reboot" in dag "scheduled": unknown preset.');
    expect(error.message).toContain("Presets are @once, @hourly, @daily, @weekly, @monthly, @yearly, @annually.");
  });

  it.each([
    ["61 * * * *", "Invalid value for minute"],
    ["0 25 * * *", "Invalid value for hour"],
    ["0 6 * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"],
    ["0 6 * *", "got 4"],
    ["daily", "got 1"],
  ])("rejects the invalid cron expression %s, naming it and the DAG", (expression, reason) => {
    const error = definitionError(() => scheduleOf(expression));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain(`Invalid cron expression "${expression}" in dag "scheduled"`);
    expect(error.message).toContain(reason);
    expect(error.details).toMatchObject({ expression });
  });

  it("rejects an empty cron string", () => {
    const error = definitionError(() => scheduleOf("  "));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain('must be a non-empty string such as "0 6 * * *" or "@daily"');
  });
});

describe("timetables", () => {
  it("CronTriggerTimetable keeps its expression and time zone", () => {
    const timetable = new CronTriggerTimetable("0 6 * * *", { timezone: "Europe/Paris" });
    expect(isTimetable(timetable)).toBe(true);
    expect(Object.isFrozen(timetable)).toBe(true);
    expect(scheduleOf(timetable)).toEqual({ kind: "cronTrigger", expression: "0 6 * * *", timezone: "Europe/Paris" });
  });

  it("timetables default to UTC", () => {
    expect(new CronTriggerTimetable("@daily").timezone).toBe("UTC");
    expect(scheduleOf(new CronDataIntervalTimetable("0 1 * * *"))).toEqual({
      kind: "cron",
      expression: "0 1 * * *",
      timezone: "UTC",
    });
  });

  it("rejects an unknown time zone, naming it", () => {
    const error = definitionError(() => new CronTriggerTimetable("0 6 * * *", { timezone: "Mars/Olympus_Mons" }));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toBe(
      'Unknown time zone "Mars/Olympus_Mons" in CronTriggerTimetable: use an IANA name such as "UTC" or "Europe/Paris".',
    );
  });

  it("rejects an invalid expression, naming it and the timetable", () => {
    const error = definitionError(() => new CronTriggerTimetable("0 6 * * * *"));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain('Invalid cron expression "0 6 * * * *" in CronTriggerTimetable');
  });

  it('rejects "@once" as a timetable expression and says where it belongs', () => {
    const error = definitionError(() => new CronTriggerTimetable("@once"));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain('"@once" in CronTriggerTimetable is not a cron expression');
    expect(error.message).toContain('schedule: "@once"');
  });

  it('rejects a misspelled timetable option such as "timeZone" instead of silently using UTC', () => {
    const error = definitionError(() => new CronTriggerTimetable("0 6 * * *", { timeZone: "Europe/Paris" } as never));
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toBe(
      'Unknown option "timeZone" in CronTriggerTimetable. Did you mean "timezone"? Known options: timezone.',
    );
  });
});

describe("asset schedules", () => {
  it("a list of assets means all of them", () => {
    expect(scheduleOf([dag1Asset, dag2Asset])).toEqual({
      kind: "assets",
      condition: { kind: "all", conditions: [node(dag1Asset), node(dag2Asset)] },
    });
  });

  it("a condition keeps its tree of and/or", () => {
    expect(scheduleOf(dag1Asset.or(dag2Asset.and(dag3Asset)))).toEqual({
      kind: "assets",
      condition: {
        kind: "any",
        conditions: [node(dag1Asset), { kind: "all", conditions: [node(dag2Asset), node(dag3Asset)] }],
      },
    });
  });

  it("a single asset, an alias and a reference are schedules", () => {
    expect(scheduleOf(dag1Asset)).toEqual({ kind: "assets", condition: node(dag1Asset) });
    expect(scheduleOf(new AssetAlias("incoming"))).toEqual({
      kind: "assets",
      condition: { kind: "alias", name: "incoming" },
    });
    expect(scheduleOf(Asset.ref({ name: "bucket-1" }))).toEqual({
      kind: "assets",
      condition: { kind: "ref", name: "bucket-1" },
    });
  });

  it("records the scheduled assets and aliases of a DAG as declared", () => {
    const alias = new AssetAlias("incoming");
    const settings = dag({ dagId: "leaves", schedule: [dag1Asset, all(dag2Asset, alias)] }, () => {}).settings;
    expect(settings.scheduleAssets).toEqual([dag1Asset, dag2Asset, alias]);
  });

  it("rejects an empty list with CONDITION_INVALID and points to schedule: null", () => {
    const error = definitionError(() => scheduleOf([]));
    expect(error.code).toBe(ErrorCode.conditionInvalid);
    expect(error.message).toBe(
      'The schedule of dag "scheduled" is an empty list: list at least one asset, or use schedule: null for a DAG that runs only when triggered.',
    );
  });

  it("rejects a non-asset list item with CONDITION_INVALID naming its index", () => {
    const error = definitionError(() => scheduleOf([dag1Asset, "s3://dag2/output_1.txt"] as never));
    expect(error.code).toBe(ErrorCode.conditionInvalid);
    expect(error.message).toBe(
      'item 1 of the schedule of dag "scheduled" is the string "s3://dag2/output_1.txt", not an asset. Wrap the URI: new Asset("s3://dag2/output_1.txt").',
    );
  });

  it("rejects a non-asset item that is not a string with a hint about conditions", () => {
    const error = definitionError(() => scheduleOf([{ uri: "s3://b/k" }] as never));
    expect(error.code).toBe(ErrorCode.conditionInvalid);
    expect(error.message).toContain('item 0 of the schedule of dag "scheduled" is an object, not an asset.');
    expect(error.message).toContain("Use an Asset, an AssetAlias, Asset.ref(...)");
  });
});

describe("AssetOrTimeSchedule", () => {
  it("combines a timetable object with an asset condition", () => {
    const schedule = new AssetOrTimeSchedule({
      timetable: new CronTriggerTimetable("0 1 * * 3", { timezone: "UTC" }),
      assets: dag1Asset.and(dag2Asset),
    });
    expect(Object.isFrozen(schedule)).toBe(true);
    expect(scheduleOf(schedule)).toEqual({
      kind: "assetOrTime",
      timetable: { kind: "cronTrigger", expression: "0 1 * * 3", timezone: "UTC" },
      condition: { kind: "all", conditions: [node(dag1Asset), node(dag2Asset)] },
    });
  });

  it("reads a cron string as a data-interval timetable and a list of assets as all of them", () => {
    const schedule = new AssetOrTimeSchedule({ timetable: "@daily", assets: [dag1Asset, dag3Asset] });
    expect(scheduleOf(schedule)).toEqual({
      kind: "assetOrTime",
      timetable: { kind: "cron", expression: "@daily", timezone: "UTC" },
      condition: { kind: "all", conditions: [node(dag1Asset), node(dag3Asset)] },
    });
  });

  it("records its assets as the DAG's scheduled assets", () => {
    const schedule = new AssetOrTimeSchedule({ timetable: "@daily", assets: dag1Asset.or(dag2Asset) });
    expect(dag({ dagId: "either", schedule }, () => {}).settings.scheduleAssets).toEqual([dag1Asset, dag2Asset]);
  });

  it('rejects an unknown option, suggesting "assets" for "asset"', () => {
    const error = definitionError(() => new AssetOrTimeSchedule({ timetable: "@daily", asset: [dag1Asset] } as never));
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toBe(
      'Unknown option "asset" in AssetOrTimeSchedule. Did you mean "assets"? Known options: timetable, assets.',
    );
  });

  it("rejects an invalid cron string, naming it and where it was given", () => {
    const error = definitionError(() => new AssetOrTimeSchedule({ timetable: "0 6 * *", assets: [dag1Asset] }));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain('Invalid cron expression "0 6 * *" in the "timetable" of AssetOrTimeSchedule');
  });

  it("rejects a timetable that is neither a timetable nor a string", () => {
    const error = definitionError(() => new AssetOrTimeSchedule({ timetable: 3600, assets: [dag1Asset] } as never));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain(
      'AssetOrTimeSchedule "timetable" must be a CronTriggerTimetable, a CronDataIntervalTimetable or a cron string, got a number.',
    );
  });

  it("rejects an empty list of assets", () => {
    const error = definitionError(() => new AssetOrTimeSchedule({ timetable: "@daily", assets: [] }));
    expect(error.code).toBe(ErrorCode.conditionInvalid);
    expect(error.message).toContain("The AssetOrTimeSchedule assets is an empty list");
  });

  it("rejects options that are not an object", () => {
    const error = definitionError(() => new AssetOrTimeSchedule(null as never));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain("AssetOrTimeSchedule takes { timetable, assets }");
  });
});

describe("values that are not schedules", () => {
  it.each([
    [3600, "a number"],
    [{ cron: "@daily" }, "an object"],
    [true, "a boolean"],
    [new Date(0), "a Date"],
  ])("rejects %j with SCHEDULE_INVALID listing what a schedule may be", (value, described) => {
    const error = definitionError(() => scheduleOf(value as never));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toBe(
      `The schedule of dag "scheduled" is ${described}. Use null, a cron string such as "@daily" or "0 6 * * *", an asset or condition, a list of assets, a timetable, or an AssetOrTimeSchedule.`,
    );
  });

  it("normalizeSchedule names the given place in its errors", () => {
    const error = definitionError(() => normalizeSchedule(42, "the nightly job"));
    expect(error.message).toContain("The schedule of the nightly job is a number.");
  });
});
