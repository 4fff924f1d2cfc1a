/**
 * Where one SQLite chain step's time goes (issue 15): the peers bench's chain
 * rig (`assetflow standalone`'s set-up in one process: a SQLite file store,
 * two task hosts, the task executor), with the executor's steps timed around
 * the real calls, in this process only:
 *
 * - the wait from a try's result to its report's transaction;
 * - `completeAndClaimTasks` (the completion, the consumer's run and the claim
 *   of its try: one transaction);
 * - the try in the pool (IPC to the host, the host's work, IPC back);
 * - every SQLite statement (the commits apart), and this process's CPU per step.
 *
 * Prints the median and mean of each, the chain's median, and the statements
 * of the last chain with their times (`--plans`: and SQLite's query plan of
 * each). `ASSETFLOW_SQLITE_SYNCHRONOUS=normal` shows the chain without the
 * commits' syncs. Run: `npm run build && node bench/run.mjs chain-trace [--chains=40] [--plans]`.
 */
import { performance } from "node:perf_hooks";
import BetterSqlite3 from "better-sqlite3";
import { WorkerPool } from "../runtime/index.js";
import { Scheduler } from "../scheduler/index.js";
import { assetflowRuntime } from "./peers/assetflow.js";
import { gitRevision, loadAverage, median } from "./support/measure.js";

const STEPS = 10;
const WARMUP = 3;
const flags = new Map(
  process.argv.slice(2).map((arg) => {
    const match = /^--([a-z]+)(?:=(\d+))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`Unknown argument "${arg}". Use --chains=N or --plans.`);
    return [match[1], match[2] ?? "true"] as const;
  }),
);
const chains = Number(flags.get("chains") ?? 40);

const samples = new Map<string, number[]>();
const record = (name: string, ms: number) => {
  const list = samples.get(name) ?? [];
  list.push(ms);
  samples.set(name, list);
};

/** Wraps `prototype[name]` (an async method) to record its time under `label`; `before` and `after` get the times. */
function timeMethod(
  prototype: object,
  name: string,
  label: string,
  hooks: { before?: (at: number) => void; after?: (at: number) => void } = {},
): void {
  const methods = prototype as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = methods[name] as (...args: unknown[]) => Promise<unknown>;
  methods[name] = async function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    hooks.before?.(started);
    try {
      return await original.apply(this, args);
    } finally {
      const ended = performance.now();
      record(label, ended - started);
      hooks.after?.(ended);
    }
  };
}

let settledAt = 0;
timeMethod(Scheduler.prototype, "completeAndClaimTasks", "completeAndClaimTasks", {
  before: (at) => {
    if (settledAt) record("try settled -> its report starts", at - settledAt);
  },
});
timeMethod(WorkerPool.prototype, "run", "pool.run (IPC, host, IPC)", {
  after: (at) => {
    settledAt = at;
  },
});

// Every statement SQLite runs, with its time.
let statements: Array<{ sql: string; ms: number }> = [];
let databaseFile = "";
const database = BetterSqlite3.prototype as unknown as { prepare: (sql: string) => BetterSqlite3.Statement };
const prepare = database.prepare;
database.prepare = function (this: BetterSqlite3.Database, sql: string) {
  if (this.name !== ":memory:") databaseFile = this.name;
  const statement = prepare.call(this, sql);
  const methods = statement as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ["run", "all", "get"]) {
    const original = methods[method] as (...args: unknown[]) => unknown;
    methods[method] = (...args: unknown[]) => {
      const started = performance.now();
      try {
        return original.apply(statement, args);
      } finally {
        const ms = performance.now() - started;
        statements.push({ sql, ms });
        record(/^\s*commit/i.test(sql) ? "SQL: commit" : "SQL: other statements", ms);
      }
    };
  }
  return statement;
};

const rig = await assetflowRuntime(STEPS, 10, 2);
const totals: number[] = [];
let cpu = process.cpuUsage();
let statementCount = 0;
for (let i = 0; i < chains + WARMUP; i++) {
  if (i === WARMUP) {
    samples.clear();
    statementCount = 0;
    cpu = process.cpuUsage();
  }
  settledAt = 0;
  statementCount += statements.length;
  statements = [];
  const ms = await rig.chain();
  if (i >= WARMUP) totals.push(ms);
}
statementCount += statements.length;
const used = process.cpuUsage(cpu);
const steps = chains * STEPS;
console.log(`chain trace (bench/chain-trace.ts), commit ${gitRevision()}, load ${loadAverage()}`);
console.log(`  ${STEPS}-step chain, median of ${chains}: ${median(totals).toFixed(2)} ms`);
console.log(
  `  per step: ${(statementCount / steps).toFixed(1)} statements, this process's CPU ${((used.user + used.system) / steps).toFixed(0)} µs (system ${(used.system / steps).toFixed(0)})`,
);
for (const [name, values] of samples) {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  console.log(
    `  ${name.padEnd(34)} median ${median(values).toFixed(3)} ms, mean ${mean.toFixed(3)} ms (${values.length})`,
  );
}
console.log(`\nstatements of the last chain (${statements.length}):`);
for (const { sql, ms } of statements)
  console.log(`  ${ms.toFixed(3).padStart(7)} ms  ${sql.replace(/\s+/g, " ").slice(0, 140)}`);
if (flags.has("plans")) {
  const plans = new BetterSqlite3(databaseFile, { readonly: true });
  console.log("\nquery plans:");
  for (const sql of new Set(statements.map((statement) => statement.sql))) {
    if (/^\s*(begin|commit)/i.test(sql)) continue;
    const parameters = (sql.match(/\?/g) ?? []).map(() => null);
    const rows = plans.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as Array<{ detail: string }>;
    console.log(`  ${sql.replace(/\s+/g, " ").slice(0, 120)}\n      ${rows.map((row) => row.detail).join("\n      ")}`);
  }
  plans.close();
}
await rig.close();
