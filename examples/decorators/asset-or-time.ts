/**
 * Seed section "Combining asset and time-based schedules":
 *
 * > You can schedule DAGs based on both asset events and time-based schedules
 * > using AssetOrTimeSchedule.
 *
 * Decorator style. Runs every Wednesday at 01:00 UTC, and also whenever both
 * `dag1` and `dag2` (from `conditional.ts`) have updated their outputs. The
 * same DAG in builder style: `../functional/asset-or-time.ts`.
 */
import { AssetOrTimeSchedule, all, CronTriggerTimetable, dag, type TaskContext, task } from "assetflow";
import { dag1Asset, dag2Asset } from "../assets.js";

/** Triggered by the timetable or by `dag1_asset & dag2_asset`. */
@dag({
  dagId: "conditional_asset_and_time_based_timetable",
  schedule: new AssetOrTimeSchedule({
    timetable: new CronTriggerTimetable("0 1 * * 3", { timezone: "UTC" }),
    assets: all(dag1Asset, dag2Asset),
  }),
})
export class ConditionalAssetAndTimeBasedTimetable {
  @task()
  report(ctx: TaskContext): void {
    ctx.log(`run ${ctx.runId} (${ctx.runType}), triggered by ${ctx.triggeringAssetEvents.size} asset(s)`);
  }
}
