import type { CatchupOption, ConsumePolicy, WhilePaused } from "./consume.js";
import { makeDagSettings } from "./dag-settings.js";
import { type DagClassDecorator, dagDecorator } from "./decorators/dag-decorator.js";
import { type Dag, DagBuilder, withDagBuilder } from "./definitions.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import type { JsonObject } from "./json.js";
import { dagOptionsSchema } from "./option-schemas.js";
import { parseOptions } from "./options.js";
import { registerDag } from "./registry.js";
import type { Schedule } from "./schedule.js";

/** Options of a DAG, for `dag(options, build)` and `@dag(options)`. */
export interface DagOptions {
  /** The DAG's id: letters, digits, `_`, `-`, `.`. Defaults to the class name for `@dag`. */
  dagId: string;
  /** When it runs: `null` (default, manual only), cron, assets, or both. */
  schedule?: Schedule;
  description?: string;
  /** The first logical date the time schedule considers. */
  startDate?: Date | string;
  /**
   * Time schedules: `true` creates the runs missed since `startDate` (default false).
   * Asset schedules: what a new (or, with `whilePaused: "catchup"`, unpaused) consumer
   * takes of earlier events: `"none"` (default), `"latest"`, `"all"` or `{ since }`.
   */
  catchup?: CatchupOption;
  /** Asset schedules: how a run takes pending events (default `"all-pending"`); see {@link ConsumePolicy}. */
  consume?: ConsumePolicy;
  /** Asset schedules: keep queuing events while paused (`"buffer"`, default) or catch up on unpause (`"catchup"`). */
  whilePaused?: WhilePaused;
  /** How many runs may be active at once (default 16); further asset events wait. */
  maxActiveRuns?: number;
  tags?: readonly string[];
  /** Default params, overridden by a run's conf. */
  params?: JsonObject;
}

/**
 * Defines a DAG. Two forms of equal power:
 *
 * - functional: `dag(options, () => { ... })`, where `task(...)` calls and
 *   operators created inside the function attach to the DAG; returns the
 *   {@link Dag};
 * - decorator: `@dag(options)` on a class whose methods carry `@task(...)`
 *   and whose fields may hold operators.
 *
 * Either way the DAG is validated at once and registered for the loader.
 *
 * @example
 * ```ts
 * const example = new Asset("s3://asset/example.csv");
 * export const producer = dag({ dagId: "producer", schedule: "@daily" }, () => {
 *   new BashOperator({ taskId: "producer", bashCommand: "echo hi", outlets: [example] });
 * });
 * export const consumer = dag({ dagId: "consumer", schedule: [example] }, () => {
 *   task({ taskId: "report" }, (ctx) => ctx.log(`triggered by ${ctx.triggeringAssetEvents.size} asset(s)`));
 * });
 * ```
 */
export function dag(options: DagOptions, build: () => void): Dag;
export function dag(options?: Partial<DagOptions>): DagClassDecorator;
export function dag(options?: unknown, build?: unknown): Dag | DagClassDecorator {
  if (build === undefined) return dagDecorator(options ?? {});
  if (typeof build !== "function") {
    throw new DefinitionError(
      ErrorCode.dagInvalid,
      "dag(options, build) takes a function as its second argument, as in dag({ dagId: 'etl' }, () => { task(...) }).",
    );
  }
  const parsed = parseOptions(dagOptionsSchema, options, describeDag(options));
  const builder = new DagBuilder(makeDagSettings(parsed));
  const result: unknown = withDagBuilder(builder, () => build());
  if (result instanceof Promise) {
    // The error below is what the user must see; do not add an unhandled rejection to it.
    result.catch(() => undefined);
    throw new DefinitionError(
      ErrorCode.dagInvalid,
      `The build function of DAG "${parsed.dagId}" returned a Promise: declare tasks synchronously; put async work inside task functions.`,
    );
  }
  const definition = builder.finish();
  registerDag(definition);
  return definition;
}

function describeDag(options: unknown): string {
  const dagId = (options as { dagId?: unknown } | null)?.dagId;
  return typeof dagId === "string" ? `dag "${dagId}"` : "dag()";
}
