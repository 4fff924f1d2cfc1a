import {
  type AnyAsset,
  type AssetAlias,
  type Condition,
  isAsset,
  isAssetAlias,
  isAssetAll,
  isAssetAny,
} from "./asset.js";
import { type ConsumptionManifest, consumptionToManifest } from "./consume.js";
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

/** The consumption settings of the manifest (omitted when default); the rules are `consumptionToManifest`'s. */
function consumptionSettings(
  options: Pick<DagOptionValues, "catchup" | "consume" | "whilePaused">,
  schedule: ScheduleManifest,
  where: string,
): ConsumptionManifest {
  const condition = schedule.kind === "assets" || schedule.kind === "assetOrTime" ? schedule.condition : null;
  const result = consumptionToManifest(options, condition);
  if (result.ok) return result.value;
  throw new DefinitionError(
    ErrorCode.optionInvalid,
    `Invalid option "${result.option}" in ${where}: ${result.problem}`,
    {
      details: { option: result.option, where },
    },
  );
}
