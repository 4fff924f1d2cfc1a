/**
 * Statement trace of one PostgreSQL hop (issue 15): every round trip that
 * process A's `completeTask` (producer success with its event, consumer run
 * created) and process B's claim of the consumer's try send, with the time
 * each took as the client saw it. Two schedulers with their own pools stand
 * for A and B; the driver's query method is wrapped for the traced calls only.
 *
 * Run: `node bench/run.mjs hop-trace [--url=postgres://...] [--warmup=N]`; the
 * URL defaults to ASSETFLOW_BENCH_DATABASE_URL, then
 * ASSETFLOW_TEST_DATABASE_URL. Works in a fresh schema and drops it.
 * See BENCHMARKS.md.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { EmittedAssetEvent } from "../scheduler/contracts.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { Manifest } from "../sdk/manifest/schema.js";
import { dagManifest, taskManifest } from "../test/support/manifests.js";
import { gitRevision, loadAverage } from "./support/measure.js";

const flags = new Map(
  process.argv.slice(2).map((arg) => {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`Unknown argument "${arg}". Use --name=value, e.g. --warmup=20.`);
    return [match[1], match[2] ?? "true"] as const;
  }),
);
const url = flags.get("url") ?? process.env.ASSETFLOW_BENCH_DATABASE_URL ?? process.env.ASSETFLOW_TEST_DATABASE_URL;
const warmup = Number(flags.get("warmup") ?? 20);

const ASSET = { kind: "asset" as const, name: "trace_produced", uri: "bench://trace/produced" };
const EVENTS: EmittedAssetEvent[] = [
  { asset: { name: ASSET.name, uri: ASSET.uri, group: "asset", extra: {} }, extra: {}, aliases: [] },
];
const MANIFEST: Manifest = {
  schemaVersion: 1,
  assets: [{ name: ASSET.name, uri: ASSET.uri, group: "asset", extra: {} }],
  aliases: [],
  dags: [
    dagManifest("producer", { kind: "none" }, [taskManifest("write", [ASSET])]),
    dagManifest("consumer", { kind: "assets", condition: ASSET }, [taskManifest("read")]),
  ],
};

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
    const text = statement.text.replace(/\s+/g, " ").slice(0, 150);
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
    const hop = async (trace: boolean) => {
      await a.triggerDag("producer");
      const [request] = await a.claimTasks("a", 1);
      if (request?.key.dagId !== "producer") throw new Error(`expected the producer's try: ${JSON.stringify(request)}`);
      const run = (action: () => Promise<unknown>) =>
        trace ? traced(action) : action().then((result) => ({ result, statements: [], totalMs: 0 }));
      const completed = await run(() => a.completeTask(request.key, { state: "success", events: EVENTS }));
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
