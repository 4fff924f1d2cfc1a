/**
 * `GET /dags/{dagId}/assets/condition`: why a consumer has not run yet.
 */
import { z } from "zod";
import { requireDag } from "../../lookups.js";
import { dagIdParam, noQuery, problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { toQueuedEvents } from "../queued-events/schemas.js";
import { consumerStatusSchema, type ExplainedConditionJson, toConsumePolicy, toConsumerWait } from "./schemas.js";

/**
 * Registers the routes of consumers.
 *
 * @example
 * ```ts
 * consumerRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function consumerRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/dags/:dagId/assets/condition",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "getDagAssetCondition",
        summary:
          "Why a consumer has not run yet: its asset condition, each node marked by the queued events, and the rule it waits on until when",
        params: z.object({ dagId: dagIdParam }),
        querystring: noQuery,
        response: { 200: consumerStatusSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const dag = await requireDag(read, request.params.dagId);
      const status = await scheduler.consumerStatus(dag.dagId);
      const condition = (status?.condition ?? null) as ExplainedConditionJson | null;
      const queuedEvents = toQueuedEvents(await read.queuedEvents.list({ dagId: dag.dagId }));
      return {
        dagId: dag.dagId,
        isPaused: dag.isPaused,
        waiting: condition !== null && queuedEvents.length > 0,
        condition,
        consume: status ? toConsumePolicy(status.consume) : null,
        waitingOn: status?.waiting ? toConsumerWait(status.waiting) : null,
        queuedEvents,
      };
    },
  );
}
