/**
 * DAGs being built: `dag(options, build)` runs its build function with the
 * DAG open, `task(...)` and operators add tasks to it, `chain`, `precedes`,
 * `follows`, `after` and `args` add dependencies, and finishing a DAG checks
 * its dependencies and turns it into a {@link DagModel}.
 */
import { ts } from "ts-morph";
import { taskOptionsSchema } from "../../sdk/option-schemas.js";
import { parseDagSettings, parseTaskOptions } from "../definitions.js";
import { DiagnosticCatalog } from "../diagnostics.js";
import type { DagModel, DagSettingsModel, TaskModel } from "../model.js";
import { capitalize, INVALID, reportUnknown } from "../semantics.js";
import { hasModifier } from "../source.js";
import {
  type AliasValue,
  type AssetValue,
  describeValueKind,
  detach,
  type FunctionValue,
  locate,
  type Site,
  sortedBy,
  type TaskHandleValue,
  UNDEFINED,
  type UnknownValue,
  type Value,
} from "../values.js";
import type { Interpreter } from "./interpreter.js";
import type { DagBuild, Env } from "./support.js";

const { SyntaxKind: SK } = ts;

const NO_ASSETS: readonly AssetValue[] = Object.freeze([]);

/** The DAGs of one compilation while they are built. */
export class DagAssembler {
  private readonly builds = new Map<number, DagBuild>();
  private nextKey = 1;

  constructor(private readonly vm: Interpreter) {}

  /** Opens a DAG: tasks and dependencies attach to it until it is finished. */
  openDag(settings: DagSettingsModel, site: Site, scheduleSite: Site): DagBuild {
    const build: DagBuild = {
      key: this.nextKey++,
      settings,
      tasks: new Map(),
      edges: [],
      site: locate(site),
      scheduleSite: locate(scheduleSite),
      open: true,
    };
    this.builds.set(build.key, build);
    return build;
  }

  /** Closes a DAG, checks its dependencies, and adds it to the module that is running. */
  finishDag(build: DagBuild): DagModel {
    build.open = false;
    this.builds.delete(build.key);
    const { dagId } = build.settings;
    const upstream = new Map<string, string[]>();
    for (const edge of build.edges) {
      const up = build.tasks.has(edge.upstream);
      const down = build.tasks.has(edge.downstream);
      if (!up || !down) {
        const missing = up ? edge.downstream : edge.upstream;
        const known = [...build.tasks.keys()].join(", ") || "(none)";
        this.vm.report(
          DiagnosticCatalog.taskNotFound,
          { dagId, upstream: edge.upstream, downstream: edge.downstream, missing, known },
          edge.site,
        );
      } else if (edge.upstream === edge.downstream) {
        this.vm.report(DiagnosticCatalog.dependencyCycle, { dagId, cycle: [edge.upstream, edge.upstream] }, edge.site);
      } else {
        const parents = upstream.get(edge.downstream);
        if (!parents) upstream.set(edge.downstream, [edge.upstream]);
        else if (!parents.includes(edge.upstream)) parents.push(edge.upstream);
      }
    }
    if (build.edges.length >= 2) {
      const cycle = findTaskCycle([...build.tasks.keys()], upstream);
      if (cycle) {
        const first = build.tasks.get(cycle[0] ?? "");
        this.vm.report(DiagnosticCatalog.dependencyCycle, { dagId, cycle }, first?.site ?? build.site);
      }
    }
    for (const [taskId, parents] of upstream)
      if (parents.length > 1)
        upstream.set(
          taskId,
          sortedBy(parents, (id) => id),
        );
    const settings = build.settings;
    const model: DagModel = {
      dagId: settings.dagId,
      description: settings.description,
      schedule: settings.schedule,
      scheduleLeaves: settings.scheduleLeaves,
      condition: settings.condition,
      startDate: settings.startDate,
      catchup: settings.catchup,
      consume: settings.consume,
      assetCatchup: settings.assetCatchup,
      whilePaused: settings.whilePaused,
      maxActiveRuns: settings.maxActiveRuns,
      tags: settings.tags,
      params: settings.params,
      key: build.key,
      tasks: build.tasks,
      upstream,
      site: build.site,
      scheduleSite: build.scheduleSite,
    };
    this.vm.modules.current()?.dags.push(model);
    return model;
  }

  /** `dag(options, build)`: runs the build function with the DAG open. */
  defineFunctionalDag(args: Value[], node: ts.CallExpression, env: Env): Value {
    const site: Site = { file: env.scope.file, node };
    if (env.mode !== "execute") return this.vm.runtime(node, env);
    const [options, build] = args;
    if (build?.kind !== "function") {
      if (build?.kind === "unknown") {
        reportUnknown(this.vm, build, {
          what: "The build function of this DAG",
          hint: "pass an arrow function or a function declared in this project",
        });
        return INVALID;
      }
      this.vm.report(
        DiagnosticCatalog.invalidDag,
        {
          message:
            "dag(options, build) takes a function as its second argument, as in dag({ dagId: 'etl' }, () => { task(...) }).",
        },
        site,
      );
      return INVALID;
    }
    const optionsSite: Site = { file: env.scope.file, node: node.arguments[0] ?? node };
    const parsed = parseDagSettings(this.vm, options, {
      where: (dagId) => (dagId === undefined ? describeDagCall(options) : `dag "${dagId}"`),
      site: optionsSite,
    });
    if (!parsed) return INVALID;
    if (hasModifier(build.node, SK.AsyncKeyword)) {
      this.vm.report(
        DiagnosticCatalog.invalidDag,
        {
          message: `The build function of DAG "${parsed.settings.dagId}" returned a Promise: declare tasks synchronously; put async work inside task functions.`,
        },
        { file: build.scope.file, node: build.node },
      );
      return INVALID;
    }
    const dagBuild = this.openDag(parsed.settings, site, parsed.scheduleSite);
    this.vm.statements.callFunction(build, [], node, { ...env, dag: dagBuild });
    this.finishDag(dagBuild);
    return { kind: "dag", dagId: parsed.settings.dagId };
  }

  /** `task(...)`: a task of the DAG being built, or the `@task(...)` decorator. */
  taskCall(args: Value[], node: ts.CallExpression, env: Env): Value {
    const [first, second] = args;
    if ((first?.kind === "function" || first?.kind === "unknown") && second === undefined && env.dag) {
      return this.defineFunctionTask(undefined, first, node, env);
    }
    if (first?.kind === "function" && second === undefined) return this.defineFunctionTask(undefined, first, node, env);
    if (second?.kind === "function" || second?.kind === "unknown")
      return this.defineFunctionTask(first, second, node, env);
    if (second !== undefined) {
      this.vm.report(
        DiagnosticCatalog.invalidDecorator,
        {
          message:
            "Use @task() with parentheses (or @task({ ... })) on a method of a @dag class; bare @task is not supported.",
        },
        { file: env.scope.file, node },
      );
      return INVALID;
    }
    return {
      kind: "decorator",
      decorator: "task",
      options: first ?? UNDEFINED,
      site: { file: env.scope.file, node },
    };
  }

  /** Adds a task to a DAG; a second task with the same id is reported. */
  addTask(
    build: DagBuild,
    taskId: string,
    operator: string,
    options: {
      outlets: readonly (AssetValue | AliasValue)[];
      inlets: readonly (AssetValue | AliasValue)[];
      retries: number;
      retryDelayMs: number;
      executionTimeoutMs: number | null;
    },
    site: Site,
  ): TaskModel | undefined {
    if (build.tasks.has(taskId)) {
      this.vm.report(DiagnosticCatalog.duplicateTask, { dagId: build.settings.dagId, taskId }, site);
      return undefined;
    }
    const task: TaskModel = {
      taskId: detach(taskId),
      operator: detach(operator),
      outlets: options.outlets,
      inlets: options.inlets,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
      executionTimeoutMs: options.executionTimeoutMs,
      site: locate(site),
      addedThroughAliases: NO_ASSETS,
    };
    build.tasks.set(taskId, task);
    return task;
  }

  private defineFunctionTask(
    options: Value | undefined,
    fn: FunctionValue | UnknownValue,
    node: ts.CallExpression,
    env: Env,
  ): Value {
    const site: Site = { file: env.scope.file, node };
    if (env.mode !== "execute") return this.vm.runtime(node, env);
    const declared = options?.kind === "object" ? options.props.get("taskId") : undefined;
    const fnName = fn.kind === "function" ? fn.name : "";
    const name = declared?.kind === "string" ? declared.value : fnName;
    const build = env.dag;
    if (!build) {
      this.vm.report(
        DiagnosticCatalog.outsideDag,
        { what: `task ${name ? `"${name}"` : "(anonymous function)"}` },
        site,
      );
      return INVALID;
    }
    const where = `task ${name ? `"${name}" ` : ""}of DAG "${build.settings.dagId}"`;
    const parsed = parseTaskOptions(
      this.vm,
      options,
      taskOptionsSchema,
      where,
      `task ${name ? `"${name}"` : "(anonymous)"}`,
      site,
    );
    if (!parsed) return INVALID;
    const taskId = parsed.taskId ?? (fnName || undefined);
    if (!taskId) {
      if (fn.kind === "unknown") {
        reportUnknown(this.vm, fn, {
          what: `The function of a task of DAG "${build.settings.dagId}"`,
          hint: 'define it in this project, or give the task an id: task({ taskId: "my_task" }, fn)',
        });
        return INVALID;
      }
      this.vm.report(
        DiagnosticCatalog.invalidTask,
        {
          message: `A task of DAG "${build.settings.dagId}" has no taskId: pass task({ taskId: "my_task" }, fn) or a named function.`,
        },
        site,
      );
      return INVALID;
    }
    const handles = (key: "args" | "after"): TaskHandleValue[] =>
      this.taskHandles(parsed[key], key, taskId, build, site);
    const argIds = handles("args");
    const task = this.addTask(build, taskId, "task", parsed, site);
    for (const upstream of argIds) build.edges.push({ upstream: upstream.taskId, downstream: taskId, site });
    for (const upstream of handles("after")) build.edges.push({ upstream: upstream.taskId, downstream: taskId, site });
    if (task && fn.kind === "function") this.vm.taskBodies.collectTouches(fn.node, fn.scope, task, build, fn.thisValue);
    return { kind: "task", dagKey: build.key, dagId: build.settings.dagId, taskId };
  }

  /** The task handles of an `args` or `after` list, reporting what is not a handle of this DAG. */
  taskHandles(list: Value | undefined, key: string, taskId: string, build: DagBuild, site: Site): TaskHandleValue[] {
    if (list === undefined) return [];
    if (list.kind === "unknown") {
      reportUnknown(this.vm, list, {
        what: `The option "${key}" of task "${taskId}"`,
        hint: "pass task handles or operators of the same DAG",
      });
      return [];
    }
    if (list.kind !== "array") {
      this.vm.report(
        DiagnosticCatalog.invalidOption,
        {
          option: key,
          where: `task "${taskId}" of DAG "${build.settings.dagId}"`,
          problem: `${key} must be a list of task handles`,
        },
        site,
      );
      return [];
    }
    const result: TaskHandleValue[] = [];
    for (const [index, item] of list.items.entries()) {
      if (item.kind === "task") {
        if (item.dagKey !== build.key) {
          this.vm.report(DiagnosticCatalog.crossDagDependency, { upstream: item.taskId, downstream: taskId }, site);
          continue;
        }
        result.push(item);
      } else if (item.kind === "unknown") {
        reportUnknown(this.vm, item, {
          what: `${capitalize(key)}[${index}] of task "${taskId}"`,
          hint: "pass the handle returned by task(...) or an operator of the same DAG",
        });
      } else {
        this.vm.report(
          DiagnosticCatalog.invalidOption,
          {
            option: `${key}.${index}`,
            where: `task "${taskId}" of DAG "${build.settings.dagId}"`,
            problem: `expected a task handle or operator, got ${describeValueKind(item)}`,
          },
          site,
        );
      }
    }
    return result;
  }

  /** `chain(a, [b, c], d)`. */
  chain(args: Value[], node: ts.CallExpression, env: Env): Value {
    const site: Site = { file: env.scope.file, node };
    if (env.mode !== "execute") return UNDEFINED;
    const lists = args.map((element) => (element.kind === "array" ? element.items : [element]));
    for (let index = 1; index < lists.length; index++) {
      this.link(lists[index - 1] ?? [], lists[index] ?? [], site, "chain()");
    }
    return UNDEFINED;
  }

  /** Makes every task of `downstream` run after every task of `upstream`. */
  link(upstream: readonly Value[], downstream: readonly Value[], site: Site, what: string): void {
    const check = (value: Value): TaskHandleValue | undefined => {
      if (value.kind === "task") return value;
      if (value.kind === "unknown") {
        reportUnknown(this.vm, value, {
          what: `A task passed to ${what}`,
          hint: "pass the handles returned by task(...) or operators",
        });
        return undefined;
      }
      this.vm.report(
        DiagnosticCatalog.invalidTask,
        {
          message: `Dependencies link tasks, but got ${describeValueKind(value)}. Pass the handles returned by task(...) or operators.`,
        },
        site,
      );
      return undefined;
    };
    const ups = upstream.map(check).filter((value) => value !== undefined);
    const downs = downstream.map(check).filter((value) => value !== undefined);
    for (const up of ups) {
      for (const down of downs) {
        if (up.dagKey !== down.dagKey) {
          this.vm.report(DiagnosticCatalog.crossDagDependency, { upstream: up.taskId, downstream: down.taskId }, site);
          continue;
        }
        const build = this.builds.get(up.dagKey);
        if (!build?.open) {
          this.vm.report(
            DiagnosticCatalog.invalidDag,
            {
              message: `Cannot add the dependency ${up.taskId} -> ${down.taskId}: DAG "${up.dagId}" is already built. Declare tasks and dependencies inside dag(options, () => { ... }).`,
            },
            site,
          );
          continue;
        }
        build.edges.push({ upstream: up.taskId, downstream: down.taskId, site });
      }
    }
  }
}

function describeDagCall(options: Value | undefined): string {
  const dagId = options?.kind === "object" ? options.props.get("dagId") : undefined;
  return dagId?.kind === "string" ? `dag "${dagId.value}"` : "dag()";
}

/** Kahn's algorithm over arrays, for DAGs with few tasks (no maps to allocate). */
function hasCycleSmall(taskIds: readonly string[], upstream: ReadonlyMap<string, readonly string[]>): boolean {
  const remaining = taskIds.map((taskId) => upstream.get(taskId)?.length ?? 0);
  const done = taskIds.map(() => false);
  let progress = true;
  let count = 0;
  while (progress) {
    progress = false;
    for (let index = 0; index < taskIds.length; index++) {
      if (done[index] || remaining[index] !== 0) continue;
      done[index] = true;
      count++;
      progress = true;
      const taskId = taskIds[index];
      for (let child = 0; child < taskIds.length; child++) {
        const parents = upstream.get(taskIds[child] as string);
        if (parents && taskId !== undefined && parents.includes(taskId)) remaining[child] = (remaining[child] ?? 0) - 1;
      }
    }
  }
  return count !== taskIds.length;
}

/** A cycle among task dependencies, in run order, or undefined (the SDK's `topologicalSort`). */
function findTaskCycle(
  taskIds: readonly string[],
  upstream: ReadonlyMap<string, readonly string[]>,
): string[] | undefined {
  // Kahn's algorithm first: most DAGs have no cycle, and this is linear.
  if (taskIds.length <= 32 && !hasCycleSmall(taskIds, upstream)) return undefined;
  const remaining = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const taskId of taskIds) {
    const parents = upstream.get(taskId);
    remaining.set(taskId, parents?.length ?? 0);
    for (const parent of parents ?? []) {
      const children = downstream.get(parent);
      if (children) children.push(taskId);
      else downstream.set(parent, [taskId]);
    }
  }
  const ready = taskIds.filter((taskId) => remaining.get(taskId) === 0);
  let done = 0;
  while (ready.length > 0) {
    const taskId = ready.pop() as string;
    done++;
    for (const child of downstream.get(taskId) ?? []) {
      const left = (remaining.get(child) ?? 0) - 1;
      remaining.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (done === taskIds.length) return undefined;
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  let cycle: string[] | undefined;
  const visit = (taskId: string): void => {
    if (cycle) return;
    const seen = state.get(taskId);
    if (seen === "done") return;
    if (seen === "visiting") {
      cycle = [...path.slice(path.indexOf(taskId)), taskId].reverse();
      return;
    }
    state.set(taskId, "visiting");
    path.push(taskId);
    for (const parent of [...(upstream.get(taskId) ?? [])].sort()) visit(parent);
    path.pop();
    state.set(taskId, "done");
  };
  for (const taskId of taskIds) visit(taskId);
  return cycle;
}
