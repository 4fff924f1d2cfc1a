import { dag, Metadata, task } from "assetflow";
import { orders } from "../assets.js";

/**
 * Functional style: `dag(options, build)`, with tasks declared inside.
 * Loads the orders every hour; each load is an event of `orders` that carries
 * its row count. The first run is at the end of the hour in which the DAG was
 * first registered (give `startDate` to choose another start).
 */
export const loadOrders = dag({ dagId: "load_orders", schedule: "@hourly" }, () => {
  task({ taskId: "load", outlets: [orders] }, function* (ctx) {
    const rowCount = 42; // read your source here
    ctx.log(`loaded ${rowCount} orders of ${ctx.dataIntervalStart?.toISOString() ?? "a manual run"}`);
    yield new Metadata(orders, { rowCount });
  });
});
