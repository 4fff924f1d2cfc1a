/**
 * PostgreSQL connections the server drops (a restart, a failover,
 * `pg_terminate_backend`): no process may crash, queries work again on new
 * connections, and the LISTEN connection comes back by itself.
 *
 * Every connection under test is tagged with its own `application_name`
 * (a parameter of the store URL, which the pool and the LISTEN connection
 * both read), so the test terminates exactly those backends and no one
 * else's. In-process: a `Scheduler` has every connection terminated, then
 * triggers and completes runs and hears another connection's NOTIFY again; a
 * connection dropped in the middle of a transaction fails that transaction
 * only; a `PgNotifier` behind a TCP proxy that refuses connections for a
 * while backs off and comes back; `close()` stops the reconnecting. End to
 * end: an `assetflow scheduler` and an `assetflow worker` have all their
 * connections terminated while the producer's task runs, and the producer ->
 * consumer chain still completes, as `assetflow runs list` shows.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { Asset, dag, serializeDags, task } from "assetflow";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TaskRunRequest } from "../../../scheduler/contracts.js";
import { listDagRuns } from "../../../scheduler/read/index.js";
import { Scheduler, storeDatabase } from "../../../scheduler/scheduler.js";
import { PgNotifier, RECONNECT_MIN_MS, TASKS_CHANNEL } from "../../../scheduler/store/postgres/notifier.js";
import { adminQuery, postgresUrl, testSchemaName, withSearchPath } from "../../store/backends.js";
import { poll } from "../../support/poll.js";
import { buildCli, type CliBuild } from "../chaos/cli-build.js";
import { type Child, cleanUp, startSchedulerAndWorker } from "../chaos/processes.js";

const execFileAsync = promisify(execFile);

/** `url` whose connections show as `application` in `pg_stat_activity`. */
function tagged(url: string, application: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("application_name", application);
  return parsed.toString();
}

/** Runs one query on its own connection (the test's "other connection"). */
async function adminRows<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

interface Backend {
  pid: number;
  query: string;
}

/** The server's backends of the connections tagged with an application name starting with `prefix`. */
function backendsOf(url: string, prefix: string): Promise<Backend[]> {
  return adminRows<Backend>(
    url,
    "SELECT pid, query FROM pg_stat_activity WHERE starts_with(application_name, $1) AND pid <> pg_backend_pid() ORDER BY pid",
    [prefix],
  );
}

/** Terminates those backends (as a database restart would); returns how many. */
async function terminate(url: string, prefix: string): Promise<number> {
  const rows = await adminRows<{ done: boolean }>(
    url,
    "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE starts_with(application_name, $1) AND pid <> pg_backend_pid()",
    [prefix],
  );
  return rows.filter((row) => row.done).length;
}

/**
 * The LISTEN connections among `backends`: their last statement is the LISTEN,
 * or a NOTIFY sent since (a listening process notifies through that
 * connection, never through its pool).
 */
function listenersAmong(backends: readonly Backend[]): Backend[] {
  return backends.filter((backend) => /^(LISTEN|SELECT pg_notify)/.test(backend.query));
}

/** Waits until `count` new LISTEN connections (none of `old`) of `prefix` are up. */
function listeningAgain(url: string, prefix: string, old: readonly number[], count = 1): Promise<Backend[]> {
  return poll(
    `${count} LISTEN connection(s) of ${prefix} to be back`,
    async () => {
      const listening = listenersAmong(await backendsOf(url, prefix)).filter((backend) => !old.includes(backend.pid));
      return listening.length >= count ? listening : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
}

/** `promise`, or a failure as soon as one of `children` exits (a crash), with what it printed on stderr. */
function unlessOneExits<T>(children: readonly Child[], promise: Promise<T>): Promise<T> {
  const crashed = children.map((child) =>
    child.exited.then((exit) => {
      throw new Error(`${child.name} exited (${exit.signal ?? exit.code}): ${child.stderr.join("").slice(-2000)}`);
    }),
  );
  // Exits after the promise settled (the test's own kills) are nobody's concern.
  for (const exit of crashed) exit.catch(() => undefined);
  return Promise.race([promise, ...crashed]);
}

/** Collects the process warnings emitted until `stop()`. */
function collectWarnings(): { readonly messages: string[]; stop(): void } {
  const messages: string[] = [];
  const listener = (warning: Error) => messages.push(warning.message);
  process.on("warning", listener);
  return { messages, stop: () => process.off("warning", listener) };
}

/** A TCP proxy to the test database that can drop every connection and refuse new ones for a while. */
class FlakyProxy {
  /** When each refused connection attempt arrived (epoch ms). */
  readonly refused: number[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private down = false;
  /** While set, the next client message holding a COMMIT reaches the server, its answer never reaches the client, and the proxy then goes down for this long, ms. */
  private cutAtCommitForMs: number | undefined;

  constructor(private readonly target: URL) {
    this.server = createServer((socket) => {
      if (this.down) {
        this.refused.push(Date.now());
        socket.destroy();
        return;
      }
      const upstream = tcpConnect(Number(target.port || 5432), target.hostname);
      for (const end of [socket, upstream]) {
        this.sockets.add(end);
        end.on("error", () => undefined);
        end.on("close", () => {
          this.sockets.delete(end);
          socket.destroy();
          upstream.destroy();
        });
      }
      let muted = false;
      socket.on("data", (chunk: Buffer) => {
        upstream.write(chunk);
        const downMs = this.cutAtCommitForMs;
        if (downMs === undefined || !/\bcommit\b/i.test(chunk.toString("latin1"))) return;
        this.cutAtCommitForMs = undefined;
        // The COMMIT is on its way; its answer is swallowed, then every connection is cut.
        muted = true;
        setTimeout(() => {
          this.goDown();
          setTimeout(() => this.comeBack(), downMs);
        }, 100);
      });
      upstream.on("data", (chunk: Buffer) => {
        if (!muted) socket.write(chunk);
      });
    });
  }

  /** The next COMMIT any connection sends takes effect, but its answer is lost: the proxy goes down for `downMs` right after it. */
  cutAtNextCommit(downMs: number): void {
    this.cutAtCommitForMs = downMs;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
  }

  /** The database URL through the proxy. */
  get url(): string {
    const address = this.server.address();
    const via = new URL(this.target);
    via.hostname = "127.0.0.1";
    via.port = String(typeof address === "object" && address ? address.port : 0);
    return via.toString();
  }

  /** Cuts every connection without a word from the server (a crash, a failover) and refuses new ones. */
  goDown(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  comeBack(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.goDown();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const asset = new Asset("x-reconnect://produced");
const producer = dag({ dagId: "producer", schedule: null, maxActiveRuns: 100 }, () => {
  task({ taskId: "produce", outlets: [asset] }, () => undefined);
});
const consumer = dag({ dagId: "consumer", schedule: [asset], maxActiveRuns: 100 }, () => {
  task({ taskId: "consume" }, () => undefined);
});

/** Triggers the producer and completes its try with an event of `asset`, as a worker would; returns the consumer runs created. */
async function produce(scheduler: Scheduler): Promise<string[]> {
  await scheduler.triggerDag("producer");
  const [request] = await scheduler.claimTasks("reconnect-test", 1);
  expect(request?.key.dagId).toBe("producer");
  const effects = await scheduler.completeTask((request as TaskRunRequest).key, {
    state: "success",
    events: [{ asset: { name: asset.name, uri: asset.uri, group: "asset", extra: {} }, extra: {}, aliases: [] }],
  });
  return effects.runs;
}

if (!postgresUrl) {
  console.warn(
    "[assetflow] PostgreSQL reconnects: skipped, they need PostgreSQL (the tests terminate a scheduler's and a worker's connections with pg_terminate_backend). Set ASSETFLOW_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run them.",
  );
}
const url = postgresUrl ?? "";

describe.skipIf(!postgresUrl)("a scheduler whose PostgreSQL connections are dropped", () => {
  /** Each test's schema and application name start with this. */
  const prefix = testSchemaName("reconnect");
  const schemas: string[] = [];
  const opened: { close(): Promise<unknown> }[] = [];
  let warnings: ReturnType<typeof collectWarnings> = { messages: [], stop: () => undefined };

  beforeEach(() => {
    warnings = collectWarnings();
  });

  afterEach(async () => {
    warnings.stop();
    await cleanUp(
      opened
        .splice(0)
        .reverse()
        .map((item) => () => item.close()),
    );
  });

  afterAll(async () => {
    await cleanUp(schemas.map((name) => () => adminQuery(url, `DROP SCHEMA IF EXISTS ${name} CASCADE`)));
  });

  /** A listening scheduler on schema `name`, its connections named `name` too, with the DAGs registered and its wake-ups counted. */
  async function openListening(name: string) {
    schemas.push(name);
    const scheduler = await Scheduler.open({ url: tagged(url, name), postgresSchema: name });
    opened.push(scheduler);
    await scheduler.registerManifest(serializeDags([producer, consumer]));
    const wakes = { count: 0 };
    scheduler.onWork(() => {
      wakes.count++;
    });
    await scheduler.listen();
    return { scheduler, wakes };
  }

  it("every connection terminated: nothing crashes, runs are triggered and completed again, and another connection's NOTIFY wakes it up again", async () => {
    const application = `${prefix}_all`;
    const { scheduler, wakes } = await openListening(application);
    // Several idle connections in the pool, and the LISTEN connection.
    await Promise.all(Array.from({ length: 4 }, () => sql`SELECT pg_sleep(0.05)`.execute(storeDatabase(scheduler))));
    const before = await backendsOf(url, application);
    expect(listenersAmong(before)).toHaveLength(1);
    expect(before.length).toBeGreaterThanOrEqual(5);

    expect(await terminate(url, application)).toBe(before.length);

    // The LISTEN connection comes back by itself and looks for work once (notifications may have been missed).
    await listeningAgain(
      url,
      application,
      before.map((backend) => backend.pid),
    );
    await poll("the wake-up after reconnecting", async () => (wakes.count >= 1 ? true : undefined));
    // The pool heard its idle connections go (a warning, not a crash) and opens new ones.
    expect(warnings.messages).toContainEqual(expect.stringContaining("lost an idle PostgreSQL connection"));
    expect(warnings.messages).toContainEqual(expect.stringContaining("lost its PostgreSQL LISTEN connection"));
    const consumerRuns = await produce(scheduler);
    expect(consumerRuns).toHaveLength(1);
    const [run] = await listDagRuns(storeDatabase(scheduler), "consumer");
    expect(run).toMatchObject({ runId: consumerRuns[0], runType: "asset_triggered" });
    expect(run?.consumedEvents.map((event) => event.assetUri)).toEqual([asset.uri]);

    // Another process's notification reaches the new LISTEN connection.
    const woken = wakes.count;
    await adminRows(url, "SELECT pg_notify($1, 'another-process')", [TASKS_CHANNEL]);
    await poll("another connection's NOTIFY to wake the scheduler up", async () =>
      wakes.count > woken ? true : undefined,
    );
  });

  it("a connection dropped in the middle of a transaction fails that transaction only", async () => {
    const application = `${prefix}_trx`;
    const { scheduler } = await openListening(application);
    const failed = await storeDatabase(scheduler)
      .transaction()
      .execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
        await adminRows(url, "SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
        // The server's goodbye arrives while the connection is idle in the transaction.
        await sleep(300);
        await sql`SELECT 1`.execute(trx);
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failed).toBeInstanceOf(Error);
    expect(await produce(scheduler)).toHaveLength(1);
  });

  it("while the database refuses connections, the LISTEN connection retries with a growing delay, comes back, and wakes its process up", async () => {
    const proxy = new FlakyProxy(new URL(url));
    await proxy.start();
    opened.push(proxy);
    let wakes = 0;
    const notifier = await PgNotifier.listen(proxy.url, () => {
      wakes++;
    });
    opened.push(notifier);
    expect(notifier.connected).toBe(true);

    proxy.goDown();
    await poll("the notifier to notice", async () => (notifier.connected ? undefined : true));
    // Sending while down fails, and is the caller's to ignore (Scheduler.notify does).
    await expect(notifier.notifyTasks()).rejects.toThrow(/reconnecting/);
    // 100, 200, 400, 800 ms apart: a handful of attempts, not a busy loop.
    const attempts = await poll("4 attempts to reconnect", async () =>
      proxy.refused.length >= 4 ? [...proxy.refused] : undefined,
    );
    const gaps = attempts.slice(1).map((at, index) => at - (attempts[index] as number));
    gaps.forEach((gap, index) => {
      expect(gap).toBeGreaterThanOrEqual(RECONNECT_MIN_MS * 2 ** (index + 1) * 0.8);
    });
    expect(wakes).toBe(0);

    proxy.comeBack();
    await poll("the notifier to reconnect", async () => (notifier.connected ? true : undefined), {
      timeoutMs: 10_000,
    });
    await poll("the wake-up after reconnecting", async () => (wakes >= 1 ? true : undefined));
    await notifier.notifyTasks();
  });

  it("an event recorded with an idempotency key whose COMMIT answer is lost, the store then down for 2.5 s: the request resolves with that one event, not STORE_UNAVAILABLE", async () => {
    const name = `${prefix}_doubt`;
    schemas.push(name);
    await adminQuery(url, `CREATE SCHEMA ${name}`);
    const proxy = new FlakyProxy(new URL(url));
    await proxy.start();
    opened.push(proxy);
    const viaProxy = new URL(proxy.url);
    viaProxy.searchParams.set("application_name", name);
    const scheduler = await Scheduler.open({ url: viaProxy.toString(), postgresSchema: name });
    opened.push(scheduler);
    await scheduler.registerManifest(serializeDags([producer, consumer]));

    proxy.cutAtNextCommit(2_500);
    const recorded = await scheduler.recordExternalEvent(
      { uri: asset.uri },
      { idempotencyKey: "in-doubt-1", extra: { n: 1 } },
    );

    // The commit took effect before the cut: the retry found it, and it is this request's own event.
    expect(proxy.refused.length).toBeGreaterThan(0);
    expect(recorded.replayed).toBe(false);
    const events = await adminRows<{ id: number }>(
      url,
      `SELECT id FROM ${name}.asset_event WHERE extra LIKE '%"n":1%'`,
    );
    expect(events.map((event) => Number(event.id))).toEqual([recorded.eventId]);
    expect(recorded.consumers).toEqual(["consumer"]);
  });

  it("close() while reconnecting stops the attempts", async () => {
    const proxy = new FlakyProxy(new URL(url));
    await proxy.start();
    opened.push(proxy);
    const notifier = await PgNotifier.listen(proxy.url, () => undefined);
    proxy.goDown();
    await poll("the notifier to notice", async () => (notifier.connected ? undefined : true));
    await notifier.close();
    // An attempt already on its way may still arrive.
    await sleep(100);
    const refused = proxy.refused.length;
    // Not stopped, it would try again 2 to 4 times in this while.
    await sleep(RECONNECT_MIN_MS * 2 ** 4);
    expect(proxy.refused.length).toBe(refused);
    expect(notifier.connected).toBe(false);
  });
});

describe.skipIf(!postgresUrl)("assetflow scheduler + assetflow worker whose PostgreSQL connections are dropped", () => {
  const schema = testSchemaName("reconnect_e2e");
  let work = "";
  const application = `${schema}_proc`;
  let cli: CliBuild | undefined;
  const children: Child[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "assetflow-reconnect-"));
    mkdirSync(join(work, "dags"));
    writeFileSync(
      join(work, "dags", "chain.ts"),
      `
import { Asset, dag, task } from "assetflow";
import { storeDatabase } from "../../../scheduler/scheduler.js";
const produced = new Asset("x-reconnect://chain");
/** Takes a few seconds, so that the connections can be dropped while it runs. */
export const producer = dag({ dagId: "producer", schedule: null }, () => {
  task({ taskId: "produce", outlets: [produced] }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 4000));
  });
});
export const consumer = dag({ dagId: "consumer", schedule: [produced] }, () => {
  task({ taskId: "consume" }, () => "consumed");
});
`,
    );
    cli = await buildCli("reconnect");
    await adminQuery(url, `CREATE SCHEMA ${schema}`);
  });

  afterAll(async () => {
    await cleanUp([
      () => Promise.all(children.map((child) => child.kill())),
      () => adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
      () => cli?.remove(),
      () => rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }),
    ]);
  });

  it("every connection of both processes terminated while the producer runs: both carry on, and the consumer runs on the producer's event", async () => {
    const main = (cli as CliBuild).main;
    const storeUrl = withSearchPath(url, schema);
    const env = (name: string, app?: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? work,
      ASSETFLOW_DATABASE_URL: app ? tagged(storeUrl, app) : storeUrl,
      ASSETFLOW_HOME: join(work, name),
    });
    /** Runs `assetflow <args> --json` (on untagged connections, which the test never drops). */
    const cliJson = async <T>(args: string[]): Promise<T> => {
      const { stdout } = await execFileAsync(process.execPath, [main, ...args, "--json"], { env: env("cli") });
      return JSON.parse(stdout) as T;
    };
    type RunJson = { runId: string; runType: string; state: string; consumedEvents: { sourceRunId: string }[] };

    const started = startSchedulerAndWorker({
      main,
      dagsDir: join(work, "dags"),
      workerId: "reconnect-worker",
      env: (role) => env(role, `${application}_${role}`),
    });
    children.push(...(await started));
    const [scheduler, worker] = children as [Child, Child];
    await scheduler.waitFor((m) => m.kind === "dag_file", 60_000);
    const before = await listeningAgain(url, application, [], 2);

    const { runId } = await cliJson<{ runId: string }>(["dags", "trigger", "producer"]);
    await poll(
      "the producer's task to run",
      async () => {
        const tasks = await cliJson<{ state: string }[]>(["tasks", "list", "producer", runId]);
        return tasks[0]?.state === "running" ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // Each process: its pool (one connection at least) and its LISTEN connection.
    const backends = await backendsOf(url, application);
    expect(backends.length).toBeGreaterThanOrEqual(4);
    expect(await terminate(url, application)).toBe(backends.length);
    expect(worker.messages.filter((m) => m.kind === "task_finished")).toEqual([]);

    const runs = await unlessOneExits(
      children,
      poll(
        "the producer and consumer runs to succeed",
        async () => {
          const [produced, consumed] = await Promise.all([
            cliJson<RunJson[]>(["runs", "list", "producer"]),
            cliJson<RunJson[]>(["runs", "list", "consumer"]),
          ]);
          return produced[0]?.state === "success" && consumed[0]?.state === "success"
            ? { produced, consumed }
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      ),
    );
    expect(runs.produced).toEqual([expect.objectContaining({ runId, state: "success" })]);
    expect(runs.consumed).toEqual([
      expect.objectContaining({
        runType: "asset_triggered",
        state: "success",
        consumedEvents: [expect.objectContaining({ sourceRunId: runId })],
      }),
    ]);
    // Neither process exited; both LISTEN again, on new connections, and said why they reconnected.
    expect(children.map((child) => child.exitedYet())).toEqual([false, false]);
    await listeningAgain(
      url,
      application,
      before.map((backend) => backend.pid),
      2,
    );
    for (const child of children) expect(child.stderr.join("")).toContain("lost its PostgreSQL LISTEN connection");
    expect(worker.messages).toContainEqual(
      expect.objectContaining({ kind: "task_finished", key: expect.objectContaining({ dagId: "consumer" }) }),
    );
  }, 240_000);
});
