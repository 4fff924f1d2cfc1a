/**
 * Seed section "Fetching information from previously emitted asset events
 * through resolved asset aliases", decorator style:
 *
 * > you can also use asset aliases to access the asset events triggered by
 * > them.
 *
 * The seed reuses the ids `asset-alias-producer` and `asset-alias-consumer`
 * of the previous section; here they are prefixed with the topic so the
 * project's DAG ids stay unique. The same DAGs in builder style:
 * `../functional/alias-inlet-events.ts`.
 */
import { dag, type JsonValue, type TaskContext, task } from "assetflow";
import { exampleAlias, myTaskAsset } from "../assets.js";

/** Adds s3://bucket/my-task to the alias example-alias, with a row count. */
@dag({ dagId: "alias-inlet-events-producer", schedule: null })
export class AliasInletEventsProducer {
  @task({ taskId: "produce_asset_events", outlets: [exampleAlias] })
  produceAssetEvents(ctx: TaskContext): void {
    ctx.outletEvents.get(exampleAlias).add(myTaskAsset, { rowCount: 1 });
  }
}

/** Reads the latest event emitted through the alias example-alias. */
@dag({ dagId: "alias-inlet-events-consumer", schedule: null })
export class AliasInletEventsConsumer {
  @task({ taskId: "consume_asset_alias_events", inlets: [exampleAlias] })
  async consumeAssetAliasEvents(ctx: TaskContext): Promise<JsonValue | undefined> {
    const events = ctx.inletEvents.get(exampleAlias);
    const lastRowCount = (await events.at(-1))?.extra.rowCount;
    ctx.log(`the latest event through ${exampleAlias.name} had ${lastRowCount} rows`);
    return lastRowCount;
  }
}
