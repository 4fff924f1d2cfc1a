/**
 * Seed section "Fetching information from previously emitted asset events
 * through resolved asset aliases", builder style:
 *
 * > you can also use asset aliases to access the asset events triggered by
 * > them.
 *
 * The seed reuses the ids `asset-alias-producer` and `asset-alias-consumer`
 * of the previous section; here they are prefixed with the topic so the
 * project's DAG ids stay unique. The same DAGs in decorator style:
 * `../decorators/alias-inlet-events.ts`.
 */
import { dag, task } from "assetflow";
import { exampleAlias, myTaskAsset } from "../assets.js";

/** Adds s3://bucket/my-task to the alias example-alias, with a row count. */
export const aliasInletEventsProducer = dag({ dagId: "alias-inlet-events-producer", schedule: null }, () => {
  task({ taskId: "produce_asset_events", outlets: [exampleAlias] }, (ctx) => {
    ctx.outletEvents.get(exampleAlias).add(myTaskAsset, { rowCount: 1 });
  });
});

/** Reads the latest event emitted through the alias example-alias. */
export const aliasInletEventsConsumer = dag({ dagId: "alias-inlet-events-consumer", schedule: null }, () => {
  task({ taskId: "consume_asset_alias_events", inlets: [exampleAlias] }, async (ctx) => {
    const events = ctx.inletEvents.get(exampleAlias);
    const lastRowCount = (await events.at(-1))?.extra.rowCount;
    ctx.log(`the latest event through ${exampleAlias.name} had ${lastRowCount} rows`);
    return lastRowCount;
  });
});
