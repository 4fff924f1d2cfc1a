/**
 * Statement trace of one PostgreSQL hop (issue 15): every round trip that
 * process A's `completeTask` (producer success with its event, consumer run
 * created) and process B's claim of the consumer's try send, with the time
 * each took as the client saw it. Two schedulers with their own pools stand
 * for A and B; the driver's query method is wrapped for the traced calls only.
 *
 * Then `--iterations` hops untraced, timed: p50 and p99 of A's `completeTask`
 * and of B's claim, in process (no NOTIFY, no task host), which moves less
 * with the machine's load than the peers bench's hop.
 *
 * Run: `node bench/run.mjs hop-trace [--url=postgres://...] [--warmup=N] [--iterations=N]`; the
 * URL defaults to ASSETFLOW_BENCH_DATABASE_URL, then
 * ASSETFLOW_TEST_DATABASE_URL. Works in a fresh schema and drops it.
 * See BENCHMARKS.md.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { Scheduler } from "../scheduler/scheduler.js";
import { EVENTS, MANIFEST, producerTry } from "./support/hop-workload.js";
import { gitRevision, loadAverage, percentile } from "./support/measure.js";

const flags = new Map(
  process.argv.slice(2).map((arg) => {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`Unknown argument "${arg}". Use --name=value, e.g. --warmup=20.`);
    return [match[1], match[2] ?? "true"] as const;
  }),
);
const url = flags.get("url") ?? process.env.ASSETFLOW_BENCH_DATABASE_URL ?? process.env.ASSETFLOW_TEST_DATABASE_URL;
const warmup = Number(flags.get("warmup") ?? 20);
const iterations = Number(flags.get("iterations") ?? 200);

interface Statement {
  readonly text: string;
  readonly ms: number;
}

/** Runs `action` with every driver query recorded (text and time to its answer). */
async function traced<T>(action: () => Promise<T>): Promise<{ result: T; statements: Statement[]; totalMs: number }> {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  const statements: Statement[] = [];
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const text = typeof first === "string" ? first : (first?.text ?? "?");
    const started = performance.now();
    const answer = original.apply(this, args);
    if (answer && typeof (answer as Promise<unknown>).then === "function") {
      (answer as Promise<unknown>).then(
        () => statements.push({ text, ms: performance.now() - started }),
        () => statements.push({ text: `(failed) ${text}`, ms: performance.now() - started }),
      );
    }
    return answer;
  };
  const started = performance.now();
  try {
    const result = await action();
    return { result, statements, totalMs: performance.now() - started };
  } finally {
    prototype.query = original;
  }
}

function print(title: string, trace: { statements: Statement[]; totalMs: number }): void {
  console.log(`\n${title}: ${trace.statements.length} round trips, ${trace.totalMs.toFixed(2)} ms`);
  trace.statements.forEach((statement, index) => {
    const text = process.env.FULL ? statement.text : statement.text.replace(/\s+/g, " ").slice(0, 150);
    console.log(`  ${String(index + 1).padStart(2)}. ${statement.ms.toFixed(2).padStart(6)} ms  ${text}`);
  });
}

async function main(): Promise<void> {
  if (!url) throw new Error("No PostgreSQL: pass --url= or set ASSETFLOW_TEST_DATABASE_URL.");
  const schema = `trace_${randomBytes(4).toString("hex")}`;
  console.log(`hop statement trace (bench/hop-trace.ts), commit ${gitRevision()}, load ${loadAverage()}`);
  const a = await Scheduler.open({ url, postgresSchema: schema });
  const b = await Scheduler.open({ url, postgresSchema: schema });
  try {
    await a.registerManifest(MANIFEST);
    const hop = async (trace: boolean, time = false) => {
      const key = await producerTry(a, "a");
      const run = async (action: () => Promise<unknown>) => {
        if (trace) return traced(action);
        const started = performance.now();
        const result = await action();
        return { result, statements: [] as Statement[], totalMs: time ? performance.now() - started : 0 };
      };
      const completed = await run(() => a.completeTask(key, { state: "success", events: EVENTS }));
      const claimed = await run(() => b.claimTasks("b", 1));
      const [consume] = claimed.result as Awaited<ReturnType<Scheduler["claimTasks"]>>;
      if (consume?.key.dagId !== "consumer") throw new Error(`expected the consumer's try: ${JSON.stringify(consume)}`);
      await b.completeTask(consume.key, { state: "success", events: [] });
      return { completed, claimed };
    };
    for (let i = 0; i < warmup; i++) await hop(false);
    const { completed, claimed } = await hop(true);
    // Let the fire-and-forget NOTIFY after the commit land in the trace.
    await new Promise((resolve) => setTimeout(resolve, 50));
    print("A: completeTask (producer success -> consumer run)", completed);
    print("B: claimTasks (the consumer's try)", claimed);
    const timed = { a: [] as number[], b: [] as number[] };
    for (let i = 0; i < iterations; i++) {
      const { completed, claimed } = await hop(false, true);
      timed.a.push(completed.totalMs);
      timed.b.push(claimed.totalMs);
    }
    const line = (label: string, values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      const at = (p: number) => percentile(sorted, p).toFixed(2);
      console.log(`  ${label}: p50 ${at(50)} ms, p99 ${at(99)} ms`);
    };
    console.log(`\n${iterations} hops untraced, in process, load ${loadAverage()}:`);
    line("A completeTask", timed.a);
    line("B claimTasks  ", timed.b);
  } finally {
    await a.close();
    await b.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

await main();
