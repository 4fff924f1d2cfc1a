/**
 * The definition objects both authoring styles produce: {@link Dag} and
 * {@link TaskDefinition}, and the builder that assembles them. The functional
 * API drives the builder directly; the decorator scanner drives it from
 * recorded metadata.
 */
import type { AnyAsset, AssetAlias, InletTarget, OutletTarget } from "./asset.js";
import type { TaskContext } from "./context.js";
import { cycleMessage, dependencyProblems, findCycle } from "./dependencies.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import type { JsonObject } from "./json.js";
import type { AssetCatchupManifest, ConsumeManifest, ScheduleManifest } from "./manifest/schema.js";

/** What a task does when it runs. */
export type TaskRunner =
  | {
      readonly kind: "function";
      /** The task function or method; called with the context and upstream results. */
      readonly fn: (ctx: TaskContext, ...args: unknown[]) => unknown;
      /** `this` for a decorated method (an instance of the DAG class). */
      readonly thisArg: unknown;
    }
  | { readonly kind: "operator"; readonly operator: OperatorLike };

/** The part of an operator the runtime calls. */
export interface OperatorLike {
  readonly taskId: string;
  execute(ctx: TaskContext): unknown;
  preExecute(ctx: TaskContext): unknown;
  postExecute(ctx: TaskContext, result: unknown): unknown;
}

/** A task as defined: identity, assets, dependencies, retry policy and what it runs. */
export interface TaskDefinition {
  readonly taskId: string;
  /** `"task"` for task functions and methods, the class name for operators. */
  readonly operator: string;
  /** Assets, aliases and `Asset.ref`s the task updates (refs resolve when it runs). */
  readonly outlets: readonly OutletTarget[];
  /** Assets, aliases and `Asset.ref`s whose past events the task reads (refs resolve when it runs). */
  readonly inlets: readonly InletTarget[];
  /** Task ids whose return values are passed, in order, after the context. */
  readonly args: readonly string[];
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly executionTimeoutMs: number | null;
  readonly runner: TaskRunner;
}

/** DAG-level settings, after validation and defaults. */
export interface DagSettings {
  readonly dagId: string;
  readonly description: string | null;
  readonly schedule: ScheduleManifest;
  readonly startDate: string | null;
  /** Time schedules: create the runs missed since `startDate`. */
  readonly catchup: boolean;
  /** Asset-triggered runs: how a run takes pending events (undefined: all of them). */
  readonly consume: ConsumeManifest | undefined;
  /** Asset schedules: events recorded before registration (or during a pause) to take (undefined: none). */
  readonly assetCatchup: AssetCatchupManifest | undefined;
  /** Asset schedules: `"catchup"` queues nothing while paused (undefined: events keep queuing). */
  readonly whilePaused: "catchup" | undefined;
  readonly maxActiveRuns: number;
  readonly tags: readonly string[];
  readonly params: Readonly<JsonObject>;
  /** The assets and aliases the schedule's condition names, as declared (for their group and extra). */
  readonly scheduleAssets: readonly (AnyAsset | AssetAlias)[];
}

const DAG_MARK = Symbol.for("assetflow.dag");

/**
 * A DAG definition: its settings and tasks with their dependencies. Made by
 * `dag(options, build)` or by `@dag` on a class; immutable once built.
 *
 * @example
 * ```ts
 * const producer = dag({ dagId: "producer", schedule: "@daily" }, () => {
 *   task({ taskId: "write", outlets: [example] }, () => {});
 * });
 * producer.getTaskOrThrow("write").outlets; // [example]
 * ```
 */
export class Dag {
  /** @internal */
  readonly [DAG_MARK] = true;
  readonly dagId: string;
  readonly settings: DagSettings;
  /** Tasks by id, in definition order. */
  readonly tasks: ReadonlyMap<string, TaskDefinition>;
  /** Upstream task ids of each task. */
  readonly upstream: ReadonlyMap<string, ReadonlySet<string>>;
  /** The class a decorated DAG was scanned from. */
  readonly definitionClass: Function | undefined;

  /** @internal Use `dag()` or `@dag`. */
  constructor(
    settings: DagSettings,
    tasks: ReadonlyMap<string, TaskDefinition>,
    upstream: ReadonlyMap<string, ReadonlySet<string>>,
    definitionClass?: Function,
  ) {
    this.dagId = settings.dagId;
    this.settings = settings;
    this.tasks = tasks;
    this.upstream = upstream;
    this.definitionClass = definitionClass;
    Object.freeze(this);
  }

  /** The task with this id, or undefined. */
  getTask(taskId: string): TaskDefinition | undefined {
    return this.tasks.get(taskId);
  }

  /** The task with this id, or a clear error listing the known ids. */
  getTaskOrThrow(taskId: string): TaskDefinition {
    const task = this.tasks.get(taskId);
    if (!task) {
      throw new DefinitionError(
        ErrorCode.taskNotFound,
        `DAG "${this.dagId}" has no task "${taskId}". Its tasks: ${[...this.tasks.keys()].join(", ") || "(none)"}.`,
      );
    }
    return task;
  }

  /** Task ids in an order where every task comes after its upstream tasks. */
  topologicalOrder(): string[] {
    return topologicalSort([...this.tasks.keys()], this.upstream, this.dagId);
  }
}

/** True for a {@link Dag} from any copy of the package. */
export function isDag(value: unknown): value is Dag {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[DAG_MARK] === true;
}

/**
 * Assembles one DAG. Tasks and dependencies are added while the builder is
 * open; {@link DagBuilder.finish} checks references and cycles and returns the
 * frozen {@link Dag}.
 */
export class DagBuilder {
  private readonly tasks = new Map<string, TaskDefinition>();
  private readonly edges: Array<{ upstream: string; downstream: string }> = [];
  private finished = false;

  constructor(
    readonly settings: DagSettings,
    private readonly definitionClass?: Function,
  ) {}

  /** Adds a task; a second task with the same id is an error. */
  addTask(definition: TaskDefinition): void {
    this.assertOpen(`add task "${definition.taskId}"`);
    if (this.tasks.has(definition.taskId)) {
      throw new DefinitionError(
        ErrorCode.taskDuplicate,
        `DAG "${this.settings.dagId}" already has a task "${definition.taskId}": task ids must be unique within a DAG. Rename one of them (option taskId).`,
        { details: { dagId: this.settings.dagId, taskId: definition.taskId } },
      );
    }
    this.tasks.set(definition.taskId, definition);
    for (const upstream of definition.args) this.addDependency(upstream, definition.taskId);
  }

  /** Records that `downstream` runs after `upstream`. */
  addDependency(upstream: string, downstream: string): void {
    this.assertOpen(`add the dependency ${upstream} -> ${downstream}`);
    this.edges.push({ upstream, downstream });
  }

  /** Validates references and cycles and returns the DAG. */
  finish(): Dag {
    this.assertOpen("finish");
    this.finished = true;
    const { problems, upstream } = dependencyProblems(this.settings.dagId, [...this.tasks.keys()], this.edges);
    const [problem] = problems;
    if (problem) throw new DefinitionError(problem.code, problem.message, { details: problem.details });
    return new Dag(this.settings, new Map(this.tasks), upstream, this.definitionClass);
  }

  private assertOpen(action: string): void {
    if (this.finished) {
      throw new DefinitionError(
        ErrorCode.dagInvalid,
        `Cannot ${action}: DAG "${this.settings.dagId}" is already built. Declare tasks and dependencies inside dag(options, () => { ... }).`,
      );
    }
  }
}

/**
 * Orders task ids so that each comes after its upstream ids; throws a
 * {@link DefinitionError} naming the cycle when there is one.
 */
export function topologicalSort(
  taskIds: readonly string[],
  upstream: ReadonlyMap<string, ReadonlySet<string>>,
  dagId: string,
): string[] {
  const cycle = findCycle(taskIds, upstream);
  if (cycle)
    throw new DefinitionError(ErrorCode.dependencyCycle, cycleMessage(dagId, cycle), { details: { dagId, cycle } });
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (taskId: string): void => {
    if (done.has(taskId)) return;
    done.add(taskId);
    for (const parent of [...(upstream.get(taskId) ?? [])].sort()) visit(parent);
    order.push(taskId);
  };
  for (const taskId of taskIds) visit(taskId);
  return order;
}

const builderStack: DagBuilder[] = [];

/** The builder of the DAG being defined right now, if any. */
export function currentDagBuilder(): DagBuilder | undefined {
  return builderStack.at(-1);
}

/** Runs `fn` with `builder` as the current DAG builder. */
export function withDagBuilder<T>(builder: DagBuilder, fn: () => T): T {
  builderStack.push(builder);
  try {
    return fn();
  } finally {
    builderStack.pop();
  }
}

/** The current DAG builder, or a clear error naming what needed one. */
export function requireDagBuilder(what: string): DagBuilder {
  const builder = currentDagBuilder();
  if (!builder) {
    throw new DefinitionError(
      ErrorCode.dagInvalid,
      `${what} was created outside a DAG. Create it inside dag(options, () => { ... }) or as a field or method of a @dag class.`,
    );
  }
  return builder;
}
