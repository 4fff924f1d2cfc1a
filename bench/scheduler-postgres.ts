/**
 * Scheduler latency on PostgreSQL (DESIGN.md sections 4 and 7), printed next
 * to the SQLite targets and to the same figure on SQLite in the same run:
 *
 * 1. in-process: producer success -> consumer run committed (the SQLite
 *    target: p50 under 5 ms, p99 under 25 ms), on a SQLite file and on
 *    PostgreSQL.
 * 2. across processes, PostgreSQL only: the producer's try is completed in
 *    this process (A); a second process (B) claims queued tries only when
 *    woken by LISTEN/NOTIFY (no polling); the figure is the time from A's
 *    `completeTask` call to B holding the consumer run's first task.
 *
 * Run: `node bench/run.mjs scheduler-postgres [--quick] [--iterations=N] [--warmup=N]
 * [--cross-iterations=N] [--url=postgres://...]`; the URL defaults to
 * ASSETFLOW_BENCH_DATABASE_URL, then ASSETFLOW_TEST_DATABASE_URL. Each run
 * uses a fresh schema and drops it. See BENCHMARKS.md.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { arch, cpus, platform, release, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { Scheduler } from "../scheduler/scheduler.js";
import { EVENTS, MANIFEST, producerTry } from "./support/hop-workload.js";
import { gitRevision, loadAverage, percentile } from "./support/measure.js";

// ---------------------------------------------------------------- options

interface Options {
  readonly url: string | undefined;
  readonly iterations: number;
  readonly warmup: number;
  readonly crossIterations: number;
  readonly crossWarmup: number;
}

function parseOptions(argv: readonly string[]): Options & { role: string | null; schema: string | null } {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`Unknown argument "${arg}". Use --name=value, e.g. --iterations=500.`);
    flags.set(match[1], match[2] ?? "true");
  }
  const quick = flags.get("quick") === "true";
  const int = (name: string, full: number, small: number): number => {
    const raw = flags.get(name);
    const value = raw === undefined ? (quick ? small : full) : Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer, got "${raw}".`);
    return value;
  };
  return {
    url: flags.get("url") ?? process.env.ASSETFLOW_BENCH_DATABASE_URL ?? process.env.ASSETFLOW_TEST_DATABASE_URL,
    iterations: int("iterations", 1000, 300),
    warmup: int("warmup", 100, 50),
    crossIterations: int("cross-iterations", 500, 200),
    crossWarmup: int("cross-warmup", 50, 20),
    role: flags.get("role") ?? null,
    schema: flags.get("schema") ?? null,
  };
}

// ---------------------------------------------------------------- reporting

interface Row {
  readonly label: string;
  readonly sqlite: string;
  readonly postgres: string;
  readonly target: string;
  readonly verdict: string;
}

const rows: Row[] = [];

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : "-");

interface Stats {
  readonly p50: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
  };
}

function verdict(value: number, limit: number): string {
  if (!Number.isFinite(value)) return "-";
  return value < limit ? "within the SQLite target" : "over the SQLite target";
}

// ---------------------------------------------------------------- workload

// ---------------------------------------------------------------- 1. in-process

async function inProcess(scheduler: Scheduler, options: Options): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < options.warmup + options.iterations; i++) {
    const key = await producerTry(scheduler, "bench");
    const started = performance.now();
    const effects = await scheduler.completeTask(key, { state: "success", events: EVENTS });
    const elapsed = performance.now() - started;
    if (effects.runs.length !== 1)
      throw new Error(`iteration ${i}: expected one consumer run, got ${effects.runs.length}`);
    if (i >= options.warmup) samples.push(elapsed);
    const [consume] = await scheduler.claimTasks("bench", 1);
    if (consume?.key.dagId !== "consumer")
      throw new Error(`expected the consumer's try, got ${JSON.stringify(consume)}`);
    await scheduler.completeTask(consume.key, { state: "success", events: [] });
  }
  return stats(samples);
}

/** Round trips: p50 of `SELECT 1` on one connection, and the statements one `completeTask` sends. */
async function roundTrips(url: string, scheduler: Scheduler): Promise<{ selectOne: Stats; statements: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const samples: number[] = [];
  try {
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await client.query("SELECT 1");
      if (i >= 50) samples.push(performance.now() - started);
    }
  } finally {
    await client.end();
  }
  // Count the statements of one completeTask by wrapping the driver's query method for its duration.
  const key = await producerTry(scheduler, "bench");
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let statements = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    return original.apply(this, args);
  };
  try {
    await scheduler.completeTask(key, { state: "success", events: EVENTS });
  } finally {
    prototype.query = original;
  }
  const [consume] = await scheduler.claimTasks("bench", 1);
  if (consume) await scheduler.completeTask(consume.key, { state: "success", events: [] });
  return { selectOne: stats(samples), statements };
}

// ---------------------------------------------------------------- 2. across processes

/** Epoch milliseconds with sub-millisecond precision, comparable between processes of one machine. */
const now = (): number => performance.timeOrigin + performance.now();

interface ClaimReport {
  readonly type: "claimed";
  readonly at: number;
  readonly runId: string;
  readonly viaNotify: boolean;
}

/**
 * Process B: a scheduler that LISTENs and claims only when notified (or when
 * A asks it to poll, which counts as a missed notification), completing each
 * consumer try it claims and reporting when it claimed it.
 */
async function claimerMain(url: string, schema: string): Promise<void> {
  const send = (message: object): void => {
    if (process.connected) process.send?.(message);
  };
  const scheduler = await Scheduler.open({ url, postgresSchema: schema });
  await scheduler.listen();
  // B claims only while armed: A arms it once it holds the producer's try, so B takes the
  // consumer's task and nothing else (A's trigger notifies too, and so do B's own completions).
  let armed = false;
  let pumping = false;
  let again = false;
  const pump = async (viaNotify: boolean): Promise<void> => {
    if (!armed) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        const [request] = await scheduler.claimTasks("bench-b", 1);
        if (!request) continue;
        armed = false;
        send({ type: "claimed", at: now(), runId: request.key.runId, viaNotify } satisfies ClaimReport);
        await scheduler.completeTask(request.key, { state: "success", events: [] });
        send({ type: "completed", runId: request.key.runId });
      } while (again && armed);
    } finally {
      pumping = false;
    }
  };
  scheduler.onWork(() => void pump(true));
  // No polling of its own: A asks for a poll when no claim came for a while (a missed notification).
  process.on("message", (message: { type: string }) => {
    if (message.type === "arm") {
      armed = true;
      send({ type: "armed" });
    }
    if (message.type === "poll") void pump(false);
  });
  send({ type: "ready" });
  await new Promise<void>((resolve) => process.once("disconnect", resolve));
  await scheduler.close();
}

async function acrossProcesses(
  url: string,
  schema: string,
  options: Options,
): Promise<{ total: Stats; notify: Stats; missed: number }> {
  // A: a scheduler that LISTENs, as a worker process does (its notifications go out on that connection).
  const scheduler = await Scheduler.open({ url, postgresSchema: schema });
  await scheduler.listen();
  const script = process.argv[1] as string;
  const child: ChildProcess = fork(script, [`--role=claimer`, `--url=${url}`, `--schema=${schema}`], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const messages: { type: string }[] = [];
  let waiter: (() => void) | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    child.on("message", (message: { type: string }) => {
      if (message.type === "ready") resolve();
      else {
        messages.push(message);
        waiter?.();
      }
    });
    child.once("exit", (code) => reject(new Error(`the claimer process exited (${code})`)));
  });
  await ready;
  /** The next message of `type` from B (earlier ones of other types are dropped). */
  const next = async <T extends { type: string }>(type: string, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = messages.findIndex((message) => message.type === type);
      if (index >= 0) return messages.splice(0, index + 1).at(-1) as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`process B sent no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      waiter = null;
    }
  };
  const total: number[] = [];
  const notify: number[] = [];
  let missed = 0;
  try {
    for (let i = 0; i < options.crossWarmup + options.crossIterations; i++) {
      const key = await producerTry(scheduler, "bench-a");
      child.send({ type: "arm" });
      await next("armed", 10_000);
      const started = now();
      await scheduler.completeTask(key, { state: "success", events: EVENTS });
      const committed = now();
      // The consumer run may be created by A (right after its commit) or by B (B finishing the previous
      // consumer run evaluates the consumer too): either way B claims its task.
      let report: ClaimReport;
      try {
        report = await next<ClaimReport>("claimed", 2000);
      } catch {
        child.send({ type: "poll" });
        report = await next<ClaimReport>("claimed", 10_000);
      }
      await next("completed", 10_000);
      if (!report.viaNotify) missed++;
      if (i >= options.crossWarmup) {
        total.push(report.at - started);
        notify.push(report.at - committed);
      }
    }
  } finally {
    child.disconnect();
    await new Promise((resolve) => child.once("exit", resolve));
    await scheduler.close();
  }
  return { total: stats(total), notify: stats(notify), missed };
}

// ---------------------------------------------------------------- main

async function adminQuery(url: string, text: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(text);
    return String(result.rows[0]?.version ?? "");
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.role === "claimer") {
    if (!options.url || !options.schema) throw new Error("the claimer needs --url and --schema");
    await claimerMain(options.url, options.schema);
    return;
  }
  if (!options.url) {
    console.error(
      "No PostgreSQL: pass --url=postgres://... or set ASSETFLOW_BENCH_DATABASE_URL (or ASSETFLOW_TEST_DATABASE_URL).",
    );
    process.exitCode = 2;
    return;
  }
  const url = options.url;
  const cpu = cpus();
  console.log("assetflow scheduler benchmarks on PostgreSQL");
  console.log(
    `  machine:  ${cpu[0]?.model ?? "unknown cpu"}, ${cpu.length} cores, node ${process.version}, ${platform()} ${release()} ${arch()}`,
  );
  console.log(`  date:     ${new Date().toISOString()}`);
  console.log(`  commit:   ${gitRevision()}`);
  console.log(`  load:     ${loadAverage()} (1/5/15 min load average at start)`);
  console.log(`  server:   ${(await adminQuery(url, "SELECT version() AS version")).split(",")[0]}`);
  console.log(
    `  store:    ${url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@")}, a fresh schema; SQLite: a file in ${tmpdir()}`,
  );

  const schema = `assetflow_bench_${randomBytes(5).toString("hex")}`;
  const directory = mkdtempSync(join(tmpdir(), "assetflow-bench-pg-"));
  try {
    console.log(
      `\n[1] producer success -> consumer run committed, in one process (${options.iterations} iterations after ${options.warmup} warm-up)`,
    );
    const sqlite = await Scheduler.open({ url: join(directory, "assetflow.db") });
    await sqlite.registerManifest(MANIFEST);
    const onSqlite = await inProcess(sqlite, options);
    await sqlite.close();
    const postgres = await Scheduler.open({ url, postgresSchema: schema });
    await postgres.registerManifest(MANIFEST);
    const onPostgres = await inProcess(postgres, options);
    const trips = await roundTrips(url, postgres);
    await postgres.close();
    rows.push(
      {
        label: "p50 completeTask -> consumer run committed",
        sqlite: ms(onSqlite.p50),
        postgres: ms(onPostgres.p50),
        target: "< 5 ms",
        verdict: verdict(onPostgres.p50, 5),
      },
      {
        label: "p99 completeTask -> consumer run committed",
        sqlite: ms(onSqlite.p99),
        postgres: ms(onPostgres.p99),
        target: "< 25 ms",
        verdict: verdict(onPostgres.p99, 25),
      },
      {
        label: "min / mean / max",
        sqlite: `${ms(onSqlite.min)} / ${ms(onSqlite.mean)} / ${ms(onSqlite.max)}`,
        postgres: `${ms(onPostgres.min)} / ${ms(onPostgres.mean)} / ${ms(onPostgres.max)}`,
        target: "",
        verdict: "",
      },
      {
        label: "statements sent by one completeTask",
        sqlite: "",
        postgres: String(trips.statements),
        target: "",
        verdict: "",
      },
      {
        label: "round trip of SELECT 1 (same run): p50 / p99",
        sqlite: "",
        postgres: `${ms(trips.selectOne.p50)} / ${ms(trips.selectOne.p99)}`,
        target: "",
        verdict: "",
      },
    );

    console.log(
      `[2] producer completed in process A -> consumer's first task claimed in process B, woken by LISTEN/NOTIFY (${options.crossIterations} iterations after ${options.crossWarmup} warm-up)`,
    );
    const across = await acrossProcesses(url, schema, options);
    rows.push(
      {
        label: "p50 completeTask in A -> task claimed in B",
        sqlite: "n/a (no NOTIFY)",
        postgres: ms(across.total.p50),
        target: "(< 5 ms in-process)",
        verdict: verdict(across.total.p50, 5),
      },
      {
        label: "p99 completeTask in A -> task claimed in B",
        sqlite: "n/a (no NOTIFY)",
        postgres: ms(across.total.p99),
        target: "(< 25 ms in-process)",
        verdict: verdict(across.total.p99, 25),
      },
      {
        label: "of which after A's completeTask returned: p50 / p99",
        sqlite: "",
        postgres: `${ms(across.notify.p50)} / ${ms(across.notify.p99)}`,
        target: "",
        verdict: "",
      },
      {
        label: "claims woken by the fallback poll instead of NOTIFY",
        sqlite: "",
        postgres: String(across.missed),
        target: "0",
        verdict: across.missed === 0 ? "ok" : "missed notifications",
      },
    );
  } finally {
    await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
  }

  console.log("");
  const width = (key: keyof Row) => Math.max(key.length, ...rows.map((row) => row[key].length));
  const columns: (keyof Row)[] = ["label", "sqlite", "postgres", "target", "verdict"];
  const headers: Record<keyof Row, string> = {
    label: "figure",
    sqlite: "SQLite (same run)",
    postgres: "PostgreSQL",
    target: "SQLite target",
    verdict: "",
  };
  const line = (cells: Record<keyof Row, string>) =>
    columns
      .map((key) => cells[key].padEnd(Math.max(width(key), headers[key].length)))
      .join("  ")
      .trimEnd();
  console.log(line(headers));
  console.log(
    line(
      Object.fromEntries(columns.map((key) => [key, "-".repeat(Math.max(width(key), headers[key].length))])) as Record<
        keyof Row,
        string
      >,
    ),
  );
  for (const row of rows) console.log(line(row));
  console.log(`\nload average at end: ${loadAverage()}`);
}

await main();
