/**
 * Task instances (a task of a run and its tries) and their logs.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { TaskInstanceView } from "../../../scheduler/read/index.js";
import { maskSecrets } from "../../../sdk/masking.js";
import { component, isoOrNull, nullableTime, taskStateSchema } from "../../schemas.js";

/** A task instance. */
export const taskInstanceSchema = component(
  "TaskInstance",
  "A task of a run: state, tries, and the error or result of the last try.",
  z.object({
    dagId: z.string(),
    runId: z.string(),
    taskId: z.string(),
    mapIndex: z.number().int(),
    state: taskStateSchema,
    tryNumber: z.number().int(),
    maxTries: z.number().int(),
    startDate: nullableTime,
    endDate: nullableTime,
    error: z.object({ message: z.string(), code: z.string().optional() }).nullable(),
    result: z.unknown().optional(),
  }),
);

/** Logs of a task instance. */
export const taskLogsSchema = component(
  "TaskLogs",
  "Log text of each try of a task instance: from a byte offset, or the last lines (at most 1 MiB per try).",
  z.object({
    dagId: z.string(),
    runId: z.string(),
    taskId: z.string(),
    logs: z.array(
      z.object({
        tryNumber: z.number().int(),
        text: z.string(),
        offset: z.number().int().describe("Byte offset in the log file where `text` starts."),
        nextOffset: z.number().int().describe("Byte offset to read from next (`?offset=`) to follow the log."),
        truncated: z.boolean().describe("True when text before `offset` exists but was not sent."),
      }),
    ),
  }),
);

/**
 * A task instance as the API shows it.
 *
 * @example
 * ```ts
 * const tis = (await listTaskInstances(db, dagId, runId)).map(toTaskInstance);
 * ```
 */
export function toTaskInstance(ti: TaskInstanceView): z.output<typeof taskInstanceSchema> {
  return {
    dagId: ti.dagId,
    runId: ti.runId,
    taskId: ti.taskId,
    mapIndex: ti.mapIndex,
    state: ti.state,
    tryNumber: ti.tryNumber,
    maxTries: ti.maxTries,
    startDate: isoOrNull(ti.startDate),
    endDate: isoOrNull(ti.endDate),
    error: ti.error ? { message: ti.error.message, ...(ti.error.code ? { code: ti.error.code } : {}) } : null,
    ...(ti.result === undefined ? {} : { result: maskSecrets(ti.result) }),
  };
}
