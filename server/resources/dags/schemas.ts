/**
 * DAGs: a registered DAG, the DAG list's rows (latest run, explained condition), the grid, pausing.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { DagOverviewView, DagView } from "../../../scheduler/read/index.js";
import { maskSecrets } from "../../../sdk/masking.js";
import { component, isoOrNull, jsonObjectOutput, nullableTime } from "../../schemas.js";
import { type ExplainedConditionJson, explainedConditionSchema } from "../consumers/schemas.js";
import { dagRunSummarySchema, toRunSummary } from "../runs/schemas.js";
import { taskInstanceSchema } from "../task-instances/schemas.js";

const scheduleSchema = z
  .looseObject({ kind: z.enum(["none", "once", "cron", "cronTrigger", "assets", "assetOrTime"]) })
  .describe("The schedule as in the manifest: kind, then expression/timezone or the asset condition.");

const taskInletSchema = z
  .object({ kind: z.enum(["asset", "alias", "ref"]), name: z.string().optional(), uri: z.string().optional() })
  .describe(
    "An inlet or outlet: an asset (name, uri), an alias (name), or a reference (name or uri) resolved to the registered asset when the task runs.",
  );

/** A DAG. */
export const dagSchema = component(
  "Dag",
  "A registered DAG.",
  z.object({
    dagId: z.string(),
    description: z.string().nullable(),
    fileloc: z.string().nullable(),
    isPaused: z.boolean(),
    isActive: z.boolean(),
    maxActiveRuns: z.number().int(),
    tags: z.array(z.string()),
    schedule: scheduleSchema,
    params: jsonObjectOutput,
    tasks: z.array(
      z.object({
        taskId: z.string(),
        operator: z.string(),
        upstream: z.array(z.string()),
        outlets: z.array(taskInletSchema),
        inlets: z.array(taskInletSchema),
        retries: z.number().int(),
        retryDelayMs: z.number().int(),
        executionTimeoutMs: z.number().int().nullable(),
      }),
    ),
    nextRunAt: nullableTime,
  }),
);

/** Body of `PATCH /dags/{dagId}`. */
export const patchDagBody = z.strictObject({ isPaused: z.boolean().describe("Pause (true) or unpause (false).") });

/** A DAG as the DAG list gives it. */
export const dagListItemSchema = component(
  "DagListItem",
  "A DAG with its latest run and, when it is scheduled on assets, its condition marked by the events queued for it.",
  dagSchema.extend({
    lastRun: dagRunSummarySchema.nullable(),
    assetCondition: explainedConditionSchema.nullable(),
  }),
);

/** The grid of a DAG. */
export const dagGridSchema = component(
  "DagGrid",
  "A DAG's most recent runs (newest first) and all their task instances.",
  z.object({ dagRuns: z.array(dagRunSummarySchema), taskInstances: z.array(taskInstanceSchema) }),
);

/**
 * A DAG as the API shows it.
 *
 * @example
 * ```ts
 * const dags = page.items.map(toDag);
 * ```
 */
export function toDag(dag: DagView): z.output<typeof dagSchema> {
  return {
    dagId: dag.dagId,
    description: dag.description,
    fileloc: dag.fileloc,
    isPaused: dag.isPaused,
    isActive: dag.isActive,
    maxActiveRuns: dag.maxActiveRuns,
    tags: [...dag.tags],
    schedule: { ...dag.schedule },
    params: maskSecrets(dag.params),
    tasks: dag.tasks.map((task) => ({
      taskId: task.taskId,
      operator: task.operator,
      upstream: [...task.upstream],
      outlets: task.outlets.map((item) => ({ ...item })),
      inlets: task.inlets.map((item) => ({ ...item })),
      retries: task.retries,
      retryDelayMs: task.retryDelayMs,
      executionTimeoutMs: task.executionTimeoutMs,
    })),
    nextRunAt: isoOrNull(dag.nextRunAt),
  };
}

/**
 * A DAG of the DAG list as the API shows it, with its explained condition (or null).
 *
 * @example
 * ```ts
 * const item = toDagListItem(view, await scheduler.explainConsumer(view.dagId));
 * ```
 */
export function toDagListItem(
  dag: DagOverviewView,
  condition: ExplainedConditionJson | null,
): z.output<typeof dagListItemSchema> {
  return { ...toDag(dag), lastRun: dag.lastRun ? toRunSummary(dag.lastRun) : null, assetCondition: condition };
}
