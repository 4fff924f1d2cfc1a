import {
  Asset,
  AssetDefinition,
  asset,
  collectDags,
  dag,
  ErrorCode,
  isAsset,
  isAssetDefinition,
  Metadata,
  resolveDag,
  serializeDags,
  type TaskContext,
  type TaskDefinition,
  task,
} from "assetflow";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { definitionError, makeContext } from "./test-support.js";

function run(definition: TaskDefinition, ctx: TaskContext = makeContext()): unknown {
  if (definition.runner.kind !== "function") throw new Error(`task ${definition.taskId} is not a function task`);
  return definition.runner.fn.call(definition.runner.thisArg, ctx);
}

const raw = new Asset("s3://landing/orders.csv");

describe("asset(options, fn)", () => {
  const orders: AssetDefinition<{ rowCount: number }> = asset(
    {
      uri: "s3://warehouse/orders.parquet",
      schedule: [raw],
      group: "warehouse",
      schema: z.object({ rowCount: z.number() }),
      retries: 2,
      tags: ["orders"],
    },
    async function* buildOrders(ctx): AsyncGenerator<Metadata, string> {
      ctx.log("building orders");
      yield new Metadata(orders, { rowCount: 3 });
      return "built";
    },
  );

  it("is an Asset named after the function, typed by its schema", () => {
    expect(isAsset(orders)).toBe(true);
    expect(orders).toBeInstanceOf(Asset);
    expect(orders).toBeInstanceOf(AssetDefinition);
    expect(isAssetDefinition(orders)).toBe(true);
    expect(isAssetDefinition(raw)).toBe(false);
    expect({ name: orders.name, uri: orders.uri, group: orders.group }).toEqual({
      name: "buildOrders",
      uri: "s3://warehouse/orders.parquet",
      group: "warehouse",
    });
    expect(orders.jsonSchema).toMatchObject({ type: "object", required: ["rowCount"] });
    expectTypeOf(orders).toExtend<Asset<{ rowCount: number }>>();
    expect(Object.isFrozen(orders)).toBe(true);
  });

  it("has a DAG (id: the asset's name) of one task (id: the function's name) whose outlet is the asset", () => {
    const definition = orders.dag;
    expect(definition.dagId).toBe("buildOrders");
    expect([...definition.tasks.keys()]).toEqual(["buildOrders"]);
    const only = definition.getTaskOrThrow("buildOrders");
    expect(only.outlets).toEqual([orders]);
    expect(only.operator).toBe("task");
    expect(only.retries).toBe(2);
    expect(definition.settings.tags).toEqual(["orders"]);
    expect(definition.settings.schedule).toMatchObject({ kind: "assets" });
    expect(resolveDag(orders)).toBe(definition);
  });

  it("runs the function as the task: it yields Metadata for the asset and returns its result", async () => {
    const generator = run(orders.dag.getTaskOrThrow("buildOrders")) as AsyncGenerator<Metadata, string>;
    const first = await generator.next();
    expect((first.value as Metadata).extra).toEqual({ rowCount: 3 });
    expect(await generator.next()).toEqual({ done: true, value: "built" });
  });

  it("can schedule other DAGs and serializes with them like a DAG written by hand", () => {
    const report = dag({ dagId: "report", schedule: [orders] }, () => {
      task({ taskId: "report" }, () => undefined);
    });
    const handWritten = dag({ dagId: "buildOrders", schedule: [raw], tags: ["orders"] }, () => {
      task({ taskId: "buildOrders", outlets: [orders], retries: 2 }, () => undefined);
    });
    expect(serializeDags([orders, report])).toEqual(serializeDags([handWritten, report]));
    expect(JSON.stringify(serializeDags([report]).dags[0]?.schedule)).toContain(
      '"name":"buildOrders","uri":"s3://warehouse/orders.parquet"',
    );
  });

  it("takes name and dagId when given; the task keeps the function's name", () => {
    const customers = asset(
      { uri: "s3://warehouse/customers", name: "customers", dagId: "load_customers", schedule: null },
      function load() {},
    );
    expect(customers.name).toBe("customers");
    expect(customers.dag.dagId).toBe("load_customers");
    expect([...customers.dag.tasks.keys()]).toEqual(["load"]);
  });

  it("names DAG and task after the asset for an anonymous function", () => {
    const anonymous = asset({ uri: "s3://warehouse/anon", name: "anon" }, () => undefined);
    expect(anonymous.dag.dagId).toBe("anon");
    expect([...anonymous.dag.tasks.keys()]).toEqual(["anon"]);
  });

  it("registers its DAG with collectDags", async () => {
    const { dags } = await collectDags(() => asset({ uri: "s3://warehouse/registered" }, function registered() {}));
    expect(dags.map((d) => d.dagId)).toEqual(["registered"]);
  });

  it("rejects an unknown option with OPTION_UNKNOWN, suggesting the right one", () => {
    const error = definitionError(() => asset({ uri: "s3://b/k", schedul: "@daily" } as never, function typo() {}));
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "schedul" in asset "typo".');
    expect(error.message).toContain('Did you mean "schedule"?');
  });

  it("rejects outlets (the asset is the outlet) and an invalid schedule", () => {
    expect(definitionError(() => asset({ uri: "s3://b/k", outlets: [] } as never, function o() {})).code).toBe(
      ErrorCode.optionUnknown,
    );
    const error = definitionError(() => asset({ uri: "s3://b/k", schedule: "every day" }, function bad() {}));
    expect(error.code).toBe(ErrorCode.scheduleInvalid);
  });

  it("asks for a DAG id when the name cannot be one", () => {
    const error = definitionError(() => asset({ uri: "s3://warehouse/x" }, () => undefined));
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe(
      'Asset "s3://warehouse/x" has no DAG id: its name "s3://warehouse/x" is not one (letters, digits, "_", "-", "."). Pass a name such as asset({ uri, name: "orders" }, fn), a dagId, or a named function.',
    );
  });

  it("rejects a second argument that is not a function", () => {
    const error = definitionError(() => asset({ uri: "s3://b/k" }, "nope" as never));
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toContain("takes the function that materializes the asset");
  });
});

describe("asset.multi(options, fn)", () => {
  const left = new Asset("s3://split/left");
  const right = new Asset("s3://split/right");
  const splitDag = asset.multi({ outlets: [left, right], schedule: [raw] }, function split(ctx) {
    ctx.outletEvents.get(left).extra = { side: "left" };
  });

  it("is a DAG (id: the function's name) of one task updating every outlet", () => {
    expect(splitDag.dagId).toBe("split");
    expect(splitDag.getTaskOrThrow("split").outlets).toEqual([left, right]);
  });

  it("needs at least one outlet, and a DAG id", () => {
    const empty = definitionError(() => asset.multi({ outlets: [] }, function none() {}));
    expect(empty.code).toBe(ErrorCode.optionInvalid);
    expect(empty.message).toContain('Invalid option "outlets" in asset.multi "none"');
    const anonymous = definitionError(() => asset.multi({ outlets: [left] }, () => undefined));
    expect(anonymous.message).toBe(
      'Asset.multi (anonymous function) has no DAG id: pass asset.multi({ dagId: "my_dag", outlets }, fn) or a named function.',
    );
  });
});

describe("@asset and @asset.multi on static methods", () => {
  const left = new Asset("s3://split/left2");
  const right = new Asset("s3://split/right2");

  async function defineWarehouse() {
    const { result, dags } = await collectDags(() => {
      // biome-ignore lint/complexity/noStaticOnlyClass: @asset decorates static methods
      class Warehouse {
        static factor = 7;

        @asset({ uri: "s3://warehouse/daily", schedule: "@daily" })
        static daily(this: typeof Warehouse) {
          // biome-ignore lint/complexity/noThisInStatic: the test checks that this is the class
          return this.factor * 2;
        }

        @asset.multi({ outlets: [left, right], dagId: "split_both" })
        static splitBoth(this: typeof Warehouse) {
          // biome-ignore lint/complexity/noThisInStatic: the test checks that this is the class
          return this.factor;
        }
      }
      return Warehouse;
    });
    return { Warehouse: result, dags };
  }

  it("defines the DAGs when the class is defined, named after the methods, like asset() would", async () => {
    const { dags } = await defineWarehouse();
    const daily = new Asset({ uri: "s3://warehouse/daily", name: "daily" });
    const expected = [
      dag({ dagId: "daily", schedule: "@daily" }, () => {
        task({ taskId: "daily", outlets: [daily] }, () => undefined);
      }),
      dag({ dagId: "split_both" }, () => {
        task({ taskId: "splitBoth", outlets: [left, right] }, () => undefined);
      }),
    ];
    expect(dags.map((d) => d.dagId)).toEqual(["daily", "split_both"]);
    expect(serializeDags(dags)).toEqual(serializeDags(expected));
  });

  it("runs each method as its task with this bound to the class (after its static fields)", async () => {
    const { Warehouse, dags } = await defineWarehouse();
    const [daily, split] = dags;
    const dailyTask = daily?.getTaskOrThrow("daily") as TaskDefinition;
    expect(dailyTask.runner.kind === "function" && dailyTask.runner.thisArg).toBe(Warehouse);
    expect(run(dailyTask)).toBe(14);
    expect(run(split?.getTaskOrThrow("splitBoth") as TaskDefinition)).toBe(7);
  });

  it("rejects @asset on an instance method with DECORATOR_INVALID", () => {
    const error = definitionError(() => {
      class Instance {
        @asset({ uri: "s3://b/k" })
        make() {}
      }
      return Instance;
    });
    expect(error.code).toBe(ErrorCode.decoratorInvalid);
    expect(error.message).toBe(
      '@asset() can only decorate a public static method (the function that materializes the asset; `this` is the class), not the method "make".',
    );
  });

  it("reports a bad option when the class is defined, naming the method", () => {
    const error = definitionError(() => {
      // biome-ignore lint/complexity/noStaticOnlyClass: @asset decorates static methods
      class Bad {
        @asset({ uri: "s3://b/k", retries: -1 })
        static bad() {}
      }
      return Bad;
    });
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain('asset "bad"');
  });
});
