import "reflect-metadata";
import { makeDagSettings } from "../dag-settings.js";
import { type Dag, DagBuilder, withDagBuilder } from "../definitions.js";
import { DefinitionError, ErrorCode } from "../errors.js";
import { dagDecoratorOptionsSchema, taskDecoratorOptionsSchema } from "../option-schemas.js";
import { parseOptions } from "../options.js";
import { makeTaskDefinition } from "../task.js";
import { DAG_DEFINITION_KEY, DAG_OPTIONS_KEY, TASK_METHODS_KEY, type TaskMethodRecord } from "./keys.js";

/**
 * Reads what `@dag` and `@task` recorded on a class and builds the same
 * {@link Dag} the functional API would: operators created in field
 * initializers attach to it, and each `@task` method becomes a task whose
 * `this` is one instance of the class.
 *
 * @example
 * ```ts
 * const definition = scanDagClass(ProducerDag);
 * ```
 */
export function scanDagClass(cls: Function): Dag {
  const cached: Dag | undefined = Reflect.getOwnMetadata(DAG_DEFINITION_KEY, cls);
  if (cached) return cached;
  const rawOptions: unknown = Reflect.getOwnMetadata(DAG_OPTIONS_KEY, cls);
  if (rawOptions === undefined) {
    throw new DefinitionError(
      ErrorCode.decoratorInvalid,
      `Class "${cls.name}" is not a DAG: decorate it with @dag({ dagId, schedule }).`,
    );
  }
  const options = parseOptions(dagDecoratorOptionsSchema, rawOptions, `@dag of class "${cls.name}"`);
  const settings = makeDagSettings({ ...options, dagId: options.dagId ?? cls.name });
  const builder = new DagBuilder(settings, cls);
  const records: readonly TaskMethodRecord[] = Reflect.getMetadata(TASK_METHODS_KEY, cls) ?? [];
  withDagBuilder(builder, () => {
    const instance = instantiate(cls, settings.dagId);
    const parsed = records.map((record) => ({
      record,
      options: parseOptions(
        taskDecoratorOptionsSchema,
        record.options ?? {},
        `@task of method "${cls.name}.${record.methodName}"`,
      ),
    }));
    const taskIdByMethod = new Map(
      parsed.map(({ record, options: o }) => [record.methodName, o.taskId ?? record.methodName]),
    );
    const resolve = (name: string) => taskIdByMethod.get(name) ?? name;
    for (const { record, options: taskOptions } of parsed) {
      const taskId = resolve(record.methodName);
      const method = (instance as Record<string, unknown>)[record.methodName] as (...args: unknown[]) => unknown;
      const args = (taskOptions.args ?? []).map(resolve);
      builder.addTask(
        makeTaskDefinition(taskId, "task", taskOptions, args, { kind: "function", fn: method, thisArg: instance }),
      );
      for (const upstream of taskOptions.after ?? []) builder.addDependency(resolve(upstream), taskId);
    }
  });
  const definition = builder.finish();
  Reflect.defineMetadata(DAG_DEFINITION_KEY, definition, cls);
  return definition;
}

/** The {@link Dag} of a `@dag` class, or undefined for any other value. */
export function getDagOfClass(value: unknown): Dag | undefined {
  if (typeof value !== "function" || Reflect.getOwnMetadata(DAG_OPTIONS_KEY, value) === undefined) return undefined;
  return scanDagClass(value);
}

function instantiate(cls: Function, dagId: string): unknown {
  try {
    return new (cls as new () => unknown)();
  } catch (error) {
    if (error instanceof DefinitionError) throw error;
    throw new DefinitionError(
      ErrorCode.decoratorInvalid,
      `Could not create an instance of @dag class "${cls.name}" (DAG "${dagId}"): ${(error as Error)?.message ?? String(error)}. A @dag class needs a constructor without arguments.`,
      { cause: error },
    );
  }
}
