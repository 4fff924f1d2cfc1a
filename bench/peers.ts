/**
 * assetflow side by side with the job queues a TypeScript team would
 * otherwise pick: graphile-worker (PostgreSQL) and BullMQ (Redis), on this
 * machine, in one run, the rounds of each figure interleaved (assetflow,
 * graphile-worker, BullMQ, again), each ratio printed next to its target.
 *
 *   node bench/run.mjs peers [--quick] [--only=hop,chain,noop,fanout,help,register,latency,scale]
 *
 * PostgreSQL comes from --url, ASSETFLOW_BENCH_DATABASE_URL or
 * ASSETFLOW_TEST_DATABASE_URL (a fresh schema per side, dropped at the end);
 * Redis is a private `redis-server` started on a free port and stopped by its
 * pid. A peer whose service is missing is reported and skipped. Needs
 * `npm run build` (task hosts and the `assetflow` command run from dist/).
 * See BENCHMARKS.md ("Side by side with graphile-worker and BullMQ").
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { arch, cpus, platform, release } from "node:os";
import pg from "pg";
import {
  assetflowFanOut,
  assetflowHop,
  assetflowHopB,
  assetflowRuntime,
  type FanOutRound,
  helpStartup,
  perEventCost,
  registerDags,
  sqliteLatency,
} from "./peers/assetflow.js";
import { bullmqChain, bullmqHop, bullmqHopB, bullmqNoop } from "./peers/bullmq.js";
import {
  graphileChain,
  graphileDatabase,
  graphileHop,
  graphileHopB,
  graphileNoop,
  graphileSchema,
} from "./peers/graphile.js";
import { findRedisServer, type PrivateRedis, startRedis } from "./peers/redis.js";
import type { ChainRig, HopRig, NoopRig } from "./peers/rigs.js";
import { gitRevision, loadAverage, median, percentile } from "./support/measure.js";

// ------------------------------------------------------------ options

const flags = new Map<string, string>();
for (const arg of process.argv.slice(2)) {
  const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
  if (!match?.[1]) throw new Error(`Unknown argument "${arg}": use --name=value, e.g. --rounds=3.`);
  flags.set(match[1], match[2] ?? "true");
}
const quick = flags.get("quick") === "true";
const int = (name: string, full: number, small: number): number => {
  const raw = flags.get(name);
  const value = raw === undefined ? (quick ? small : full) : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer, got "${raw}".`);
  return value;
};
const ALL = ["hop", "chain", "noop", "fanout", "help", "register", "latency", "scale"] as const;
const only = new Set((flags.get("only") ?? ALL.join(",")).split(","));
for (const name of only) {
  if (!(ALL as readonly string[]).includes(name))
    throw new Error(`--only: unknown figure "${name}" (${ALL.join(", ")}).`);
}
const options = {
  rounds: int("rounds", 3, 2),
  hopIterations: int("hop-iterations", 150, 40),
  hopWarmup: int("hop-warmup", 30, 10),
  chainSteps: 10,
  chainRepeats: int("chain-repeats", 5, 3),
  noopTasks: int("noop-tasks", 2000, 1000),
  concurrency: int("concurrency", 2, 2),
  graphileBatch: int("graphile-batch", 100, 100),
  fanOut: int("fanout", 1000, 1000),
  fanOutRounds: int("fanout-rounds", 3, 2),
  helpTimes: int("help-times", 10, 5),
  register: int("register", 100_000, 20_000),
  registerPerCall: int("register-per-call", 1000, 1000),
  latencyIterations: int("latency-iterations", 1000, 300),
  latencyWarmup: int("latency-warmup", 100, 50),
  scaleDags: int("scale-dags", 10_000, 10_000),
  scaleEvents: int("scale-events", 300, 100),
};
const postgresUrl =
  flags.get("url") ?? process.env.ASSETFLOW_BENCH_DATABASE_URL ?? process.env.ASSETFLOW_TEST_DATABASE_URL;
/** The database of graphile-worker's rigs (see graphileDatabase in peers/graphile.ts), once made. */
let graphileUrl: string | null = null;

// ------------------------------------------------------------ rows

interface Row {
  measure: string;
  assetflow: string;
  graphile: string;
  bullmq: string;
  ratio: string;
  target: string;
  verdict: string;
}
const rows: Row[] = [];
const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} ms` : "-");
const perSecond = (value: number) => (Number.isFinite(value) ? `${Math.round(value).toLocaleString("en")}/s` : "-");
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : "-");
const verdict = (pass: boolean | null) => (pass === null ? "skipped" : pass ? "PASS" : "FAIL");

/** A row comparing assetflow to a peer: `lowerIsBetter` figures pass at ratio <= 1, rates at >= 1. */
function compare(
  measure: string,
  values: { assetflow: number; graphile?: number; bullmq?: number },
  against: "graphile" | "bullmq",
  format: (value: number) => string,
  lowerIsBetter: boolean,
  label = "",
): void {
  const peer = values[against];
  const ratio = peer === undefined ? Number.NaN : values.assetflow / peer;
  const pass = Number.isFinite(ratio) ? (lowerIsBetter ? ratio <= 1 : ratio >= 1) : null;
  const peerName = against === "graphile" ? "graphile-worker" : "BullMQ";
  rows.push({
    measure,
    assetflow: format(values.assetflow),
    graphile: values.graphile === undefined ? "skipped" : format(values.graphile),
    bullmq: values.bullmq === undefined ? "skipped" : format(values.bullmq),
    ratio: `${times(ratio)} of ${peerName}`,
    target: `${lowerIsBetter ? "<=" : ">="} 1.00x${label}`,
    verdict: verdict(pass),
  });
}

function absolute(measure: string, value: string, target: string, pass: boolean | null, ratio = ""): void {
  rows.push({ measure, assetflow: value, graphile: "", bullmq: "", ratio, target, verdict: verdict(pass) });
}

// ------------------------------------------------------------ figures

/** Runs `each` for every present rig, round after round, in the same order. */
async function interleave<T>(
  rigs: Record<string, T | undefined>,
  rounds: number,
  each: (name: string, rig: T, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const [name, rig] of Object.entries(rigs)) {
      if (!rig) continue;
      const started = performance.now();
      await each(name, rig, round);
      console.log(`  round ${round + 1}: ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
}

async function hop(redis: PrivateRedis | null, graphile: string): Promise<void> {
  console.log("[hop] one hop across processes: completion in A -> next task started in B");
  if (!postgresUrl) {
    console.log("  skipped: no PostgreSQL (set ASSETFLOW_TEST_DATABASE_URL or pass --url)");
    return;
  }
  const assetflowSchema = schemaName("af");
  const rigs: Record<string, HopRig | undefined> = {};
  try {
    rigs.assetflow = await assetflowHop(postgresUrl, assetflowSchema);
    rigs.graphile = await graphileHop(graphileUrl as string, graphile);
    rigs.bullmq = redis ? await bullmqHop(redis.port) : undefined;
    const samples: Record<string, number[]> = { assetflow: [], graphile: [], bullmq: [] };
    await interleave(rigs, options.rounds, async (name, rig, round) => {
      const count = options.hopIterations + (round === 0 ? options.hopWarmup : 0);
      for (let i = 0; i < count; i++) {
        const value = await rig.hop();
        if (round > 0 || i >= options.hopWarmup) samples[name]?.push(value);
      }
    });
    const stat = (name: string, p: number) => {
      const sorted = [...(samples[name] ?? [])].sort((x, y) => x - y);
      return sorted.length === 0 ? undefined : percentile(sorted, p);
    };
    for (const p of [50, 99]) {
      const values = {
        assetflow: stat("assetflow", p) as number,
        graphile: stat("graphile", p),
        bullmq: stat("bullmq", p),
      };
      compare(`hop p${p}, PostgreSQL (${samples.assetflow?.length} samples)`, values, "graphile", ms, true);
      if (values.bullmq !== undefined) compare(`hop p${p} (stretch)`, values, "bullmq", ms, true);
    }
  } finally {
    for (const rig of Object.values(rigs)) await rig?.close().catch((error: Error) => console.warn(error.message));
    await dropSchemas([assetflowSchema]);
  }
}

async function runtime(
  redis: PrivateRedis | null,
  graphile: string | null,
  which: { chain: boolean; noop: boolean },
): Promise<void> {
  const af = await assetflowRuntime(options.chainSteps, options.noopTasks, options.concurrency);
  const opened: { close(): Promise<void> }[] = [af];
  const track = <T extends { close(): Promise<void> }>(rig: T): T => {
    opened.push(rig);
    return rig;
  };
  try {
    if (which.chain) {
      console.log(
        `[chain] ${options.chainSteps} chained steps, trigger -> last done (assetflow: SQLite standalone, DAGs chained by assets)`,
      );
      const rigs: Record<string, ChainRig | undefined> = { assetflow: af };
      if (graphileUrl && graphile) {
        rigs.graphile = track(await graphileChain(graphileUrl, graphile, options.chainSteps, options.concurrency));
      }
      if (redis) rigs.bullmq = track(await bullmqChain(redis.port, options.chainSteps, options.concurrency));
      const samples: Record<string, number[]> = { assetflow: [], graphile: [], bullmq: [] };
      for (const rig of Object.values(rigs)) await rig?.chain(); // warm-up
      await interleave(rigs, options.rounds, async (name, rig) => {
        for (let i = 0; i < options.chainRepeats; i++) samples[name]?.push(await rig.chain());
      });
      const of = (name: string) => ((samples[name]?.length ?? 0) > 0 ? median(samples[name] ?? []) : undefined);
      compare(
        `${options.chainSteps}-step chain, median`,
        { assetflow: of("assetflow") as number, graphile: of("graphile"), bullmq: of("bullmq") },
        "bullmq",
        ms,
        true,
      );
    }
    if (which.noop) {
      console.log(
        `[noop] ${options.noopTasks} no-op tasks, concurrency ${options.concurrency} (assetflow: task host processes)`,
      );
      const rigs: Record<string, NoopRig | undefined> = { assetflow: af };
      if (graphileUrl && graphile) {
        rigs.graphile = track(await graphileNoop(graphileUrl, graphile, options.concurrency));
        rigs.graphileBatched = track(
          await graphileNoop(graphileUrl, graphile, options.concurrency, options.graphileBatch),
        );
      }
      if (redis) rigs.bullmq = track(await bullmqNoop(redis.port, options.concurrency));
      const samples: Record<string, number[]> = { assetflow: [], graphile: [], graphileBatched: [], bullmq: [] };
      await interleave(rigs, options.rounds, async (name, rig) => {
        samples[name]?.push(await rig.noop(options.noopTasks));
      });
      const of = (name: string) => ((samples[name]?.length ?? 0) > 0 ? median(samples[name] ?? []) : undefined);
      const values = { assetflow: of("assetflow") as number, graphile: of("graphile"), bullmq: of("bullmq") };
      compare("no-op tasks per second, median", values, "bullmq", perSecond, false);
      const batchedRate = of("graphileBatched");
      if (batchedRate !== undefined) {
        compare(
          `no-op (stretch: graphile-worker, ${options.graphileBatch} per batch job)`,
          {
            assetflow: values.assetflow,
            graphile: batchedRate,
            ...(values.bullmq === undefined ? {} : { bullmq: values.bullmq }),
          },
          "graphile",
          perSecond,
          false,
        );
      }
      rows.push({
        measure: "assetflow: CPU of scheduler + executor per task",
        assetflow: `${af.cpuPerTaskUs().toFixed(0)} µs`,
        graphile: "",
        bullmq: "",
        ratio: "",
        target: "",
        verdict: "",
      });
      rows.push({
        measure: "assetflow: CPU of the task hosts per task",
        assetflow: `${af.hostCpuPerTaskUs().toFixed(0)} µs`,
        graphile: "",
        bullmq: "",
        ratio: "",
        target: "",
        verdict: "",
      });
    }
  } finally {
    for (const rig of opened.reverse()) await rig.close().catch((error: Error) => console.warn(error.message));
  }
}

async function fanOut(): Promise<void> {
  console.log(`[fanout] one event, ${options.fanOut} consumer DAGs, through \`assetflow api-server\` (SQLite)`);
  const rig = await assetflowFanOut(options.fanOut);
  const rounds: FanOutRound[] = [];
  try {
    for (let round = 0; round < options.fanOutRounds; round++) rounds.push(await rig.round());
  } finally {
    await rig.close();
  }
  const worst = (pick: (round: FanOutRound) => number) => Math.max(...rounds.map(pick));
  const each = (pick: (round: FanOutRound) => number) => rounds.map((round) => ms(pick(round))).join(", ");
  const all = median(rounds.map((round) => round.allRunsMs));
  absolute(
    `fan-out: all ${options.fanOut} runs created, median`,
    ms(all),
    "<= 250 ms",
    all <= 250,
    `rounds ${each((r) => r.allRunsMs)}`,
  );
  const health = worst((round) => round.healthMaxMs);
  absolute(
    "fan-out: slowest /health while creating runs",
    ms(health),
    "<= 100 ms",
    health <= 100,
    `rounds ${each((r) => r.healthMaxMs)}`,
  );
  const request = median(rounds.map((round) => round.requestMs));
  absolute(
    "fan-out: POST /assets/events answered, median",
    ms(request),
    "< all runs",
    request < all || request <= 250,
    `rounds ${each((r) => r.requestMs)}`,
  );
}

async function help(): Promise<void> {
  console.log(`[help] \`assetflow --help\` against \`node -e 0\` (${options.helpTimes} each, alternating)`);
  const measured = await helpStartup(options.helpTimes);
  const ratio = median(measured.help) / median(measured.node);
  absolute(
    "assetflow --help / node -e 0, medians",
    `${ms(median(measured.help))} / ${ms(median(measured.node))}`,
    "<= 3.00x",
    ratio <= 3,
    times(ratio),
  );
}

async function register(): Promise<void> {
  console.log(`[register] ${options.register.toLocaleString("en")} DAGs, calls of ${options.registerPerCall}`);
  const { seconds, scheduler, dir } = await registerDags(options.register, options.registerPerCall);
  await scheduler.close();
  rmSync(dir, { recursive: true, force: true });
  absolute(
    `register ${options.register.toLocaleString("en")} DAGs`,
    `${seconds.toFixed(1)} s`,
    "< 10 s",
    seconds < 10,
    `${Math.round(options.register / seconds).toLocaleString("en")} DAGs/s`,
  );
}

async function latency(): Promise<void> {
  console.log(
    `[latency] SQLite: producer success -> consumer run committed (${options.latencyIterations} after ${options.latencyWarmup} warm-up)`,
  );
  const sorted = (await sqliteLatency(options.latencyIterations, options.latencyWarmup)).sort((x, y) => x - y);
  absolute(
    "SQLite success -> consumer run committed, p50",
    ms(percentile(sorted, 50)),
    "< 5 ms",
    percentile(sorted, 50) < 5,
  );
  absolute(
    "SQLite success -> consumer run committed, p99",
    ms(percentile(sorted, 99)),
    "< 25 ms",
    percentile(sorted, 99) < 25,
  );
}

async function scale(): Promise<void> {
  console.log(
    `[scale] cost per event with ${options.scaleDags.toLocaleString("en")} DAGs against 10 (recordExternalEvent, alternating)`,
  );
  const small = await registerDags(10, 10);
  const large = await registerDags(options.scaleDags, options.registerPerCall);
  const costs = { small: [] as number[], large: [] as number[] };
  try {
    await perEventCost(small.scheduler, 50);
    await perEventCost(large.scheduler, 50);
    for (let round = 0; round < options.rounds * 2; round++) {
      const order = round % 2 === 0 ? (["small", "large"] as const) : (["large", "small"] as const);
      for (const which of order) {
        costs[which].push(
          await perEventCost(which === "small" ? small.scheduler : large.scheduler, options.scaleEvents),
        );
      }
    }
  } finally {
    for (const store of [small, large]) {
      await store.scheduler.close();
      rmSync(store.dir, { recursive: true, force: true });
    }
  }
  const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
  const ratio = total(costs.large) / total(costs.small);
  absolute(
    `cost per event, ${options.scaleDags.toLocaleString("en")} / 10 DAGs`,
    `${ms(median(costs.large))} / ${ms(median(costs.small))}`,
    "<= 1.30x",
    ratio <= 1.3,
    times(ratio),
  );
}

// ------------------------------------------------------------ PostgreSQL schemas

function schemaName(tag: string): string {
  return `peers_${tag}_${randomBytes(4).toString("hex")}`;
}

async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (!postgresUrl) return;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

async function postgresReachable(): Promise<string | null> {
  if (!postgresUrl) return null;
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows: result } = await client.query<{ version: string }>("SELECT version() AS version");
    return result[0]?.version.split(",")[0] ?? "PostgreSQL";
  } catch (error) {
    console.log(
      `  PostgreSQL at ${postgresUrl} is unreachable (${(error as Error).message}): graphile-worker and the hop are skipped`,
    );
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ------------------------------------------------------------ main

const ROLES: Record<string, (flags: Map<string, string>) => Promise<void>> = {
  "assetflow-hop-b": assetflowHopB,
  "graphile-hop-b": graphileHopB,
  "bullmq-hop-b": bullmqHopB,
};

function printTable(): void {
  const columns: (keyof Row)[] = ["measure", "assetflow", "graphile", "bullmq", "ratio", "target", "verdict"];
  const headers: Row = {
    measure: "measure",
    assetflow: "assetflow",
    graphile: "graphile-worker",
    bullmq: "BullMQ",
    ratio: "ratio",
    target: "target",
    verdict: "",
  };
  const width = (key: keyof Row) => Math.max(headers[key].length, ...rows.map((row) => row[key].length));
  const line = (row: Row) => `| ${columns.map((key) => row[key].padEnd(width(key))).join(" | ")} |`;
  console.log(line(headers));
  console.log(`| ${columns.map((key) => "-".repeat(width(key))).join(" | ")} |`);
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const role = flags.get("role");
  if (role) {
    const run = ROLES[role];
    if (!run) throw new Error(`unknown role ${role}`);
    await run(flags);
    return;
  }
  const cpu = cpus();
  console.log("assetflow side by side with graphile-worker and BullMQ (bench/peers.ts)");
  console.log(
    `  machine:  ${cpu[0]?.model ?? "?"}, ${cpu.length} cores, node ${process.version}, ${platform()} ${release()} ${arch()}`,
  );
  console.log(`  date:     ${new Date().toISOString()}`);
  console.log(`  commit:   ${gitRevision()}`);
  console.log(
    `  load:     ${loadAverage()} (1/5/15 min, at start)${quick ? "\n  --quick: smaller sizes, NOT the target setting" : ""}`,
  );
  const server = await postgresReachable();
  if (!server) console.log("  graphile-worker: skipped (no PostgreSQL)");
  else console.log(`  postgres: ${server}`);
  const redisBinary = findRedisServer();
  if (!redisBinary) console.log("  BullMQ:   skipped (no redis-server on PATH: apt-get install redis-server)");
  const redis = redisBinary ? await startRedis(redisBinary) : null;
  if (redis) console.log(`  redis:    private redis-server on port ${redis.port} (pid ${redis.pid})`);
  console.log("");
  // One graphile-worker schema for every rig (see graphileSchema), in a database of this run's own (see graphileDatabase).
  const graphile = server ? schemaName("gw") : null;
  const graphileDb = graphile ? await graphileDatabase(postgresUrl as string, graphile) : null;
  graphileUrl = graphileDb?.url ?? null;
  // Interrupted: the private Redis goes too (the PostgreSQL schemas and database stay: their names start with peers_).
  const stopRedis = () => void (redis?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  process.once("SIGINT", stopRedis).once("SIGTERM", stopRedis);
  try {
    if (graphile && graphileUrl) await graphileSchema(graphileUrl, graphile);
    if (only.has("hop") && graphile) await hop(redis, graphile);
    if (only.has("hop") && !graphile) console.log("[hop] skipped: no PostgreSQL");
    if (only.has("chain") || only.has("noop")) {
      await runtime(redis, graphile, { chain: only.has("chain"), noop: only.has("noop") });
    }
    if (only.has("fanout")) await fanOut();
    if (only.has("help")) await help();
    if (only.has("register")) await register();
    if (only.has("latency")) await latency();
    if (only.has("scale")) await scale();
  } finally {
    await redis?.stop();
    await graphileDb?.drop();
  }
  console.log("");
  printTable();
  console.log(`\nload at end: ${loadAverage()} (1/5/15 min)`);
}

await main();
