/**
 * The asset graph of the Lineage page.
 */
import { z } from "zod";
import { problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { assetGraphSchema, toAssetGraph } from "./schemas.js";

const tags = ["Assets"];

/**
 * Registers the routes of graph.
 *
 * @example
 * ```ts
 * graphRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function graphRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/graph",
    {
      schema: {
        tags,
        operationId: "getAssetGraph",
        summary: "The asset graph of the Assets view",
        querystring: z.strictObject({}),
        response: { 200: assetGraphSchema, ...problems(400, 401) },
      },
    },
    async () => toAssetGraph(await read.graph.assets()),
  );
}
