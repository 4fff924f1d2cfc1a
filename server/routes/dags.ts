/**
 * DAGs (list, one, pause/unpause, why a consumer waits), import errors, DAG
 * warnings, DAG
 * runs (list, trigger, one with its consumed events), task instances and
 * their logs.
 */
import { z } from "zod";
import { readTaskLogRanges } from "../../runtime/task-logs.js";
import { LAST_RUN_STATE_FILTERS, SCHEDULE_KIND_FILTERS } from "../../scheduler/read/dag-overview.js";
import type { JsonObject } from "../../sdk/json.js";
import { HttpProblem } from "../problems.js";
import {
  assetEventSchema,
  booleanQuery,
  consumerStatusSchema,
  dagGridSchema,
  dagListItemSchema,
  dagRunQuery,
  dagRunSchema,
  dagSchema,
  dagWarningSchema,
  type ExplainedConditionJson,
  importErrorSchema,
  iso,
  pageQuery,
  patchDagBody,
  problems,
  taskInstanceSchema,
  taskLogsSchema,
  toAssetEvent,
  toConsumePolicy,
  toConsumerWait,
  toDag,
  toDagListItem,
  toDagRun,
  toQueuedEvents,
  toRunSummary,
  toTaskInstance,
  triggerDagRunBody,
} from "../schemas.js";
import type { ApiApp, ApiContext } from "../server.js";
import { quote, requireDag } from "./lookups.js";

const dagId = z.string().min(1).describe("The DAG id.");
const runId = z.string().min(1).describe("The run id, percent-encoded.");
const taskId = z.string().min(1).describe("The task id.");
const noQuery = z.strictObject({});

/** The most log bytes returned per try and request (the end of the log, or from the offset). */
export const MAX_LOG_BYTES = 1024 * 1024;

/**
 * Registers the DAG, run and task instance routes.
 *
 * @example
 * ```ts
 * dagRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function dagRoutes(app: ApiApp, { scheduler, logDir }: ApiContext): void {
  const read = scheduler.read;

  const requireRun = async (dag: string, run: string) => {
    await requireDag(read, dag);
    const found = await read.runs.get(dag, run);
    if (!found) {
      throw new HttpProblem(
        404,
        `DAG ${quote(dag)} has no run ${quote(run)}. List its runs with GET /api/v1/dags/{dagId}/dagRuns.`,
      );
    }
    return found;
  };
  const requireTaskInstance = async (dag: string, run: string, task: string) => {
    await requireRun(dag, run);
    const found = await read.taskInstances.get(dag, run, task);
    if (!found) throw new HttpProblem(404, `Run ${quote(run)} of DAG ${quote(dag)} has no task ${quote(task)}.`);
    return found;
  };

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
    "/dags/:dagId/grid",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "getDagGrid",
        summary: "A DAG's most recent runs with all their task instances (the grid of runs by task)",
        params: z.object({ dagId }),
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

  app.get(
    "/dags/:dagId",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "getDag",
        summary: "One DAG",
        params: z.object({ dagId }),
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
        params: z.object({ dagId }),
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
    "/dags/:dagId/assets/condition",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "getDagAssetCondition",
        summary:
          "Why a consumer has not run yet: its asset condition, each node marked by the queued events, and the rule it waits on until when",
        params: z.object({ dagId }),
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

  app.get(
    "/dagWarnings",
    {
      schema: {
        tags: ["DAGs"],
        operationId: "listDagWarnings",
        summary: "Warnings about active DAGs (a DAG scheduled on its own outlet)",
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
      const page = await scheduler.read.dagWarnings.list({ ...(dagId === undefined ? {} : { dagId }), offset, limit });
      return {
        dagWarnings: page.items.map((warning) => ({ ...warning, createdAt: iso(warning.createdAt) })),
        total: page.total,
      };
    },
  );

  app.get(
    "/dags/:dagId/dagRuns",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "listDagRuns",
        summary: "Runs of a DAG, newest first by default, each with the events it consumed",
        params: z.object({ dagId }),
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
        params: z.object({ dagId }),
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
      return reply.code(201).send(toDagRun(await requireRun(request.params.dagId, created)));
    },
  );

  app.get(
    "/dags/:dagId/dagRuns/:runId",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "getDagRun",
        summary: "One run with the asset events it consumed",
        params: z.object({ dagId, runId }),
        querystring: noQuery,
        response: { 200: dagRunSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => toDagRun(await requireRun(request.params.dagId, request.params.runId)),
  );

  app.get(
    "/dags/:dagId/dagRuns/:runId/assetEvents",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "listDagRunAssetEvents",
        summary: "The asset events a run's tasks emitted, oldest first",
        description: "The events it consumed are in the run itself (consumedEvents).",
        params: z.object({ dagId, runId }),
        querystring: z.strictObject({ ...pageQuery }),
        response: {
          200: z.object({ assetEvents: z.array(assetEventSchema), total: z.number().int() }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      const { dagId: dag, runId: run } = request.params;
      await requireRun(dag, run);
      const page = await read.assetEvents.list({ ...request.query, sourceDagId: dag, sourceRunId: run, order: "asc" });
      return { assetEvents: page.items.map(toAssetEvent), total: page.total };
    },
  );

  app.get(
    "/dags/:dagId/dagRuns/:runId/taskInstances",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "listTaskInstances",
        summary: "Task instances of a run",
        params: z.object({ dagId, runId }),
        querystring: z.strictObject({ ...pageQuery }),
        response: {
          200: z.object({ taskInstances: z.array(taskInstanceSchema), total: z.number().int() }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      await requireRun(request.params.dagId, request.params.runId);
      const all = await read.taskInstances.list(request.params.dagId, request.params.runId);
      const { offset, limit } = request.query;
      return { taskInstances: all.slice(offset, offset + limit).map(toTaskInstance), total: all.length };
    },
  );

  app.get(
    "/dags/:dagId/dagRuns/:runId/taskInstances/:taskId",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "getTaskInstance",
        summary: "One task instance",
        params: z.object({ dagId, runId, taskId }),
        querystring: noQuery,
        response: { 200: taskInstanceSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) =>
      toTaskInstance(await requireTaskInstance(request.params.dagId, request.params.runId, request.params.taskId)),
  );

  app.get(
    "/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/logs",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "getTaskInstanceLogs",
        summary: "Logs of a task instance, per try",
        params: z.object({ dagId, runId, taskId }),
        querystring: z.strictObject({
          tryNumber: z.coerce.number().int().min(1).max(10_000).optional().describe("Only this try."),
          offset: z.coerce
            .number()
            .int()
            .min(0)
            .max(Number.MAX_SAFE_INTEGER)
            .optional()
            .describe("Read from this byte offset (a previous answer's nextOffset) to follow a growing log."),
          tail: z.coerce
            .number()
            .int()
            .min(1)
            .max(1_000_000)
            .optional()
            .describe("Only the last N lines (ignored with offset)."),
        }),
        response: { 200: taskLogsSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const { dagId: dag, runId: run, taskId: task } = request.params;
      const { tryNumber, offset, tail } = request.query;
      await requireTaskInstance(dag, run, task);
      const logs = await readTaskLogRanges(
        logDir,
        { dagId: dag, runId: run, taskId: task },
        {
          maxBytes: MAX_LOG_BYTES,
          ...(tryNumber === undefined ? {} : { tryNumber }),
          ...(offset === undefined ? {} : { offset }),
          ...(tail === undefined ? {} : { tail }),
        },
      );
      return { dagId: dag, runId: run, taskId: task, logs };
    },
  );
}
