import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Asset, BashOperator, type BashRequest, dag, isTaskSkipped, SQLExecuteQueryOperator } from "assetflow";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskOutcome } from "../scheduler/contracts.js";
import { MemoryAssetEventReader, RuntimeErrorCode, resolveConnection, runBash, runSql, runTask } from "./index.js";
import { makeRequest } from "./test-support.js";

function bash(command: string, overrides: Partial<BashRequest> = {}): BashRequest {
  return { command, env: undefined, appendEnv: false, cwd: undefined, skipOnExitCode: 99, ...overrides };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "assetflow-services-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("runBash", () => {
  it("resolves with exit code 0 and the last line of standard output, logging every line", async () => {
    const lines: string[] = [];
    const result = await runBash(bash("echo one; echo oops >&2; echo two"), { log: (line) => lines.push(line) });
    expect(result).toEqual({ exitCode: 0, lastLine: "two" });
    expect(lines).toEqual(expect.arrayContaining(["one", "oops", "two"]));
  });

  it("gives the command only env when env is set without appendEnv", async () => {
    process.env["ASSETFLOW_TEST_WORKER_ONLY"] = "worker";
    try {
      const { lastLine } = await runBash(
        bash('echo "$GREETING-$(printenv ASSETFLOW_TEST_WORKER_ONLY || echo unset)"', { env: { GREETING: "hi" } }),
      );
      expect(lastLine).toBe("hi-unset");
    } finally {
      delete process.env["ASSETFLOW_TEST_WORKER_ONLY"];
    }
  });

  it("adds env to the worker's environment with appendEnv, and keeps the worker's without env", async () => {
    process.env["ASSETFLOW_TEST_WORKER_ONLY"] = "worker";
    try {
      const appended = await runBash(
        bash('echo "$GREETING-$ASSETFLOW_TEST_WORKER_ONLY"', { env: { GREETING: "hi" }, appendEnv: true }),
      );
      expect(appended.lastLine).toBe("hi-worker");
      expect((await runBash(bash('echo "$ASSETFLOW_TEST_WORKER_ONLY"'))).lastLine).toBe("worker");
    } finally {
      delete process.env["ASSETFLOW_TEST_WORKER_ONLY"];
    }
  });

  it("runs in a fresh temporary directory that is removed afterwards", async () => {
    const { lastLine } = await runBash(bash("touch made-here; pwd"));
    expect(lastLine).toContain("assetflow-bash-");
    expect(existsSync(lastLine)).toBe(false);
  });

  it("runs in cwd when given and leaves it in place", async () => {
    const { lastLine } = await runBash(bash("touch kept; pwd", { cwd: scratch }));
    expect(lastLine).toBe(scratch);
    expect(existsSync(join(scratch, "kept"))).toBe(true);
  });

  it("throws TaskSkipped on the skipOnExitCode exit code", async () => {
    const error = await rejection(runBash(bash("exit 99")));
    expect(isTaskSkipped(error)).toBe(true);
    expect(isTaskSkipped(await rejection(runBash(bash("exit 3", { skipOnExitCode: 3 }))))).toBe(true);
  });

  it("fails with the exit code and the last 20 lines of standard output and error", async () => {
    const error = await rejection(runBash(bash("for i in $(seq 1 30); do echo line-$i; done; echo boom >&2; exit 3")));
    expect(error).toMatchObject({ code: RuntimeErrorCode.bashFailed });
    const message = (error as Error).message;
    expect(message).toContain("exit code 3");
    expect(message).toContain("line-12");
    expect(message).toContain("line-30");
    expect(message).toContain("boom");
    expect(message).not.toContain("line-11\n");
  });
});

describe("BashOperator through runTask", () => {
  const output = new Asset("file:///tmp/assetflow/example.csv");
  const d = dag({ dagId: "bash_ops" }, () => {
    new BashOperator({ taskId: "ok", bashCommand: "echo 'rows for {{ ds }}'", outlets: [output] });
    new BashOperator({ taskId: "skip", bashCommand: "exit 99", outlets: [output] });
    new BashOperator({
      taskId: "fail",
      bashCommand: "echo first; echo $WHO; exit 4",
      env: { WHO: "{{ dag.dag_id }}" },
      outlets: [output],
    });
  });

  async function run(taskId: string): Promise<TaskOutcome & { log: string[] }> {
    const log: string[] = [];
    const outcome = await runTask(d, makeRequest(d, taskId), {
      reader: new MemoryAssetEventReader(),
      log: (line) => log.push(line),
    });
    return { ...outcome, log };
  }

  it("succeeds with the last output line as result, the outlet event, and the output in the task log", async () => {
    const outcome = await run("ok");
    expect(outcome).toMatchObject({ state: "success", result: "rows for 2024-01-02", events: [{ extra: {} }] });
    expect(outcome.log.some((line) => line.endsWith("] rows for 2024-01-02"))).toBe(true);
  });

  it("is skipped when the command exits 99", async () => {
    expect(await run("skip")).toMatchObject({ state: "skipped" });
  });

  it("fails with the exit code and the output tail, rendered env included", async () => {
    const outcome = await run("fail");
    expect(outcome).toMatchObject({ state: "failed", error: { code: RuntimeErrorCode.bashFailed } });
    if (outcome.state !== "failed") return;
    expect(outcome.error.message).toContain("exit code 4");
    expect(outcome.error.message).toContain("first\nbash_ops");
  });
});

describe("runSql on SQLite", () => {
  const env = (uri: string) => ({ ASSETFLOW_CONN_WAREHOUSE: uri });

  it("runs several statements in order and returns the rows of the last one that returns rows", async () => {
    const file = join(scratch, "several.db");
    const { rows } = await runSql(
      {
        connId: "warehouse",
        sql: [
          "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL, note TEXT)",
          "INSERT INTO orders (amount, note) VALUES (10.5, 'a'), (20, 'b')",
          "SELECT id, amount, note FROM orders ORDER BY id",
          "UPDATE orders SET note = 'c' WHERE id = 2",
        ],
        parameters: undefined,
      },
      { env: env(`sqlite://${file}`) },
    );
    expect(rows).toEqual([
      { id: 1, amount: 10.5, note: "a" },
      { id: 2, amount: 20, note: "b" },
    ]);
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT note FROM orders WHERE id = 2").get()).toEqual({ note: "c" });
    db.close();
  });

  it("binds positional and named parameters", async () => {
    const uri = `sqlite://${join(scratch, "params.db")}`;
    const positional = await runSql(
      { connId: "warehouse", sql: "SELECT ? AS a, ? AS b, ? AS flag", parameters: [1, "two", true] },
      { env: env(uri) },
    );
    expect(positional.rows).toEqual([{ a: 1, b: "two", flag: 1 }]);
    const named = await runSql(
      { connId: "warehouse", sql: "SELECT :day AS day", parameters: { day: "2024-01-01" } },
      { env: env(uri) },
    );
    expect(named.rows).toEqual([{ day: "2024-01-01" }]);
  });

  it("binds parameters to every statement and says so when a statement takes none", async () => {
    const error = await rejection(
      runSql(
        { connId: "warehouse", sql: ["SELECT 1", "SELECT ? AS a"], parameters: [1] },
        { env: env("sqlite://:memory:") },
      ),
    );
    expect((error as Error).message).toContain("SQL statement 1 of 2 failed");
    expect((error as Error).message).toContain("parameters bind to every statement");
  });

  it("resolves a relative sqlite:// path from the working directory", async () => {
    const file = join(scratch, "relative.db");
    const { rows } = await runSql(
      { connId: "warehouse", sql: "SELECT 1 AS one", parameters: undefined },
      { env: env(`sqlite://${relative(process.cwd(), file)}`) },
    );
    expect(rows).toEqual([{ one: 1 }]);
    expect(existsSync(file)).toBe(true);
  });

  it("rolls back every statement when one fails", async () => {
    const file = join(scratch, "rollback.db");
    const db = new Database(file);
    db.exec("CREATE TABLE t (x INTEGER)");
    db.close();
    const error = await rejection(
      runSql(
        {
          connId: "warehouse",
          sql: ["INSERT INTO t VALUES (1)", "INSERT INTO missing VALUES (2)"],
          parameters: undefined,
        },
        { env: env(`sqlite://${file}`) },
      ),
    );
    expect((error as Error).message).toContain("SQL statement 2 of 2 failed: no such table: missing");
    const check = new Database(file, { readonly: true });
    expect(check.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 0 });
    check.close();
  });

  it("returns binary and big integer values as JSON", async () => {
    const { rows } = await runSql(
      { connId: "warehouse", sql: "SELECT x'414243' AS blob, 9007199254740993 AS big", parameters: undefined },
      { env: env("sqlite://:memory:") },
    );
    expect(rows).toEqual([{ blob: "QUJD", big: 9007199254740992 }]);
  });
});

describe("connections", () => {
  it("names the environment variable and an example when a connection is missing", () => {
    expect(() => resolveConnection("warehouse", {})).toThrow(
      /Connection "warehouse" is not configured: set the environment variable ASSETFLOW_CONN_WAREHOUSE .*sqlite:\/\/\/.*postgres:\/\//,
    );
  });

  it("parses absolute and relative SQLite paths and PostgreSQL URLs", () => {
    expect(resolveConnection("a", { ASSETFLOW_CONN_A: "sqlite:///var/data/a.db" })).toEqual({
      kind: "sqlite",
      path: "/var/data/a.db",
    });
    expect(resolveConnection("b", { ASSETFLOW_CONN_B: "sqlite://data/b.db" })).toEqual({
      kind: "sqlite",
      path: join(process.cwd(), "data/b.db"),
    });
    expect(resolveConnection("c", { ASSETFLOW_CONN_C: "postgresql://u:p@localhost/c" })).toEqual({
      kind: "postgres",
      url: "postgresql://u:p@localhost/c",
    });
  });

  it("rejects other schemes without echoing the URI", () => {
    let message = "";
    try {
      resolveConnection("d", { ASSETFLOW_CONN_D: "mysql://user:secret@host/d" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('scheme "mysql"');
    expect(message).toContain("ASSETFLOW_CONN_D");
    expect(message).not.toContain("secret");
  });
});

describe("SQLExecuteQueryOperator through runTask", () => {
  it("queries a temporary SQLite file with a templated statement and returns its rows", async () => {
    const file = join(scratch, "operator.db");
    const db = new Database(file);
    db.exec(
      "CREATE TABLE events (day TEXT, n INTEGER); INSERT INTO events VALUES ('2024-01-01', 1), ('2024-01-02', 2);",
    );
    db.close();
    const table = new Asset("sqlite://warehouse/events");
    const d = dag({ dagId: "sql_ops", params: { factor: 10 } }, () => {
      new SQLExecuteQueryOperator({
        taskId: "query",
        connId: "operator_sqlite",
        sql: [
          "UPDATE events SET n = n * {{ params.factor }} WHERE day = ?",
          "SELECT day, n FROM events WHERE day = ? ORDER BY day",
        ],
        parameters: ["{{ ds }}"],
        outlets: [table],
      });
    });
    process.env["ASSETFLOW_CONN_OPERATOR_SQLITE"] = `sqlite://${file}`;
    try {
      const outcome = await runTask(d, makeRequest(d, "query"), {
        reader: new MemoryAssetEventReader(),
        log: () => {},
      });
      expect(outcome).toMatchObject({
        state: "success",
        result: [{ day: "2024-01-02", n: 20 }],
        events: [{ asset: { uri: table.uri }, extra: {}, aliases: [] }],
      });
    } finally {
      delete process.env["ASSETFLOW_CONN_OPERATOR_SQLITE"];
    }
  });
});

const postgresUrl = process.env["ASSETFLOW_TEST_DATABASE_URL"];
if (postgresUrl) {
  describe("runSql on PostgreSQL", () => {
    it("runs statements in one transaction with $1 parameters and returns the rows of the last query", async () => {
      const env = { ASSETFLOW_CONN_PG_TEST: postgresUrl };
      const table = `assetflow_runtime_test_${process.pid}`;
      await runSql(
        {
          connId: "pg_test",
          sql: [`DROP TABLE IF EXISTS ${table}`, `CREATE TABLE ${table} (id INTEGER, at TIMESTAMPTZ)`],
          parameters: undefined,
        },
        { env },
      );
      try {
        const { rows } = await runSql(
          {
            connId: "pg_test",
            sql: [
              `INSERT INTO ${table} VALUES ($1, '2024-01-01T00:00:00Z'), ($1 + 1, '2024-01-02T00:00:00Z')`,
              `SELECT id, at FROM ${table} WHERE id >= $1 ORDER BY id`,
              `UPDATE ${table} SET id = id WHERE id = $1`,
            ],
            parameters: [1],
          },
          { env },
        );
        expect(rows).toEqual([
          { id: 1, at: "2024-01-01T00:00:00.000Z" },
          { id: 2, at: "2024-01-02T00:00:00.000Z" },
        ]);
        const failure = await rejection(
          runSql(
            { connId: "pg_test", sql: [`DELETE FROM ${table}`, "SELECT * FROM missing_table"], parameters: undefined },
            { env },
          ),
        );
        expect((failure as Error).message).toContain("SQL statement 2 of 2 failed");
        const after = await runSql(
          { connId: "pg_test", sql: `SELECT COUNT(*)::int AS n FROM ${table}`, parameters: undefined },
          { env },
        );
        expect(after.rows).toEqual([{ n: 2 }]);
      } finally {
        await runSql({ connId: "pg_test", sql: `DROP TABLE IF EXISTS ${table}`, parameters: undefined }, { env });
      }
    });

    it("rejects named parameters with a message asking for a list", async () => {
      const error = await rejection(
        runSql(
          { connId: "pg_test", sql: "SELECT 1", parameters: { a: 1 } },
          { env: { ASSETFLOW_CONN_PG_TEST: postgresUrl } },
        ),
      );
      expect(error).toMatchObject({ code: RuntimeErrorCode.sqlParametersInvalid });
    });
  });
} else {
  console.warn("skipping PostgreSQL runSql test: ASSETFLOW_TEST_DATABASE_URL is not set");
}
