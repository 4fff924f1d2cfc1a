/**
 * DAG runs: a run with its consumed events, the summary the list and grid show, the list's filters and the trigger body.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { DagRunView, RunSummaryView } from "../../../scheduler/read/index.js";
import { maskSecrets } from "../../../sdk/masking.js";
import {
  component,
  iso,
  isoOrNull,
  isoTime,
  jsonObjectInput,
  jsonObjectOutput,
  nullableTime,
  pageQuery,
  runStateSchema,
  runTypeSchema,
} from "../../schemas.js";
import { assetEventSchema, toAssetEvent } from "../asset-events/schemas.js";

/** A DAG run. */
export const dagRunSchema = component(
  "DagRun",
  "A DAG run, with the asset events it consumed (asset-triggered runs).",
  z.object({
    dagId: z.string(),
    runId: z.string(),
    runType: runTypeSchema,
    state: runStateSchema,
    logicalDate: nullableTime,
    dataIntervalStart: nullableTime,
    dataIntervalEnd: nullableTime,
    conf: jsonObjectOutput,
    createdAt: isoTime,
    startDate: nullableTime,
    endDate: nullableTime,
    consumedEvents: z.array(assetEventSchema),
  }),
);

/** A run without its consumed events (the DAG list and the grid). */
export const dagRunSummarySchema = component(
  "DagRunSummary",
  "A DAG run's identity, type, state and times.",
  z.object({
    runId: z.string(),
    runType: runTypeSchema,
    state: runStateSchema,
    createdAt: isoTime,
    startDate: nullableTime,
    endDate: nullableTime,
  }),
);

/** Query filters of the run list. */
export const dagRunQuery = z.strictObject({
  ...pageQuery,
  state: runStateSchema.optional(),
  runType: runTypeSchema.optional(),
  order: z.enum(["asc", "desc"]).default("desc").describe("By creation; newest first by default."),
});

/** Body of `POST /dags/{dagId}/dagRuns`. */
export const triggerDagRunBody = z.strictObject({
  conf: jsonObjectInput.optional().describe("The run's conf (JSON object)."),
  dagRunId: z
    .string()
    .min(1)
    .max(250)
    .regex(/^[A-Za-z0-9_.:+~-]+$/, "may hold letters, digits and _ . : + ~ - only")
    .optional()
    .describe("The run id (default: generated)."),
});

/**
 * A run as the API shows it.
 *
 * @example
 * ```ts
 * const runs = page.items.map(toDagRun);
 * ```
 */
export function toDagRun(run: DagRunView): z.output<typeof dagRunSchema> {
  return {
    dagId: run.dagId,
    runId: run.runId,
    runType: run.runType,
    state: run.state,
    logicalDate: isoOrNull(run.logicalDate),
    dataIntervalStart: isoOrNull(run.dataIntervalStart),
    dataIntervalEnd: isoOrNull(run.dataIntervalEnd),
    conf: maskSecrets(run.conf),
    createdAt: iso(run.createdAt),
    startDate: isoOrNull(run.startDate),
    endDate: isoOrNull(run.endDate),
    consumedEvents: run.consumedEvents.map(toAssetEvent),
  };
}

/**
 * A run summary as the API shows it.
 *
 * @example
 * ```ts
 * const runs = grid.runs.map(toRunSummary);
 * ```
 */
export function toRunSummary(run: RunSummaryView): z.output<typeof dagRunSummarySchema> {
  return {
    runId: run.runId,
    runType: run.runType,
    state: run.state,
    createdAt: iso(run.createdAt),
    startDate: isoOrNull(run.startDate),
    endDate: isoOrNull(run.endDate),
  };
}
