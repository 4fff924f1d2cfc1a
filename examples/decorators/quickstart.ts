/**
 * Seed section "Quickstart", decorator style:
 *
 * > In addition to scheduling DAGs based on time, you can also schedule DAGs
 * > to run based on when a task updates an asset.
 *
 * A classic operator, created in a field of the `@dag` class, updates
 * `s3://asset-bucket/example.csv`; the consumer DAG is scheduled on a list
 * holding that asset. The same DAGs in builder style:
 * `../functional/quickstart.ts`.
 */
import { dag, type TaskContext, task } from "assetflow";
import { quickstartAsset } from "../assets.js";
import { MyOperator } from "../my-operator.js";

/** Runs when triggered; its task updates example.csv. */
@dag({ dagId: "quickstart-producer", schedule: null })
export class QuickstartProducer {
  // this task updates example.csv
  updateExampleCsv = new MyOperator({ taskId: "update_example_csv", outlets: [quickstartAsset] });
}

/** This DAG should be run when example.csv is updated (by quickstart-producer). */
@dag({ dagId: "quickstart-consumer", schedule: [quickstartAsset] })
export class QuickstartConsumer {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}
