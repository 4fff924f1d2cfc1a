/**
 * The asset graph of the Lineage page, and a schedule's asset condition as the graph shows it.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { AssetGraph } from "../../../scheduler/read/index.js";
import { component, iso, isoOrNull, isoTime, nullableTime, runStateSchema, runTypeSchema } from "../../schemas.js";

/** A node of a schedule's asset condition. */
export interface AssetConditionJson {
  kind: "asset" | "alias" | "ref" | "pattern" | "all" | "any";
  name?: string | undefined;
  uri?: string | undefined;
  pattern?: string | undefined;
  conditions?: AssetConditionJson[] | undefined;
}

/** A schedule's asset condition: assets, aliases and references combined by all (AND) and any (OR). */
export const assetConditionSchema: z.ZodType<AssetConditionJson> = component(
  "AssetCondition",
  "A node of a schedule's asset condition: an asset (name, uri), an alias (name), a reference by name or uri, a URI pattern (pattern), or all/any of conditions.",
  z.object({
    kind: z.enum(["asset", "alias", "ref", "pattern", "all", "any"]),
    name: z.string().optional(),
    uri: z.string().optional(),
    pattern: z.string().optional().describe("A URI pattern such as s3://landing/{date}/orders.csv (kind pattern)."),
    get conditions() {
      return z.array(assetConditionSchema).optional();
    },
  }),
);

const lastRunSchema = z
  .object({ runId: z.string(), runType: runTypeSchema, state: runStateSchema, createdAt: isoTime })
  .nullable();

/** The asset graph (the Lineage page). */
export const assetGraphSchema = component(
  "AssetGraph",
  "Assets, aliases and the DAGs that produce or consume them, with producer (DAG → asset/alias), consumer (asset/alias → DAG) and alias (alias → asset) edges.",
  z.object({
    nodes: z.array(
      z.discriminatedUnion("kind", [
        z.object({
          kind: z.literal("asset"),
          id: z.string(),
          assetId: z.number().int(),
          name: z.string(),
          uri: z.string(),
          group: z.string(),
          eventCount: z.number().int(),
          lastEventAt: nullableTime,
          queuedEventCount: z.number().int(),
        }),
        z.object({ kind: z.literal("alias"), id: z.string(), name: z.string() }),
        z.object({
          kind: z.literal("dag"),
          id: z.string(),
          dagId: z.string(),
          isPaused: z.boolean(),
          scheduleKind: z.string(),
          condition: assetConditionSchema.nullable(),
          lastRun: lastRunSchema,
          queuedEventCount: z.number().int(),
        }),
        z.object({ kind: z.literal("ref"), id: z.string(), refKind: z.enum(["name", "uri"]), value: z.string() }),
      ]),
    ),
    edges: z.array(
      z.object({
        kind: z.enum(["producer", "consumer", "alias"]),
        source: z.string(),
        target: z.string(),
        taskIds: z.array(z.string()),
      }),
    ),
  }),
);

/**
 * The asset graph as the API shows it.
 *
 * @example
 * ```ts
 * const graph = toAssetGraph(await loadAssetGraph(db));
 * ```
 */
export function toAssetGraph(graph: AssetGraph): z.output<typeof assetGraphSchema> {
  return {
    nodes: graph.nodes.map((node) => {
      if (node.kind === "asset") return { ...node, lastEventAt: isoOrNull(node.lastEventAt) };
      if (node.kind === "dag") {
        return { ...node, lastRun: node.lastRun ? { ...node.lastRun, createdAt: iso(node.lastRun.createdAt) } : null };
      }
      return { ...node };
    }),
    edges: graph.edges.map((edge) => ({ ...edge, taskIds: [...edge.taskIds] })),
  };
}
