/**
 * Seed section "Combining asset and time-based schedules":
 *
 * > You can schedule DAGs based on both asset events and time-based schedules
 * > using AssetOrTimeSchedule.
 *
 * Builder style. Runs every Wednesday at 01:00 UTC, and also whenever both
 * `dag1` and `dag2` (from `conditional.ts`) have updated their outputs. The
 * same DAG in decorator style: `../decorators/asset-or-time.ts`.
 */
import { AssetOrTimeSchedule, CronTriggerTimetable, dag, task } from "assetflow";
import { dag1Asset, dag2Asset } from "../assets.js";

/** Triggered by the timetable or by `dag1_asset & dag2_asset`. */
export const conditionalAssetAndTimeBasedTimetable = dag(
  {
    dagId: "conditional_asset_and_time_based_timetable",
    schedule: new AssetOrTimeSchedule({
      timetable: new CronTriggerTimetable("0 1 * * 3", { timezone: "UTC" }),
      assets: dag1Asset.and(dag2Asset),
    }),
  },
  () => {
    task({ taskId: "report" }, (ctx) => {
      ctx.log(`run ${ctx.runId} (${ctx.runType}), triggered by ${ctx.triggeringAssetEvents.size} asset(s)`);
    });
  },
);
