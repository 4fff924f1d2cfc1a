import { describe, expect, expectTypeOf, it } from "vitest";
import { Asset, AssetAlias, type AssetPattern, isAssetPattern } from "./asset.js";
import { assets } from "./assets-template.js";
import { assetCatchupToManifest, completeSetSize, consumeToManifest, parseDuration } from "./consume.js";
import type { TriggeringAssetEvents } from "./context.js";
import { dag } from "./dag.js";
import { ErrorCode } from "./errors.js";
import { serializeDags } from "./manifest/serialize.js";
import { AssetOrTimeSchedule } from "./schedule.js";
import { definitionError } from "./test-support.js";

const a1 = new Asset("s3://consume/a1");
const a2 = new Asset("s3://consume/a2");

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["1h30m", 5_400_000],
    [90_000, 90_000],
  ])("reads %j as %d ms", (text, ms) => {
    expect(parseDuration(text, "x")).toEqual({ ok: true, value: ms });
  });

  it.each(["5 minutes", "", "m5", "0s", "1.5h", -1, 0, 1.5, null])("rejects %j, naming the option", (value) => {
    const result = parseDuration(value, "consume.debounce");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(/^consume\.debounce must be/);
  });
});

describe("consumeToManifest", () => {
  const single = a1.toConditionNode();
  it("writes each policy's manifest node; all-pending is the default and leaves none", () => {
    expect(consumeToManifest(undefined, single)).toEqual({ ok: true, value: undefined });
    expect(consumeToManifest("all-pending", single)).toEqual({ ok: true, value: undefined });
    expect(consumeToManifest("each", single)).toEqual({ ok: true, value: { kind: "each" } });
    expect(consumeToManifest({ maxEvents: 10 }, single)).toEqual({
      ok: true,
      value: { kind: "maxEvents", maxEvents: 10 },
    });
    expect(consumeToManifest({ debounce: "5m" }, single)).toEqual({
      ok: true,
      value: { kind: "debounce", debounceMs: 300_000, maxWaitMs: null },
    });
    expect(consumeToManifest({ debounce: "5m", maxWait: "1h" }, single)).toEqual({
      ok: true,
      value: { kind: "debounce", debounceMs: 300_000, maxWaitMs: 3_600_000 },
    });
    expect(consumeToManifest({ window: "1h" }, single)).toEqual({
      ok: true,
      value: { kind: "window", windowMs: 3_600_000, minEvents: 1 },
    });
    expect(consumeToManifest({ window: "1d", minEvents: 5 }, single)).toEqual({
      ok: true,
      value: { kind: "window", windowMs: 86_400_000, minEvents: 5 },
    });
  });

  it.each([
    ["latest", "got the string"],
    [{}, "got an empty object"],
    [{ every: 3 }, "got an object with the keys every"],
    [{ maxEvents: 0 }, "consume.maxEvents must be a whole number >= 1"],
    [{ maxEvents: 2, window: "1h" }, 'got the unknown key "window" next to "maxEvents"'],
    [{ debounce: "soon" }, "consume.debounce must be a duration"],
    [{ debounce: "10m", maxWait: "5m" }, "is shorter than consume.debounce"],
    [{ window: "1h", minEvents: 0 }, "consume.minEvents must be a whole number >= 1"],
  ])("rejects %j: %s", (value, problem) => {
    const result = consumeToManifest(value, single);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });

  it("needs maxEvents to hold one complete set of the condition", () => {
    const both = a1.and(a2).toConditionNode();
    const result = consumeToManifest({ maxEvents: 1 }, both);
    expect(result).toEqual({
      ok: false,
      problem:
        "consume.maxEvents is 1, but one complete set of the schedule's condition takes 2 events: raise maxEvents to at least 2.",
    });
  });
});

describe("completeSetSize", () => {
  it("counts one event per leaf of an AND, the smallest branch of an OR", () => {
    const a3 = new Asset("s3://consume/a3");
    expect(completeSetSize(assets`${a1} & (${a2} | (${a3} & ${a1}))`.toConditionNode())).toBe(2);
    expect(completeSetSize(assets`${a1} & ${a2} & ${a3}`.toConditionNode())).toBe(3);
  });
});

describe("assetCatchupToManifest", () => {
  it("reads none, latest, all and since; booleans are the time schedule's", () => {
    expect(assetCatchupToManifest("none")).toEqual({ ok: true, value: undefined });
    expect(assetCatchupToManifest(true)).toEqual({ ok: true, value: undefined });
    expect(assetCatchupToManifest("latest")).toEqual({ ok: true, value: { kind: "latest" } });
    expect(assetCatchupToManifest("all")).toEqual({ ok: true, value: { kind: "all", since: null } });
    expect(assetCatchupToManifest({ since: "2025-01-01" })).toEqual({
      ok: true,
      value: { kind: "all", since: "2025-01-01T00:00:00.000Z" },
    });
    expect(assetCatchupToManifest({ since: new Date(0) })).toEqual({
      ok: true,
      value: { kind: "all", since: "1970-01-01T00:00:00.000Z" },
    });
  });

  it("rejects other values", () => {
    expect(assetCatchupToManifest({ since: "yesterday" })).toMatchObject({ ok: false });
    expect(assetCatchupToManifest({ from: "2025-01-01" })).toMatchObject({ ok: false });
    expect(assetCatchupToManifest("some")).toMatchObject({ ok: false });
  });
});

describe("consumption options of a DAG", () => {
  it("land in the manifest, in both authoring styles", () => {
    const functional = dag(
      { dagId: "each_file", schedule: [a1], consume: "each", catchup: "latest", whilePaused: "catchup" },
      () => {},
    );
    @dag({
      dagId: "rollup",
      schedule: a1.or(a2),
      consume: { window: "1h", minEvents: 2 },
      catchup: { since: "2025-01-01" },
    })
    class Rollup {}
    const [eachFile, rollup] = serializeDags([functional, Rollup]).dags;
    expect(eachFile).toMatchObject({
      consume: { kind: "each" },
      assetCatchup: { kind: "latest" },
      whilePaused: "catchup",
      catchup: false,
    });
    expect(rollup).toMatchObject({
      consume: { kind: "window", windowMs: 3_600_000, minEvents: 2 },
      assetCatchup: { kind: "all", since: "2025-01-01T00:00:00.000Z" },
    });
    expect(rollup && "whilePaused" in rollup).toBe(false);
  });

  it("are left out of the manifest when they are the defaults", () => {
    const plain = dag({ dagId: "plain", schedule: [a1], consume: "all-pending", whilePaused: "buffer" }, () => {});
    const [node] = serializeDags([plain]).dags;
    expect(node && ["consume", "assetCatchup", "whilePaused"].filter((key) => key in node)).toEqual([]);
  });

  it("apply to the asset part of an AssetOrTimeSchedule", () => {
    const both = dag(
      { dagId: "both", schedule: new AssetOrTimeSchedule({ timetable: "@daily", assets: [a1] }), consume: "each" },
      () => {},
    );
    expect(serializeDags([both]).dags[0]?.consume).toEqual({ kind: "each" });
  });

  it.each([
    ["consume", { consume: "each" }],
    ["catchup", { catchup: "latest" }],
    ["whilePaused", { whilePaused: "catchup" }],
  ])("reject %s on a DAG that is not scheduled on assets", (option, options) => {
    const error = definitionError(() => dag({ dagId: "cron", schedule: "@daily", ...options } as never, () => {}));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain(`Invalid option "${option}" in dag "cron"`);
    expect(error.message).toContain("applies to asset schedules only");
  });

  it("keep catchup: true for a time schedule", () => {
    const cron = dag({ dagId: "cron", schedule: "@daily", catchup: true, startDate: "2025-01-01" }, () => {});
    expect(serializeDags([cron]).dags[0]?.catchup).toBe(true);
  });

  it("reject a bad consume with OPTION_INVALID naming the option and the fix", () => {
    const error = definitionError(() => dag({ dagId: "d", schedule: [a1], consume: { debounce: "later" } }, () => {}));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe(
      'Invalid option "consume" in dag "d": consume.debounce must be a duration such as "30s", "5m", "1h", "2d" or "1h30m" (or milliseconds), got the string "later".',
    );
    expect(error.details).toMatchObject({ option: "consume" });
  });
});

describe("Asset.pattern", () => {
  it("is a condition operand with a manifest node, combinable with & and |", () => {
    const landed = Asset.pattern("S3://landing/{date}/orders_{part}.csv");
    expect(isAssetPattern(landed)).toBe(true);
    expect(landed.pattern).toBe("s3://landing/{date}/orders_{part}.csv");
    expect(landed.captures).toEqual(["date", "part"]);
    expect(String(landed)).toBe("Asset.pattern(s3://landing/{date}/orders_{part}.csv)");
    expect(landed.and(a1).toConditionNode()).toEqual({
      kind: "all",
      conditions: [{ kind: "pattern", pattern: "s3://landing/{date}/orders_{part}.csv" }, a1.toConditionNode()],
    });
    expect(assets`${landed} | ${new AssetAlias("files")}`.toConditionNode().kind).toBe("any");
    expect(landed.matches("s3://landing/2025-01-01/orders_3.csv")).toEqual({ date: "2025-01-01", part: "3" });
    expect(Object.isFrozen(landed)).toBe(true);
  });

  it("rejects a bad pattern with ASSET_PATTERN_INVALID and the problem", () => {
    const error = definitionError(() => Asset.pattern("s3://landing/{date"));
    expect(error.code).toBe(ErrorCode.assetPatternInvalid);
    expect(error.message).toContain('has a "{" without its "}"');
  });

  it("types its captures from the pattern text", () => {
    const landed = Asset.pattern("s3://landing/{date}/{**rest}");
    expectTypeOf(landed).toEqualTypeOf<AssetPattern<"date" | "rest">>();
    const events = {} as TriggeringAssetEvents;
    expectTypeOf<ReturnType<typeof events.get<"date" | "rest", object>>[number]["captures"]>().toEqualTypeOf<
      Readonly<Record<"date" | "rest", string>>
    >();
    expectTypeOf(landed.matches("x")).toEqualTypeOf<Readonly<Record<"date" | "rest", string>> | null>();
  });
});
