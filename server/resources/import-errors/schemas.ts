/**
 * Import errors: DAG files that failed to load.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import { component, isoTime } from "../../schemas.js";

/** An import error. */
export const importErrorSchema = component(
  "ImportError",
  "A DAG file that failed to load.",
  z.object({ file: z.string(), message: z.string(), createdAt: isoTime }),
);
