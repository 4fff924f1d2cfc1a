/**
 * Asset aliases: list them, or one by name.
 */
import { z } from "zod";
import { quote } from "../../lookups.js";
import { HttpProblem } from "../../problems.js";
import { pageQuery, problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { aliasSchema, toAlias } from "./schemas.js";

const tags = ["Assets"];

/**
 * Registers the routes of aliases.
 *
 * @example
 * ```ts
 * aliasRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function aliasRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/assets/aliases",
    {
      schema: {
        tags,
        operationId: "listAssetAliases",
        summary: "Asset aliases, with the assets they resolved to",
        querystring: z.strictObject({
          ...pageQuery,
          namePattern: z.string().max(1500).optional().describe("Case-insensitive substring of the name."),
        }),
        response: {
          200: z.object({ aliases: z.array(aliasSchema), total: z.number().int() }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const page = await read.aliases.list(request.query);
      return { aliases: page.items.map(toAlias), total: page.total };
    },
  );

  app.get(
    "/assets/aliases/:name",
    {
      schema: {
        tags,
        operationId: "getAssetAlias",
        summary: "One asset alias",
        params: z.object({ name: z.string().min(1).describe("The alias name, percent-encoded.") }),
        querystring: z.strictObject({}),
        response: { 200: aliasSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const alias = await read.aliases.get(request.params.name);
      if (!alias) {
        throw new HttpProblem(
          404,
          `No asset alias ${quote(request.params.name)} is known. List aliases with GET /api/v1/assets/aliases.`,
        );
      }
      return toAlias(alias);
    },
  );
}
