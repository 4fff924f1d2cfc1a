import { dag, Metadata, type TaskContext, task } from "assetflow";
import { orders, report } from "../assets.js";

/**
 * Decorator style: a class with `@dag`, methods with `@task`.
 * Runs whenever `orders` was updated, and sums the rows of the loads it consumed.
 */
@dag({ dagId: "orders_report", schedule: [orders] })
export class OrdersReport {
  @task({ outlets: [report] })
  *summarize(ctx: TaskContext) {
    const loads = ctx.triggeringAssetEvents.get(orders);
    const rows = loads.reduce((sum, event) => sum + event.extra.rowCount, 0);
    ctx.log(`report over ${loads.length} load(s): ${rows} rows`);
    yield new Metadata(report, { loads: loads.length, rows });
  }
}
