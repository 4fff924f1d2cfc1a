/**
 * Seed section "How to use AssetAlias" / "Emit an asset event during task
 * execution through outlet_events", builder style:
 *
 * > The task must first declare the alias as an outlet, and use outlet_events
 * > or yield Metadata to add events to it.
 *
 * The asset `s3://bucket/my-task` is named only at run time: the task adds it
 * to the alias `my-task-outputs`, with the extra `{ k: "v" }`. The same DAG in
 * decorator style: `../decorators/alias-outlet-events.ts`.
 */
import { Asset, dag, task } from "assetflow";
import { myTaskOutputs } from "../assets.js";

/** Emits an event for s3://bucket/my-task through the alias my-task-outputs. */
export const aliasOutletEvents = dag({ dagId: "alias-outlet-events", schedule: null }, () => {
  task({ taskId: "my_task_with_outlet_events", outlets: [myTaskOutputs] }, (ctx) => {
    ctx.outletEvents.get(myTaskOutputs).add(new Asset("s3://bucket/my-task"), { k: "v" });
  });
});
