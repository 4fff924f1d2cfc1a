import type { InletTarget, OutletTarget } from "./asset.js";
import type { TaskContext } from "./context.js";
import { type TaskMethodDecorator, taskDecorator } from "./decorators/task-decorator.js";
import { type DagBuilder, requireDagBuilder, type TaskDefinition } from "./definitions.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import { describeValue, undefinedHint } from "./json.js";
import { taskOptionsSchema } from "./option-schemas.js";
import { parseOptions } from "./options.js";

/** @internal Marks task handles and operators; holds their DAG builder. */
export const TASK_HANDLE_MARK: unique symbol = Symbol.for("assetflow.taskHandle") as never;
declare const resultType: unique symbol;

/** Default delay between two tries of a task: 5 minutes, as Airflow. */
export const DEFAULT_RETRY_DELAY_MS = 300_000;

/**
 * A task inside a DAG being defined: use it to declare dependencies
 * (`a.precedes(b)`, `chain(a, b, c)`) or to pass its result to another task
 * (`args: [a]`). `TResult` is the type of the value it returns.
 */
export interface TaskHandle<TResult = unknown> {
  readonly taskId: string;
  /** @internal */
  readonly [TASK_HANDLE_MARK]: DagBuilder;
  /** Phantom: the task's result type. */
  readonly [resultType]?: TResult;
  /**
   * Makes `downstream` run after this task; returns the last one, so calls chain:
   * `a.precedes(b).precedes(c)`.
   */
  precedes<T extends TaskHandle<unknown>>(...downstream: [...TaskHandle<unknown>[], T]): T;
  /** Makes this task run after every task of `upstream`; returns this task. */
  follows(...upstream: TaskHandle<unknown>[]): this;
}

/** The result type of a task function's return value (generators give their return value). */
export type TaskResult<T> =
  T extends AsyncGenerator<unknown, infer R, unknown>
    ? R
    : T extends Generator<unknown, infer R, unknown>
      ? R
      : Awaited<T>;

/** The result types of a list of task handles, in order. */
export type ResultsOf<A extends readonly TaskHandle<unknown>[]> = {
  -readonly [K in keyof A]: A[K] extends TaskHandle<infer R> ? R : never;
};

/** Options of `task(options, fn)`. */
export interface TaskOptions<A extends readonly TaskHandle<unknown>[] = readonly TaskHandle<unknown>[]> {
  /** The task's id; defaults to the function's name. */
  taskId?: string;
  /**
   * Assets and aliases this task updates when it succeeds, and
   * `Asset.ref({ name })` / `Asset.ref({ uri })`, resolved to the registered
   * asset when the try starts.
   */
  outlets?: readonly OutletTarget[];
  /**
   * Assets and aliases whose past events the task reads through `ctx.inletEvents`, and
   * `Asset.ref({ name })` / `Asset.ref({ uri })`, resolved to the registered asset when the task runs.
   */
  inlets?: readonly InletTarget[];
  /** How many times a failed try is retried (default 0). */
  retries?: number;
  /** Milliseconds between tries (default 300000). */
  retryDelay?: number;
  /** Milliseconds a try may run before it fails (default: no limit). */
  executionTimeout?: number;
  /** Tasks this one runs after. */
  after?: readonly TaskHandle<unknown>[];
  /** Tasks whose results are passed to the function, in order, after the context; they run first. */
  args?: A;
}

/** Options of `@task(options)` on a method of a `@dag` class. */
export interface TaskDecoratorOptions extends Omit<TaskOptions, "after" | "args"> {
  /** Tasks (method names or task ids) this one runs after. */
  after?: readonly string[];
  /** Tasks (method names or task ids) whose results are passed to the method, in order, after the context. */
  args?: readonly string[];
}

/**
 * Declares a task. Two forms:
 *
 * - inside `dag(options, () => { ... })`: `task(options, fn)` or `task(fn)`
 *   adds a task running `fn(ctx, ...results of args)` and returns its handle;
 * - on a method of a `@dag` class: `@task(options)` or `@task()`.
 *
 * Task functions may be plain, async, or (async) generators yielding `Metadata`.
 *
 * @example
 * ```ts
 * dag({ dagId: "etl", schedule: null }, () => {
 *   const extract = task({ taskId: "extract" }, () => ({ rows: 3 }));
 *   task({ taskId: "load", args: [extract], outlets: [orders] }, (ctx, data) => {
 *     ctx.outletEvents.get(orders).extra = { rowCount: data.rows };
 *   });
 * });
 * ```
 */
export function task<const A extends readonly TaskHandle<unknown>[], F extends TaskFunction<ResultsOf<A>>>(
  options: TaskOptions<A>,
  fn: F,
): TaskHandle<TaskResult<ReturnType<F>>>;
export function task<F extends TaskFunction<[]>>(fn: F): TaskHandle<TaskResult<ReturnType<F>>>;
export function task(options?: TaskDecoratorOptions): TaskMethodDecorator;
export function task(first?: unknown, second?: unknown, ...rest: unknown[]): unknown {
  if (typeof first === "function" && second === undefined) return defineFunctionTask({}, first);
  if (typeof second === "function") return defineFunctionTask(first, second);
  if (second !== undefined || rest.length > 0) {
    throw new DefinitionError(
      ErrorCode.decoratorInvalid,
      "Use @task() with parentheses (or @task({ ... })) on a method of a @dag class; bare @task is not supported.",
    );
  }
  return taskDecorator(first);
}

/** A task function: gets the context and the results of its `args`. */
export type TaskFunction<Args extends unknown[]> = (ctx: TaskContext, ...args: Args) => unknown;

function defineFunctionTask(rawOptions: unknown, fn: Function): TaskHandle {
  const declaredId = (rawOptions as { taskId?: unknown } | null)?.taskId;
  const name = typeof declaredId === "string" ? declaredId : fn.name;
  const builder = requireDagBuilder(`task ${name ? `"${name}"` : "(anonymous function)"}`);
  const where = `task ${name ? `"${name}" ` : ""}of DAG "${builder.settings.dagId}"`;
  const options = parseOptions(taskOptionsSchema, rawOptions, where);
  const taskId = options.taskId ?? (fn.name || undefined);
  if (!taskId) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `A task of DAG "${builder.settings.dagId}" has no taskId: pass task({ taskId: "my_task" }, fn) or a named function.`,
    );
  }
  const args = (options.args ?? []).map((handle, index) =>
    handleTaskId(handle, builder, `args[${index}] of task "${taskId}"`),
  );
  builder.addTask(
    makeTaskDefinition(taskId, "task", options, args, { kind: "function", fn: fn as never, thisArg: undefined }),
  );
  for (const [index, handle] of (options.after ?? []).entries()) {
    builder.addDependency(handleTaskId(handle, builder, `after[${index}] of task "${taskId}"`), taskId);
  }
  return createTaskHandle(taskId, builder);
}

/** Builds a {@link TaskDefinition} from validated common options, applying defaults. */
export function makeTaskDefinition(
  taskId: string,
  operator: string,
  options: {
    outlets?: readonly OutletTarget[] | undefined;
    inlets?: readonly InletTarget[] | undefined;
    retries?: number | undefined;
    retryDelay?: number | undefined;
    executionTimeout?: number | undefined;
  },
  args: readonly string[],
  runner: TaskDefinition["runner"],
): TaskDefinition {
  return Object.freeze({
    taskId,
    operator,
    outlets: Object.freeze([...(options.outlets ?? [])]),
    inlets: Object.freeze([...(options.inlets ?? [])]),
    args: Object.freeze([...args]),
    retries: options.retries ?? 0,
    retryDelayMs: options.retryDelay ?? DEFAULT_RETRY_DELAY_MS,
    executionTimeoutMs: options.executionTimeout ?? null,
    runner,
  });
}

/** Creates the handle of a task added to `builder`. */
export function createTaskHandle(taskId: string, builder: DagBuilder): TaskHandle {
  const handle: TaskHandle = {
    taskId,
    [TASK_HANDLE_MARK]: builder,
    precedes(...downstream) {
      linkTasks([handle], downstream);
      return downstream.at(-1) as never;
    },
    follows(...upstream) {
      linkTasks(upstream, [handle]);
      return handle as never;
    },
  };
  return Object.freeze(handle);
}

/** True for a task handle (or operator) from any copy of the package. */
export function isTaskHandle(value: unknown): value is TaskHandle {
  return typeof value === "object" && value !== null && TASK_HANDLE_MARK in value;
}

/**
 * Runs the tasks in order: each element after the previous one. An element
 * may be a list: every task of one element runs after every task of the
 * element before it.
 *
 * @example
 * ```ts
 * chain(extract, [cleanA, cleanB], load); // extract -> cleanA, cleanB -> load
 * ```
 */
export function chain(...elements: Array<TaskHandle<unknown> | readonly TaskHandle<unknown>[]>): void {
  for (let index = 1; index < elements.length; index++) {
    const previous = elements[index - 1];
    const current = elements[index];
    linkTasks(toList(previous), toList(current));
  }
}

function toList(element: TaskHandle<unknown> | readonly TaskHandle<unknown>[] | undefined): TaskHandle<unknown>[] {
  if (element === undefined) return [];
  return Array.isArray(element) ? [...element] : [element as TaskHandle<unknown>];
}

/** Makes every task of `downstream` run after every task of `upstream`. */
export function linkTasks(upstream: readonly TaskHandle<unknown>[], downstream: readonly TaskHandle<unknown>[]): void {
  for (const up of upstream) {
    for (const down of downstream) {
      for (const handle of [up, down]) {
        if (!isTaskHandle(handle)) {
          throw new DefinitionError(
            ErrorCode.dagInvalid,
            `Dependencies link tasks, but got ${describeValue(handle)}. Pass the handles returned by task(...) or operators.${undefinedHint(handle)}`,
          );
        }
      }
      const builder = up[TASK_HANDLE_MARK];
      if (builder !== down[TASK_HANDLE_MARK]) {
        throw new DefinitionError(
          ErrorCode.dagInvalid,
          `Tasks "${up.taskId}" and "${down.taskId}" belong to different DAGs and cannot depend on each other. Use an Asset to connect DAGs.`,
        );
      }
      builder.addDependency(up.taskId, down.taskId);
    }
  }
}

function handleTaskId(handle: unknown, builder: DagBuilder, where: string): string {
  if (!isTaskHandle(handle)) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `${where} is ${describeValue(handle)}: pass the handle returned by task(...) or an operator of the same DAG.${undefinedHint(handle)}`,
    );
  }
  if (handle[TASK_HANDLE_MARK] !== builder) {
    throw new DefinitionError(
      ErrorCode.dagInvalid,
      `${where} refers to task "${handle.taskId}" of another DAG. Use an Asset to connect DAGs.`,
    );
  }
  return handle.taskId;
}
