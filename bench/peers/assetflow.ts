/**
 * assetflow's side of the peers bench: the same figures as the peers, through
 * the real parts (task hosts, the task executor, the DAG processor, the
 * `assetflow` command, the API server).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { DagProcessor, TaskExecutor, WorkerPool } from "../../runtime/index.js";
import type { EmittedAssetEvent } from "../../scheduler/contracts.js";
import { Scheduler } from "../../scheduler/index.js";
import { storeDatabase } from "../../scheduler/scheduler.js";
import type { Manifest } from "../../sdk/manifest/schema.js";
import { dagManifest, taskManifest } from "../../test/support/manifests.js";
import { percentile } from "../support/measure.js";
import { benchGone, forkRole, now, toBench } from "./child.js";
import type { ChainRig, HopRig, NoopRig } from "./rigs.js";

/** The repository root (the bench bundle lives in node_modules/.cache/assetflow-bench/). */
export const repositoryRoot = resolve(new URL("../../..", import.meta.url).pathname);
const hostEntry = join(repositoryRoot, "dist/runtime/task-host-main.js");
const cliEntry = join(repositoryRoot, "dist/cli/main.js");

// ------------------------------------------------------------ one hop on PostgreSQL

const HOP_DAGS = `import { Asset, dag, task } from "assetflow";
const hop = new Asset("bench://peers/hop");
export const producer = dag({ dagId: "hop_producer", schedule: null }, () => {
  task({ taskId: "write", outlets: [hop] }, () => undefined);
});
export const consumer = dag({ dagId: "hop_consumer", schedule: [hop] }, () => {
  task({ taskId: "read" }, () => performance.timeOrigin + performance.now());
});
`;
const HOP_EVENTS: EmittedAssetEvent[] = [
  { asset: { name: "bench://peers/hop", uri: "bench://peers/hop", group: "asset", extra: {} }, extra: {}, aliases: [] },
];

/**
 * One hop across processes on PostgreSQL: this process (A) reports the
 * producer's try successful with its event (`completeTask`, what a worker
 * sends when a task returns); process B is a worker (`assetflow worker`'s
 * parts: task executor, pool of task hosts) woken by LISTEN/NOTIFY. The
 * figure: from A's report to the consumer's task function starting in one of
 * B's task hosts (the function returns its start time).
 */
export async function assetflowHop(url: string, schema: string): Promise<HopRig> {
  const work = mkdtempSync(join(tmpdir(), "assetflow-peers-hop-"));
  mkdirSync(join(work, "dags"));
  writeFileSync(join(work, "dags", "hop.ts"), HOP_DAGS);
  const b = await forkRole("assetflow-hop-b", { url, schema, work });
  const scheduler = await Scheduler.open({ url, postgresSchema: schema });
  await scheduler.listen();
  return {
    hop: async () => {
      await scheduler.triggerDag("hop_producer");
      const [request] = await scheduler.claimTasks("bench-a", 1);
      if (request?.key.dagId !== "hop_producer")
        throw new Error(`expected the producer's try: ${JSON.stringify(request)}`);
      // B's worker runs only from here on, so that it never takes the producer's try.
      b.send({ type: "arm" });
      await b.next("armed");
      const t0 = now();
      await scheduler.completeTask(request.key, { state: "success", events: HOP_EVENTS });
      const started = await b.next<{ type: string; at: number }>("started", 10_000);
      return started.at - t0;
    },
    close: async () => {
      await b.close();
      await scheduler.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Process B of {@link assetflowHop}: a worker whose executor runs from "arm" until the consumer's try is done. */
export async function assetflowHopB(flags: Map<string, string>): Promise<void> {
  const work = flags.get("work") as string;
  const scheduler = await Scheduler.open({
    url: flags.get("url") as string,
    postgresSchema: flags.get("schema") as string,
  });
  const pool = new WorkerPool({ home: work, reader: scheduler.eventReader(), hostEntry });
  const processor = new DagProcessor(join(work, "dags"), pool, scheduler);
  const loaded = await processor.processAll();
  if (!loaded.every((result) => result.ok))
    throw new Error(`the hop DAG file failed to load: ${JSON.stringify(loaded)}`);
  const executor: TaskExecutor = new TaskExecutor(scheduler, pool, {
    workerId: "bench-b",
    logDir: join(work, "logs"),
    onFinished: (request, outcome) => {
      if (request.key.dagId !== "hop_consumer") return;
      setImmediate(async () => {
        await executor.stop();
        const at = outcome.state === "success" ? Number(outcome.result) : Number.NaN;
        if (!Number.isFinite(at)) toBench({ type: "error", message: `consumer try: ${JSON.stringify(outcome)}` });
        else toBench({ type: "started", at });
      });
    },
  });
  process.on("message", (message: { type: string }) => {
    if (message.type !== "arm") return;
    executor.start();
    toBench({ type: "armed" });
  });
  toBench({ type: "ready" });
  await benchGone();
  await executor.stop();
  await pool.stop();
  await scheduler.close();
}

// ------------------------------------------------------------ chain and no-op tasks on SQLite

function runtimeDags(steps: number, noopTasks: number): string {
  const lines = ['import { Asset, dag, task } from "assetflow";', ""];
  for (let i = 0; i < steps; i++) lines.push(`const a${i} = new Asset("bench://chain/${i}");`);
  lines.push(`export const chain0 = dag({ dagId: "chain_0", schedule: null }, () => {`);
  lines.push(`  task({ taskId: "noop", outlets: [a0] }, () => undefined);`, "});");
  for (let i = 1; i < steps; i++) {
    lines.push(`export const chain${i} = dag({ dagId: "chain_${i}", schedule: [a${i - 1}] }, () => {`);
    lines.push(`  task({ taskId: "noop", outlets: [a${i}] }, () => undefined);`, "});");
  }
  lines.push(`export const wide = dag({ dagId: "wide", schedule: null, maxActiveRuns: 1 }, () => {`);
  lines.push(`  for (let i = 0; i < ${noopTasks}; i++) task({ taskId: \`noop_\${i}\` }, () => undefined);`, "});");
  return lines.join("\n");
}

/**
 * `assetflow standalone`'s set-up in this process: a SQLite file store, the
 * DAG processor, a warm pool of `hosts` task hosts and the task executor.
 * `chain()`: `steps` DAGs chained by assets, one no-op task each, from
 * triggering the first to the last run's success. `noop(count)`: one run of
 * `count` independent no-op tasks (count fixed at set-up), trigger to run success.
 */
export async function assetflowRuntime(
  steps: number,
  noopTasks: number,
  hosts: number,
): Promise<ChainRig & NoopRig & { cpuPerTaskUs(): number; hostCpuPerTaskUs(): number }> {
  const work = mkdtempSync(join(tmpdir(), "assetflow-peers-runtime-"));
  mkdirSync(join(work, "dags"));
  writeFileSync(join(work, "dags", "runtime.ts"), runtimeDags(steps, noopTasks));
  const scheduler = await Scheduler.open({ url: join(work, "assetflow.db") });
  const pool = new WorkerPool({ size: hosts, home: work, reader: scheduler.eventReader(), hostEntry });
  const processor = new DagProcessor(join(work, "dags"), pool, scheduler);
  const executor = new TaskExecutor(scheduler, pool, { workerId: "bench", logDir: join(work, "logs") });
  const waiting = new Map<string, () => void>();
  scheduler.onActivity((activity) => {
    if (activity.kind !== "run_finished") return;
    waiting.get(`${activity.dagId}/${activity.runId}`)?.();
    if (activity.dagId === `chain_${steps - 1}`) waiting.get("chain-end")?.();
  });
  const waitFor = (key: string) => new Promise<void>((done) => waiting.set(key, done));
  const loaded = await processor.processAll();
  if (!loaded.every((result) => result.ok))
    throw new Error(`the runtime DAG file failed to load: ${JSON.stringify(loaded)}`);
  executor.start();
  let cpu = 0;
  let hostCpu = 0;
  let tasks = 0;
  return {
    chain: async () => {
      const end = waitFor("chain-end");
      const started = performance.now();
      await scheduler.triggerDag("chain_0");
      await end;
      return performance.now() - started;
    },
    noop: async (count) => {
      if (count !== noopTasks) throw new Error(`the no-op DAG has ${noopTasks} tasks, not ${count}`);
      const pids = pool.pids;
      const hostsBefore = processCpuUs(pids);
      const before = process.cpuUsage();
      const started = performance.now();
      const runId = await scheduler.triggerDag("wide");
      await waitFor(`wide/${runId}`);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(before);
      cpu += used.user + used.system;
      hostCpu += processCpuUs(pids) - hostsBefore;
      tasks += count;
      return count / seconds;
    },
    cpuPerTaskUs: () => cpu / Math.max(1, tasks),
    hostCpuPerTaskUs: () => hostCpu / Math.max(1, tasks),
    close: async () => {
      processor.close();
      await executor.stop();
      await pool.stop();
      await scheduler.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * CPU time (user + system, µs) the processes `pids` have used so far, from
 * `/proc/<pid>/stat` (clock ticks of 10 ms); 0 for a process that is gone or
 * where there is no `/proc`. A host replaced during a run (after
 * `maxTasksPerHost` tries) takes its time with it, so the figure is a floor.
 */
function processCpuUs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10_000;
}

// ------------------------------------------------------------ fan-out through the API server

/** What one fan-out round measured. */
export interface FanOutRound {
  /** POST /assets/events: from sending to the response. */
  readonly requestMs: number;
  /** From sending the POST to the last consumer run committed. */
  readonly allRunsMs: number;
  /** The slowest /health answer while the runs were being created. */
  readonly healthMaxMs: number;
  readonly healthP99Ms: number;
  readonly healthPolls: number;
}

/**
 * One event on an asset with `consumers` consumer DAGs, recorded through a
 * real `assetflow api-server` process over HTTP while this process polls its
 * /health; the runs are counted in the store (read-only) until all exist.
 */
export async function assetflowFanOut(
  consumers: number,
): Promise<{ round(): Promise<FanOutRound>; close(): Promise<void> }> {
  const work = mkdtempSync(join(tmpdir(), "assetflow-peers-fanout-"));
  const dbFile = join(work, "assetflow.db");
  const asset = { kind: "asset" as const, name: "fan", uri: "bench://peers/fan" };
  const setup = await Scheduler.open({ url: dbFile });
  await setup.registerManifest({
    schemaVersion: 1,
    assets: [{ name: asset.name, uri: asset.uri, group: "asset", extra: {} }],
    aliases: [],
    dags: Array.from({ length: consumers }, (_, i) =>
      dagManifest(`fan_${String(i).padStart(5, "0")}`, { kind: "assets", condition: asset }, [taskManifest("t")]),
    ),
  } satisfies Manifest);
  await setup.close();
  const token = randomBytes(24).toString("hex");
  // ASSETFLOW_BENCH_SERVER_NODE_ARGS: Node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.ASSETFLOW_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const server: ChildProcess = spawn(process.execPath, [...nodeArgs, cliEntry, "api-server", "--port", "0", "--json"], {
    env: { ...process.env, ASSETFLOW_HOME: work, ASSETFLOW_DATABASE_URL: dbFile, ASSETFLOW_API_TOKEN: token },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const apiUrl = await new Promise<string>((resolvePromise, reject) => {
    let buffer = "";
    server.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split("\n")) {
        try {
          const parsed = JSON.parse(line) as { kind?: string; api?: string; error?: string; message?: string };
          if (parsed.kind === "started" && parsed.api) resolvePromise(parsed.api);
          if (parsed.error) reject(new Error(`assetflow api-server: ${parsed.message}`));
        } catch {
          // not a whole JSON line yet
        }
      }
    });
    server.once("exit", (code) => reject(new Error(`assetflow api-server exited (${code})`)));
  });
  const reader = new BetterSqlite3(dbFile, { readonly: true, fileMustExist: true });
  const countRuns = reader.prepare("SELECT count(*) AS n FROM dag_run");
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const base = apiUrl.replace(/\/api\/v1\/?$/, "");
  return {
    round: async () => {
      const before = (countRuns.get() as { n: number }).n;
      const health: number[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const sent = performance.now();
          const response = await fetch(`${base}/health`);
          await response.arrayBuffer();
          health.push(performance.now() - sent);
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      await new Promise((r) => setTimeout(r, 30));
      const sent = performance.now();
      const posted = fetch(`${apiUrl}/assets/events`, {
        method: "POST",
        headers,
        body: JSON.stringify({ uri: asset.uri }),
      }).then(async (response) => {
        const requestMs = performance.now() - sent;
        if (response.status !== 201)
          throw new Error(`POST /assets/events: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
        return requestMs;
      });
      let allRunsMs = Number.NaN;
      const deadline = sent + 60_000;
      while (performance.now() < deadline) {
        if ((countRuns.get() as { n: number }).n - before >= consumers) {
          allRunsMs = performance.now() - sent;
          break;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      const requestMs = await posted;
      await new Promise((r) => setTimeout(r, 50));
      polling = false;
      await poller;
      const sorted = [...health].sort((x, y) => x - y);
      return {
        requestMs,
        allRunsMs,
        healthMaxMs: sorted.at(-1) ?? Number.NaN,
        healthP99Ms: percentile(sorted, 99),
        healthPolls: sorted.length,
      };
    },
    close: async () => {
      reader.close();
      server.kill("SIGTERM");
      await exited;
      rmSync(work, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------ the command's start-up

/** Wall time of one run of a command to its exit, ms. */
function timeCommand(args: readonly string[]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolvePromise(performance.now() - started) : reject(new Error(`${args.join(" ")} exited ${code}`)),
    );
  });
}

/** `assetflow --help` and `node -e 0`, alternately, `times` each: their medians. */
export async function helpStartup(times: number): Promise<{ help: number[]; node: number[] }> {
  const help: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < times + 1; i++) {
    const h = await timeCommand([cliEntry, "--help"]);
    const n = await timeCommand(["-e", "0"]);
    if (i > 0) {
      help.push(h);
      node.push(n);
    }
  }
  return { help, node };
}

// ------------------------------------------------------------ registration, latency and scale on SQLite

/** Consumer `i` on `all(asset_i, gate)`: routed to, never run (as bench/scheduler.ts). */
function consumerDags(count: number, offset = 0): Manifest {
  const gate = { kind: "asset" as const, name: "gate", uri: "bench://gate" };
  const dags = [];
  const assets = [{ name: gate.name, uri: gate.uri, group: "asset", extra: {} }];
  for (let i = offset; i < offset + count; i++) {
    const leaf = { kind: "asset" as const, name: `asset_${i}`, uri: `bench://asset/${i}` };
    assets.push({ name: leaf.name, uri: leaf.uri, group: "asset", extra: {} });
    dags.push(
      dagManifest(`consumer_${i}`, { kind: "assets", condition: { kind: "all", conditions: [leaf, gate] } }, [
        taskManifest("t"),
      ]),
    );
  }
  return { schemaVersion: 1, assets, aliases: [], dags };
}

/** Registers `count` consumer DAGs into a fresh SQLite store in calls of `perCall`; seconds taken. */
export async function registerDags(
  count: number,
  perCall: number,
): Promise<{ seconds: number; scheduler: Scheduler; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "assetflow-peers-register-"));
  const scheduler = await Scheduler.open({ url: join(dir, "assetflow.db") });
  const started = performance.now();
  for (let first = 0; first < count; first += perCall) {
    await scheduler.registerManifest(consumerDags(Math.min(perCall, count - first), first), { kind: "merge" });
  }
  return { seconds: (performance.now() - started) / 1000, scheduler, dir };
}

const LATENCY_ASSET = { kind: "asset" as const, name: "produced", uri: "bench://peers/produced" };

/**
 * Producer success -> consumer run committed, SQLite (bench/scheduler.ts's
 * bench 1): `completeTask` of the producer's try, timed until it returns with
 * the consumer's run committed. Milliseconds per iteration.
 */
export async function sqliteLatency(iterations: number, warmup: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "assetflow-peers-latency-"));
  const scheduler = await Scheduler.open({ url: join(dir, "assetflow.db") });
  try {
    await scheduler.registerManifest({
      schemaVersion: 1,
      assets: [{ name: LATENCY_ASSET.name, uri: LATENCY_ASSET.uri, group: "asset", extra: {} }],
      aliases: [],
      dags: [
        dagManifest("producer", { kind: "none" }, [taskManifest("write", [LATENCY_ASSET])]),
        dagManifest("consumer", { kind: "assets", condition: LATENCY_ASSET }, [taskManifest("read")]),
      ],
    });
    const events: EmittedAssetEvent[] = [
      {
        asset: { name: LATENCY_ASSET.name, uri: LATENCY_ASSET.uri, group: "asset", extra: {} },
        extra: {},
        aliases: [],
      },
    ];
    const samples: number[] = [];
    for (let i = 0; i < warmup + iterations; i++) {
      await scheduler.triggerDag("producer");
      const [producer] = await scheduler.claimTasks("bench", 1);
      if (!producer) throw new Error("no producer try");
      const started = performance.now();
      const effects = await scheduler.completeTask(producer.key, { state: "success", events });
      const elapsed = performance.now() - started;
      if (effects.runs.length !== 1) throw new Error(`expected one consumer run, got ${effects.runs.length}`);
      if (i >= warmup) samples.push(elapsed);
      const [consumer] = await scheduler.claimTasks("bench", 1);
      if (consumer) await scheduler.completeTask(consumer.key, { state: "success", events: [] });
    }
    return samples;
  } finally {
    await scheduler.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `events` events on asset_0 through `recordExternalEvent` (record, route, evaluate); ms per event. */
export async function perEventCost(scheduler: Scheduler, events: number): Promise<number> {
  await storeDatabase(scheduler).deleteFrom("asset_event_inbox").execute();
  const started = performance.now();
  for (let i = 0; i < events; i++) await scheduler.recordExternalEvent({ name: "asset_0", uri: "bench://asset/0" });
  return (performance.now() - started) / events;
}
