import { Asset } from "assetflow";
import { z } from "zod";

/**
 * The assets of this project. An asset is a URI; a task that updates it lists
 * it in its outlets, and DAGs scheduled on it run when it is updated. Its
 * schema types the extra of its events and checks it wherever an event is
 * recorded (tasks, the REST API, `assetflow assets emit`, tests).
 */
export const orders = new Asset("s3://warehouse/orders.parquet", {
  schema: z.object({ rowCount: z.number().int().nonnegative() }),
});

export const report = new Asset("s3://warehouse/orders-report.html", {
  schema: z.object({ loads: z.number().int(), rows: z.number().int() }),
});
