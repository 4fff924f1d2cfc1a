/**
 * URI patterns (issue 18), decorator style (see `../functional/patterns.ts`
 * for what each DAG does; the manifests are equal).
 */
import { Asset, all, any, BashOperator, dag, type TaskContext, task } from "assetflow";
import { landedOrders, successMarkers } from "../assets.js";

/** Lands s3://landing/2025-01-01/orders_1.csv, which matches `landedOrders` (date 2025-01-01, part 1). */
@dag({ dagId: "landing-orders-producer", schedule: null })
export class LandingOrdersProducer {
  land = new BashOperator({
    taskId: "land_orders_file",
    bashCommand: "echo 'orders_1.csv landed'",
    outlets: [new Asset("s3://landing/2025-01-01/orders_1.csv")],
  });
}

/** Writes s3://lake/sales/2025/01/01/_SUCCESS, which matches `successMarkers` (path sales/2025/01/01). */
@dag({ dagId: "lake-success-producer", schedule: null })
export class LakeSuccessProducer {
  mark = new BashOperator({
    taskId: "mark_success",
    bashCommand: "echo 'sales partition complete'",
    outlets: [new Asset("s3://lake/sales/2025/01/01/_SUCCESS")],
  });
}

/** One run per landed orders file, with the file's date and part. */
@dag({ dagId: "landed_orders", schedule: landedOrders, consume: "each" })
export class LandedOrdersConsumer {
  @task({ taskId: "load_file" })
  loadFile(ctx: TaskContext): Array<Readonly<Record<"date" | "part", string>>> {
    const files = ctx.triggeringAssetEvents.get(landedOrders).map((event) => event.captures);
    for (const { date, part } of files) ctx.log(`loading part ${part} of ${date}`);
    return files;
  }
}

/** An orders file and a `_SUCCESS` marker, both. */
@dag({ dagId: "landed_orders_with_success", schedule: all(landedOrders, successMarkers) })
export class LandedOrdersWithSuccess {
  @task()
  report(ctx: TaskContext): string[] {
    const paths = ctx.triggeringAssetEvents.get(successMarkers).map((event) => event.captures.path);
    ctx.log(`orders landed; complete: ${paths.join(", ")}`);
    return paths;
  }
}

/** Either kind of file, grouped by the hour; the template shows the newest event's captures. */
@dag({ dagId: "landing_hourly_digest", schedule: any(landedOrders, successMarkers), consume: { window: "1h" } })
export class LandingHourlyDigest {
  digest = new BashOperator({ taskId: "digest", bashCommand: "echo 'newest file: {{ captures | tojson }}'" });
}
