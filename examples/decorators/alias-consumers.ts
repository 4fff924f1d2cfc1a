/**
 * Seed section "Scheduling based on asset aliases", decorator style:
 *
 * > As a result, both the "asset-consumer" and "asset-alias-consumer" DAGs
 * > will be triggered after the execution of DAG asset-alias-producer.
 *
 * `asset-producer` updates a plain asset that happens to be named
 * `example-alias` (not the alias: it triggers neither consumer).
 * `asset-alias-producer` resolves the alias `example-alias` to
 * `s3://bucket/my-task`, which triggers `asset-consumer` (scheduled on the
 * asset) and `asset-alias-consumer` (scheduled on the alias). The same DAGs in
 * builder style: `../functional/alias-consumers.ts`.
 */
import { Asset, AssetAlias, dag, type TaskContext, task } from "assetflow";

/** Updates the asset `example-alias` (an asset, not the alias of the same name). */
@dag({ dagId: "asset-producer", schedule: null })
export class AssetProducer {
  @task({ taskId: "produce_asset_events", outlets: [new Asset("example-alias")] })
  produceAssetEvents(ctx: TaskContext): void {
    ctx.log("updated the asset example-alias");
  }
}

/** Adds s3://bucket/my-task to the alias example-alias. */
@dag({ dagId: "asset-alias-producer", schedule: null })
export class AssetAliasProducer {
  @task({ taskId: "produce_asset_events", outlets: [new AssetAlias("example-alias")] })
  produceAssetEvents(ctx: TaskContext): void {
    ctx.outletEvents.get(new AssetAlias("example-alias")).add(new Asset("s3://bucket/my-task"));
  }
}

/** Scheduled on the concrete asset s3://bucket/my-task. */
@dag({ dagId: "asset-consumer", schedule: new Asset("s3://bucket/my-task") })
export class AssetConsumer {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}

/** Scheduled on the alias example-alias: runs whenever it resolves to an asset. */
@dag({ dagId: "asset-alias-consumer", schedule: new AssetAlias("example-alias") })
export class AssetAliasConsumer {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}
