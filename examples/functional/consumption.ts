/**
 * Consumption policies (issue 18), builder style: how a consumer takes the
 * events of `s3://feed/orders.csv`. Trigger `orders-feed-producer` a few times
 * and compare the consumers' runs:
 *
 * - `orders_all_pending`: the default; one run takes every pending event.
 * - `orders_each`: one run per event, in event order.
 * - `orders_in_batches`: at most 2 events per run; the rest wait for the next run.
 * - `orders_debounced`: a run once no event arrived for 5 minutes, or 30 minutes
 *   after the oldest pending one under a steady trickle.
 * - `orders_hourly`: events grouped by fixed hourly windows, a run when a window
 *   ends with at least 2 events (a thinner window rolls into the next).
 * - `orders_latest_on_start`: registered after events were recorded, it starts
 *   from the last one (`catchup: "latest"`); unpaused, it catches up the same way
 *   instead of taking everything queued meanwhile (`whilePaused: "catchup"`).
 *
 * The same DAGs in decorator style: `../decorators/consumption.ts`.
 */
import { BashOperator, dag, task } from "assetflow";
import { ordersFeed } from "../assets.js";

/** Updates s3://feed/orders.csv. */
export const ordersFeedProducer = dag({ dagId: "orders-feed-producer", schedule: null }, () => {
  new BashOperator({ taskId: "land_orders", bashCommand: "echo 'orders landed'", outlets: [ordersFeed] });
});

/** Logs how many events the run took. */
function countEvents(): void {
  task({ taskId: "count" }, (ctx) => {
    const events = ctx.triggeringAssetEvents.get(ordersFeed);
    ctx.log(`${events.length} orders event(s)`);
    return events.length;
  });
}

/** The default policy: one run takes every pending event. */
export const ordersAllPending = dag(
  { dagId: "orders_all_pending", schedule: [ordersFeed], consume: "all-pending" },
  countEvents,
);

/** One run per event, oldest first. */
export const ordersEach = dag({ dagId: "orders_each", schedule: [ordersFeed], consume: "each" }, countEvents);

/** At most two events per run. */
export const ordersInBatches = dag(
  { dagId: "orders_in_batches", schedule: [ordersFeed], consume: { maxEvents: 2 } },
  countEvents,
);

/** A run after five quiet minutes, at most thirty minutes after the oldest event. */
export const ordersDebounced = dag(
  { dagId: "orders_debounced", schedule: [ordersFeed], consume: { debounce: "5m", maxWait: "30m" } },
  countEvents,
);

/** Hourly windows with at least two events each. */
export const ordersHourly = dag(
  { dagId: "orders_hourly", schedule: [ordersFeed], consume: { window: "1h", minEvents: 2 } },
  countEvents,
);

/** Starts from the latest event, when registered and when unpaused. */
export const ordersLatestOnStart = dag(
  { dagId: "orders_latest_on_start", schedule: [ordersFeed], catchup: "latest", whilePaused: "catchup" },
  countEvents,
);
