/**
 * DAG runs: list, trigger, one run, and the events a run's tasks emitted.
 */
import { z } from "zod";
import type { JsonObject } from "../../../sdk/json.js";
import { requireDag, requireRun } from "../../lookups.js";
import { dagIdParam, noQuery, pageQuery, problems, runIdParam } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { assetEventSchema, toAssetEvent } from "../asset-events/schemas.js";
import { dagRunQuery, dagRunSchema, toDagRun, triggerDagRunBody } from "./schemas.js";

/**
 * Registers the routes of runs.
 *
 * @example
 * ```ts
 * runRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function runRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/dags/:dagId/dagRuns",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "listDagRuns",
        summary: "Runs of a DAG, newest first by default, each with the events it consumed",
        params: z.object({ dagId: dagIdParam }),
        querystring: dagRunQuery,
        response: {
          200: z.object({ dagRuns: z.array(dagRunSchema), total: z.number().int() }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      await requireDag(read, request.params.dagId);
      const page = await read.runs.page(request.params.dagId, request.query);
      return { dagRuns: page.items.map(toDagRun), total: page.total };
    },
  );

  app.post(
    "/dags/:dagId/dagRuns",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "triggerDagRun",
        summary: "Trigger a manual run with conf",
        params: z.object({ dagId: dagIdParam }),
        querystring: noQuery,
        body: triggerDagRunBody,
        response: { 201: dagRunSchema, ...problems(400, 401, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      await requireDag(read, request.params.dagId);
      const created = await scheduler.triggerDag(request.params.dagId, {
        // Parsed from JSON, so JSON.
        ...(request.body.conf === undefined ? {} : { conf: request.body.conf as JsonObject }),
        ...(request.body.dagRunId === undefined ? {} : { runId: request.body.dagRunId }),
      });
      return reply.code(201).send(toDagRun(await requireRun(read, request.params.dagId, created)));
    },
  );

  app.get(
    "/dags/:dagId/dagRuns/:runId",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "getDagRun",
        summary: "One run with the asset events it consumed",
        params: z.object({ dagId: dagIdParam, runId: runIdParam }),
        querystring: noQuery,
        response: { 200: dagRunSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => toDagRun(await requireRun(read, request.params.dagId, request.params.runId)),
  );

  app.get(
    "/dags/:dagId/dagRuns/:runId/assetEvents",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "listDagRunAssetEvents",
        summary: "The asset events a run's tasks emitted, oldest first",
        description: "The events it consumed are in the run itself (consumedEvents).",
        params: z.object({ dagId: dagIdParam, runId: runIdParam }),
        querystring: z.strictObject({ ...pageQuery }),
        response: {
          200: z.object({ assetEvents: z.array(assetEventSchema), total: z.number().int() }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      const { dagId: dag, runId: run } = request.params;
      await requireRun(read, dag, run);
      const page = await read.assetEvents.list({ ...request.query, sourceDagId: dag, sourceRunId: run, order: "asc" });
      return { assetEvents: page.items.map(toAssetEvent), total: page.total };
    },
  );
}
