/**
 * Assets: the catalog, its facets, one asset by URI, and materializing one.
 */
import { z } from "zod";
import { materializeAsset } from "../../../scheduler/index.js";
import type { JsonObject } from "../../../sdk/json.js";
import { quote, requireAssetsByUri, trySanitize } from "../../lookups.js";
import { HttpProblem } from "../../problems.js";
import { pageQuery, problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { toAssetEvent } from "../asset-events/schemas.js";
import { toDagRun } from "../runs/schemas.js";
import {
  assetDetailSchema,
  assetFacetsSchema,
  assetSchema,
  materializationSchema,
  materializeAssetBody,
  toAsset,
} from "./schemas.js";

const tags = ["Assets"];

/**
 * Registers the routes of assets.
 *
 * @example
 * ```ts
 * assetRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function assetRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/assets",
    {
      schema: {
        tags,
        operationId: "listAssets",
        summary: "Assets, with their producing tasks, consuming DAGs and aliases",
        querystring: z.strictObject({
          ...pageQuery,
          uriPattern: z.string().max(1500).optional().describe("Case-insensitive substring of the URI."),
          namePattern: z.string().max(1500).optional().describe("Case-insensitive substring of the name."),
          search: z.string().max(1500).optional().describe("Case-insensitive substring of the URI or of the name."),
          scheme: z
            .string()
            .max(100)
            .regex(/^([a-z][a-z0-9+.-]*)?$/i, "is a URI scheme like s3 (or empty for URIs without one)")
            .optional()
            .describe("Only URIs with this scheme (s3, file, ...); empty: URIs without a scheme."),
          group: z.string().max(1500).optional(),
          dagId: z.string().max(250).optional().describe("Only assets this DAG produces or consumes."),
        }),
        response: { 200: z.object({ assets: z.array(assetSchema), total: z.number().int() }), ...problems(400, 401) },
      },
    },
    async (request) => {
      const page = await read.assets.list(request.query);
      return { assets: page.items.map(toAsset), total: page.total };
    },
  );

  app.get(
    "/assetFacets",
    {
      schema: {
        tags,
        operationId: "getAssetFacets",
        summary: "The asset groups and URI schemes in use, with their numbers of assets",
        querystring: z.strictObject({}),
        response: { 200: assetFacetsSchema, ...problems(400, 401) },
      },
    },
    async () => read.assets.facets(),
  );

  app.get(
    "/assets/:uri",
    {
      schema: {
        tags,
        operationId: "getAsset",
        summary: "One asset with its producing tasks, consuming DAGs, aliases and latest event",
        description:
          "Several assets may share a URI under different names: pass `name` to choose (409 otherwise). The literal URIs `events`, `aliases` and `queuedEvent` are reached with GET /assets?uriPattern=.",
        params: z.object({ uri: z.string().min(1).describe("The asset URI, percent-encoded.") }),
        querystring: z.strictObject({ name: z.string().max(1500).optional() }),
        response: { 200: assetDetailSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const assets = await requireAssetsByUri(read, request.params.uri);
      const { name } = request.query;
      const matching = name === undefined ? assets : assets.filter((asset) => asset.name === name);
      const [asset] = matching;
      if (!asset) {
        throw new HttpProblem(404, `No asset named ${quote(name ?? "")} has URI ${quote(request.params.uri)}.`);
      }
      if (matching.length > 1) {
        throw new HttpProblem(
          409,
          `${matching.length} assets share URI ${quote(asset.uri)} (names ${matching.map((a) => quote(a.name)).join(", ")}): pass ?name= to choose one.`,
        );
      }
      const [lastEvent] = (await read.assetEvents.list({ uri: asset.uri, name: asset.name, limit: 1 })).items;
      return { ...toAsset(asset), lastEvent: lastEvent ? toAssetEvent(lastEvent) : null };
    },
  );

  app.post(
    "/assets/:uri/materialize",
    {
      schema: {
        tags,
        operationId: "materializeAsset",
        summary: "Start a run of the DAG that produces an asset",
        description:
          "Starts a manual run (with `conf`) of the one active DAG with a task that lists the asset as outlet, such as the DAG `asset()` defines. Several assets may share a URI: pass `name` to choose (409 otherwise). When several DAGs produce the asset, pass `dagId`: the 409 names them. 409 as well when no DAG produces it.",
        params: z.object({ uri: z.string().min(1).describe("The asset URI, percent-encoded.") }),
        querystring: z.strictObject({}),
        body: materializeAssetBody,
        response: { 201: materializationSchema, ...problems(400, 401, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const started = await materializeAsset(scheduler, {
        uri: request.params.uri,
        sanitizedUri: trySanitize(request.params.uri),
        name: body.name,
        dagId: body.dagId,
        // Parsed from JSON, so JSON.
        conf: body.conf as JsonObject | undefined,
      });
      const run = await read.runs.get(started.dagId, started.runId);
      if (!run) throw new Error(`run ${started.runId} of DAG ${started.dagId} vanished after it was created`);
      return reply.code(201).send({ asset: started.asset, dagRun: toDagRun(run), taskIds: [...started.taskIds] });
    },
  );
}
