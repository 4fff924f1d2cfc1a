/**
 * Consumption policies (issue 18), decorator style: how a consumer takes the
 * events of `s3://feed/orders.csv` (see `../functional/consumption.ts` for
 * what each DAG does; the manifests are equal).
 */
import { BashOperator, dag, type TaskContext, task } from "assetflow";
import { ordersFeed } from "../assets.js";

/** Logs how many events the run took. */
function countEvents(ctx: TaskContext): number {
  const events = ctx.triggeringAssetEvents.get(ordersFeed);
  ctx.log(`${events.length} orders event(s)`);
  return events.length;
}

/** Updates s3://feed/orders.csv. */
@dag({ dagId: "orders-feed-producer", schedule: null })
export class OrdersFeedProducer {
  land = new BashOperator({ taskId: "land_orders", bashCommand: "echo 'orders landed'", outlets: [ordersFeed] });
}

/** The default policy: one run takes every pending event. */
@dag({ dagId: "orders_all_pending", schedule: [ordersFeed], consume: "all-pending" })
export class OrdersAllPending {
  @task()
  count(ctx: TaskContext): number {
    return countEvents(ctx);
  }
}

/** One run per event, oldest first. */
@dag({ dagId: "orders_each", schedule: [ordersFeed], consume: "each" })
export class OrdersEach {
  @task()
  count(ctx: TaskContext): number {
    return countEvents(ctx);
  }
}

/** At most two events per run. */
@dag({ dagId: "orders_in_batches", schedule: [ordersFeed], consume: { maxEvents: 2 } })
export class OrdersInBatches {
  @task()
  count(ctx: TaskContext): number {
    return countEvents(ctx);
  }
}

/** A run after five quiet minutes, at most thirty minutes after the oldest event. */
@dag({ dagId: "orders_debounced", schedule: [ordersFeed], consume: { debounce: "5m", maxWait: "30m" } })
export class OrdersDebounced {
  @task()
  count(ctx: TaskContext): number {
    return countEvents(ctx);
  }
}

/** Hourly windows with at least two events each. */
@dag({ dagId: "orders_hourly", schedule: [ordersFeed], consume: { window: "1h", minEvents: 2 } })
export class OrdersHourly {
  @task()
  count(ctx: TaskContext): number {
    return countEvents(ctx);
  }
}

/** Starts from the latest event, when registered and when unpaused. */
@dag({ dagId: "orders_latest_on_start", schedule: [ordersFeed], catchup: "latest", whilePaused: "catchup" })
export class OrdersLatestOnStart {
  @task()
  count(ctx: TaskContext): number {
    return countEvents(ctx);
  }
}
