/**
 * Asset-centric authoring, decorator style (Airflow 3's `@asset`, not a
 * section of the seed): `@asset({ uri, name, schedule })` on a static method
 * defines the asset's DAG (id: the asset's name) of one task (the method's
 * name, `this` the class) whose outlet is the asset; `@asset.multi` one method
 * updating several assets. Other DAGs name the asset by its identity
 * (`dailyOrdersAsset` in `../assets.ts`). The same DAGs in builder style:
 * `../functional/asset-authoring.ts`.
 */
import { Asset, asset, dag, type TaskContext, task } from "assetflow";
import { dailyOrdersAsset, ordersByRegionEu, ordersByRegionUs } from "../assets.js";

/** The asset functions of the warehouse: each static method materializes its asset(s). */
// biome-ignore lint/complexity/noStaticOnlyClass: @asset decorates static methods, the decorator style's module-level functions
export class WarehouseAssets {
  /** The asset `daily_orders`, and the DAG (manual here) whose one task writes it. */
  @asset({ uri: "s3://warehouse/daily_orders.parquet", name: "daily_orders", group: "warehouse", schedule: null })
  static buildDailyOrders(ctx: TaskContext): void {
    ctx.outletEvents.get(dailyOrdersAsset).extra = { rowCount: 3 };
    ctx.log("wrote 3 rows to s3://warehouse/daily_orders.parquet");
  }

  /** Runs after each update of `daily_orders`: one method, two assets (`@asset.multi`). */
  @asset.multi({ outlets: [ordersByRegionEu, ordersByRegionUs], schedule: [dailyOrdersAsset] })
  static splitByRegion(ctx: TaskContext): void {
    for (const [updated, events] of ctx.triggeringAssetEvents) {
      ctx.log(`splitting ${updated.name}: ${events.length} update(s)`);
    }
  }
}

/** A DAG written the seed's way, scheduled on both halves. */
@dag({
  dagId: "asset-authoring-report",
  schedule: [ordersByRegionEu, new Asset("s3://warehouse/orders_us.parquet")],
})
export class RegionReport {
  @task()
  report(ctx: TaskContext): void {
    for (const [updated, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${updated.name} was updated ${events.length} time(s)`);
    }
  }
}
