/**
 * Asset-centric authoring, builder style (Airflow 3's `@asset`, not a section
 * of the seed): the function that materializes an asset defines it.
 *
 * `asset({ uri, name, schedule }, fn)` returns the asset (schedule other DAGs
 * on it like any `Asset`) and defines the DAG `daily_orders` (id: the asset's
 * name) of one task `buildDailyOrders` (the function's name) whose outlet is
 * the asset. `asset.multi` does the same for one function updating several
 * assets. The same DAGs in decorator style: `../decorators/asset-authoring.ts`.
 * Materialize on demand: `assetflow assets materialize s3://warehouse/daily_orders.parquet`.
 */
import { Asset, asset, dag, task } from "assetflow";
import { ordersByRegionEu, ordersByRegionUs } from "../assets.js";

/** The asset `daily_orders`, and the DAG (manual here) whose one task writes it. */
export const dailyOrders = asset(
  { uri: "s3://warehouse/daily_orders.parquet", name: "daily_orders", group: "warehouse", schedule: null },
  function buildDailyOrders(ctx) {
    ctx.outletEvents.get(dailyOrders).extra = { rowCount: 3 };
    ctx.log("wrote 3 rows to s3://warehouse/daily_orders.parquet");
  },
);

/** Runs after each update of `daily_orders`: one function, two assets (`asset.multi`). */
export const splitOrders = asset.multi(
  { outlets: [ordersByRegionEu, ordersByRegionUs], schedule: [dailyOrders] },
  function splitByRegion(ctx) {
    for (const [updated, events] of ctx.triggeringAssetEvents) {
      ctx.log(`splitting ${updated.name}: ${events.length} update(s)`);
    }
  },
);

/** A DAG written the seed's way, scheduled on both halves. */
export const regionReport = dag(
  { dagId: "asset-authoring-report", schedule: [ordersByRegionEu, new Asset("s3://warehouse/orders_us.parquet")] },
  () => {
    task({ taskId: "report" }, (ctx) => {
      for (const [updated, events] of ctx.triggeringAssetEvents) {
        ctx.log(`${updated.name} was updated ${events.length} time(s)`);
      }
    });
  },
);
