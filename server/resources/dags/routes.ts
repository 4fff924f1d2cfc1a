/**
 * DAGs: the list, their tags, one DAG, pause/unpause, and the grid of runs by task.
 */
import { z } from "zod";
import { LAST_RUN_STATE_FILTERS, SCHEDULE_KIND_FILTERS } from "../../../scheduler/read/dag-overview.js";
import { requireDag } from "../../lookups.js";
import { booleanQuery, dagIdParam, noQuery, pageQuery, problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import type { ExplainedConditionJson } from "../consumers/schemas.js";
import { toRunSummary } from "../runs/schemas.js";
import { toTaskInstance } from "../task-instances/schemas.js";
import { dagGridSchema, dagListItemSchema, dagSchema, patchDagBody, toDag, toDagListItem } from "./schemas.js";

/**
 * Registers the routes of dags.
 *
 * @example
 * ```ts
 * dagRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function dagRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/dags",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "listDags",
        summary: "DAGs, each with its latest run and (asset schedules) its condition marked by the queued events",
        querystring: z.strictObject({
          ...pageQuery,
          dagIdPattern: z.string().max(250).optional().describe("Case-insensitive substring of the DAG id."),
          search: z
            .string()
            .max(250)
            .optional()
            .describe("Case-insensitive text in the DAG id, its description or a tag."),
          tag: z.string().max(250).optional().describe("Only DAGs with this tag."),
          scheduleKind: z
            .enum(SCHEDULE_KIND_FILTERS)
            .optional()
            .describe("time (cron, presets, @once), assets, assetOrTime, or manual (no schedule)."),
          lastRunState: z
            .enum(LAST_RUN_STATE_FILTERS)
            .optional()
            .describe("The state of the latest run; none: never ran."),
          paused: booleanQuery.optional(),
          onlyActive: booleanQuery.default(true).describe("Only DAGs some file still defines (default true)."),
        }),
        response: {
          200: z.object({ dags: z.array(dagListItemSchema), total: z.number().int() }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const page = await read.dags.overview(request.query);
      const dags = await Promise.all(
        page.items.map(async (dag) =>
          toDagListItem(dag, (await scheduler.explainConsumer(dag.dagId)) as ExplainedConditionJson | null),
        ),
      );
      return { dags, total: page.total };
    },
  );

  app.get(
    "/dagTags",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "listDagTags",
        summary: "The tags of the active DAGs",
        querystring: noQuery,
        response: { 200: z.object({ tags: z.array(z.string()) }), ...problems(400, 401) },
      },
    },
    async () => ({ tags: await read.dags.tags() }),
  );

  app.get(
    "/dags/:dagId",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "getDag",
        summary: "One DAG",
        params: z.object({ dagId: dagIdParam }),
        querystring: noQuery,
        response: { 200: dagSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => toDag(await requireDag(read, request.params.dagId)),
  );

  app.patch(
    "/dags/:dagId",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "patchDag",
        summary: "Pause or unpause a DAG",
        description: "A paused DAG starts no runs; asset events keep queuing for it. Unpausing evaluates it at once.",
        params: z.object({ dagId: dagIdParam }),
        querystring: noQuery,
        body: patchDagBody,
        response: { 200: dagSchema, ...problems(400, 401, 404, 413, 415) },
      },
    },
    async (request) => {
      await requireDag(read, request.params.dagId);
      if (request.body.isPaused) await scheduler.pauseDag(request.params.dagId);
      else await scheduler.unpauseDag(request.params.dagId);
      return toDag(await requireDag(read, request.params.dagId));
    },
  );

  app.get(
    "/dags/:dagId/grid",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "getDagGrid",
        summary: "A DAG's most recent runs with all their task instances (the grid of runs by task)",
        params: z.object({ dagId: dagIdParam }),
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(25).describe("Runs (1-100, default 25)."),
        }),
        response: { 200: dagGridSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      await requireDag(read, request.params.dagId);
      const grid = await read.dags.grid(request.params.dagId, request.query.limit);
      return { dagRuns: grid.runs.map(toRunSummary), taskInstances: grid.taskInstances.map(toTaskInstance) };
    },
  );
}
