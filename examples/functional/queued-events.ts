/**
 * Seed section "Manipulating queued asset events through REST API", builder
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
 * The same DAGs in decorator style: `../decorators/queued-events.ts`.
 */
import { Asset, BashOperator, dag, task } from "assetflow";

/** Runs once both asset-1 and asset-2 were updated. */
export const waitingForAsset1And2 = dag(
  { dagId: "waiting_for_asset_1_and_2", schedule: [new Asset("asset-1"), new Asset("asset-2")] },
  () => {
    task({ taskId: "report" }, (ctx) => {
      for (const [asset, events] of ctx.triggeringAssetEvents) {
        ctx.log(`${asset.name} was updated ${events.length} time(s)`);
      }
    });
  },
);

/** Updates asset-1. */
export const queuedEventsAsset1Producer = dag({ dagId: "queued-events-asset-1-producer", schedule: null }, () => {
  new BashOperator({ taskId: "update_asset_1", bashCommand: "echo 'asset-1'", outlets: [new Asset("asset-1")] });
});

/** Updates asset-2. */
export const queuedEventsAsset2Producer = dag({ dagId: "queued-events-asset-2-producer", schedule: null }, () => {
  new BashOperator({ taskId: "update_asset_2", bashCommand: "echo 'asset-2'", outlets: [new Asset("asset-2")] });
});
