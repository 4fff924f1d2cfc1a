/**
 * URI patterns (issue 18), builder style: consumers subscribed to every asset
 * whose URI matches a pattern, with the matched parts in `event.captures`
 * and in templates (`{{ captures.date }}`). Trigger `landing-orders-producer`
 * and `lake-success-producer` and look at the consumers' logs:
 *
 * - `landed_orders`: one run per landed orders file (`consume: "each"`), logging
 *   the file's date and part;
 * - `landed_orders_with_success`: runs once an orders file landed AND a
 *   `_SUCCESS` marker was written anywhere under s3://lake/;
 * - `landing_hourly_digest`: either kind of file, grouped by hourly windows,
 *   echoing the newest capture through a template.
 *
 * The same DAGs in decorator style: `../decorators/patterns.ts`.
 */
import { Asset, assets, BashOperator, dag, task } from "assetflow";
import { landedOrders, successMarkers } from "../assets.js";

/** Lands s3://landing/2025-01-01/orders_1.csv, which matches `landedOrders` (date 2025-01-01, part 1). */
export const landingOrdersProducer = dag({ dagId: "landing-orders-producer", schedule: null }, () => {
  new BashOperator({
    taskId: "land_orders_file",
    bashCommand: "echo 'orders_1.csv landed'",
    outlets: [new Asset("s3://landing/2025-01-01/orders_1.csv")],
  });
});

/** Writes s3://lake/sales/2025/01/01/_SUCCESS, which matches `successMarkers` (path sales/2025/01/01). */
export const lakeSuccessProducer = dag({ dagId: "lake-success-producer", schedule: null }, () => {
  new BashOperator({
    taskId: "mark_success",
    bashCommand: "echo 'sales partition complete'",
    outlets: [new Asset("s3://lake/sales/2025/01/01/_SUCCESS")],
  });
});

/** One run per landed orders file, with the file's date and part. */
export const landedOrdersConsumer = dag({ dagId: "landed_orders", schedule: landedOrders, consume: "each" }, () => {
  task({ taskId: "load_file" }, (ctx) => {
    const files = ctx.triggeringAssetEvents.get(landedOrders).map((event) => event.captures);
    for (const { date, part } of files) ctx.log(`loading part ${part} of ${date}`);
    return files;
  });
});

/** An orders file and a `_SUCCESS` marker, both. */
export const landedOrdersWithSuccess = dag(
  { dagId: "landed_orders_with_success", schedule: assets`${landedOrders} & ${successMarkers}` },
  () => {
    task({ taskId: "report" }, (ctx) => {
      const paths = ctx.triggeringAssetEvents.get(successMarkers).map((event) => event.captures.path);
      ctx.log(`orders landed; complete: ${paths.join(", ")}`);
      return paths;
    });
  },
);

/** Either kind of file, grouped by the hour; the template shows the newest event's captures. */
export const landingHourlyDigest = dag(
  {
    dagId: "landing_hourly_digest",
    schedule: assets`${landedOrders} | ${successMarkers}`,
    consume: { window: "1h" },
  },
  () => {
    new BashOperator({ taskId: "digest", bashCommand: "echo 'newest file: {{ captures | tojson }}'" });
  },
);
