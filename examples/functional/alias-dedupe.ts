/**
 * Seed section "How to use AssetAlias" (deduplication), builder style:
 *
 * > Only one asset event is emitted for an added asset, even if it is added to
 * > the alias multiple times, or added to multiple aliases. However, if
 * > different extra values are passed, it can emit multiple asset events. In
 * > the following example, two asset events will be emitted.
 *
 * The same DAG in decorator style: `../decorators/alias-dedupe.ts`.
 */
import { Asset, AssetAlias, dag, task } from "assetflow";

/** Three adds through three aliases; two distinct (asset, extra) pairs, so two events. */
export const aliasDedupe = dag({ dagId: "alias-dedupe", schedule: null }, () => {
  task(
    {
      taskId: "my_task_with_outlet_events",
      outlets: [
        new AssetAlias("my-task-outputs-1"),
        new AssetAlias("my-task-outputs-2"),
        new AssetAlias("my-task-outputs-3"),
      ],
    },
    (ctx) => {
      ctx.outletEvents.get(new AssetAlias("my-task-outputs-1")).add(new Asset("s3://bucket/my-task"), { k: "v" });
      // This line won't emit an additional asset event as the asset and extra are the same as the previous line.
      ctx.outletEvents.get(new AssetAlias("my-task-outputs-2")).add(new Asset("s3://bucket/my-task"), { k: "v" });
      // This line will emit an additional asset event as the extra is different.
      ctx.outletEvents.get(new AssetAlias("my-task-outputs-3")).add(new Asset("s3://bucket/my-task"), { k2: "v2" });
    },
  );
});
