import {
  type AnyAsset,
  type AssetAlias,
  type Condition,
  isAsset,
  isAssetAlias,
  isAssetAll,
  isAssetAny,
} from "./asset.js";
import { assetCatchupToManifest, consumeToManifest, type RuleResult, whilePausedToManifest } from "./consume.js";
import type { DagSettings } from "./definitions.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import type { JsonObject } from "./json.js";
import type { ScheduleManifest } from "./manifest/schema.js";
import { isAssetOrTimeSchedule, normalizeSchedule } from "./schedule.js";

/** Validated DAG options, before defaults. */
export interface DagOptionValues {
  dagId: string;
  schedule?: unknown;
  description?: string | undefined;
  startDate?: Date | string | undefined;
  /** `boolean` for time schedules; `"none" | "latest" | "all" | { since }` for asset schedules (checked here). */
  catchup?: unknown;
  /** The consumption policy (checked here). */
  consume?: unknown;
  /** `"buffer" | "catchup"` (checked here). */
  whilePaused?: unknown;
  maxActiveRuns?: number | undefined;
  tags?: readonly string[] | undefined;
  params?: JsonObject | undefined;
}

/** Default of `maxActiveRuns`. */
export const DEFAULT_MAX_ACTIVE_RUNS = 16;

/** Applies defaults and normalizes the schedule; shared by both authoring styles. */
export function makeDagSettings(options: DagOptionValues): DagSettings {
  const where = `dag "${options.dagId}"`;
  const schedule = normalizeSchedule(options.schedule, where);
  const consumption = consumptionSettings(options, schedule, where);
  return Object.freeze({
    dagId: options.dagId,
    description: options.description ?? null,
    schedule,
    startDate: options.startDate === undefined ? null : new Date(options.startDate).toISOString(),
    catchup: options.catchup === true,
    ...consumption,
    maxActiveRuns: options.maxActiveRuns ?? DEFAULT_MAX_ACTIVE_RUNS,
    tags: Object.freeze([...(options.tags ?? [])]),
    params: Object.freeze(structuredClone(options.params ?? {})),
    scheduleAssets: Object.freeze(scheduleLeaves(options.schedule)),
  });
}

function scheduleLeaves(schedule: unknown): (AnyAsset | AssetAlias)[] {
  const leaves: (AnyAsset | AssetAlias)[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isAssetOrTimeSchedule(node)) walk(node.assets);
    else if (isAssetAll(node) || isAssetAny(node)) node.conditions.forEach(walk);
    else if (isAsset(node) || isAssetAlias(node)) leaves.push(node as Condition as AnyAsset | AssetAlias);
  };
  walk(schedule);
  return leaves;
}

/** The consumption settings of the manifest (omitted when default); see `consume.ts` for the rules. */
export function consumptionSettings(
  options: Pick<DagOptionValues, "catchup" | "consume" | "whilePaused">,
  schedule: ScheduleManifest,
  where: string,
): Pick<DagSettings, "consume" | "assetCatchup" | "whilePaused"> {
  const condition = schedule.kind === "assets" || schedule.kind === "assetOrTime" ? schedule.condition : null;
  const check = <T>(option: string, given: unknown, result: RuleResult<T>): T => {
    if (!result.ok) {
      throw new DefinitionError(ErrorCode.optionInvalid, `Invalid option "${option}" in ${where}: ${result.problem}`, {
        details: { option, where },
      });
    }
    if (condition === null && result.value !== undefined) {
      throw new DefinitionError(
        ErrorCode.optionInvalid,
        `Option "${option}" (${JSON.stringify(given)}) in ${where} applies to asset schedules only, and this DAG is not scheduled on assets: remove it, or schedule the DAG on assets.`,
        { details: { option, where } },
      );
    }
    return result.value;
  };
  return {
    consume: check("consume", options.consume, consumeToManifest(options.consume, condition)),
    assetCatchup: check("catchup", options.catchup, assetCatchupToManifest(options.catchup)),
    whilePaused: check("whilePaused", options.whilePaused, whilePausedToManifest(options.whilePaused)),
  };
}
