/**
 * Seed section "How to use assets in your DAGs", builder style:
 *
 * > The following example shows how after the producer task in the producer
 * > DAG successfully completes, Airflow schedules the consumer DAG.
 *
 * The same DAGs in decorator style: `../decorators/producer-consumer.ts`.
 */
import { BashOperator, dag, task } from "assetflow";
import { exampleAsset } from "../assets.js";

/** Daily; its `producer` task updates s3://asset/example.csv when it succeeds. */
export const producer = dag({ dagId: "producer", schedule: "@daily" }, () => {
  new BashOperator({
    taskId: "producer",
    bashCommand: "echo 'writing s3://asset/example.csv'",
    outlets: [exampleAsset],
  });
});

/** Runs after each successful `producer` task. */
export const consumer = dag({ dagId: "consumer", schedule: [exampleAsset] }, () => {
  task({ taskId: "report" }, (ctx) => {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  });
});
