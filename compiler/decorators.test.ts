import { describe, expect, it } from "vitest";
import { compileSource, compileSources, dagOf, taskOf, withCode } from "./test-support.js";

const imports = `import { Asset, BashOperator, dag, Metadata, task, type TaskContext } from "assetflow";\n`;

describe("@dag classes", () => {
  it("turns @task methods (plain, async, generators) into tasks, with the class name as default dagId", () => {
    const result = compileSource(`${imports}
const orders = new Asset("s3://b/orders");
@dag()
export class NightlyReport {
  @task() plain() {}
  @task({ outlets: [orders] }) async asyncMethod() {}
  @task() *generator() { yield new Metadata(orders, { rows: 1 }); }
  @task() async *asyncGenerator() {}
}
`);
    const report = dagOf(result.manifest, "NightlyReport");
    expect(report.schedule).toEqual({ kind: "none" });
    expect(report.tasks.map((t) => [t.taskId, t.operator])).toEqual([
      ["asyncGenerator", "task"],
      ["asyncMethod", "task"],
      ["generator", "task"],
      ["plain", "task"],
    ]);
    // generator yields Metadata for orders, which is not its outlet (asyncMethod's is)
    expect(withCode(result.diagnostics, "AF4002")).toHaveLength(1);
  });

  it("renames tasks with taskId and resolves args and after by method name or task id", () => {
    const result = compileSource(`${imports}
@dag({ dagId: "renamed", schedule: "@daily", tags: ["x"] })
export class Renamed {
  @task({ taskId: "extract_orders" }) extract() { return 2; }
  @task({ taskId: "transform_orders", args: ["extract"] }) transform(_ctx: TaskContext, rows: number) { return rows; }
  @task({ after: ["transform"], retries: 2 }) notify() {}
  @task({ after: ["extract_orders"] }) audit() {}
}
`);
    const renamed = dagOf(result.manifest, "renamed");
    expect(renamed.tasks.map((t) => [t.taskId, t.upstream])).toEqual([
      ["audit", ["extract_orders"]],
      ["extract_orders", []],
      ["notify", ["transform_orders"]],
      ["transform_orders", ["extract_orders"]],
    ]);
    expect(taskOf(renamed, "notify").retries).toBe(2);
  });

  it("attaches operators of field initializers and constructors, with after: [this.field]", () => {
    const result = compileSource(`${imports}
const report = new Asset("s3://b/report");
@dag({ dagId: "with_operators" })
export class WithOperators {
  readonly prepare = new BashOperator({ taskId: "prepare", bashCommand: "mkdir -p out" });
  readonly publish = new BashOperator({ taskId: "publish", bashCommand: "cp", outlets: [report], after: [this.prepare] });
  readonly archive: BashOperator;
  constructor() {
    this.archive = new BashOperator({ taskId: "archive", bashCommand: "tar", after: [this.publish] });
  }
  @task({ after: ["publish"] }) notify() {}
}
`);
    expect(result.diagnostics).toEqual([]);
    expect(dagOf(result.manifest, "with_operators").tasks.map((t) => [t.taskId, t.operator, t.upstream])).toEqual([
      ["archive", "BashOperator", ["publish"]],
      ["notify", "task", ["publish"]],
      ["prepare", "BashOperator", []],
      ["publish", "BashOperator", ["prepare"]],
    ]);
  });

  it("includes the tasks and operator fields a @dag class inherits, across files", () => {
    const result = compileSources({
      "base.ts": `import { BashOperator, task } from "assetflow";
export class Base {
  readonly setup = new BashOperator({ taskId: "setup", bashCommand: "true" });
  @task({ after: ["setup"] }) shared() {}
}
`,
      "dags.ts": `import { dag, task } from "assetflow";
import { Base } from "./base.js";
@dag({ dagId: "child_one" }) export class ChildOne extends Base { @task() first() {} }
@dag({ dagId: "child_two" }) export class ChildTwo extends Base { @task({ after: ["shared"] }) second() {} }
`,
    });
    expect(result.manifest.dags.map((d) => [d.dagId, d.tasks.map((t) => [t.taskId, t.upstream])])).toEqual([
      [
        "child_one",
        [
          ["first", []],
          ["setup", []],
          ["shared", ["setup"]],
        ],
      ],
      [
        "child_two",
        [
          ["second", ["shared"]],
          ["setup", []],
          ["shared", ["setup"]],
        ],
      ],
    ]);
  });

  it("rejects bare @task, @task on static methods and getters, and @dag without parentheses (AF3012)", () => {
    const result = compileSource(`${imports}
@dag({ dagId: "misuse" })
export class Misuse {
  @task load() {}
  @task() static helper() {}
  @task() get value() { return 1; }
  @task() fine() {}
}
@dag
export class Bare {}
`);
    expect(withCode(result.diagnostics, "AF3012").map((d) => d.message)).toEqual([
      "Use @task() with parentheses (or @task({ ... })) on a method of a @dag class; bare @task is not supported.",
      '@task() can only decorate a public instance method of a @dag class, not the static method "helper".',
      '@task() can only decorate a public instance method of a @dag class, not the getter "value".',
      "Use @dag() with parentheses (or @dag({ dagId, schedule })) on a class; bare @dag is not supported.",
    ]);
    expect(dagOf(result.manifest, "misuse").tasks.map((t) => t.taskId)).toEqual(["fine"]);
  });

  it("names the class and method in option errors, like the SDK (AF3005, AF3008)", () => {
    const result = compileSource(`${imports}
@dag({ dagId: "typos", schedul: "@daily" } as never) export class Typos {}
@dag({ dagId: "task_typo" }) export class TaskTypo { @task({ retrie: 1 } as never) load() {} }
@dag({ dagId: "dangling" }) export class Dangling { @task({ after: ["nope"] }) only() {} }
`);
    expect(withCode(result.diagnostics, "AF3005").map((d) => d.message)).toEqual([
      'Unknown option "schedul" in @dag of class "Typos". Did you mean "schedule"? Known options: dagId, schedule, description, startDate, catchup, consume, whilePaused, maxActiveRuns, tags, params.',
      'Unknown option "retrie" in @task of method "TaskTypo.load". Did you mean "retries"? Known options: taskId, outlets, inlets, retries, retryDelay, executionTimeout, after, args.',
    ]);
    expect(withCode(result.diagnostics, "AF3008")[0]?.message).toBe(
      'DAG "dangling" has a dependency nope -> only, but no task "nope". Its tasks: only.',
    );
  });
});
