import type { AnyAsset, AssetAlias, InletTarget } from "../asset.js";
import type { TaskContext } from "../context.js";
import { type DagBuilder, requireDagBuilder } from "../definitions.js";
import { DefinitionError, ErrorCode } from "../errors.js";
import { describeValue } from "../json.js";
import { baseOperatorOptionsSchema } from "../option-schemas.js";
import { closest, parseOptions } from "../options.js";
import { isTaskHandle, linkTasks, makeTaskDefinition, TASK_HANDLE_MARK, type TaskHandle } from "../task.js";

/** Options every operator takes. */
export interface BaseOperatorOptions {
  /** The task's id within its DAG. */
  taskId: string;
  /** Assets and aliases this task updates when it succeeds. */
  outlets?: readonly (AnyAsset | AssetAlias)[];
  /** Assets, aliases and `Asset.ref`s whose past events it reads. */
  inlets?: readonly InletTarget[];
  /** How many times a failed try is retried (default 0). */
  retries?: number;
  /** Milliseconds between tries (default 300000). */
  retryDelay?: number;
  /** Milliseconds a try may run before it fails. */
  executionTimeout?: number;
  /** Tasks this one runs after. */
  after?: readonly TaskHandle<unknown>[];
}

/**
 * Base class of classic operators. Subclass it and implement `execute`; the
 * runtime calls `preExecute`, `execute` and `postExecute` in that order with
 * the task context. `execute` may be a generator yielding `Metadata`.
 * Fields named in the static `templateFields` are rendered with nunjucks
 * (Jinja syntax) before `execute` runs.
 *
 * Create operators inside `dag(options, () => { ... })` or as fields of a
 * `@dag` class: they attach to that DAG.
 *
 * @example
 * ```ts
 * class CountRows extends BaseOperator {
 *   constructor(readonly table: string, options: BaseOperatorOptions) {
 *     super(options);
 *   }
 *   override async execute(ctx: TaskContext) {
 *     ctx.outletEvents.get(tableAsset).extra = { rowCount: 3 };
 *   }
 * }
 * ```
 */
export abstract class BaseOperator implements TaskHandle<unknown> {
  /** Names of the fields rendered as templates before `execute`. */
  static readonly templateFields: readonly string[] = [];
  readonly taskId: string;
  /** @internal */
  declare readonly [TASK_HANDLE_MARK]: DagBuilder;

  constructor(options: BaseOperatorOptions) {
    const className = new.target.name;
    const taskIdHint = typeof options?.taskId === "string" ? ` "${options.taskId}"` : "";
    const builder = requireDagBuilder(`${className}${taskIdHint}`);
    const where = `${className}${taskIdHint} of DAG "${builder.settings.dagId}"`;
    const parsed = parseBaseOptions(options, where, className);
    this.taskId = parsed.taskId;
    Object.defineProperty(this, TASK_HANDLE_MARK, { value: builder, enumerable: false });
    builder.addTask(makeTaskDefinition(parsed.taskId, className, parsed, [], { kind: "operator", operator: this }));
    for (const [index, upstream] of (parsed.after ?? []).entries()) {
      if (!isTaskHandle(upstream)) {
        throw new DefinitionError(
          ErrorCode.optionInvalid,
          `Invalid option "after.${index}" in ${where}: expected a task handle or operator, got ${describeValue(upstream)}.`,
        );
      }
      linkTasks([upstream], [this]);
    }
  }

  /** Does the task's work. Its return value is the task's result. */
  abstract execute(ctx: TaskContext): unknown;

  /** Runs before `execute` on every try. */
  preExecute(_ctx: TaskContext): unknown {
    return undefined;
  }

  /** Runs after a successful `execute` with its result. */
  postExecute(_ctx: TaskContext, _result: unknown): unknown {
    return undefined;
  }

  precedes<T extends TaskHandle<unknown>>(...downstream: [...TaskHandle<unknown>[], T]): T {
    linkTasks([this], downstream);
    return downstream.at(-1) as T;
  }

  follows(...upstream: TaskHandle<unknown>[]): this {
    linkTasks(upstream, [this]);
    return this;
  }
}

/**
 * Splits operator options into the base options and the operator's own, and
 * rejects unknown keys (suggesting the closest known one). Subclasses call it
 * before `super(...)`; it also fails first when there is no DAG to attach to.
 * `where` names the operator and its DAG for messages about its own options.
 */
export function splitOperatorOptions<K extends string>(
  options: object,
  ownKeys: readonly K[],
  className: string,
): { base: BaseOperatorOptions; own: Record<K, unknown>; where: string } {
  const taskId = (options as { taskId?: unknown } | null | undefined)?.taskId;
  const taskIdHint = typeof taskId === "string" ? ` "${taskId}"` : "";
  const builder = requireDagBuilder(`${className}${taskIdHint}`);
  const where = `${className}${taskIdHint} of DAG "${builder.settings.dagId}"`;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `Options of ${where} must be an object, got ${describeValue(options)}.`,
    );
  }
  const known = [...Object.keys(baseOperatorOptionsSchema.shape), ...ownKeys];
  const base: Record<string, unknown> = {};
  const own = {} as Record<K, unknown>;
  for (const [key, value] of Object.entries(options)) {
    if ((ownKeys as readonly string[]).includes(key)) own[key as K] = value;
    else if (known.includes(key)) base[key] = value;
    else {
      const suggestion = closest(key, known);
      throw new DefinitionError(
        ErrorCode.optionUnknown,
        `Unknown option "${key}" in ${where}.${suggestion ? ` Did you mean "${suggestion}"?` : ""} Known options: ${known.join(", ")}.`,
        { details: { option: key, where } },
      );
    }
  }
  return { base: base as unknown as BaseOperatorOptions, own, where };
}

/** Parses the base options; an unknown key in a subclass gets a hint about `super(...)`. */
function parseBaseOptions(options: unknown, where: string, className: string) {
  try {
    return parseOptions(baseOperatorOptionsSchema, options, where);
  } catch (error) {
    if (error instanceof DefinitionError && error.code === ErrorCode.optionUnknown) {
      throw new DefinitionError(
        error.code,
        `${error.message} If it is an option of ${className} itself, take it out of the object its constructor passes to super(...).`,
        { details: error.details, cause: error },
      );
    }
    throw error;
  }
}
