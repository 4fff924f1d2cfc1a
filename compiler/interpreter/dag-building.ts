/**
 * DAGs being built: `dag(options, build)` runs its build function with the
 * DAG open, `task(...)` and operators add tasks to it, `chain`, `precedes`,
 * `follows`, `after` and `args` add dependencies, and finishing a DAG checks
 * its dependencies and turns it into a {@link DagModel}.
 */
import { ts } from "ts-morph";
import { dependencyProblems } from "../../sdk/dependencies.js";
import { taskOptionsSchema } from "../../sdk/option-schemas.js";
import { parseDagSettings, parseTaskOptions } from "../definitions.js";
import { DiagnosticCatalog, sdkRuleDiagnostic } from "../diagnostics.js";
import type { DagModel, DagSettingsModel, TaskModel } from "../model.js";
import { capitalize, INVALID, reportUnknown } from "../semantics.js";
import { hasModifier } from "../source.js";
import {
  type AliasValue,
  type AssetValue,
  describeValueKind,
  detach,
  type FunctionValue,
  type InletValue,
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
    // The SDK's dependency rules (sdk/dependencies.ts), each problem reported where it is written.
    const check = dependencyProblems(dagId, [...build.tasks.keys()], build.edges);
    for (const problem of check.problems) {
      const edge = problem.edge === undefined ? undefined : build.edges[problem.edge];
      const site = edge?.site ?? build.tasks.get(problem.cycle?.[0] ?? "")?.site ?? build.site;
      this.vm.report(sdkRuleDiagnostic(problem.code), { rule: problem.code, message: problem.message }, site);
    }
    const upstream = new Map<string, readonly string[]>();
    for (const [taskId, parents] of check.upstream)
      if (parents.size > 0)
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
      outlets: readonly InletValue[];
      inlets: readonly InletValue[];
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
