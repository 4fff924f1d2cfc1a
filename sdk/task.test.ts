import {
  Asset,
  AssetAlias,
  chain,
  dag,
  ErrorCode,
  isTaskHandle,
  type TaskContext,
  type TaskDefinition,
  type TaskHandle,
  task,
} from "assetflow";
import { describe, expect, expectTypeOf, it } from "vitest";
import { definitionError, makeContext, upstreamOf } from "./test-support.js";

/** Calls a function task's runner the way the runtime does: context first, then upstream results. */
function run(definition: TaskDefinition, ctx: TaskContext, ...args: unknown[]): unknown {
  if (definition.runner.kind !== "function") throw new Error(`task ${definition.taskId} is not a function task`);
  return definition.runner.fn.call(definition.runner.thisArg, ctx, ...args);
}

describe("task(options, fn) inside dag()", () => {
  it("attaches the task to the enclosing DAG and returns its handle", () => {
    let handle: TaskHandle | undefined;
    const etl = dag({ dagId: "etl" }, () => {
      handle = task({ taskId: "extract" }, () => 1);
    });
    expect(handle?.taskId).toBe("extract");
    expect(isTaskHandle(handle)).toBe(true);
    expect(etl.getTaskOrThrow("extract")).toMatchObject({ taskId: "extract", operator: "task", args: [] });
    expect(etl.getTaskOrThrow("extract").runner.kind).toBe("function");
  });

  it("runs the given function with the context", () => {
    const ctx = makeContext();
    const etl = dag({ dagId: "etl" }, () => {
      task({ taskId: "echo" }, (received) => received);
    });
    expect(run(etl.getTaskOrThrow("echo"), ctx)).toBe(ctx);
  });

  it("keeps outlets, inlets and the retry policy on the definition", () => {
    const orders = new Asset("s3://warehouse/orders");
    const alias = new AssetAlias("daily-orders");
    const etl = dag({ dagId: "etl" }, () => {
      task(
        {
          taskId: "load",
          outlets: [orders, alias],
          inlets: [orders],
          retries: 3,
          retryDelay: 1000,
          executionTimeout: 60_000,
        },
        () => {},
      );
    });
    const load = etl.getTaskOrThrow("load");
    expect(load.outlets).toEqual([orders, alias]);
    expect(load.inlets).toEqual([orders]);
    expect(load).toMatchObject({ retries: 3, retryDelayMs: 1000, executionTimeoutMs: 60_000 });
    expect(Object.isFrozen(load)).toBe(true);
    expect(Object.isFrozen(load.outlets)).toBe(true);
  });

  it("accepts plain, async, generator and async generator functions", () => {
    const kinds = dag({ dagId: "kinds" }, () => {
      task({ taskId: "plain" }, () => 1);
      task({ taskId: "async" }, async () => 1);
      task({ taskId: "generator" }, function* () {
        yield 1;
      });
      task({ taskId: "async_generator" }, async function* () {
        yield 1;
      });
    });
    expect([...kinds.tasks.values()].map((t) => [t.taskId, t.runner.kind])).toEqual([
      ["plain", "function"],
      ["async", "function"],
      ["generator", "function"],
      ["async_generator", "function"],
    ]);
  });
});

describe("task ids", () => {
  it("defaults the taskId to the name of a named function", () => {
    const named = dag({ dagId: "named" }, () => {
      task(function extract() {
        return 1;
      });
      task({ retries: 1 }, function transform() {
        return 2;
      });
      task({ taskId: "renamed" }, function load() {
        return 3;
      });
    });
    expect([...named.tasks.keys()]).toEqual(["extract", "transform", "renamed"]);
    expect(named.getTaskOrThrow("transform").retries).toBe(1);
  });

  it("rejects an anonymous function without taskId, naming the DAG and the fix", () => {
    const declarations = [() => task({}, () => 1), () => task(() => 2)];
    for (const declare of declarations) {
      const error = definitionError(() => dag({ dagId: "anonymous" }, declare));
      expect(error.code).toBe(ErrorCode.optionInvalid);
      expect(error.message).toBe(
        'A task of DAG "anonymous" has no taskId: pass task({ taskId: "my_task" }, fn) or a named function.',
      );
    }
  });

  it("rejects a second task with the same id with TASK_DUPLICATE", () => {
    const error = definitionError(() =>
      dag({ dagId: "dupes" }, () => {
        task({ taskId: "load" }, () => 1);
        task(function load() {
          return 2;
        });
      }),
    );
    expect(error.code).toBe(ErrorCode.taskDuplicate);
    expect(error.message).toContain('DAG "dupes" already has a task "load"');
    expect(error.message).toContain("Rename one of them (option taskId)");
    expect(error.details).toEqual({ dagId: "dupes", taskId: "load" });
  });

  it("rejects a taskId with characters outside letters, digits, _, - and .", () => {
    const error = definitionError(() =>
      dag({ dagId: "ids" }, () => {
        task({ taskId: "load data" }, () => 1);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain('Invalid option "taskId" in task "load data" of DAG "ids"');
  });
});

describe("task() outside a DAG", () => {
  it("is a DAG_INVALID error telling where to create the task", () => {
    const error = definitionError(() => task({ taskId: "orphan" }, () => 1));
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toBe(
      'task "orphan" was created outside a DAG. Create it inside dag(options, () => { ... }) or as a field or method of a @dag class.',
    );
  });

  it("names a named function in the error", () => {
    const error = definitionError(() =>
      task(function orphanFn() {
        return 1;
      }),
    );
    expect(error.message).toContain('task "orphanFn" was created outside a DAG');
  });
});

describe("task() option validation", () => {
  it('rejects an unknown option with OPTION_UNKNOWN and suggests "retries" for "retrie"', () => {
    const error = definitionError(() =>
      dag({ dagId: "typo" }, () => {
        task({ taskId: "load", retrie: 2 } as never, () => 1);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "retrie" in task "load" of DAG "typo"');
    expect(error.message).toContain('Did you mean "retries"?');
  });

  it.each([
    ["retries", { taskId: "t", retries: -1 }, "retries must be a whole number >= 0 (got -1)"],
    ["retryDelay", { taskId: "t", retryDelay: 1.5 }, "retryDelay must be whole milliseconds (got 1.5)"],
    ["executionTimeout", { taskId: "t", executionTimeout: 0 }, "(got 0)"],
    ["outlets.0", { taskId: "t", outlets: ["s3://b/k"] }, "wrap a URI string in new Asset(...)"],
    [
      "inlets.1",
      { taskId: "t", inlets: [new Asset("s3://b/k"), 42] },
      "must be an Asset, an AssetAlias or an Asset.ref",
    ],
    ["outlets.0", { taskId: "t", outlets: ["s3://b/k"] }, "must be an Asset, an AssetAlias or an Asset.ref"],
  ])('rejects a wrong "%s" with OPTION_INVALID naming the option and the task', (option, options, fix) => {
    const error = definitionError(() =>
      dag({ dagId: "types" }, () => {
        task(options as never, () => 1);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain(`Invalid option "${option}" in task "t" of DAG "types"`);
    expect(error.message).toContain(fix);
  });

  it("rejects an after entry that is not a task handle, naming its index", () => {
    const error = definitionError(() =>
      dag({ dagId: "after_type" }, () => {
        task({ taskId: "t", after: ["extract"] } as never, () => 1);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe(
      'after[0] of task "t" is the string "extract": pass the handle returned by task(...) or an operator of the same DAG.',
    );
  });

  it("rejects options that are not an object", () => {
    const error = definitionError(() =>
      dag({ dagId: "not_object" }, () => {
        task(null as never, () => 1);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain("must be an object, got null");
  });
});

describe("passing data with args", () => {
  it("records the upstream ids, makes them dependencies and passes their results after the context", () => {
    const ctx = makeContext();
    let loadHandle: TaskHandle<number> | undefined;
    const etl = dag({ dagId: "etl" }, () => {
      const extract = task({ taskId: "extract" }, () => ({ rows: 3 }));
      const config = task({ taskId: "config" }, async () => "eu");
      expectTypeOf(extract).toEqualTypeOf<TaskHandle<{ rows: number }>>();
      expectTypeOf(config).toEqualTypeOf<TaskHandle<string>>();
      loadHandle = task({ taskId: "load", args: [extract, config] }, (_ctx, data, region) => {
        expectTypeOf(data).toEqualTypeOf<{ rows: number }>();
        expectTypeOf(region).toEqualTypeOf<string>();
        return data.rows * (region === "eu" ? 2 : 1);
      });
    });
    expect(loadHandle?.taskId).toBe("load");
    expect(etl.getTaskOrThrow("load").args).toEqual(["extract", "config"]);
    expect(upstreamOf(etl, "load")).toEqual(["config", "extract"]);
    expect(run(etl.getTaskOrThrow("load"), ctx, { rows: 3 }, "eu")).toBe(6);
    expect(etl.topologicalOrder().indexOf("load")).toBe(2);
  });

  it("rejects args from another DAG", () => {
    let foreign: TaskHandle | undefined;
    dag({ dagId: "producer" }, () => {
      foreign = task({ taskId: "produce" }, () => 1);
    });
    const error = definitionError(() =>
      dag({ dagId: "consumer" }, () => {
        task({ taskId: "consume", args: [foreign as TaskHandle] }, () => 1);
      }),
    );
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toBe(
      'args[0] of task "consume" refers to task "produce" of another DAG. Use an Asset to connect DAGs.',
    );
  });
});

describe("dependencies", () => {
  it("after makes the task run after each listed task", () => {
    const etl = dag({ dagId: "after" }, () => {
      const a = task({ taskId: "a" }, () => 1);
      const b = task({ taskId: "b" }, () => 1);
      task({ taskId: "c", after: [a, b] }, () => 1);
    });
    expect(upstreamOf(etl, "c")).toEqual(["a", "b"]);
    expect(etl.getTaskOrThrow("c").args).toEqual([]);
  });

  it("precedes returns the last downstream task, so calls chain", () => {
    let returned: TaskHandle | undefined;
    let last: TaskHandle | undefined;
    const etl = dag({ dagId: "precedes" }, () => {
      const a = task({ taskId: "a" }, () => 1);
      const b = task({ taskId: "b" }, () => 1);
      const c = task({ taskId: "c" }, () => 1);
      last = c;
      returned = a.precedes(b).precedes(c);
    });
    expect(returned).toBe(last);
    expect(upstreamOf(etl, "b")).toEqual(["a"]);
    expect(upstreamOf(etl, "c")).toEqual(["b"]);
    expect(etl.topologicalOrder()).toEqual(["a", "b", "c"]);
  });

  it("precedes with several tasks fans out and returns the last one", () => {
    let returned: TaskHandle | undefined;
    const etl = dag({ dagId: "fan_out" }, () => {
      const a = task({ taskId: "a" }, () => 1);
      returned = a.precedes(
        task({ taskId: "b" }, () => 1),
        task({ taskId: "c" }, () => 1),
      );
    });
    expect(returned?.taskId).toBe("c");
    expect(upstreamOf(etl, "b")).toEqual(["a"]);
    expect(upstreamOf(etl, "c")).toEqual(["a"]);
  });

  it("follows fans in and returns the task itself", () => {
    let returned: TaskHandle | undefined;
    let self: TaskHandle | undefined;
    const etl = dag({ dagId: "fan_in" }, () => {
      const a = task({ taskId: "a" }, () => 1);
      const b = task({ taskId: "b" }, () => 1);
      self = task({ taskId: "c" }, () => 1);
      returned = self.follows(a, b);
    });
    expect(returned).toBe(self);
    expect(upstreamOf(etl, "c")).toEqual(["a", "b"]);
  });

  it("records a dependency declared twice once", () => {
    const etl = dag({ dagId: "twice" }, () => {
      const a = task({ taskId: "a" }, () => 1);
      const b = task({ taskId: "b", after: [a] }, () => 1);
      a.precedes(b);
      b.follows(a);
    });
    expect(upstreamOf(etl, "b")).toEqual(["a"]);
  });

  it("chain runs each element after the previous one, with lists fanning out and in", () => {
    const etl = dag({ dagId: "chain" }, () => {
      const extract = task({ taskId: "extract" }, () => 1);
      const cleanA = task({ taskId: "clean_a" }, () => 1);
      const cleanB = task({ taskId: "clean_b" }, () => 1);
      const load = task({ taskId: "load" }, () => 1);
      const reportA = task({ taskId: "report_a" }, () => 1);
      const reportB = task({ taskId: "report_b" }, () => 1);
      chain(extract, [cleanA, cleanB], load, [reportA, reportB]);
    });
    expect(upstreamOf(etl, "extract")).toEqual([]);
    expect(upstreamOf(etl, "clean_a")).toEqual(["extract"]);
    expect(upstreamOf(etl, "clean_b")).toEqual(["extract"]);
    expect(upstreamOf(etl, "load")).toEqual(["clean_a", "clean_b"]);
    expect(upstreamOf(etl, "report_a")).toEqual(["load"]);
    expect(upstreamOf(etl, "report_b")).toEqual(["load"]);
  });

  it("chain of two lists links every task of the first to every task of the second", () => {
    const etl = dag({ dagId: "chain_lists" }, () => {
      const ids = ["a", "b", "c", "d"].map((taskId) => task({ taskId }, () => 1));
      chain([ids[0] as TaskHandle, ids[1] as TaskHandle], [ids[2] as TaskHandle, ids[3] as TaskHandle]);
    });
    expect(upstreamOf(etl, "c")).toEqual(["a", "b"]);
    expect(upstreamOf(etl, "d")).toEqual(["a", "b"]);
    expect(upstreamOf(etl, "a")).toEqual([]);
  });

  it("chain with a single element adds no dependency", () => {
    const etl = dag({ dagId: "chain_single" }, () => {
      chain(task({ taskId: "a" }, () => 1));
    });
    expect(upstreamOf(etl, "a")).toEqual([]);
  });

  it("rejects linking something that is not a task", () => {
    const error = definitionError(() =>
      dag({ dagId: "not_task" }, () => {
        const a = task({ taskId: "a" }, () => 1);
        a.precedes("b" as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toBe(
      'Dependencies link tasks, but got the string "b". Pass the handles returned by task(...) or operators.',
    );
  });

  it("rejects linking tasks of two DAGs with precedes, follows or chain", () => {
    let foreign: TaskHandle | undefined;
    dag({ dagId: "first" }, () => {
      foreign = task({ taskId: "remote" }, () => 1);
    });
    const remote = foreign as TaskHandle;
    const attempts: Array<(local: TaskHandle) => unknown> = [
      (local) => local.precedes(remote),
      (local) => local.follows(remote),
      (local) => chain(remote, local),
    ];
    for (const attempt of attempts) {
      const error = definitionError(() =>
        dag({ dagId: "second" }, () => {
          attempt(task({ taskId: "local" }, () => 1));
        }),
      );
      expect(error.code).toBe(ErrorCode.dagInvalid);
      expect(error.message).toContain("belong to different DAGs and cannot depend on each other");
      expect(error.message).toContain("Use an Asset to connect DAGs");
    }
  });
});

describe("dependency cycles", () => {
  it("rejects a -> b -> c -> a with DEPENDENCY_CYCLE, showing the cycle in run order", () => {
    const error = definitionError(() =>
      dag({ dagId: "cyclic" }, () => {
        const a = task({ taskId: "a" }, () => 1);
        const b = task({ taskId: "b" }, () => 1);
        const c = task({ taskId: "c" }, () => 1);
        a.precedes(b).precedes(c).precedes(a);
      }),
    );
    expect(error.code).toBe(ErrorCode.dependencyCycle);
    expect(error.message).toBe(
      'Dependency cycle in DAG "cyclic": a -> b -> c -> a. A task cannot run after itself; remove one of these dependencies.',
    );
    expect(error.details).toEqual({ dagId: "cyclic", cycle: ["a", "b", "c", "a"] });
  });

  it("finds a cycle made of args and after", () => {
    const error = definitionError(() =>
      dag({ dagId: "cyclic_args" }, () => {
        const a = task({ taskId: "a" }, () => 1);
        const b = task({ taskId: "b", args: [a] }, () => 1);
        a.follows(b);
      }),
    );
    expect(error.code).toBe(ErrorCode.dependencyCycle);
    expect(error.message).toContain("a -> b -> a");
  });

  it("rejects a task that depends on itself", () => {
    const error = definitionError(() =>
      dag({ dagId: "self" }, () => {
        const a = task({ taskId: "a" }, () => 1);
        a.precedes(a);
      }),
    );
    expect(error.code).toBe(ErrorCode.dependencyCycle);
    expect(error.message).toBe('Task "a" in DAG "self" depends on itself. Remove that dependency.');
    expect(error.details).toEqual({ dagId: "self", cycle: ["a", "a"] });
  });

  it("rejects chain(a, a) as a self-dependency", () => {
    const error = definitionError(() =>
      dag({ dagId: "self_chain" }, () => {
        const a = task({ taskId: "a" }, () => 1);
        chain(a, a);
      }),
    );
    expect(error.code).toBe(ErrorCode.dependencyCycle);
  });
});
