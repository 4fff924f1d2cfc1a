/**
 * Seed section "Multiple assets", decorator style:
 *
 * > Because the schedule parameter is a list, DAGs can require multiple
 * > assets. Airflow schedules a DAG after all assets the DAG consumes have been
 * > updated at least once since the last time the DAG ran.
 *
 * Three producer DAGs, triggered by hand, each update one asset;
 * `multiple_assets_example` runs once all three were updated. The same DAGs in
 * builder style: `../functional/multiple-assets.ts`.
 */
import { BashOperator, dag, type TaskContext, task } from "assetflow";
import { exampleAsset1, exampleAsset2, exampleAsset3 } from "../assets.js";

/** Updates example_asset_1. */
@dag({ dagId: "multiple-assets-producer-1", schedule: null })
export class MultipleAssetsProducer1 {
  update = new BashOperator({
    taskId: "update_example_asset_1",
    bashCommand: "echo 'asset 1'",
    outlets: [exampleAsset1],
  });
}

/** Updates example_asset_2. */
@dag({ dagId: "multiple-assets-producer-2", schedule: null })
export class MultipleAssetsProducer2 {
  update = new BashOperator({
    taskId: "update_example_asset_2",
    bashCommand: "echo 'asset 2'",
    outlets: [exampleAsset2],
  });
}

/** Updates example_asset_3. */
@dag({ dagId: "multiple-assets-producer-3", schedule: null })
export class MultipleAssetsProducer3 {
  update = new BashOperator({
    taskId: "update_example_asset_3",
    bashCommand: "echo 'asset 3'",
    outlets: [exampleAsset3],
  });
}

/** Runs once all three assets were updated since its last run. */
@dag({ dagId: "multiple_assets_example", schedule: [exampleAsset1, exampleAsset2, exampleAsset3] })
export class MultipleAssetsExample {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}
