/**
 * Task instances of a run, one task instance, and its logs per try.
 */
import { z } from "zod";
import { readTaskLogRanges } from "../../../runtime/task-logs.js";
import { requireRun, requireTaskInstance } from "../../lookups.js";
import { dagIdParam, noQuery, pageQuery, problems, runIdParam, taskIdParam } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { taskInstanceSchema, taskLogsSchema, toTaskInstance } from "./schemas.js";

/** The most log bytes returned per try and request (the end of the log, or from the offset). */
export const MAX_LOG_BYTES = 1024 * 1024;

/**
 * Registers the routes of task instances.
 *
 * @example
 * ```ts
 * taskInstanceRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function taskInstanceRoutes(app: ApiApp, { scheduler, logDir }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/dags/:dagId/dagRuns/:runId/taskInstances",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "listTaskInstances",
        summary: "Task instances of a run",
        params: z.object({ dagId: dagIdParam, runId: runIdParam }),
        querystring: z.strictObject({ ...pageQuery }),
        response: {
          200: z.object({ taskInstances: z.array(taskInstanceSchema), total: z.number().int() }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      await requireRun(read, request.params.dagId, request.params.runId);
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
        params: z.object({ dagId: dagIdParam, runId: runIdParam, taskId: taskIdParam }),
        querystring: noQuery,
        response: { 200: taskInstanceSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) =>
      toTaskInstance(
        await requireTaskInstance(read, request.params.dagId, request.params.runId, request.params.taskId),
      ),
  );

  app.get(
    "/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/logs",
    {
      schema: {
        tags: ["DAG runs"],
        operationId: "getTaskInstanceLogs",
        summary: "Logs of a task instance, per try",
        params: z.object({ dagId: dagIdParam, runId: runIdParam, taskId: taskIdParam }),
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
      await requireTaskInstance(read, dag, run, task);
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
