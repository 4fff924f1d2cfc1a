/**
 * `GET /importErrors`: DAG files that failed to load.
 */
import { z } from "zod";
import { iso, pageQuery, problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { importErrorSchema } from "./schemas.js";

/**
 * Registers the routes of import errors.
 *
 * @example
 * ```ts
 * importErrorRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function importErrorRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  app.get(
    "/importErrors",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "listImportErrors",
        summary: "DAG files that failed to load",
        querystring: z.strictObject({ ...pageQuery }),
        response: {
          200: z.object({ importErrors: z.array(importErrorSchema), total: z.number().int() }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const all = await scheduler.listImportErrors();
      const { offset, limit } = request.query;
      return {
        importErrors: all
          .slice(offset, offset + limit)
          .map((error) => ({ file: error.file, message: error.message, createdAt: iso(error.createdAt) })),
        total: all.length,
      };
    },
  );
}
