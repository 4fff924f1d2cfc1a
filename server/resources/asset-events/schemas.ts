/**
 * Asset events: their shape and the request that records one from outside.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { AssetEventRecord } from "../../../scheduler/index.js";
import { maskSecrets } from "../../../sdk/masking.js";
import {
  component,
  iso,
  isoOrNull,
  isoTime,
  jsonObjectInput,
  jsonObjectOutput,
  nullableTime,
  runTypeSchema,
} from "../../schemas.js";

const sourceRunSchema = z.object({
  dagId: z.string(),
  runId: z.string(),
  runType: runTypeSchema,
  logicalDate: nullableTime,
  dataIntervalStart: nullableTime,
  dataIntervalEnd: nullableTime,
});

/** An asset event. */
export const assetEventSchema = component(
  "AssetEvent",
  "An asset event: which asset, its extra, when, and where it came from (null source fields for external events).",
  z.object({
    id: z.number().int(),
    assetName: z.string(),
    assetUri: z.string(),
    extra: jsonObjectOutput,
    timestamp: isoTime,
    sourceDagId: z.string().nullable(),
    sourceTaskId: z.string().nullable(),
    sourceRunId: z.string().nullable(),
    sourceMapIndex: z.number().int().nullable(),
    sourceAliases: z.array(z.string()),
    sourceRun: sourceRunSchema.nullable(),
  }),
);

/** Body of `POST /assets/events`. */
export const createAssetEventBody = z.strictObject({
  uri: z.string().min(1).max(4000).describe("The asset URI; sanitized like the SDK does (a password is dropped)."),
  name: z.string().min(1).max(1500).optional().describe("The asset name, when several assets share the URI."),
  extra: jsonObjectInput.optional().describe("The event's extra (JSON object)."),
  createIfMissing: z
    .boolean()
    .optional()
    .describe("Record the event even if no DAG declares the asset (default false: 404)."),
});

/** Answer of `POST /assets/events`. */
export const createdAssetEventSchema = component(
  "CreatedAssetEvent",
  "The recorded event, the consumers it was queued for, the runs it triggered at once, and URI warnings.",
  z.object({
    assetEvent: assetEventSchema,
    queuedFor: z.array(z.string()),
    triggeredDagRuns: z.array(z.object({ dagId: z.string(), runId: z.string() })),
    warnings: z.array(z.string()),
  }),
);

/**
 * An event as the API shows it.
 *
 * @example
 * ```ts
 * const events = page.items.map(toAssetEvent);
 * ```
 */
export function toAssetEvent(event: AssetEventRecord): z.output<typeof assetEventSchema> {
  return {
    id: event.id,
    assetName: event.assetName,
    assetUri: event.assetUri,
    extra: maskSecrets(event.extra),
    timestamp: iso(event.timestamp),
    sourceDagId: event.sourceDagId,
    sourceTaskId: event.sourceTaskId,
    sourceRunId: event.sourceRunId,
    sourceMapIndex: event.sourceMapIndex,
    sourceAliases: [...event.sourceAliases],
    sourceRun: event.sourceRun
      ? {
          dagId: event.sourceRun.dagId,
          runId: event.sourceRun.runId,
          runType: event.sourceRun.runType,
          logicalDate: isoOrNull(event.sourceRun.logicalDate),
          dataIntervalStart: isoOrNull(event.sourceRun.dataIntervalStart),
          dataIntervalEnd: isoOrNull(event.sourceRun.dataIntervalEnd),
        }
      : null,
  };
}
