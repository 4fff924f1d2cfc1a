/**
 * Assets: an asset with the DAGs around it, the catalog's facets, and materializing one.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { AssetView } from "../../../scheduler/read/index.js";
import { maskSecrets } from "../../../sdk/masking.js";
import { component, iso, isoOrNull, isoTime, jsonObjectInput, jsonObjectOutput, nullableTime } from "../../schemas.js";
import { assetEventSchema } from "../asset-events/schemas.js";
import { dagRunSchema } from "../runs/schemas.js";

/** An asset with the DAGs around it. */
export const assetSchema = component(
  "Asset",
  "An asset: identity (name, uri), declared extra, producing tasks, consuming DAGs, aliases and event counts.",
  z.object({
    id: z.number().int(),
    name: z.string(),
    uri: z.string(),
    group: z.string(),
    extra: jsonObjectOutput,
    createdAt: isoTime,
    producingTasks: z.array(z.object({ dagId: z.string(), taskId: z.string(), alias: z.string().nullable() })),
    consumingDags: z.array(z.string()),
    aliases: z.array(z.string()),
    eventCount: z.number().int(),
    lastEventAt: nullableTime,
  }),
);

/** One asset with its latest event. */
export const assetDetailSchema = component(
  "AssetDetail",
  "An asset with its latest event.",
  assetSchema.extend({ lastEvent: assetEventSchema.nullable() }),
);

/** Groups and schemes of the asset catalog. */
export const assetFacetsSchema = component(
  "AssetFacets",
  "The asset groups and URI schemes in use, each with its number of assets.",
  z.object({
    total: z.number().int(),
    groups: z.array(z.object({ value: z.string(), count: z.number().int() })),
    schemes: z.array(z.object({ value: z.string(), count: z.number().int() })),
  }),
);

/** The body of POST /assets/{uri}/materialize (every field optional; the body may be absent). */
export const materializeAssetBody = z
  .strictObject({
    name: z.string().min(1).max(1500).optional().describe("The asset's name, when several assets share the URI."),
    dagId: z.string().min(1).max(250).optional().describe("The producing DAG to run, when several DAGs produce it."),
    conf: jsonObjectInput.optional().describe("The run's conf (JSON object)."),
  })
  .nullish();

/** The answer of POST /assets/{uri}/materialize. */
export const materializationSchema = component(
  "Materialization",
  "The run started to materialize an asset: the asset, the producing DAG's new run and the tasks that update the asset.",
  z.object({
    asset: z.object({ name: z.string(), uri: z.string() }),
    dagRun: dagRunSchema,
    taskIds: z.array(z.string()),
  }),
);

/**
 * An asset as the API shows it.
 *
 * @example
 * ```ts
 * const assets = page.items.map(toAsset);
 * ```
 */
export function toAsset(asset: AssetView): z.output<typeof assetSchema> {
  return {
    id: asset.id,
    name: asset.name,
    uri: asset.uri,
    group: asset.group,
    extra: maskSecrets(asset.extra),
    createdAt: iso(asset.createdAt),
    producingTasks: asset.producingTasks.map((task) => ({ ...task })),
    consumingDags: [...asset.consumingDags],
    aliases: [...asset.aliases],
    eventCount: asset.eventCount,
    lastEventAt: isoOrNull(asset.lastEventAt),
  };
}
