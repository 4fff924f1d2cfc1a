/**
 * DAG warnings: problems registration found in active DAGs.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import { component, isoTime } from "../../schemas.js";

/** A DAG warning. */
export const dagWarningSchema = component(
  "DagWarning",
  "A problem registration found in an active DAG that does not stop it from running: `self-triggering` when the DAG is scheduled on its own outlet (each run triggers the next), `asset-cycle` when it triggers itself through other DAGs. Replaced at each registration of the DAG; gone once the DAG is fixed.",
  z.object({ dagId: z.string(), warningType: z.string(), message: z.string(), createdAt: isoTime }),
);
