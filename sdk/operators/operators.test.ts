import {
  Asset,
  BaseOperator,
  type BaseOperatorOptions,
  BashOperator,
  type BashRequest,
  chain,
  dag,
  ErrorCode,
  isTaskHandle,
  type OperatorServices,
  SQLExecuteQueryOperator,
  type SqlRequest,
  serializeDags,
  type TaskContext,
  task,
} from "assetflow";
import { describe, expect, it } from "vitest";
import { definitionError, makeContext, upstreamOf } from "../test-support.js";

/** Operator services that record each request and answer with fixed results. */
class RecordingServices implements OperatorServices {
  readonly bashRequests: BashRequest[] = [];
  readonly sqlRequests: SqlRequest[] = [];

  async runBash(request: BashRequest) {
    this.bashRequests.push(request);
    return { exitCode: 0, lastLine: "done" };
  }

  async runSql(request: SqlRequest) {
    this.sqlRequests.push(request);
    return { rows: [{ id: 1 }, { id: 2 }] };
  }
}

const table = new Asset("postgres://db:5432/shop/public/orders");

interface CountRowsOptions extends BaseOperatorOptions {
  /** The table to count. */
  table: string;
}

/** A user-defined operator with an option of its own. */
class CountRows extends BaseOperator {
  static override readonly templateFields: readonly string[] = ["table"];
  readonly table: string;

  constructor({ table: tableName, ...base }: CountRowsOptions) {
    super(base);
    this.table = tableName;
  }

  override execute(ctx: TaskContext): string {
    return `${ctx.taskId} counted ${this.table}`;
  }
}

/** A user-defined operator that wrongly hands its own option to super(). */
class LeakyOperator extends BaseOperator {
  constructor(options: BaseOperatorOptions & { table: string }) {
    super(options);
  }

  override execute(): void {}
}

describe("BaseOperator subclasses", () => {
  it("take their own options and attach to the DAG with the class name as operator", () => {
    let created: CountRows | undefined;
    const counting = dag({ dagId: "counting" }, () => {
      created = new CountRows({ taskId: "count", table: "orders", outlets: [table], retries: 2 });
    });
    const definition = counting.getTaskOrThrow("count");
    expect(created?.table).toBe("orders");
    expect(created?.taskId).toBe("count");
    expect(definition).toMatchObject({ taskId: "count", operator: "CountRows", outlets: [table], retries: 2 });
    expect(definition.runner).toEqual({ kind: "operator", operator: created });
    expect(isTaskHandle(created)).toBe(true);
  });

  it("run execute with the context; preExecute and postExecute do nothing by default", () => {
    let created: CountRows | undefined;
    dag({ dagId: "counting" }, () => {
      created = new CountRows({ taskId: "count", table: "orders" });
    });
    const ctx = makeContext({ services: new RecordingServices(), taskId: "count" });
    expect(created?.preExecute(ctx)).toBeUndefined();
    expect(created?.execute(ctx)).toBe("count counted orders");
    expect(created?.postExecute(ctx, "count counted orders")).toBeUndefined();
  });

  it("can override preExecute and postExecute", () => {
    const calls: string[] = [];
    class Audited extends BaseOperator {
      override preExecute(ctx: TaskContext) {
        calls.push(`pre ${ctx.taskId}`);
      }
      override execute() {
        calls.push("execute");
        return 7;
      }
      override postExecute(_ctx: TaskContext, result: unknown) {
        calls.push(`post ${String(result)}`);
      }
    }
    let created: Audited | undefined;
    dag({ dagId: "audited" }, () => {
      created = new Audited({ taskId: "audited" });
    });
    const ctx = makeContext({ services: new RecordingServices(), taskId: "audited" });
    created?.preExecute(ctx);
    created?.postExecute(ctx, created.execute());
    expect(calls).toEqual(["pre audited", "execute", "post 7"]);
  });

  it("declare templateFields on the class; BaseOperator has none", () => {
    expect(BaseOperator.templateFields).toEqual([]);
    expect(CountRows.templateFields).toEqual(["table"]);
  });

  it("reject an own option passed on to super() with OPTION_UNKNOWN and a hint about super()", () => {
    const error = definitionError(() =>
      dag({ dagId: "leaky" }, () => {
        new LeakyOperator({ taskId: "leak", table: "orders" });
      }),
    );
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "table" in LeakyOperator "leak" of DAG "leaky".');
    expect(error.message).toContain(
      "If it is an option of LeakyOperator itself, take it out of the object its constructor passes to super(...).",
    );
  });

  it("reject wrong base options, naming the option, the operator and the DAG", () => {
    const error = definitionError(() =>
      dag({ dagId: "bad_retries" }, () => {
        new CountRows({ taskId: "count", table: "orders", retries: -1 });
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe(
      'Invalid option "retries" in CountRows "count" of DAG "bad_retries": retries must be a whole number >= 0 (got -1).',
    );
  });

  it("reject a missing taskId", () => {
    const error = definitionError(() =>
      dag({ dagId: "no_id" }, () => {
        new CountRows({ table: "orders" } as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain('Missing required option "taskId" in CountRows of DAG "no_id"');
  });

  it("are an error outside a DAG", () => {
    const error = definitionError(() => new CountRows({ taskId: "count", table: "orders" }));
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toBe(
      'CountRows "count" was created outside a DAG. Create it inside dag(options, () => { ... }) or as a field or method of a @dag class.',
    );
  });
});

describe("operators as tasks", () => {
  it("take part in dependencies like task handles", () => {
    const mixed = dag({ dagId: "mixed" }, () => {
      const prepare = new BashOperator({ taskId: "prepare", bashCommand: "mkdir -p out" });
      const count = new CountRows({ taskId: "count", table: "orders", after: [prepare] });
      const report = task({ taskId: "report", args: [count] }, (_ctx, summary) => summary);
      const cleanup = new BashOperator({ taskId: "cleanup", bashCommand: "rm -rf out" });
      expect(report.precedes(cleanup)).toBe(cleanup);
      const archive = new BashOperator({ taskId: "archive", bashCommand: "tar cf out.tar out" });
      expect(archive.follows(count)).toBe(archive);
      chain(archive, new BashOperator({ taskId: "notify", bashCommand: "echo done" }));
    });
    expect(upstreamOf(mixed, "count")).toEqual(["prepare"]);
    expect(upstreamOf(mixed, "report")).toEqual(["count"]);
    expect(mixed.getTaskOrThrow("report").args).toEqual(["count"]);
    expect(upstreamOf(mixed, "cleanup")).toEqual(["report"]);
    expect(upstreamOf(mixed, "archive")).toEqual(["count"]);
    expect(upstreamOf(mixed, "notify")).toEqual(["archive"]);
  });

  it("reject an after entry that is not a task, naming its index", () => {
    const error = definitionError(() =>
      dag({ dagId: "bad_after" }, () => {
        new BashOperator({ taskId: "b", bashCommand: "echo", after: ["prepare"] } as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe(
      'Invalid option "after.0" in BashOperator "b" of DAG "bad_after": expected a task handle or operator, got the string "prepare".',
    );
  });

  it("share the task id space with tasks", () => {
    const error = definitionError(() =>
      dag({ dagId: "shared_ids" }, () => {
        task({ taskId: "load" }, () => 1);
        new BashOperator({ taskId: "load", bashCommand: "echo" });
      }),
    );
    expect(error.code).toBe(ErrorCode.taskDuplicate);
    expect(error.message).toContain('DAG "shared_ids" already has a task "load"');
  });

  it("appear in the manifest under their class name", () => {
    const manifest = serializeDags([
      dag({ dagId: "classic" }, () => {
        new BashOperator({ taskId: "bash", bashCommand: "echo" });
        new SQLExecuteQueryOperator({ taskId: "sql", connId: "warehouse", sql: "SELECT 1" });
        new CountRows({ taskId: "count", table: "orders" });
        task({ taskId: "fn" }, () => 1);
      }),
    ]);
    expect(manifest.dags[0]?.tasks.map((t) => [t.taskId, t.operator])).toEqual([
      ["bash", "BashOperator"],
      ["count", "CountRows"],
      ["fn", "task"],
      ["sql", "SQLExecuteQueryOperator"],
    ]);
  });
});

describe("BashOperator", () => {
  it("keeps its options with defaults: appendEnv false, skipOnExitCode 99", () => {
    let plain: BashOperator | undefined;
    let full: BashOperator | undefined;
    dag({ dagId: "bash" }, () => {
      plain = new BashOperator({ taskId: "plain", bashCommand: "echo hi" });
      full = new BashOperator({
        taskId: "full",
        bashCommand: "echo {{ ds }}",
        env: { TARGET: "{{ params.target }}" },
        appendEnv: true,
        cwd: "/tmp",
        skipOnExitCode: 3,
      });
    });
    expect(plain).toMatchObject({ bashCommand: "echo hi", env: undefined, appendEnv: false, cwd: undefined });
    expect(plain?.skipOnExitCode).toBe(99);
    expect(full).toMatchObject({
      bashCommand: "echo {{ ds }}",
      env: { TARGET: "{{ params.target }}" },
      appendEnv: true,
      cwd: "/tmp",
      skipOnExitCode: 3,
    });
  });

  it("renders bashCommand, env and cwd as templates", () => {
    expect(BashOperator.templateFields).toEqual(["bashCommand", "env", "cwd"]);
  });

  it("asks the runtime's runBash to run the command and returns the last line of output", async () => {
    let operator: BashOperator | undefined;
    dag({ dagId: "bash_run" }, () => {
      operator = new BashOperator({ taskId: "run", bashCommand: "echo hi", env: { A: "1" }, cwd: "/srv" });
    });
    const services = new RecordingServices();
    await expect(operator?.execute(makeContext({ services }))).resolves.toBe("done");
    expect(services.bashRequests).toEqual([
      { command: "echo hi", env: { A: "1" }, appendEnv: false, cwd: "/srv", skipOnExitCode: 99 },
    ]);
    expect(services.sqlRequests).toEqual([]);
  });

  it.each([
    [
      "bashCommand",
      { taskId: "b", bashCommand: "" },
      'Invalid option "bashCommand"',
      "bashCommand must be a non-empty command",
    ],
    ["bashCommand", { taskId: "b" }, 'Missing required option "bashCommand"', "add bashCommand to the options"],
    [
      "skipOnExitCode",
      { taskId: "b", bashCommand: "x", skipOnExitCode: 256 },
      'Invalid option "skipOnExitCode"',
      "(got 256)",
    ],
    ["env", { taskId: "b", bashCommand: "x", env: { A: 1 } }, 'Invalid option "env.A"', "(got 1)"],
  ])("rejects a wrong %s with OPTION_INVALID naming the option and the operator", (_option, options, what, fix) => {
    const error = definitionError(() =>
      dag({ dagId: "bash_bad" }, () => {
        new BashOperator(options as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain(`${what} in BashOperator "b" of DAG "bash_bad"`);
    expect(error.message).toContain(fix);
  });

  it('rejects an unknown option, suggesting "bashCommand" and listing its own options too', () => {
    const error = definitionError(() =>
      dag({ dagId: "bash_typo" }, () => {
        new BashOperator({ taskId: "b", bashComand: "echo" } as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "bashComand" in BashOperator "b" of DAG "bash_typo".');
    expect(error.message).toContain('Did you mean "bashCommand"?');
    expect(error.message).toContain("bashCommand, env, appendEnv, cwd, skipOnExitCode");
  });

  it("is an error outside a DAG, even with invalid options", () => {
    for (const options of [
      { taskId: "b", bashCommand: "echo" },
      { taskId: "b", bashCommand: "" },
    ]) {
      const error = definitionError(() => new BashOperator(options));
      expect(error.code).toBe(ErrorCode.dagInvalid);
      expect(error.message).toContain('BashOperator "b" was created outside a DAG');
    }
  });

  it("rejects options that are not an object", () => {
    const error = definitionError(() =>
      dag({ dagId: "bash_string" }, () => {
        new BashOperator("echo hi" as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toBe(
      'Options of BashOperator of DAG "bash_string" must be an object, got the string "echo hi".',
    );
  });
});

describe("SQLExecuteQueryOperator", () => {
  it("renders sql and parameters as templates", () => {
    expect(SQLExecuteQueryOperator.templateFields).toEqual(["sql", "parameters"]);
  });

  it("asks the runtime's runSql to run the statements and returns the rows", async () => {
    let operator: SQLExecuteQueryOperator | undefined;
    dag({ dagId: "sql_run" }, () => {
      operator = new SQLExecuteQueryOperator({
        taskId: "query",
        connId: "warehouse_1",
        sql: ["DELETE FROM t WHERE day = :day", "SELECT id FROM t"],
        parameters: { day: "{{ ds }}" },
      });
    });
    const services = new RecordingServices();
    await expect(operator?.execute(makeContext({ services }))).resolves.toEqual([{ id: 1 }, { id: 2 }]);
    expect(services.sqlRequests).toEqual([
      {
        connId: "warehouse_1",
        sql: ["DELETE FROM t WHERE day = :day", "SELECT id FROM t"],
        parameters: { day: "{{ ds }}" },
      },
    ]);
    expect(services.bashRequests).toEqual([]);
  });

  it("passes positional parameters and no parameters through unchanged", async () => {
    const operators: SQLExecuteQueryOperator[] = [];
    dag({ dagId: "sql_params" }, () => {
      operators.push(new SQLExecuteQueryOperator({ taskId: "a", connId: "c", sql: "SELECT ?", parameters: [1] }));
      operators.push(new SQLExecuteQueryOperator({ taskId: "b", connId: "c", sql: "SELECT 1" }));
    });
    const services = new RecordingServices();
    for (const operator of operators) await operator.execute(makeContext({ services }));
    expect(services.sqlRequests.map((r) => r.parameters)).toEqual([[1], undefined]);
  });

  it.each([
    ["connId", { taskId: "q", connId: "my-conn", sql: "SELECT 1" }, "connId may only contain letters, digits and _"],
    [
      "sql",
      { taskId: "q", connId: "c", sql: "" },
      "sql must be a non-empty statement or a non-empty list of statements",
    ],
    [
      "sql",
      { taskId: "q", connId: "c", sql: [] },
      "sql must be a non-empty statement or a non-empty list of statements",
    ],
    [
      "sql",
      { taskId: "q", connId: "c", sql: 42 },
      "sql must be a non-empty statement or a non-empty list of statements",
    ],
    ["parameters", { taskId: "q", connId: "c", sql: "SELECT 1", parameters: "x" }, 'got the string "x"'],
  ])("rejects a wrong %s with OPTION_INVALID naming the option and the operator", (option, options, fix) => {
    const error = definitionError(() =>
      dag({ dagId: "sql_bad" }, () => {
        new SQLExecuteQueryOperator(options as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain(`Invalid option "${option}" in SQLExecuteQueryOperator "q" of DAG "sql_bad"`);
    expect(error.message).toContain(fix);
  });

  it("requires connId", () => {
    const error = definitionError(() =>
      dag({ dagId: "sql_no_conn" }, () => {
        new SQLExecuteQueryOperator({ taskId: "q", sql: "SELECT 1" } as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionInvalid);
    expect(error.message).toContain('Missing required option "connId" in SQLExecuteQueryOperator "q"');
  });

  it("rejects an unknown option, listing the base options and its own", () => {
    const error = definitionError(() =>
      dag({ dagId: "sql_typo" }, () => {
        new SQLExecuteQueryOperator({ taskId: "q", connId: "c", sql: "SELECT 1", param: [] } as never);
      }),
    );
    expect(error.code).toBe(ErrorCode.optionUnknown);
    expect(error.message).toContain('Unknown option "param" in SQLExecuteQueryOperator "q" of DAG "sql_typo".');
    expect(error.message).toContain(
      "Known options: taskId, outlets, inlets, retries, retryDelay, executionTimeout, after, connId, sql, parameters.",
    );
  });

  it("is an error outside a DAG", () => {
    const error = definitionError(() => new SQLExecuteQueryOperator({ taskId: "q", connId: "c", sql: "SELECT 1" }));
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toContain('SQLExecuteQueryOperator "q" was created outside a DAG');
  });
});
