import {
  Asset,
  BashOperator,
  collectDags,
  dag,
  ErrorCode,
  Metadata,
  resolveDag,
  scanDagClass,
  serializeDags,
  type TaskContext,
  type TaskDecoratorOptions,
  type TaskDefinition,
  task,
} from "assetflow";
import { describe, expect, it } from "vitest";
import { definitionError, makeContext, upstreamOf } from "../test-support.js";

/** Calls a method task the way the runtime does: `this` is the DAG's instance, then context and upstream results. */
function run(definition: TaskDefinition, ...args: unknown[]): unknown {
  if (definition.runner.kind !== "function") throw new Error(`task ${definition.taskId} is not a function task`);
  return definition.runner.fn.call(definition.runner.thisArg, makeContext(), ...args);
}

const orders = new Asset("s3://warehouse/orders");

@dag({ dagId: "methods", schedule: "@daily" })
class MethodsDag {
  factor = 3;

  @task()
  plain() {
    return this.factor;
  }

  @task({ outlets: [orders] })
  async asyncMethod() {
    return this.factor * 2;
  }

  @task()
  *generatorMethod() {
    yield new Metadata(orders, { rows: this.factor });
    return this.factor * 3;
  }

  @task()
  async *asyncGeneratorMethod() {
    yield new Metadata(orders, { rows: this.factor });
    return this.factor * 4;
  }
}

describe("@dag class with @task methods", () => {
  const methods = scanDagClass(MethodsDag);

  it("turns each decorated method into a task with operator 'task', in declaration order", () => {
    expect([...methods.tasks.keys()]).toEqual(["plain", "asyncMethod", "generatorMethod", "asyncGeneratorMethod"]);
    for (const definition of methods.tasks.values()) {
      expect(definition.operator).toBe("task");
      expect(definition.runner.kind).toBe("function");
    }
    expect(methods.getTaskOrThrow("asyncMethod").outlets).toEqual([orders]);
    expect(methods.settings.schedule).toEqual({ kind: "cron", expression: "@daily", timezone: "UTC" });
  });

  it("binds this to one instance of the class shared by all its tasks", () => {
    const thisArgs = [...methods.tasks.values()].map((definition) =>
      definition.runner.kind === "function" ? definition.runner.thisArg : undefined,
    );
    expect(thisArgs[0]).toBeInstanceOf(MethodsDag);
    expect(new Set(thisArgs).size).toBe(1);
  });

  it("runs a plain method with this bound", () => {
    expect(run(methods.getTaskOrThrow("plain"))).toBe(3);
  });

  it("runs an async method with this bound", async () => {
    await expect(run(methods.getTaskOrThrow("asyncMethod"))).resolves.toBe(6);
  });

  it("runs a generator method with this bound: it yields Metadata and returns its result", () => {
    const generator = run(methods.getTaskOrThrow("generatorMethod")) as Generator<Metadata, number>;
    const first = generator.next();
    expect(first.value).toBeInstanceOf(Metadata);
    expect((first.value as Metadata).extra).toEqual({ rows: 3 });
    expect(generator.next()).toEqual({ done: true, value: 9 });
  });

  it("runs an async generator method with this bound", async () => {
    const generator = run(methods.getTaskOrThrow("asyncGeneratorMethod")) as AsyncGenerator<Metadata, number>;
    const first = await generator.next();
    expect((first.value as Metadata).extra).toEqual({ rows: 3 });
    expect(await generator.next()).toEqual({ done: true, value: 12 });
  });

  it("returns the same definition every time the class is scanned, pointing back to the class", () => {
    expect(scanDagClass(MethodsDag)).toBe(methods);
    expect(resolveDag(MethodsDag)).toBe(methods);
    expect(methods.definitionClass).toBe(MethodsDag);
  });

  it("serializes the class like the Dag it defines", () => {
    expect(serializeDags([MethodsDag])).toEqual(serializeDags([methods]));
  });
});

describe("@task options", () => {
  @dag({ dagId: "renamed" })
  class RenamedDag {
    @task({ taskId: "extract_orders" })
    extract() {
      return { rows: 2 };
    }

    @task({ taskId: "transform_orders", args: ["extract"] })
    transform(_ctx: TaskContext, data: { rows: number }) {
      return data.rows * 10;
    }

    @task({ after: ["transform"], retries: 2 })
    notify() {}

    @task({ after: ["extract_orders"] })
    audit() {}
  }

  const renamed = scanDagClass(RenamedDag);

  it("renames a task with taskId", () => {
    expect([...renamed.tasks.keys()]).toEqual(["extract_orders", "transform_orders", "notify", "audit"]);
  });

  it("resolves args by method name to the renamed task and passes its result", () => {
    const transform = renamed.getTaskOrThrow("transform_orders");
    expect(transform.args).toEqual(["extract_orders"]);
    expect(upstreamOf(renamed, "transform_orders")).toEqual(["extract_orders"]);
    expect(run(transform, { rows: 2 })).toBe(20);
  });

  it("resolves after by method name or by task id", () => {
    expect(upstreamOf(renamed, "notify")).toEqual(["transform_orders"]);
    expect(renamed.getTaskOrThrow("notify").retries).toBe(2);
    expect(upstreamOf(renamed, "audit")).toEqual(["extract_orders"]);
  });

  it("rejects after naming no method or task with TASK_NOT_FOUND listing the tasks", () => {
    const error = definitionError(() => {
      @dag({ dagId: "dangling" })
      class Dangling {
        @task({ after: ["nope"] })
        only() {}
      }
      return Dangling;
    });
    expect(error.code).toBe(ErrorCode.taskNotFound);
    expect(error.message).toContain('no task "nope"');
    expect(error.message).toContain("Its tasks: only.");
  });

  it("rejects two methods with the same taskId with TASK_DUPLICATE", () => {
    const error = definitionError(() => {
      @dag({ dagId: "dupes" })
      class Dupes {
        @task({ taskId: "load" })
        first() {}

        @task({ taskId: "load" })
        second() {}
      }
      return Dupes;
    });
    expect(error.code).toBe(ErrorCode.taskDuplicate);
    expect(error.message).toContain('DAG "dupes" already has a task "load"');
  });

  it("rejects a cycle between methods with DEPENDENCY_CYCLE", () => {
    const error = definitionError(() => {
      @dag({ dagId: "loop" })
      class Loop {
        @task({ after: ["b"] })
        a() {}

        @task({ after: ["a"] })
        b() {}
      }
      return Loop;
    });
    expect(error.code).toBe(ErrorCode.dependencyCycle);
    expect(error.message).toContain('Dependency cycle in DAG "loop": a -> b -> a');
  });
});

describe("operators in field initializers", () => {
  @dag({ dagId: "with_operators" })
  class WithOperators {
    readonly prepare = new BashOperator({ taskId: "prepare", bashCommand: "mkdir -p out" });
    readonly publish = new BashOperator({
      taskId: "publish",
      bashCommand: "cp report out/",
      outlets: [orders],
      after: [this.prepare],
    });

    @task({ after: ["publish"] })
    report() {
      return this.publish.taskId;
    }
  }

  const withOperators = scanDagClass(WithOperators);

  it("attaches operators created in field initializers, with the class name as operator", () => {
    expect([...withOperators.tasks.keys()]).toEqual(["prepare", "publish", "report"]);
    expect(withOperators.getTaskOrThrow("publish")).toMatchObject({ operator: "BashOperator", outlets: [orders] });
    expect(upstreamOf(withOperators, "publish")).toEqual(["prepare"]);
    expect(upstreamOf(withOperators, "report")).toEqual(["publish"]);
  });

  it("runs the operator objects of the instance the methods see", () => {
    const report = withOperators.getTaskOrThrow("report");
    const publish = withOperators.getTaskOrThrow("publish");
    if (report.runner.kind !== "function" || publish.runner.kind !== "operator") throw new Error("unexpected runners");
    expect((report.runner.thisArg as WithOperators).publish).toBe(publish.runner.operator);
    expect(run(report)).toBe("publish");
  });
});

describe("@dag options", () => {
  it("defaults dagId to the class name", () => {
    @dag()
    class NightlyReport {
      @task()
      build() {}
    }
    expect(scanDagClass(NightlyReport).dagId).toBe("NightlyReport");
    expect(scanDagClass(NightlyReport).settings.schedule).toEqual({ kind: "none" });
  });

  it('rejects an unknown @dag option with OPTION_UNKNOWN when the class is defined, suggesting "schedule"', () => {
    const error = definitionError(() => {
      @dag({ dagId: "typo", schedul: "@daily" } as never)
      class Typo {}
      return Typo;
    });
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "schedul" in @dag of class "Typo"');
    expect(error.message).toContain('Did you mean "schedule"?');
  });

  it('rejects an unknown @task option with OPTION_UNKNOWN naming the method, suggesting "retries"', () => {
    const error = definitionError(() => {
      @dag({ dagId: "task_typo" })
      class TaskTypo {
        @task({ retrie: 1 } as TaskDecoratorOptions)
        load() {}
      }
      return TaskTypo;
    });
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "retrie" in @task of method "TaskTypo.load"');
    expect(error.message).toContain('Did you mean "retries"?');
  });

  it("validates eagerly: an invalid schedule throws SCHEDULE_INVALID when the class is defined", () => {
    const error = definitionError(() => {
      @dag({ dagId: "bad_schedule", schedule: "every morning" })
      class BadSchedule {}
      return BadSchedule;
    });
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
    expect(error.message).toContain('Invalid cron expression "every morning" in dag "bad_schedule"');
  });

  it("validates eagerly: a wrong option type throws OPTION_INVALID when the class is defined", () => {
    const error = definitionError(() => {
      @dag({ dagId: "bad_runs", maxActiveRuns: 0 })
      class BadRuns {}
      return BadRuns;
    });
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain('Invalid option "maxActiveRuns" in @dag of class "BadRuns"');
  });

  it("registers the DAG with collectDags when the class is defined", async () => {
    const { result, dags } = await collectDags(() => {
      @dag({ dagId: "collected" })
      class Collected {
        @task()
        only() {}
      }
      return Collected;
    });
    expect(dags.map((d) => d.dagId)).toEqual(["collected"]);
    expect(dags[0]).toBe(scanDagClass(result));
  });
});

describe("decorator misuse", () => {
  it("rejects a bare @task without parentheses with DECORATOR_INVALID", () => {
    const error = definitionError(() => {
      @dag({ dagId: "bare" })
      class Bare {
        // @ts-expect-error bare @task is not a decorator: it must be called, as in @task()
        @task
        load() {}
      }
      return Bare;
    });
    expect(error.code).toBe(ErrorCode.decoratorInvalid);
    expect(error.message).toBe(
      "Use @task() with parentheses (or @task({ ... })) on a method of a @dag class; bare @task is not supported.",
    );
  });

  it("rejects @task on a static method, naming it", () => {
    const error = definitionError(() => {
      @dag({ dagId: "static_task" })
      class StaticTask {
        @task()
        static load() {}
      }
      return StaticTask;
    });
    expect(error.code).toBe(ErrorCode.decoratorInvalid);
    expect(error.message).toBe(
      '@task() can only decorate a public instance method of a @dag class, not the static method "load".',
    );
  });

  it("rejects @task on a getter", () => {
    const error = definitionError(() => {
      class Getter {
        // @ts-expect-error @task() decorates methods only
        @task()
        get value() {
          return 1;
        }
      }
      return Getter;
    });
    expect(error.code).toBe(ErrorCode.decoratorInvalid);
    expect(error.message).toContain('not the getter "value"');
  });

  it("rejects @dag on a method", () => {
    const error = definitionError(() => {
      class Holder {
        // @ts-expect-error @dag() decorates classes only
        @dag({ dagId: "on_method" })
        method() {}
      }
      return Holder;
    });
    expect(error.code).toBe(ErrorCode.decoratorInvalid);
    expect(error.message).toBe("@dag() can only decorate a class, not a method.");
  });

  it("ignores @task on a class without @dag until it is scanned, which fails with 'not a DAG'", async () => {
    const { result: Plain, dags } = await collectDags(() => {
      class PlainClass {
        @task()
        load() {}
      }
      return PlainClass;
    });
    expect(dags).toEqual([]);
    const error = definitionError(() => scanDagClass(Plain));
    expect(error.code).toBe(ErrorCode.decoratorInvalid);
    expect(error.message).toBe('Class "PlainClass" is not a DAG: decorate it with @dag({ dagId, schedule }).');
  });

  it("explains that a @dag class needs a constructor without arguments", () => {
    const error = definitionError(() => {
      @dag({ dagId: "needs_args" })
      class NeedsArgs {
        readonly table: string;
        constructor(table: string) {
          this.table = table.toUpperCase();
        }
      }
      return NeedsArgs;
    });
    expect(error.code).toBe(ErrorCode.decoratorInvalid);
    expect(error.message).toContain('Could not create an instance of @dag class "NeedsArgs" (DAG "needs_args")');
    expect(error.message).toContain("A @dag class needs a constructor without arguments.");
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

describe("inheritance", () => {
  @dag({ dagId: "parent" })
  class ParentDag {
    @task()
    shared() {
      return "parent";
    }
  }

  @dag({ dagId: "child_one" })
  class ChildOne extends ParentDag {
    @task()
    first() {}
  }

  @dag({ dagId: "child_two" })
  class ChildTwo extends ParentDag {
    @task()
    second() {}
  }

  it("gives a subclass the parent's tasks plus its own", () => {
    expect([...scanDagClass(ChildOne).tasks.keys()]).toEqual(["shared", "first"]);
    expect(run(scanDagClass(ChildOne).getTaskOrThrow("shared"))).toBe("parent");
  });

  it("does not leak a subclass's tasks into the parent or a sibling", () => {
    expect([...scanDagClass(ParentDag).tasks.keys()]).toEqual(["shared"]);
    expect([...scanDagClass(ChildTwo).tasks.keys()]).toEqual(["shared", "second"]);
  });

  it("does not make an undecorated subclass a DAG", () => {
    class Undecorated extends ParentDag {}
    expect(() => scanDagClass(Undecorated)).toThrow('Class "Undecorated" is not a DAG');
  });
});

describe("experimental (legacy) decorator calling convention", () => {
  // TypeScript's experimentalDecorators calls method decorators with (prototype, name, descriptor)
  // and then class decorators with (constructor); this applies them the same way by hand.
  function applyLegacy(cls: Function, methods: Record<string, Parameters<typeof task>[0]>, options: object): void {
    for (const [name, taskOptions] of Object.entries(methods)) {
      const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
      task(taskOptions)(cls.prototype, name, descriptor);
    }
    dag(options)(cls as new () => unknown);
  }

  it("builds the same tasks and dependencies as standard decorators", () => {
    class Legacy {
      factor = 5;
      extract() {
        return this.factor;
      }
      load(_ctx: TaskContext, value: number) {
        return value + this.factor;
      }
    }
    applyLegacy(Legacy, { extract: {}, load: { args: ["extract"] } }, { dagId: "legacy" });
    const legacy = scanDagClass(Legacy);
    expect([...legacy.tasks.keys()]).toEqual(["extract", "load"]);
    expect(upstreamOf(legacy, "load")).toEqual(["extract"]);
    expect(run(legacy.getTaskOrThrow("extract"))).toBe(5);
    expect(run(legacy.getTaskOrThrow("load"), 5)).toBe(10);
  });

  it("does not leak a subclass's tasks into its parent", () => {
    class LegacyParent {
      base() {}
    }
    applyLegacy(LegacyParent, { base: {} }, { dagId: "legacy_parent" });
    class LegacyChild extends LegacyParent {
      extra() {}
    }
    applyLegacy(LegacyChild, { extra: {} }, { dagId: "legacy_child" });
    class LegacySibling extends LegacyParent {
      other() {}
    }
    applyLegacy(LegacySibling, { other: {} }, { dagId: "legacy_sibling" });
    expect([...scanDagClass(LegacyParent).tasks.keys()]).toEqual(["base"]);
    expect([...scanDagClass(LegacyChild).tasks.keys()]).toEqual(["base", "extra"]);
    expect([...scanDagClass(LegacySibling).tasks.keys()]).toEqual(["base", "other"]);
  });

  it("rejects @task on a static method and on a property", () => {
    class LegacyMisuse {
      static load() {}
      value = 1;
    }
    const onStatic = definitionError(() => task()(LegacyMisuse, "load"));
    expect(onStatic.code).toBe(ErrorCode.decoratorInvalid);
    expect(onStatic.message).toContain('not the static member "load"');
    const onProperty = definitionError(() => task()(LegacyMisuse.prototype, "value"));
    expect(onProperty.message).toContain('not the property "value"');
  });
});
