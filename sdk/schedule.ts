import { Cron } from "croner";
import { all, assertConditionOperand, type Condition, isCondition } from "./asset.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import { describeValue } from "./json.js";
import type { ScheduleManifest, TimetableManifest } from "./manifest/schema.js";
import { closest } from "./options.js";

const TIMETABLE_MARK = Symbol.for("assetflow.timetable");
const ASSET_OR_TIME_MARK = Symbol.for("assetflow.assetOrTimeSchedule");

/** Cron presets accepted as schedules (besides `@once`). */
export const CRON_PRESETS = ["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"] as const;

/** Options of the cron timetables. */
export interface CronTimetableOptions {
  /** IANA time zone the expression is read in; default `"UTC"`. */
  timezone?: string;
}

/**
 * Runs at each tick of a cron expression, with an empty data interval at the
 * tick (unlike a plain cron string, whose runs cover the interval between two
 * ticks and start at its end).
 *
 * @example
 * ```ts
 * const everyMorning = new CronTriggerTimetable("0 6 * * *", { timezone: "Europe/Paris" });
 * ```
 */
export class CronTriggerTimetable {
  /** @internal */
  readonly [TIMETABLE_MARK] = "cronTrigger";
  readonly expression: string;
  readonly timezone: string;

  constructor(expression: string, options: CronTimetableOptions = {}) {
    rejectUnknownKeys(options, ["timezone"], "CronTriggerTimetable");
    const timezone = options.timezone ?? "UTC";
    validateCron(expression, timezone, "CronTriggerTimetable");
    this.expression = expression;
    this.timezone = timezone;
    Object.freeze(this);
  }

  /** The timetable's manifest node. */
  toManifest(): TimetableManifest {
    return { kind: "cronTrigger", expression: this.expression, timezone: this.timezone };
  }
}

/**
 * Runs covering the interval between two ticks of a cron expression, each
 * starting at the end of its interval (what a plain cron string means).
 *
 * @example
 * ```ts
 * const daily = new CronDataIntervalTimetable("@daily", { timezone: "UTC" });
 * ```
 */
export class CronDataIntervalTimetable {
  /** @internal */
  readonly [TIMETABLE_MARK] = "cron";
  readonly expression: string;
  readonly timezone: string;

  constructor(expression: string, options: CronTimetableOptions = {}) {
    rejectUnknownKeys(options, ["timezone"], "CronDataIntervalTimetable");
    const timezone = options.timezone ?? "UTC";
    validateCron(expression, timezone, "CronDataIntervalTimetable");
    this.expression = expression;
    this.timezone = timezone;
    Object.freeze(this);
  }

  /** The timetable's manifest node. */
  toManifest(): TimetableManifest {
    return { kind: "cron", expression: this.expression, timezone: this.timezone };
  }
}

/** A time-based timetable. */
export type Timetable = CronTriggerTimetable | CronDataIntervalTimetable;

/** Options of {@link AssetOrTimeSchedule}. */
export interface AssetOrTimeScheduleOptions {
  /** The time-based part: a timetable or a cron string. */
  timetable: Timetable | string;
  /** The asset part: a condition or a list of assets (all of them). */
  assets: Condition | readonly Condition[];
}

/**
 * A schedule that runs both on a timetable and when its asset condition holds.
 *
 * @example
 * ```ts
 * schedule: new AssetOrTimeSchedule({
 *   timetable: new CronTriggerTimetable("0 1 * * 3", { timezone: "UTC" }),
 *   assets: dag1Asset.and(dag2Asset),
 * })
 * ```
 */
export class AssetOrTimeSchedule {
  /** @internal */
  readonly [ASSET_OR_TIME_MARK] = true;
  readonly timetable: Timetable;
  readonly assets: Condition;

  constructor(options: AssetOrTimeScheduleOptions) {
    if (typeof options !== "object" || options === null) {
      throw new DefinitionError(
        ErrorCode.scheduleInvalid,
        "AssetOrTimeSchedule takes { timetable, assets }, as in new AssetOrTimeSchedule({ timetable: new CronTriggerTimetable('0 1 * * *'), assets: [a] }).",
      );
    }
    rejectUnknownKeys(options, ["timetable", "assets"], "AssetOrTimeSchedule");
    const timetable = options.timetable;
    if (typeof timetable === "string") {
      validateCron(timetable, "UTC", 'the "timetable" of AssetOrTimeSchedule');
      this.timetable = new CronDataIntervalTimetable(timetable);
    } else if (isTimetable(timetable)) this.timetable = timetable;
    else {
      throw new DefinitionError(
        ErrorCode.scheduleInvalid,
        `AssetOrTimeSchedule "timetable" must be a CronTriggerTimetable, a CronDataIntervalTimetable or a cron string, got ${describeValue(timetable)}.`,
      );
    }
    this.assets = toCondition(options.assets, "AssetOrTimeSchedule assets");
    Object.freeze(this);
  }
}

/**
 * What a DAG's `schedule` accepts: `null` (manual only), a cron expression or
 * preset (`@once`, `@hourly`, `@daily`, ...), a timetable, an asset condition or
 * a list of assets (all of them), or an {@link AssetOrTimeSchedule}.
 */
export type Schedule = null | string | Timetable | Condition | readonly Condition[] | AssetOrTimeSchedule;

/**
 * Turns a user's schedule into its manifest node, validating it. `where` names
 * the DAG in error messages.
 *
 * @example
 * ```ts
 * normalizeSchedule("@daily", 'dag "etl"'); // { kind: "cron", expression: "@daily", timezone: "UTC" }
 * ```
 */
export function normalizeSchedule(schedule: unknown, where: string): ScheduleManifest {
  if (schedule === null || schedule === undefined) return { kind: "none" };
  if (typeof schedule === "string") {
    if (schedule === "@once") return { kind: "once" };
    validateCron(schedule, "UTC", where);
    return { kind: "cron", expression: schedule, timezone: "UTC" };
  }
  if (isTimetable(schedule)) return schedule.toManifest();
  if (isAssetOrTimeSchedule(schedule)) {
    const value = schedule as AssetOrTimeSchedule;
    return {
      kind: "assetOrTime",
      timetable: value.timetable.toManifest(),
      condition: value.assets.toConditionNode(),
    };
  }
  if (Array.isArray(schedule) || isCondition(schedule)) {
    return {
      kind: "assets",
      condition: toCondition(schedule as Condition | Condition[], `schedule of ${where}`).toConditionNode(),
    };
  }
  throw new DefinitionError(
    ErrorCode.scheduleInvalid,
    `The schedule of ${where} is ${describeValue(schedule)}. Use null, a cron string such as "@daily" or "0 6 * * *", an asset or condition, a list of assets, a timetable, or an AssetOrTimeSchedule.`,
  );
}

/** Throws OPTION_UNKNOWN (with a "did you mean") for a key of `options` not in `known`. */
function rejectUnknownKeys(options: object, known: readonly string[], where: string): void {
  if (typeof options !== "object" || options === null) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `Options of ${where} must be an object such as { ${known[0]}: ... }, got ${describeValue(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const suggestion = closest(key, known);
      throw new DefinitionError(
        ErrorCode.optionUnknown,
        `Unknown option "${key}" in ${where}.${suggestion ? ` Did you mean "${suggestion}"?` : ""} Known options: ${known.join(", ")}.`,
        { details: { option: key, where } },
      );
    }
  }
}

/** True for an {@link AssetOrTimeSchedule} from any copy of the package. */
export function isAssetOrTimeSchedule(value: unknown): value is AssetOrTimeSchedule {
  return isMarked(value, ASSET_OR_TIME_MARK);
}

/** True for a cron timetable from any copy of the package. */
export function isTimetable(value: unknown): value is Timetable {
  return typeof value === "object" && value !== null && TIMETABLE_MARK in value;
}

function isMarked(value: unknown, mark: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[mark] === true;
}

/**
 * A list of assets means all of them; a single condition stays as it is.
 * Rejects empty lists and non-asset entries with a message naming the place.
 */
export function toCondition(value: Condition | readonly Condition[], where: string): Condition {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      throw new DefinitionError(
        ErrorCode.conditionInvalid,
        `The ${where} is an empty list: list at least one asset, or use schedule: null for a DAG that runs only when triggered.`,
      );
    }
    value.forEach((item, index) => {
      assertConditionOperand(item, `item ${index} of the ${where}`);
    });
    return all(...value);
  }
  assertConditionOperand(value, `the ${where}`);
  return value as Condition;
}

/**
 * Time zones `Intl` accepted: building an `Intl.DateTimeFormat` costs more
 * than the rest of a cron check, and a zone valid once stays valid.
 */
const validTimeZones = new Set<string>();

/**
 * Throws a {@link DefinitionError} naming the expression unless it is a valid
 * cron expression or preset in a valid time zone.
 */
export function validateCron(expression: unknown, timezone: string, where: string): void {
  if (typeof expression !== "string" || expression.trim() === "") {
    throw new DefinitionError(
      ErrorCode.scheduleInvalid,
      `The cron expression of ${where} must be a non-empty string such as "0 6 * * *" or "@daily", got ${describeValue(expression)}.`,
    );
  }
  if (!validTimeZones.has(timezone)) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      throw new DefinitionError(
        ErrorCode.scheduleInvalid,
        `Unknown time zone "${timezone}" in ${where}: use an IANA name such as "UTC" or "Europe/Paris".`,
        { details: { timezone } },
      );
    }
    validTimeZones.add(timezone);
  }
  if (expression === "@once") {
    throw new DefinitionError(
      ErrorCode.scheduleInvalid,
      `"@once" in ${where} is not a cron expression: it runs a DAG a single time, so use it only as a DAG's schedule (schedule: "@once"). Use a preset such as ${CRON_PRESETS.join(", ")} or 5 cron fields here.`,
      { details: { expression } },
    );
  }
  if (expression.startsWith("@") && !(CRON_PRESETS as readonly string[]).includes(expression)) {
    throw new DefinitionError(
      ErrorCode.scheduleInvalid,
      `Invalid cron expression "${expression}" in ${where}: unknown preset. Presets are @once, ${CRON_PRESETS.join(", ")}.`,
      { details: { expression } },
    );
  }
  const fields = expression.trim().split(/\s+/).length;
  if (!expression.startsWith("@") && fields !== 5) {
    throw new DefinitionError(
      ErrorCode.scheduleInvalid,
      `Invalid cron expression "${expression}" in ${where}: expected 5 fields (minute hour day-of-month month day-of-week), got ${fields}.`,
      { details: { expression } },
    );
  }
  try {
    new Cron(expression, { paused: true, timezone });
  } catch (error) {
    throw new DefinitionError(
      ErrorCode.scheduleInvalid,
      `Invalid cron expression "${expression}" in ${where}: ${(error as Error).message}. Write 5 fields (minute hour day-of-month month day-of-week), as in "0 6 * * *", or a preset such as "@daily".`,
      { details: { expression }, cause: error },
    );
  }
}
