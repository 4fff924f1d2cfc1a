/**
 * `GET /changes`: which resources changed since a cursor. The web UI polls
 * it every second or two and fetches again only what changed; it is cheap
 * (indexed maxima and the open runs and tries), so polling it costs little.
 */
import { z } from "zod";
import { changedResources, decodeCursor, encodeCursor } from "../../../scheduler/read/changes.js";
import { HttpProblem } from "../../problems.js";
import { problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { changesSchema } from "./schemas.js";

/**
 * Registers `GET /changes`.
 *
 * @example
 * ```ts
 * changeRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function changeRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  app.get(
    "/changes",
    {
      schema: {
        tags: ["Monitoring"],
        operationId: "getChanges",
        summary: "Which resources changed since a cursor (poll it to keep a view up to date)",
        description:
          "Without `since`, every resource is reported as changed. Pass the returned `cursor` as `since` next time: `changed` then names the resources (dags, runs, taskInstances, assetEvents, queuedEvents, assets, importErrors — which covers DAG warnings too) that changed in between.",
        querystring: z.strictObject({
          since: z.string().max(400).optional().describe("The cursor of a previous answer."),
        }),
        response: { 200: changesSchema, ...problems(400, 401) },
      },
    },
    async (request) => {
      const { since } = request.query;
      const before = since === undefined ? {} : decodeCursor(since);
      if (before === null) {
        throw new HttpProblem(
          400,
          "since is not a cursor of this server: pass the `cursor` of a previous answer, or omit it.",
        );
      }
      const now = await scheduler.read.changeStamps();
      return { cursor: encodeCursor(now), changed: changedResources(before, now) };
    },
  );
}
