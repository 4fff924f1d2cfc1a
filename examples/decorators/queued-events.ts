/**
 * Seed section "Manipulating queued asset events through REST API", decorator
 * style:
 *
 * > In this example, the DAG waiting_for_asset_1_and_2 will be triggered when
 * > tasks update both assets "asset-1" and "asset-2". Once "asset-1" is
 * > updated, Airflow creates a record. [...] We call such records queued asset
 * > events.
 *
 * Trigger `queued-events-asset-1-producer`: its event waits, queued, for
 * `waiting_for_asset_1_and_2` (see `GET /api/v1/dags/waiting_for_asset_1_and_2/assets/queuedEvent`).
 * Trigger `queued-events-asset-2-producer`: the consumer runs. Assets are
 * identified by URI, so each `new Asset("asset-1")` below is the same asset.
 * The same DAGs in builder style: `../functional/queued-events.ts`.
 */
import { Asset, BashOperator, dag, type TaskContext, task } from "assetflow";

/** Runs once both asset-1 and asset-2 were updated. */
@dag({ dagId: "waiting_for_asset_1_and_2", schedule: [new Asset("asset-1"), new Asset("asset-2")] })
export class WaitingForAsset1And2 {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}

/** Updates asset-1. */
@dag({ dagId: "queued-events-asset-1-producer", schedule: null })
export class QueuedEventsAsset1Producer {
  update = new BashOperator({
    taskId: "update_asset_1",
    bashCommand: "echo 'asset-1'",
    outlets: [new Asset("asset-1")],
  });
}

/** Updates asset-2. */
@dag({ dagId: "queued-events-asset-2-producer", schedule: null })
export class QueuedEventsAsset2Producer {
  update = new BashOperator({
    taskId: "update_asset_2",
    bashCommand: "echo 'asset-2'",
    outlets: [new Asset("asset-2")],
  });
}
