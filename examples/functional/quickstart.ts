/**
 * Seed section "Quickstart", builder style:
 *
 * > In addition to scheduling DAGs based on time, you can also schedule DAGs
 * > to run based on when a task updates an asset.
 *
 * A classic operator updates `s3://asset-bucket/example.csv`; the consumer
 * DAG is scheduled on a list holding that asset, so it runs after each update.
 * The same DAGs in decorator style: `../decorators/quickstart.ts`.
 */
import { dag, task } from "assetflow";
import { quickstartAsset } from "../assets.js";
import { MyOperator } from "../my-operator.js";

/** Runs when triggered; its task updates example.csv. */
export const quickstartProducer = dag({ dagId: "quickstart-producer", schedule: null }, () => {
  // this task updates example.csv
  new MyOperator({ taskId: "update_example_csv", outlets: [quickstartAsset] });
});

/** This DAG should be run when example.csv is updated (by quickstart-producer). */
export const quickstartConsumer = dag({ dagId: "quickstart-consumer", schedule: [quickstartAsset] }, () => {
  task({ taskId: "report" }, (ctx) => {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  });
});
