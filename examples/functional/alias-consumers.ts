/**
 * Seed section "Scheduling based on asset aliases", builder style:
 *
 * > As a result, both the "asset-consumer" and "asset-alias-consumer" DAGs
 * > will be triggered after the execution of DAG asset-alias-producer.
 *
 * `asset-producer` updates a plain asset that happens to be named
 * `example-alias` (not the alias: it triggers neither consumer).
 * `asset-alias-producer` resolves the alias `example-alias` to
 * `s3://bucket/my-task`, which triggers `asset-consumer` (scheduled on the
 * asset) and `asset-alias-consumer` (scheduled on the alias). The same DAGs in
 * decorator style: `../decorators/alias-consumers.ts`.
 */
import { Asset, AssetAlias, dag, task } from "assetflow";

/** Updates the asset `example-alias` (an asset, not the alias of the same name). */
export const assetProducer = dag({ dagId: "asset-producer", schedule: null }, () => {
  task({ taskId: "produce_asset_events", outlets: [new Asset("example-alias")] }, (ctx) => {
    ctx.log("updated the asset example-alias");
  });
});

/** Adds s3://bucket/my-task to the alias example-alias. */
export const assetAliasProducer = dag({ dagId: "asset-alias-producer", schedule: null }, () => {
  task({ taskId: "produce_asset_events", outlets: [new AssetAlias("example-alias")] }, (ctx) => {
    ctx.outletEvents.get(new AssetAlias("example-alias")).add(new Asset("s3://bucket/my-task"));
  });
});

/** Scheduled on the concrete asset s3://bucket/my-task. */
export const assetConsumer = dag({ dagId: "asset-consumer", schedule: new Asset("s3://bucket/my-task") }, () => {
  task({ taskId: "report" }, (ctx) => {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  });
});

/** Scheduled on the alias example-alias: runs whenever it resolves to an asset. */
export const assetAliasConsumer = dag(
  { dagId: "asset-alias-consumer", schedule: new AssetAlias("example-alias") },
  () => {
    task({ taskId: "report" }, (ctx) => {
      for (const [asset, events] of ctx.triggeringAssetEvents) {
        ctx.log(`${asset.name} was updated ${events.length} time(s)`);
      }
    });
  },
);
