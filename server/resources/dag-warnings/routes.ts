/**
 * `GET /dagWarnings`: warnings about active DAGs.
 */
import { z } from "zod";
import { iso, pageQuery, problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { dagWarningSchema } from "./schemas.js";

/**
 * Registers the routes of dag warnings.
 *
 * @example
 * ```ts
 * dagWarningRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function dagWarningRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/dagWarnings",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "listDagWarnings",
        summary: "Warnings about active DAGs (a DAG scheduled on its own outlet, DAGs in an asset cycle)",
        querystring: z.strictObject({
          dagId: z.string().min(1).optional().describe("Only this DAG's warnings."),
          ...pageQuery,
        }),
        response: {
          200: z.object({ dagWarnings: z.array(dagWarningSchema), total: z.number().int() }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const { dagId, offset, limit } = request.query;
      const page = await read.dagWarnings.list({ ...(dagId === undefined ? {} : { dagId }), offset, limit });
      return {
        dagWarnings: page.items.map((warning) => ({ ...warning, createdAt: iso(warning.createdAt) })),
        total: page.total,
      };
    },
  );
}
