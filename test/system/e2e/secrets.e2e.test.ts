/**
 * Issue 11, "Secrets and untrusted data", end to end: `assetflow standalone`
 * with an API token, a store URL, connections and a secret-named variable in
 * its environment. Tasks see none of assetflow's internals, a connection only
 * when they name it, and known secret values are masked in their logs. Event
 * extras carrying shell and SQL injections reach bash commands through `env`
 * and `shquote`, and SQL through bound parameters (SQLite and PostgreSQL),
 * as data only.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresUrl } from "../../store/backends.js";
import {
  cliEnv,
  cliJson,
  type LogJson,
  requireBuiltCli,
  runCli,
  Service,
  type TaskJson,
  tempDir,
  waitForRun,
} from "./support.js";

/** The PostgreSQL side of bound parameters (the CI's database when ASSETFLOW_TEST_DATABASE_URL is not set). */
const postgresTestUrl = () => postgresUrl ?? "postgres://postgres@127.0.0.1:5432/test";
const home = tempDir("secrets");
const dags = tempDir("secrets-dags");
const token = `e2e-token-${randomBytes(16).toString("hex")}`;
const awsSecret = `aws-e2e-${randomBytes(8).toString("hex")}`;
const warehouse = join(home.path, "warehouse.db");
const pgTable = `untrusted_${randomBytes(4).toString("hex")}`;
const pwned = join(home.path, "PWNED");
const env = cliEnv(home.path, {
  ASSETFLOW_API_TOKEN: token,
  ASSETFLOW_CONN_WAREHOUSE: `sqlite://${warehouse}`,
  ASSETFLOW_CONN_PGWH: postgresTestUrl(),
  AWS_SECRET_ACCESS_KEY: awsSecret,
});
env.ASSETFLOW_DATABASE_URL = `sqlite://${join(home.path, "assetflow.db")}`;
let standalone: Service;

/** An extra that runs commands if it is ever spliced into a shell command or SQL. */
const hostile = {
  note: `x"; touch ${pwned}1; echo "y' $(touch ${pwned}2) \`touch ${pwned}3\` ; touch ${pwned}4`,
  sql: "a'); INSERT INTO notes (note) VALUES ('evil'); --",
};

const FIRST = "(triggering_asset_events.values() | first | first)";

const dagSource = `
import { Asset, BashOperator, dag, SQLExecuteQueryOperator, task } from "assetflow";

export const inbox = new Asset("x-e2e://untrusted-inbox");

export const leaks = dag({ dagId: "leaks", schedule: null }, () => {
  new BashOperator({
    taskId: "env_dump",
    bashCommand: 'env | sort; echo "token=$ASSETFLOW_API_TOKEN aws=$AWS_SECRET_ACCESS_KEY"; test -z "$ASSETFLOW_CONN_WAREHOUSE$ASSETFLOW_CONN_PGWH" && echo no-connections',
    appendEnv: true,
  });
  new BashOperator({
    taskId: "uses_warehouse",
    connIds: ["warehouse"],
    bashCommand: 'test -n "$ASSETFLOW_CONN_WAREHOUSE" && echo has-warehouse; test -z "$ASSETFLOW_CONN_PGWH" && echo no-pgwh',
  });
  task({ taskId: "function_env" }, (ctx) => {
    ctx.log("internals " + JSON.stringify(Object.keys(process.env).filter((name) => name.startsWith("ASSETFLOW_")).sort()));
    ctx.log("aws " + process.env.AWS_SECRET_ACCESS_KEY);
  });
  new SQLExecuteQueryOperator({ taskId: "sql_still_connects", connId: "warehouse", sql: "SELECT 41 + 1 AS answer" });
});

export const lossy = new Asset("x-e2e://lossy");

export const inexact = dag({ dagId: "inexact", schedule: null }, () => {
  task({ taskId: "lone_surrogate", outlets: [lossy] }, (ctx) => {
    ctx.outletEvents.get(lossy).extra = { label: "half an emoji: \\ud83d" };
  });
});

export const consumer = dag({ dagId: "untrusted_consumer", schedule: [inbox] }, () => {
  new BashOperator({
    taskId: "via_env",
    env: { NOTE: "{{ ${FIRST}.extra.note }}" },
    bashCommand: "printf 'note=%s\\\\n' \\"$NOTE\\"",
  });
  new BashOperator({
    taskId: "via_shquote",
    bashCommand: "printf 'note=%s\\\\n' {{ ${FIRST}.extra.note | shquote }}",
  });
  new SQLExecuteQueryOperator({
    taskId: "sqlite_parameters",
    connId: "warehouse",
    sql: "INSERT INTO notes (note) VALUES (?)",
    parameters: ["{{ ${FIRST}.extra.sql }}"],
  });
  new SQLExecuteQueryOperator({
    taskId: "postgres_parameters",
    connId: "pgwh",
    sql: "INSERT INTO ${pgTable} (note) VALUES ($1)",
    parameters: ["{{ ${FIRST}.extra.sql }}"],
  });
});
`;

beforeAll(async () => {
  requireBuiltCli();
  // A home as an older version (or mkdir with the usual umask) left it: readable by everyone.
  chmodSync(home.path, 0o755);
  writeFileSync(join(dags.path, "untrusted.ts"), dagSource);
  const db = new Database(warehouse);
  db.exec("CREATE TABLE notes (note TEXT NOT NULL)");
  db.close();
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  await client.query(`CREATE TABLE ${pgTable} (note TEXT NOT NULL)`);
  await client.end();
  standalone = new Service(["standalone", "--dags", dags.path, "--workers", "2", "--port", "0"], env);
  await standalone.started();
}, 90_000);

afterAll(async () => {
  await standalone?.stop();
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${pgTable}`);
  await client.end();
  home.remove();
  dags.remove();
});

async function trigger(dagId: string): Promise<string> {
  return (await cliJson<{ runId: string }>(["dags", "trigger", dagId], env)).runId;
}

async function logOf(dagId: string, runId: string, taskId: string): Promise<string> {
  return (await cliJson<LogJson[]>(["tasks", "logs", dagId, runId, taskId], env)).map((log) => log.text).join("");
}

describe("tasks do not inherit secrets", () => {
  it("a task's environment holds no assetflow internals, connections only by name, and secrets are masked", async () => {
    const runId = await trigger("leaks");
    const run = await waitForRun("leaks", runId, env, [standalone]);
    const tasks = await cliJson<TaskJson[]>(["tasks", "list", "leaks", runId], env);
    expect(tasks.map((t) => [t.taskId, t.state, t.error?.message ?? null])).toEqual(
      expect.arrayContaining([
        ["env_dump", "success", null],
        ["uses_warehouse", "success", null],
        ["function_env", "success", null],
        ["sql_still_connects", "success", null],
      ]),
    );
    expect(run.state).toBe("success");

    const dump = await logOf("leaks", runId, "env_dump");
    expect(dump).toContain("no-connections");
    for (const secret of [token, awsSecret, "ASSETFLOW_API_TOKEN=", "ASSETFLOW_DATABASE_URL=", "ASSETFLOW_HOME="]) {
      expect(dump).not.toContain(secret);
    }
    expect(dump).toContain("token= aws=***");
    expect(dump).toContain("AWS_SECRET_ACCESS_KEY=***");

    const conn = await logOf("leaks", runId, "uses_warehouse");
    expect(conn).toContain("has-warehouse");
    expect(conn).toContain("no-pgwh");

    const fn = await logOf("leaks", runId, "function_env");
    expect(fn).toContain("internals []");
    expect(fn).toContain("aws ***");
    expect(fn).not.toContain(awsSecret);
  }, 60_000);
});

describe("event data is untrusted", () => {
  it("shell and SQL injections in an extra stay data through env, shquote and bound parameters", async () => {
    const emitted = await runCli(
      ["assets", "emit", "x-e2e://untrusted-inbox", "--extra", JSON.stringify(hostile), "--json"],
      env,
    );
    expect(emitted.code, emitted.stderr).toBe(0);
    const run = await waitForRun(
      "untrusted_consumer",
      await (async () => {
        const { poll } = await import("../../support/poll.js");
        return poll(
          "the consumer's run",
          async () => (await cliJson<Array<{ runId: string }>>(["runs", "list", "untrusted_consumer"], env))[0]?.runId,
          { timeoutMs: 30_000, intervalMs: 300 },
        );
      })(),
      env,
      [standalone],
    );
    const tasks = await cliJson<TaskJson[]>(["tasks", "list", "untrusted_consumer", run.runId], env);
    expect(tasks.filter((t) => t.state !== "success").map((t) => [t.taskId, t.error?.message])).toEqual([]);

    for (const taskId of ["via_env", "via_shquote"]) {
      expect(await logOf("untrusted_consumer", run.runId, taskId)).toContain(`note=${hostile.note}`);
    }
    for (const suffix of ["1", "2", "3", "4"]) expect(existsSync(`${pwned}${suffix}`)).toBe(false);

    const db = new Database(warehouse, { readonly: true });
    const rows = db.prepare("SELECT note FROM notes").all();
    db.close();
    expect(rows).toEqual([{ note: hostile.sql }]);

    const client = new pg.Client({ connectionString: postgresTestUrl() });
    await client.connect();
    const result = await client.query(`SELECT note FROM ${pgTable}`);
    await client.end();
    expect(result.rows).toEqual([{ note: hostile.sql }]);
  }, 60_000);
});

describe("files are private", () => {
  /** Every path under `dir` (itself included) with its permission bits. */
  function modes(dir: string): Array<[string, number]> {
    const found: Array<[string, number]> = [[dir, statSync(dir).mode & 0o777]];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) found.push(...modes(path));
      else found.push([path, statSync(path).mode & 0o777]);
    }
    return found;
  }

  it("the home is 0700; the store, its WAL and SHM, and task logs are 0600 and their folders 0700", async () => {
    const runId = await trigger("leaks");
    await waitForRun("leaks", runId, env, [standalone]);
    expect((statSync(home.path).mode & 0o777).toString(8)).toBe("700");
    const store = join(home.path, "assetflow.db");
    for (const file of [store, `${store}-wal`, `${store}-shm`]) {
      expect([file, (statSync(file).mode & 0o777).toString(8)]).toEqual([file, "600"]);
    }
    const logs = modes(join(home.path, "logs"));
    // The task hosts' log segments and each run's try index (runtime/task-log-segments.ts).
    expect(logs.filter(([path]) => /host-\d+-\w+\.log$/.test(path)).length).toBeGreaterThanOrEqual(1);
    expect(logs.filter(([path]) => path.endsWith("tries.idx")).length).toBeGreaterThanOrEqual(1);
    const wrong = logs.filter(([path, mode]) => mode !== (statSync(path).isDirectory() ? 0o700 : 0o600));
    expect(wrong.map(([path, mode]) => `${path} ${mode.toString(8)}`)).toEqual([]);
  }, 60_000);
});

describe("extras are kept exactly or refused", () => {
  it("assets emit refuses 1e400 and a lone surrogate, naming the key; a task's such extra fails the try", async () => {
    for (const [extra, pattern] of [
      ['{"rows": 1e400}', /key "rows" holds Infinity, a number JSON cannot carry exactly/],
      ['{"note": {"s": "\\udc00"}}', /key "note.s" holds a string that is not valid Unicode/],
    ] as const) {
      const result = await runCli(["assets", "emit", "x-e2e://untrusted-inbox", "--extra", extra], env);
      expect(result.code, result.stdout).not.toBe(0);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const runId = await trigger("inexact");
    const run = await waitForRun("inexact", runId, env, [standalone]);
    expect(run.state).toBe("failed");
    const [task] = await cliJson<TaskJson[]>(["tasks", "list", "inexact", runId], env);
    expect(task?.error?.message).toMatch(/key "label" holds a string that is not valid Unicode/);
  }, 60_000);
});
