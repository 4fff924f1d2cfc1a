/**
 * Seed section "Extra information on asset", decorator style:
 *
 * > The extra information does not affect an asset's identity. This means a
 * > DAG will be triggered by an asset with an identical URI, even if the extra
 * > dict is different.
 *
 * The consumer and the producer each write `new Asset(...)` with the same URI
 * and a different static `extra`: they are the same asset, so the producer
 * triggers the consumer. The same DAGs in builder style:
 * `../functional/asset-extra.ts`.
 */
import { Asset, dag, type TaskContext, task } from "assetflow";
import { MyOperator } from "../my-operator.js";

/** Scheduled on s3://asset/example.csv, declared with `{ different: "extras" }`. */
@dag({
  dagId: "asset-extra-consumer",
  schedule: [new Asset({ uri: "s3://asset/example.csv", extra: { different: "extras" } })],
})
export class AssetExtraConsumer {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}

/** Updates s3://asset/example.csv, declared with `{ team: "trainees" }`. */
@dag({ dagId: "asset-extra-producer", schedule: null })
export class AssetExtraProducer {
  updateExampleCsv = new MyOperator({
    taskId: "update_example_csv",
    // triggers "asset-extra-consumer" with the given extra!
    outlets: [new Asset({ uri: "s3://asset/example.csv", extra: { team: "trainees" } })],
  });
}
