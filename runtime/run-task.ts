/**
 * Runs one try of one task in-process: builds the task context, calls the
 * task function or operator, and turns what happened into a `TaskOutcome`.
 */
import type {
  AssetEventReader,
  AssetIdentity,
  EmittedAssetEvent,
  TaskErrorInfo,
  TaskOutcome,
  TaskRunRequest,
} from "../scheduler/contracts.js";
import {
  type Dag,
  findNonJson,
  isAssetflowError,
  isMetadata,
  isTaskSkipped,
  type JsonValue,
  type OperatorServices,
  type TaskContext,
  type TaskDefinition,
} from "../sdk/index.js";
import { describeValue } from "../sdk/json.js";
import { RuntimeErrorCode, TaskRuntimeError } from "./errors.js";
import { deepFreeze, toDate } from "./events.js";
import { createInletEvents, type ResolvedInletRefs, resolveInletRefs } from "./inlet-events.js";
import { OutletCollector } from "./outlet-events.js";
import { createOperatorServices } from "./services.js";
import { createTemplateContext, renderTemplateFields } from "./templates.js";
import { createTriggeringAssetEvents, scheduleAssets } from "./triggering-events.js";

/**
 * What {@link runTask} needs besides the DAG and the request.
 *
 * @example
 * ```ts
 * const deps: RunTaskDeps = { reader: new MemoryAssetEventReader(), log: (line) => lines.push(line) };
 * ```
 */
export interface RunTaskDeps {
  /** Reads past events for `ctx.inletEvents`. */
  readonly reader: AssetEventReader;
  /** Services for built-in operators (default: the real ones of {@link createOperatorServices}, logging to the task log). */
  readonly services?: OperatorServices;
  /** Receives each line of the task log, prefixed with its ISO time (default: standard output). */
  readonly log?: (line: string) => void;
  /** The clock that stamps log lines, in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * Runs one try of `request.key.taskId` of `dag` in this process and reports
 * how it ended. It never throws for a problem of the task (only for a bug of
 * its own):
 *
 * - `success` with one event per outlet asset (extra `{}` unless set) plus
 *   the assets added through outlet aliases, deduplicated by (asset, extra),
 *   and the task's return value as `result` when it is JSON;
 * - `skipped` when the task throws `TaskSkipped`;
 * - `failed` for any other throw (with the `code` of an `AssetflowError`), a
 *   yield that is not `Metadata`, an extra or a return value that is not
 *   JSON, an extra its asset's schema refuses (`EXTRA_INVALID`; no events
 *   then), or a try longer than `request.executionTimeoutMs`.
 *
 * Function tasks are called as `fn.call(thisArg, ctx, ...upstreamResults)` in
 * the order of the task's `args`; plain, async, generator and async generator
 * functions all work. Operators get their template fields rendered on a
 * shallow copy, then `preExecute`, `execute` and `postExecute(ctx, result)`.
 *
 * The timeout only stops *waiting*: JavaScript cannot stop a running function,
 * so a timed-out task keeps running in the background (a generator task is
 * closed at its next step; a bash command or query started by an operator
 * runs to its end), and a task that blocks the event loop is not interrupted
 * at all (it fails as timed out once it returns). Killing a stuck task is the
 * worker pool's job, which runs tasks in processes it can terminate.
 *
 * @example
 * ```ts
 * const outcome = await runTask(etl, request, { reader, log: (line) => console.log(line) });
 * if (outcome.state === "success") store.recordEvents(outcome.events);
 * ```
 */
export async function runTask(dag: Dag, request: TaskRunRequest, deps: RunTaskDeps): Promise<TaskOutcome> {
  const now = deps.now ?? Date.now;
  const sink = deps.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (message: string): void => {
    const time = new Date(now()).toISOString();
    for (const line of String(message).split("\n")) sink(`[${time}] ${line}`);
  };
  const { key } = request;
  const task = key.dagId === dag.dagId ? dag.getTask(key.taskId) : undefined;
  if (task === undefined) {
    const message =
      key.dagId !== dag.dagId
        ? `The request is for DAG "${key.dagId}" but the DAG given is "${dag.dagId}".`
        : `DAG "${dag.dagId}" has no task "${key.taskId}" (was it renamed or removed?). Its tasks: ${[...dag.tasks.keys()].join(", ") || "(none)"}.`;
    log(message);
    return { state: "failed", error: { message, code: RuntimeErrorCode.requestInvalid } };
  }

  const started = performance.now();
  log(`Running task "${task.taskId}" of DAG "${dag.dagId}", run "${key.runId}", try ${key.tryNumber}.`);
  const collector = new OutletCollector({ dagId: dag.dagId, taskId: task.taskId, outlets: task.outlets }, deps.reader);
  const stop = { requested: false };
  const timeoutMs = request.executionTimeoutMs;
  const timedOut = (): TaskRuntimeError => {
    stop.requested = true;
    return new TaskRuntimeError(
      RuntimeErrorCode.timeout,
      `Task "${task.taskId}" of DAG "${dag.dagId}" timed out after ${timeoutMs} ms (its executionTimeout).`,
      { details: { dagId: dag.dagId, taskId: task.taskId, executionTimeoutMs: timeoutMs } },
    );
  };
  try {
    const ctx = createTaskContext(dag, task, request, {
      collector,
      reader: deps.reader,
      // Asset.ref inlets resolve before the task runs: one naming no asset fails the try here.
      refs: await resolveInletRefs({ dagId: dag.dagId, taskId: task.taskId, inlets: task.inlets }, deps.reader),
      // What a ref given to ctx.triggeringAssetEvents may name besides the triggering assets.
      scheduleAssets: await scheduleAssets(dag.settings.schedule, deps.reader),
      services: deps.services ?? createOperatorServices({ log }),
      log,
    });
    const result = await withTimeout(runBody(task, ctx, request, collector, stop), timeoutMs, timedOut);
    // A task that blocked the event loop finishes before the timer can fire.
    if (timeoutMs !== null && performance.now() - started > timeoutMs) throw timedOut();
    const events = await collector.checkedEvents();
    const outcome = successOutcome(task, dag.dagId, events, result);
    log(`Task succeeded in ${elapsed(started)} ms with ${events.length} asset event(s).`);
    return outcome;
  } catch (error) {
    if (isTaskSkipped(error)) {
      log(`Task skipped: ${error.message}`);
      return { state: "skipped", reason: error.message };
    }
    const info = errorInfo(error);
    log(`Task failed after ${elapsed(started)} ms: ${info.message}`);
    if (info.stack !== undefined) log(info.stack);
    return { state: "failed", error: info };
  }
}

/** What {@link createTaskContext} wires into the context. */
interface ContextParts {
  readonly collector: OutletCollector;
  readonly reader: AssetEventReader;
  readonly refs: ResolvedInletRefs;
  readonly scheduleAssets: readonly AssetIdentity[];
  readonly services: OperatorServices;
  readonly log: (message: string) => void;
}

function createTaskContext(dag: Dag, task: TaskDefinition, request: TaskRunRequest, parts: ContextParts): TaskContext {
  const { key } = request;
  return Object.freeze({
    dagId: dag.dagId,
    taskId: task.taskId,
    runId: key.runId,
    runType: request.runType,
    tryNumber: key.tryNumber,
    mapIndex: key.mapIndex,
    logicalDate: toDate(request.logicalDate),
    dataIntervalStart: toDate(request.dataIntervalStart),
    dataIntervalEnd: toDate(request.dataIntervalEnd),
    params: deepFreeze(structuredClone({ ...dag.settings.params, ...request.conf })),
    conf: deepFreeze(structuredClone(request.conf)),
    outletEvents: parts.collector.accessors,
    inletEvents: createInletEvents(
      { dagId: dag.dagId, taskId: task.taskId, inlets: task.inlets },
      parts.reader,
      parts.refs,
    ),
    triggeringAssetEvents: createTriggeringAssetEvents(
      request.triggeringEvents,
      request.triggeringAliases,
      request.triggeringCaptures,
      { user: { dagId: dag.dagId, taskId: task.taskId }, scheduleAssets: parts.scheduleAssets },
    ),
    log: (message: string) => parts.log(message),
    services: parts.services,
  });
}

/** Runs the task function or operator; resolves with the task's return value. */
async function runBody(
  task: TaskDefinition,
  ctx: TaskContext,
  request: TaskRunRequest,
  collector: OutletCollector,
  stop: { readonly requested: boolean },
): Promise<unknown> {
  const onYield = (item: unknown): void => {
    if (!isMetadata(item)) {
      throw new TaskRuntimeError(
        RuntimeErrorCode.yieldInvalid,
        `Task "${task.taskId}" of DAG "${ctx.dagId}" yielded ${describeValue(item)}, but a task may only yield Metadata, ` +
          "as in yield new Metadata(asset, { rowCount: 3 }). To make a value the task's result, return it instead.",
        { details: { dagId: ctx.dagId, taskId: task.taskId } },
      );
    }
    collector.applyMetadata(item);
  };
  const runner = task.runner;
  switch (runner.kind) {
    case "function": {
      const args = task.args.map((upstream) => request.upstreamResults[upstream]);
      return drive(runner.fn.call(runner.thisArg, ctx, ...args), onYield, stop);
    }
    case "operator": {
      const operator = renderTemplateFields(runner.operator, createTemplateContext(ctx));
      await drive(operator.preExecute(ctx), onYield, stop);
      const result = await drive(operator.execute(ctx), onYield, stop);
      await drive(operator.postExecute(ctx, result), onYield, stop);
      return result;
    }
    default:
      return assertNever(runner);
  }
}

/**
 * Resolves what a task function or operator method returned: awaits a value
 * or promise; runs a generator (sync or async) to its end, handing each
 * yielded item to `onYield`, and resolves with its return value. A generator
 * is closed (its `finally` blocks run) when `onYield` throws or a stop is
 * requested.
 */
async function drive(
  value: unknown,
  onYield: (item: unknown) => void,
  stop: { readonly requested: boolean },
): Promise<unknown> {
  const tag = Object.prototype.toString.call(value);
  if (tag !== "[object Generator]" && tag !== "[object AsyncGenerator]") return await value;
  const generator = value as Generator<unknown, unknown, undefined> | AsyncGenerator<unknown, unknown, undefined>;
  let step = await generator.next();
  while (!step.done) {
    if (stop.requested) {
      await generator.return(undefined);
      return undefined;
    }
    try {
      onYield(step.value);
    } catch (error) {
      await Promise.resolve(generator.return(undefined)).catch(() => {});
      throw error;
    }
    step = await generator.next();
  }
  return step.value;
}

/** Races `work` against a timer; `onTimeout` makes the rejection. No timer when `timeoutMs` is null. */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number | null, onTimeout: () => Error): Promise<T> {
  if (timeoutMs === null) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function successOutcome(
  task: TaskDefinition,
  dagId: string,
  events: readonly EmittedAssetEvent[],
  result: unknown,
): TaskOutcome {
  if (result === undefined) return { state: "success", events };
  const path = findNonJson(result);
  if (path !== undefined) {
    throw new TaskRuntimeError(
      RuntimeErrorCode.resultNotJson,
      `Task "${task.taskId}" of DAG "${dagId}" returned a value that is not JSON` +
        `${path === "" ? `: ${describeValue(result)}` : ` (key "${path}")`}. ` +
        "A task's return value is passed to downstream tasks and must be plain JSON; convert it (a Date with toISOString(), a Map with Object.fromEntries()) or return nothing.",
      { details: { dagId, taskId: task.taskId, key: path } },
    );
  }
  return { state: "success", events, result: result as JsonValue };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function errorInfo(error: unknown): TaskErrorInfo {
  // Duck-typed rather than `instanceof Error`, so errors from another realm count too.
  const candidate = error as Partial<Error> | null;
  if (typeof candidate?.message !== "string")
    return { message: `The task threw ${describeThrown(error)}, not an Error.` };
  const message = candidate.message === "" ? String(candidate.name ?? "Error") : candidate.message;
  const info: { message: string; code?: string; stack?: string } = { message };
  if (isAssetflowError(error)) info.code = error.code;
  if (typeof candidate.stack === "string") info.stack = candidate.stack;
  return info;
}

function describeThrown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return `${describeValue(value)} (${String(value)})`;
  } catch {
    return describeValue(value);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unhandled task runner ${JSON.stringify(value)}`);
}
