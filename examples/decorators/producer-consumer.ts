/**
 * Seed section "How to use assets in your DAGs", decorator style:
 *
 * > The following example shows how after the producer task in the producer
 * > DAG successfully completes, Airflow schedules the consumer DAG.
 *
 * The same DAGs in builder style: `../functional/producer-consumer.ts`.
 */
import { BashOperator, dag, type TaskContext, task } from "assetflow";
import { exampleAsset } from "../assets.js";

/** Daily; its `producer` task updates s3://asset/example.csv when it succeeds. */
@dag({ dagId: "producer", schedule: "@daily" })
export class Producer {
  producer = new BashOperator({
    taskId: "producer",
    bashCommand: "echo 'writing s3://asset/example.csv'",
    outlets: [exampleAsset],
  });
}

/** Runs after each successful `producer` task. */
@dag({ dagId: "consumer", schedule: [exampleAsset] })
export class Consumer {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}
