/**
 * The runtime's speed, end to end through real worker processes:
 *
 * 1. 10 DAGs chained by assets (DAG i is scheduled on the asset DAG i-1
 *    updates), each one no-op task: time from triggering the first to the
 *    last one's run succeeding. Target: under 0.5 s.
 * 2. No-op tasks per second through the worker pool: one DAG of independent
 *    no-op tasks, from trigger to run success; the median of 3 runs (each
 *    printed). Target: over 1,000/s.
 *
 * The set-up is `assetflow standalone`'s: a SQLite file store, the DAG
 * processor loading a generated DAG file in a task host, a warm pool of task
 * hosts, and the task executor. Run: `node bench/run.mjs chain` (after `npm run build`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DagProcessor, TaskExecutor, WorkerPool } from "../runtime/index.js";
import { Scheduler } from "../scheduler/index.js";
import { loadAverage, median } from "./support/measure.js";

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, "").split("=");
    return [key ?? "", value ?? "true"];
  }),
);
const CHAIN = 10;
const REPEATS = Number(args.get("repeats") ?? 7);
const NOOP_TASKS = Number(args.get("tasks") ?? 2000);
const WORKERS = Number(args.get("workers") ?? 2);
const ROUNDS = Number(args.get("rounds") ?? 3);
const root = resolve(new URL("../../..", import.meta.url).pathname);
const hostEntry = join(root, "dist/runtime/task-host-main.js");

function dagSource(): string {
  const lines = ['import { Asset, dag, task } from "assetflow";', ""];
  for (let i = 0; i < CHAIN; i++) lines.push(`const a${i} = new Asset("bench://chain/${i}");`);
  lines.push(`export const chain0 = dag({ dagId: "chain_0", schedule: null }, () => {`);
  lines.push(`  task({ taskId: "noop", outlets: [a0] }, () => undefined);`, "});");
  for (let i = 1; i < CHAIN; i++) {
    lines.push(`export const chain${i} = dag({ dagId: "chain_${i}", schedule: [a${i - 1}] }, () => {`);
    lines.push(`  task({ taskId: "noop", outlets: [a${i}] }, () => undefined);`, "});");
  }
  lines.push(`export const wide = dag({ dagId: "wide", schedule: null, maxActiveRuns: 1 }, () => {`);
  lines.push(`  for (let i = 0; i < ${NOOP_TASKS}; i++) task({ taskId: \`noop_\${i}\` }, () => undefined);`, "});");
  return lines.join("\n");
}

function line(label: string, value: string, target: string, pass: boolean): string {
  return `  ${label.padEnd(48)} ${value.padStart(12)}   target ${target.padEnd(10)} ${pass ? "PASS" : "FAIL"}`;
}

const work = mkdtempSync(join(tmpdir(), "assetflow-chain-bench-"));
const dagsDir = join(work, "dags");
mkdirSync(dagsDir);
writeFileSync(join(dagsDir, "chain.ts"), dagSource());
const scheduler = await Scheduler.open({ url: join(work, "assetflow.db"), pollIntervalMs: 60_000 });
const pool = new WorkerPool({ size: WORKERS, home: work, reader: scheduler.eventReader(), hostEntry });
const processor = new DagProcessor(dagsDir, pool, scheduler);
const executor = new TaskExecutor(scheduler, pool, { workerId: "bench", logDir: join(work, "logs"), pollMs: 1000 });
const finished = new Map<string, () => void>();
scheduler.onActivity((activity) => {
  if (activity.kind === "run_finished") finished.get(`${activity.dagId}/${activity.runId}`)?.();
  if (activity.kind === "run_finished" && activity.dagId === `chain_${CHAIN - 1}`) finished.get("chain-end")?.();
});
const waitFor = (key: string) => new Promise<void>((done) => finished.set(key, done));

try {
  const loaded = await processor.processAll();
  if (!loaded.every((result) => result.ok)) throw new Error(`DAG file failed to load: ${JSON.stringify(loaded)}`);
  executor.start();
  console.log("assetflow runtime benchmarks (bench/chain.ts)");
  console.log(`  machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, node ${process.version}`);
  console.log(`  date:    ${new Date().toISOString()}`);
  console.log(`  load:    ${loadAverage()} (1/5/15 min)`);
  console.log(`  setup:   SQLite file store, ${WORKERS} task host processes, standalone's executor\n`);

  const chainTimes: number[] = [];
  for (let repeat = 0; repeat < REPEATS + 1; repeat++) {
    const end = waitFor("chain-end");
    const started = performance.now();
    await scheduler.triggerDag("chain_0");
    await end;
    if (repeat > 0) chainTimes.push(performance.now() - started); // the first is a warm-up
  }
  const chainMedian = median(chainTimes);
  console.log(
    `[1] ${CHAIN} DAGs chained by assets, one no-op task each, trigger -> last success (${REPEATS} runs after a warm-up)`,
  );
  console.log(line("median", `${chainMedian.toFixed(0)} ms`, "< 500 ms", chainMedian < 500));
  console.log(
    `  min / max                                        ${Math.min(...chainTimes).toFixed(0)} ms / ${Math.max(...chainTimes).toFixed(0)} ms\n`,
  );

  const rates: number[] = [];
  let cpuPerTask = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const runId = await scheduler.triggerDag("wide");
    const cpu = process.cpuUsage();
    const started = performance.now();
    await waitFor(`wide/${runId}`);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    rates.push(NOOP_TASKS / seconds);
    cpuPerTask += (used.user + used.system) / NOOP_TASKS / ROUNDS;
  }
  const rate = median(rates);
  console.log(
    `[2] no-op tasks through the worker pool (${NOOP_TASKS} independent tasks in one run, ${WORKERS} hosts, median of ${ROUNDS} runs)`,
  );
  console.log(line("tasks per second", `${rate.toFixed(0)}/s`, "> 1,000/s", rate > 1000));
  console.log(`  each run                                         ${rates.map((r) => `${r.toFixed(0)}/s`).join(", ")}`);
  console.log(`  CPU of the scheduler + executor process          ${cpuPerTask.toFixed(0)} µs per task`);
  console.log(`  load at end: ${loadAverage()}`);
} finally {
  processor.close();
  await executor.stop();
  await pool.stop();
  await scheduler.close();
  rmSync(work, { recursive: true, force: true });
}
