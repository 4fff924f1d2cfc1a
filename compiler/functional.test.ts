import { describe, expect, it } from "vitest";
import { compileSource, compileSources, dagOf, taskOf, withCode } from "./test-support.js";

const imports = `import { Asset, BaseOperator, BashOperator, chain, dag, SQLExecuteQueryOperator, task, type TaskContext } from "assetflow";\n`;

describe("tasks of dag(options, build)", () => {
  it("takes task ids from options or from the function's name, with the SDK's defaults", () => {
    const result = compileSource(`${imports}
const extract = () => ({ rows: 3 });
dag({ dagId: "etl" }, () => {
  task(extract);
  task(function transform() {});
  task({ taskId: "load", retries: 2, retryDelay: 5 * 60 * 1000, executionTimeout: 30_000 }, () => {});
});
`);
    expect(result.diagnostics).toEqual([]);
    expect(dagOf(result.manifest, "etl").tasks).toEqual([
      {
        taskId: "extract",
        operator: "task",
        outlets: [],
        inlets: [],
        upstream: [],
        retries: 0,
        retryDelayMs: 300000,
        executionTimeoutMs: null,
      },
      expect.objectContaining({ taskId: "load", retries: 2, retryDelayMs: 300000, executionTimeoutMs: 30000 }),
      expect.objectContaining({ taskId: "transform" }),
    ]);
  });

  it("reports an anonymous task without taskId (AF3014)", () => {
    const result = compileSource(`${imports}dag({ dagId: "etl" }, () => { task(() => {}); });\n`);
    expect(withCode(result.diagnostics, "AF3014")[0]?.message).toBe(
      'A task of DAG "etl" has no taskId: pass task({ taskId: "my_task" }, fn) or a named function.',
    );
  });

  it("reads outlets and inlets in the order written", () => {
    const result = compileSource(`${imports}
const a = new Asset("s3://b/a");
const b = new Asset("s3://b/b");
dag({ dagId: "etl" }, () => {
  task({ taskId: "t", outlets: [b, a], inlets: [a] }, () => {});
});
`);
    const t = taskOf(dagOf(result.manifest, "etl"), "t");
    expect(t.outlets.map((item) => item.kind === "asset" && item.uri)).toEqual(["s3://b/b", "s3://b/a"]);
    expect(t.inlets).toEqual([{ kind: "asset", name: "s3://b/a", uri: "s3://b/a" }]);
  });

  it("rejects a string in outlets (AF3006) and an unknown task option (AF3005)", () => {
    const result = compileSource(`${imports}
dag({ dagId: "etl" }, () => {
  task({ taskId: "t", outlets: ["s3://b/a" as never] }, () => {});
  task({ taskId: "u", retrys: 1 } as never, () => {});
});
`);
    expect(withCode(result.diagnostics, "AF3006")[0]?.message).toContain(
      'Invalid option "outlets.0" in task "t" of DAG "etl": must be an Asset, an AssetAlias or an Asset.ref({ name } or { uri })',
    );
    expect(withCode(result.diagnostics, "AF3005")[0]?.message).toContain('Did you mean "retries"?');
  });

  it("derives dependencies from chain (with lists), precedes, follows, after and args", () => {
    const result = compileSource(`${imports}
dag({ dagId: "deps" }, () => {
  const a = task({ taskId: "a" }, () => 1);
  const b = task({ taskId: "b" }, () => {});
  const c = task({ taskId: "c" }, () => {});
  const d = task({ taskId: "d", args: [a], after: [b] }, (_ctx: TaskContext, value: number) => value);
  const e = task({ taskId: "e" }, () => {});
  const f = task({ taskId: "f" }, () => {});
  const g = task({ taskId: "g" }, () => {});
  chain(a, [b, c], e);
  a.precedes(f).precedes(g);
  g.follows(c, d);
});
`);
    const upstream = Object.fromEntries(dagOf(result.manifest, "deps").tasks.map((t) => [t.taskId, t.upstream]));
    expect(upstream).toEqual({ a: [], b: ["a"], c: ["a"], d: ["a", "b"], e: ["b", "c"], f: ["a"], g: ["c", "d", "f"] });
  });

  it("reports dependency cycles (AF3009), duplicate task ids (AF3007) and links across DAGs (AF3011)", () => {
    const result = compileSource(`${imports}
dag({ dagId: "loop" }, () => {
  const a = task({ taskId: "a" }, () => {});
  const b = task({ taskId: "b" }, () => {});
  a.precedes(b);
  b.precedes(a);
  task({ taskId: "a" }, () => {});
});
let handle = undefined as unknown as ReturnType<typeof task>;
dag({ dagId: "one" }, () => { handle = task({ taskId: "x" }, () => {}); });
dag({ dagId: "two" }, () => { task({ taskId: "y", after: [handle] }, () => {}); });
`);
    expect(withCode(result.diagnostics, "AF3009")[0]?.message).toBe(
      'Dependency cycle in DAG "loop": a -> b -> a. A task cannot run after itself; remove one of these dependencies.',
    );
    expect(withCode(result.diagnostics, "AF3007")[0]?.message).toContain('DAG "loop" already has a task "a"');
    expect(withCode(result.diagnostics, "AF3011")[0]?.message).toContain('Tasks "x" and "y" belong to different DAGs');
  });

  it("reports a task created outside a DAG (AF3010) and an async build function (AF3013)", () => {
    const result = compileSource(`${imports}
task({ taskId: "stray" }, () => {});
dag({ dagId: "async" }, async () => { task({ taskId: "t" }, () => {}); });
`);
    expect(withCode(result.diagnostics, "AF3010")[0]?.message).toContain('task "stray" is created outside a DAG');
    expect(withCode(result.diagnostics, "AF3013")[0]?.message).toContain(
      'The build function of DAG "async" returned a Promise',
    );
    expect(result.manifest.dags).toEqual([]);
  });

  it("runs helper functions and factories that declare tasks or whole DAGs", () => {
    const result = compileSource(`${imports}
function load(table: string) {
  return task({ taskId: \`load_\${table}\`, outlets: [new Asset(\`s3://lake/\${table}\`)] }, () => {});
}
function makeDag(id: string, tables: readonly string[]) {
  return dag({ dagId: id, tags: ["factory"] }, () => {
    const start = task({ taskId: "start" }, () => {});
    for (const table of tables) start.precedes(load(table));
  });
}
export const sales = makeDag("sales", ["orders", "customers"]);
`);
    expect(result.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    const sales = dagOf(result.manifest, "sales");
    expect(sales.tags).toEqual(["factory"]);
    expect(sales.tasks.map((t) => [t.taskId, t.upstream])).toEqual([
      ["load_customers", ["start"]],
      ["load_orders", ["start"]],
      ["start", []],
    ]);
  });
});

describe("operators", () => {
  it("names an operator task by its class, with its own options set aside", () => {
    const result = compileSource(`${imports}
const table = new Asset("postgres://db/shop/public/orders");
dag({ dagId: "ops" }, () => {
  const prepare = new BashOperator({ taskId: "prepare", bashCommand: "echo hi", env: { A: "1" }, retries: 1 });
  new SQLExecuteQueryOperator({ taskId: "load", connId: "warehouse", sql: ["select 1"], outlets: [table], after: [prepare] });
});
`);
    expect(result.diagnostics).toEqual([]);
    const ops = dagOf(result.manifest, "ops");
    expect(taskOf(ops, "prepare")).toMatchObject({ operator: "BashOperator", retries: 1 });
    expect(taskOf(ops, "load")).toMatchObject({
      operator: "SQLExecuteQueryOperator",
      upstream: ["prepare"],
      outlets: [
        { kind: "asset", name: "postgres://db/shop/public/orders", uri: "postgres://db:5432/shop/public/orders" },
      ],
    });
  });

  it("rejects an unknown operator option with a did-you-mean (AF3005)", () => {
    const result = compileSource(`${imports}
dag({ dagId: "ops" }, () => { new BashOperator({ taskId: "t", bashComand: "echo" } as never); });
`);
    expect(withCode(result.diagnostics, "AF3005")[0]?.message).toContain(
      'Unknown option "bashComand" in BashOperator "t" of DAG "ops". Did you mean "bashCommand"?',
    );
  });

  it("follows user subclasses of BaseOperator through their constructors, across files", () => {
    const result = compileSources({
      "operators.ts": `import { BaseOperator, type BaseOperatorOptions, BashOperator, type BashOperatorOptions, type TaskContext } from "assetflow";
export interface CountOptions extends BaseOperatorOptions { table: string; limit?: number }
export class CountRows extends BaseOperator {
  readonly table: string;
  constructor({ table, limit = 10, ...options }: CountOptions) {
    const retried = { retries: 3, ...options };
    super(retried);
    this.table = table + limit;
  }
  override execute(_ctx: TaskContext) { return this.table; }
}
export class Cleanup extends CountRows {}
export class LoudBash extends BashOperator {
  constructor(options: BashOperatorOptions) { super({ ...options, bashCommand: \`set -x; \${options.bashCommand}\` }); }
}
`,
      "dags.ts": `import { dag } from "assetflow";
import { Cleanup, CountRows, LoudBash } from "./operators.js";
dag({ dagId: "custom" }, () => {
  const count = new CountRows({ taskId: "count", table: "orders" });
  new Cleanup({ taskId: "cleanup", table: "tmp", retries: 1, after: [count] });
  new LoudBash({ taskId: "loud", bashCommand: "ls" });
});
`,
    });
    expect(result.diagnostics).toEqual([]);
    const custom = dagOf(result.manifest, "custom");
    expect(custom.tasks.map((t) => [t.taskId, t.operator, t.retries, t.upstream])).toEqual([
      ["cleanup", "Cleanup", 1, ["count"]],
      ["count", "CountRows", 3, []],
      ["loud", "LoudBash", 0, []],
    ]);
  });

  it("reports a base option the subclass forgot to take out before super(...) (AF3005)", () => {
    const result = compileSource(`${imports}
class Leaky extends BaseOperator {
  constructor(options: { taskId: string; table: string }) { super(options); }
  override execute() {}
}
dag({ dagId: "d" }, () => { new Leaky({ taskId: "t", table: "x" }); });
`);
    expect(withCode(result.diagnostics, "AF3005")[0]?.message).toContain(
      'Unknown option "table" in Leaky "t" of DAG "d" (its constructor passes these options to super(...))',
    );
  });

  it("warns (AF2009) about a class from a package that may be an operator", () => {
    const result = compileSource(`${imports}
import { S3CopyOperator } from "@acme/operators";
dag({ dagId: "d" }, () => { new S3CopyOperator({ taskId: "copy" }); });
`);
    expect(withCode(result.diagnostics, "AF2009")[0]?.message).toContain(
      '`new S3CopyOperator(...)` in DAG "d": the compiler cannot tell whether S3CopyOperator is an operator',
    );
  });
});

describe("watchers of assets", () => {
  it("extracts them as the SDK writes them, and reports bad ones", () => {
    const result = compileSource(`${imports}
const landed = new Asset("file:///in", { watchers: [{ kind: "files", dir: "in", glob: "*.csv" }, { kind: "mqtt", name: "m", topic: "t/#" }] });
dag({ dagId: "c", schedule: [landed] }, () => { task(function noop() {}); });
`);
    expect(result.diagnostics).toEqual([]);
    expect(result.manifest.assets[0]?.watchers).toEqual([
      { kind: "files", name: "files", dir: "in", glob: "*.csv" },
      { kind: "mqtt", name: "m", topic: "t/#" },
    ]);
    const bad = compileSource(`${imports}
const landed = new Asset("file:///in", { watchers: [{ kind: "files" }] });
dag({ dagId: "c", schedule: [landed] }, () => { task(function noop() {}); });
`);
    expect(bad.diagnostics.map((d) => d.message)).toContain(
      'The files watcher 1 of asset "file:///in" needs the string option "dir".',
    );
  });
});
