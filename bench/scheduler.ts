/**
 * Scheduler benchmarks (DESIGN.md section 7), on a SQLite file store in a
 * temporary directory:
 *
 * 1. latency: producer success -> consumer run committed, p50 < 5 ms, p99 < 25 ms.
 * 2. throughput: asset events recorded and routed per second with 1,000
 *    consumer DAGs, > 20,000/s and at most 3x raw better-sqlite3 inserts of
 *    the same rows in the same run.
 * 3. scale: cost per event with 100,000 registered DAGs vs 100, at most 1.3x.
 *
 * Run: `node bench/run.mjs scheduler [--quick] [--only=latency,throughput,scale]`.
 * See BENCHMARKS.md for what exactly is measured.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { arch, cpus, platform, release, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import BetterSqlite3 from "better-sqlite3";
import type { EmittedAssetEvent } from "../scheduler/contracts.js";
import { createEngineContext, type EngineContext, systemClock } from "../scheduler/engine/context.js";
import type { EventToRecord, RecordedEvent } from "../scheduler/engine/events.js";
import * as engineEvents from "../scheduler/engine/events.js";
import { Scheduler, storeDatabase } from "../scheduler/scheduler.js";
import { openStore } from "../scheduler/store/open-store.js";
import type { ConditionNode, DagManifest, Manifest } from "../sdk/manifest/schema.js";
import { dagManifest, taskManifest } from "../test/support/manifests.js";
import { gitRevision, loadAverage, percentile } from "./support/measure.js";

// ---------------------------------------------------------------- options

interface Options {
  /** Reduced sizes: a smoke test, not the target setting. */
  readonly quick: boolean;
  readonly only: ReadonlySet<string>;
  /** Bench 2 and 3: `auto`, `event` (recordEvent per event) or `events` (recordEvents per batch). */
  readonly record: string;
  /** Bench 1: measured producer -> consumer iterations (after warm-up). */
  readonly iterations: number;
  readonly warmup: number;
  /** Bench 2 and 3: events per transaction (a worker reporting a batch). */
  readonly batch: number;
  /** Bench 2: events per round and rounds (engine and raw alternate). */
  readonly events: number;
  readonly rounds: number;
  /** Bench 2: consumer DAGs. */
  readonly consumers: number;
  /** Bench 3: the two registry sizes compared. */
  readonly smallDags: number;
  readonly largeDags: number;
  /** Bench 3: DAGs per `registerManifest` call. */
  readonly registerBatch: number;
  /** Bench 3: events per round per setting. */
  readonly scaleEvents: number;
}

function parseOptions(argv: readonly string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`Unknown argument "${arg}". Use --name=value, e.g. --only=latency.`);
    flags.set(match[1], match[2] ?? "true");
  }
  const quick = flags.get("quick") === "true";
  const int = (name: string, full: number, small: number): number => {
    const raw = flags.get(name);
    const value = raw === undefined ? (quick ? small : full) : Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer, got "${raw}".`);
    return value;
  };
  const only = new Set((flags.get("only") ?? "latency,throughput,scale").split(",").map((s) => s.trim()));
  for (const name of only) {
    if (!["latency", "throughput", "scale"].includes(name)) throw new Error(`--only: unknown bench "${name}".`);
  }
  const record = flags.get("record") ?? "auto";
  if (!["auto", "event", "events"].includes(record))
    throw new Error(`--record: "auto", "event" or "events", got "${record}".`);
  return {
    quick,
    only,
    record,
    iterations: int("iterations", 1000, 500),
    warmup: int("warmup", 100, 50),
    batch: int("batch", 100, 100),
    events: int("events", 20_000, 5_000),
    rounds: int("rounds", 5, 3),
    consumers: int("consumers", 1000, 1000),
    smallDags: int("small-dags", 100, 100),
    largeDags: int("large-dags", 100_000, 10_000),
    registerBatch: int("register-batch", 1000, 1000),
    scaleEvents: int("scale-events", 10_000, 3_000),
  };
}

// ---------------------------------------------------------------- reporting

interface Check {
  readonly bench: string;
  readonly label: string;
  readonly value: string;
  readonly target: string;
  readonly pass: boolean;
}

const checks: Check[] = [];

function check(bench: string, label: string, value: string, target: string, pass: boolean): void {
  checks.push({ bench, label, value, target, pass });
  console.log(`  ${label.padEnd(44)} ${value.padStart(14)}   target ${target.padEnd(22)} ${pass ? "PASS" : "FAIL"}`);
}

function info(label: string, value: string): void {
  console.log(`  ${label.padEnd(44)} ${value.padStart(14)}`);
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;
const us = (value: number): string => `${value.toFixed(1)} µs`;
const perSecond = (value: number): string => `${Math.round(value).toLocaleString("en-US")}/s`;
const times = (value: number): string => `${value.toFixed(2)}x`;

/** CPU time (user + system) this process used so far, in ms: unlike wall time, not inflated by other processes. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

// ---------------------------------------------------------------- manifests

const GROUP = "asset";

function assetNode(i: number | string): { kind: "asset"; name: string; uri: string } {
  return { kind: "asset", name: `bench_asset_${i}`, uri: `bench://assets/${i}` };
}

function declared(node: { name: string; uri: string }): Manifest["assets"][number] {
  return { name: node.name, uri: node.uri, group: GROUP, extra: {} };
}

function manifestOf(dags: DagManifest[], assets: Manifest["assets"]): Manifest {
  return { schemaVersion: 1, assets, aliases: [], dags };
}

/** The gate asset: every bench consumer needs it too, and it never gets an event, so routing creates no run. */
const GATE = assetNode("gate");

/** Consumer `i`: scheduled on `all(own asset i, gate)`, one task. */
function gatedConsumer(i: number): DagManifest {
  const condition: ConditionNode = { kind: "all", conditions: [assetNode(i), GATE] };
  return dagManifest(`consumer_${i}`, { kind: "assets", condition }, [taskManifest("read")]);
}

/**
 * Registers consumers `0..count-1` in `registerManifest` calls of `batch` DAGs
 * (scope merge). Returns the total ms and the ms of each call.
 */
async function registerGatedConsumers(
  scheduler: Scheduler,
  count: number,
  batch: number,
): Promise<{ total: number; calls: number[] }> {
  const started = performance.now();
  const calls: number[] = [];
  for (let first = 0; first < count; first += batch) {
    const callStarted = performance.now();
    const dags: DagManifest[] = [];
    const assets: Manifest["assets"] = [declared(GATE)];
    for (let i = first; i < Math.min(count, first + batch); i++) {
      dags.push(gatedConsumer(i));
      assets.push(declared(assetNode(i)));
    }
    const result = await scheduler.registerManifest(manifestOf(dags, assets), { kind: "merge" });
    if (result.added.length !== dags.length)
      throw new Error(`registered ${result.added.length} of ${dags.length} DAGs`);
    calls.push(performance.now() - callStarted);
  }
  return { total: performance.now() - started, calls };
}

// ---------------------------------------------------------------- stores

interface TempStore {
  readonly directory: string;
  readonly path: string;
  dispose(): void;
}

const liveDirectories = new Set<string>();

function removeLiveDirectories(): void {
  for (const directory of liveDirectories) rmSync(directory, { recursive: true, force: true });
  liveDirectories.clear();
}

process.on("exit", removeLiveDirectories);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    removeLiveDirectories();
    process.exit(130);
  });
}

function tempStore(label: string): TempStore {
  const directory = mkdtempSync(join(tmpdir(), `assetflow-bench-${label}-`));
  liveDirectories.add(directory);
  return {
    directory,
    path: join(directory, "assetflow.db"),
    dispose: () => {
      rmSync(directory, { recursive: true, force: true });
      liveDirectories.delete(directory);
    },
  };
}

/** An event as the engine records it for a task success (source filled in). */
function taskEvent(i: number, seq: number): EventToRecord {
  const node = assetNode(i);
  return {
    asset: declared(node),
    extra: { seq },
    aliases: [],
    source: { dagId: "producer", taskId: "write", runId: "manual__bench", mapIndex: -1 },
  };
}

type Executor = Parameters<typeof engineEvents.recordEvent>[1];
type BatchRecorder = (ctx: EngineContext, trx: Executor, events: readonly EventToRecord[]) => Promise<RecordedEvent[]>;

/**
 * How events are recorded: the engine's batch entry point `recordEvents` when
 * the engine has one, else `recordEvent` once per event (what `completeTask`
 * does for each event of a successful try). `--record=event|events` forces one.
 */
function eventRecorder(choice: string): { label: string; record: BatchRecorder } {
  // Read by name: the engine may or may not export a batch entry point.
  const batch = Reflect.get(engineEvents, "recordEvents") as BatchRecorder | undefined;
  if (choice === "events" || (choice === "auto" && batch)) {
    if (!batch) throw new Error("--record=events: the engine exports no recordEvents()");
    return { label: "recordEvents(batch)", record: batch };
  }
  return {
    label: "recordEvent per event",
    record: async (ctx, trx, events) => {
      const recorded: RecordedEvent[] = [];
      for (const event of events) recorded.push(await engineEvents.recordEvent(ctx, trx, event));
      return recorded;
    },
  };
}

let recorder: { label: string; record: BatchRecorder } | undefined;

/**
 * Records `count` events in transactions of `batch` (a worker reporting a
 * batch), through the engine's code: asset lookup, event insert, routing into
 * the inbox of each consumer. `assetOf(seq)` picks the asset of event `seq`.
 * Returns ms.
 */
async function recordThroughEngine(
  scheduler: Scheduler,
  ctx: EngineContext,
  count: number,
  batch: number,
  seqStart: number,
  assetOf: (seq: number) => number,
  expectConsumers: (seq: number) => string,
): Promise<number> {
  let routed = 0;
  const started = performance.now();
  for (let first = 0; first < count; first += batch) {
    const last = Math.min(count, first + batch);
    const events: EventToRecord[] = [];
    for (let k = first; k < last; k++) events.push(taskEvent(assetOf(seqStart + k), seqStart + k));
    const { record } = recorder as NonNullable<typeof recorder>;
    const recorded = await storeDatabase(scheduler)
      .transaction()
      .execute((trx) => record(ctx, trx, events));
    recorded.forEach((event, k) => {
      if (event.consumers.length === 1 && event.consumers[0] === expectConsumers(seqStart + first + k)) routed++;
    });
  }
  const elapsed = performance.now() - started;
  if (routed !== count) throw new Error(`expected ${count} events routed to one consumer each, got ${routed}`);
  return elapsed;
}

/** A migrated store opened with better-sqlite3 directly, same pragmas as the scheduler's. */
async function rawStore(path: string): Promise<BetterSqlite3.Database> {
  const migrated = await openStore({ url: path });
  await migrated.close();
  const db = new BetterSqlite3(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 10000");
  db.pragma("foreign_keys = ON");
  return db;
}

/**
 * The raw baseline: the same rows (one `asset_event`, one `asset_event_inbox`
 * row per event) inserted with prepared better-sqlite3 statements, in
 * transactions of the same size. No lookups: the consumer is known.
 */
function rawInserter(db: BetterSqlite3.Database) {
  const insertEvent = db.prepare(
    `INSERT INTO asset_event (asset_id, extra, timestamp, source_dag_id, source_task_id, source_run_id, source_map_index)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertInbox = db.prepare(
    "INSERT INTO asset_event_inbox (dag_id, event_id, asset_id, created_at) VALUES (?, ?, ?, ?)",
  );
  const batchOf = db.transaction(
    (first: number, last: number, assetOf: (seq: number) => number, assetId: (i: number) => number) => {
      for (let seq = first; seq < last; seq++) {
        const i = assetOf(seq);
        const now = Date.now();
        const id = assetId(i);
        const event = insertEvent.run(id, JSON.stringify({ seq }), now, "producer", "write", "manual__bench", -1);
        insertInbox.run(`consumer_${i}`, event.lastInsertRowid, id, now);
      }
    },
  );
  return (
    count: number,
    batch: number,
    seqStart: number,
    assetOf: (seq: number) => number,
    assetId: (i: number) => number,
  ) => {
    const started = performance.now();
    for (let first = 0; first < count; first += batch) {
      batchOf(seqStart + first, seqStart + Math.min(count, first + batch), assetOf, assetId);
    }
    return performance.now() - started;
  };
}

// ---------------------------------------------------------------- bench 1

async function benchLatency(options: Options): Promise<void> {
  console.log(
    `\n[1] producer success -> consumer run committed (SQLite file, ${options.iterations} iterations after ${options.warmup} warm-up)`,
  );
  const store = tempStore("latency");
  const scheduler = await Scheduler.open({ url: store.path });
  try {
    const asset = assetNode("produced");
    await scheduler.registerManifest(
      manifestOf(
        [
          dagManifest("producer", { kind: "none" }, [taskManifest("write", [asset])]),
          dagManifest("consumer", { kind: "assets", condition: asset }, [taskManifest("read")]),
        ],
        [declared(asset)],
      ),
    );
    const samples: { wall: number; cpu: number }[] = [];
    for (let i = 0; i < options.warmup + options.iterations; i++) {
      await scheduler.triggerDag("producer");
      const [produce] = await scheduler.claimTasks("bench", 1);
      if (produce?.key.dagId !== "producer")
        throw new Error(`expected the producer's task, claimed ${JSON.stringify(produce?.key)}`);
      const events: EmittedAssetEvent[] = [{ asset: declared(asset), extra: { i }, aliases: [] }];
      const cpu = cpuMs();
      const started = performance.now();
      const effects = await scheduler.completeTask(produce.key, { state: "success", events });
      const elapsed = performance.now() - started;
      if (i >= options.warmup) samples.push({ wall: elapsed, cpu: cpuMs() - cpu });
      if (effects.runs.length !== 1)
        throw new Error(`iteration ${i}: expected one consumer run, got ${effects.runs.length}`);
      // Finish the consumer run so the consumer never reaches maxActiveRuns.
      const [consume] = await scheduler.claimTasks("bench", 1);
      if (consume?.key.dagId !== "consumer")
        throw new Error(`expected the consumer's task, claimed ${JSON.stringify(consume?.key)}`);
      await scheduler.completeTask(consume.key, { state: "success", events: [] });
    }
    samples.sort((a, b) => a.wall - b.wall);
    const walls = samples.map((sample) => sample.wall);
    const p50 = percentile(walls, 50);
    const p99 = percentile(walls, 99);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    check("latency", "p50 completeTask -> consumer run committed", ms(p50), "< 5 ms", p50 < 5);
    check("latency", "p99 completeTask -> consumer run committed", ms(p99), "< 25 ms", p99 < 25);
    info("min / mean / max", `${ms(walls[0] as number)} / ${ms(mean(walls))} / ${ms(walls.at(-1) as number)}`);
    const cpuTimes = samples.map((sample) => sample.cpu).sort((a, b) => a - b);
    info("CPU time in completeTask: p50 / p99", `${ms(percentile(cpuTimes, 50))} / ${ms(percentile(cpuTimes, 99))}`);
    // Where the tail goes: the slowest 1% by wall time, and how much of it was this process's CPU.
    const tail = samples.slice(Math.floor(samples.length * 0.99));
    info(
      "slowest 1%: mean wall / mean CPU",
      `${ms(mean(tail.map((sample) => sample.wall)))} / ${ms(mean(tail.map((sample) => sample.cpu)))}`,
    );
  } finally {
    await scheduler.close();
    store.dispose();
  }
}

// ---------------------------------------------------------------- bench 2

async function benchThroughput(options: Options): Promise<void> {
  const { consumers, batch, events, rounds } = options;
  console.log(
    `\n[2] asset events recorded and routed, ${consumers.toLocaleString("en-US")} consumer DAGs (${rounds} rounds x ${events.toLocaleString("en-US")} events, ${batch} events per transaction)`,
  );
  const store = tempStore("throughput");
  const rawFile = tempStore("throughput-raw");
  const scheduler = await Scheduler.open({ url: store.path });
  const raw = await rawStore(rawFile.path);
  try {
    const registerMs = (await registerGatedConsumers(scheduler, consumers, consumers)).total;
    info(`register ${consumers} consumers (one manifest)`, ms(registerMs));
    info("events recorded through", recorder?.label ?? "?");
    const ctx = createEngineContext(storeDatabase(scheduler), "sqlite", systemClock);
    const assetIds = new Map<number, number>();
    for (const row of await storeDatabase(scheduler).selectFrom("asset").select(["id", "name"]).execute()) {
      const i = Number(row.name.slice("bench_asset_".length));
      if (Number.isInteger(i)) assetIds.set(i, row.id);
    }
    const assetId = (i: number) => assetIds.get(i) as number;
    const assetOf = (seq: number) => seq % consumers;
    const consumerOf = (seq: number) => `consumer_${seq % consumers}`;
    const rawInsert = rawInserter(raw);

    // Warm-up: JIT, statement caches, asset-id cache.
    let seq = 0;
    await recordThroughEngine(scheduler, ctx, Math.min(events, 2000), batch, seq, assetOf, consumerOf);
    rawInsert(Math.min(events, 2000), batch, seq, assetOf, assetId);
    seq += Math.min(events, 2000);

    let engineMs = 0;
    let rawMs = 0;
    let engineCpu = 0;
    let rawCpu = 0;
    const engineRates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const cpu0 = cpuMs();
      const e = await recordThroughEngine(scheduler, ctx, events, batch, seq, assetOf, consumerOf);
      const cpu1 = cpuMs();
      const r = rawInsert(events, batch, seq, assetOf, assetId);
      engineCpu += cpu1 - cpu0;
      rawCpu += cpuMs() - cpu1;
      seq += events;
      engineMs += e;
      rawMs += r;
      engineRates.push((events / e) * 1000);
    }
    const total = events * rounds;
    const engineRate = (total / engineMs) * 1000;
    const rawRate = (total / rawMs) * 1000;
    const ratio = engineMs / rawMs;
    check("throughput", "events recorded+routed (engine)", perSecond(engineRate), "> 20,000/s", engineRate > 20_000);
    info("raw better-sqlite3 inserts, same rows", perSecond(rawRate));
    check("throughput", "engine time / raw time", times(ratio), "<= 3x", ratio <= 3);
    info(
      "engine rate per round (min..max)",
      `${perSecond(Math.min(...engineRates))}..${perSecond(Math.max(...engineRates))}`,
    );
    info("wall per event: engine / raw", `${us((engineMs / total) * 1000)} / ${us((rawMs / total) * 1000)}`);
    info("CPU per event: engine / raw", `${us((engineCpu / total) * 1000)} / ${us((rawCpu / total) * 1000)}`);

    // Context only: the same events through the public completeTask path (a
    // producer task succeeding with `batch` events), which also evaluates each
    // consumer that received an event after the commit.
    await scheduler.registerManifest(
      manifestOf([dagManifest("producer", { kind: "none" }, [taskManifest("write")], 1000)], []),
      { kind: "merge" },
    );
    const fullEvents = Math.min(events, 5000);
    let fullMs = 0;
    for (let first = 0; first < fullEvents; first += batch) {
      await scheduler.triggerDag("producer");
      const [request] = await scheduler.claimTasks("bench", 1);
      if (!request) throw new Error("no producer task to claim");
      const emitted: EmittedAssetEvent[] = [];
      for (let k = first; k < Math.min(fullEvents, first + batch); k++) {
        const s = seq + k;
        emitted.push({ asset: declared(assetNode(assetOf(s))), extra: { seq: s }, aliases: [] });
      }
      const started = performance.now();
      const effects = await scheduler.completeTask(request.key, { state: "success", events: emitted });
      fullMs += performance.now() - started;
      if (effects.consumers.length !== emitted.length) throw new Error("completeTask routed fewer events than emitted");
    }
    info(`context: via completeTask (+ consumer evaluation)`, perSecond((fullEvents / fullMs) * 1000));
  } finally {
    await scheduler.close();
    raw.close();
    store.dispose();
    rawFile.dispose();
  }
}

// ---------------------------------------------------------------- bench 3

async function benchScale(options: Options): Promise<void> {
  const { smallDags, largeDags, batch, rounds, scaleEvents, registerBatch } = options;
  console.log(
    `\n[3] cost per event, ${largeDags.toLocaleString("en-US")} registered DAGs vs ${smallDags.toLocaleString("en-US")} (events on one asset consumed by one DAG; ${rounds} rounds x ${scaleEvents.toLocaleString("en-US")} events, ${batch} per transaction)`,
  );
  const smallStore = tempStore("scale-small");
  const largeStore = tempStore("scale-large");
  const small = await Scheduler.open({ url: smallStore.path });
  const large = await Scheduler.open({ url: largeStore.path });
  try {
    const smallRegisterMs = (await registerGatedConsumers(small, smallDags, registerBatch)).total;
    info(`register ${smallDags.toLocaleString("en-US")} DAGs`, ms(smallRegisterMs));
    const largeRegistration = await registerGatedConsumers(large, largeDags, registerBatch);
    const largeRegisterMs = largeRegistration.total;
    info(
      `register ${largeDags.toLocaleString("en-US")} DAGs (batches of ${registerBatch})`,
      `${(largeRegisterMs / 1000).toFixed(1)} s`,
    );
    info("  registration rate", perSecond((largeDags / largeRegisterMs) * 1000));
    const { calls } = largeRegistration;
    const tenth = Math.max(1, Math.floor(calls.length / 10));
    const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    info(
      `  per call of ${registerBatch}: first / last tenth`,
      `${ms(meanOf(calls.slice(0, tenth)))} / ${ms(meanOf(calls.slice(-tenth)))}`,
    );

    const settings = [small, large].map((scheduler, index) => ({
      dags: index === 0 ? smallDags : largeDags,
      scheduler,
      ctx: createEngineContext(storeDatabase(scheduler), "sqlite", systemClock),
      recordMs: [] as number[],
      externalMs: [] as number[],
      recordCpu: 0,
      externalCpu: 0,
    }));
    const onlyAsset = () => 0;
    const onlyConsumer = () => "consumer_0";
    // consumer_0 never runs (its gate gets no event), so its inbox would grow
    // without bound and make each evaluation slower; empty it, untimed,
    // before each timed segment so both settings see the same inbox sizes.
    const emptyInbox = (scheduler: Scheduler) =>
      storeDatabase(scheduler).deleteFrom("asset_event_inbox").where("dag_id", "=", "consumer_0").execute();
    const externalEvents = Math.max(1, Math.floor(scaleEvents / 10));
    let seq = 0;
    for (const s of settings) {
      // Warm-up.
      await recordThroughEngine(s.scheduler, s.ctx, 1000, batch, seq, onlyAsset, onlyConsumer);
      await s.scheduler.recordExternalEvent(assetNode(0), { extra: { seq } });
      await emptyInbox(s.scheduler);
    }
    seq += 1000;
    for (let round = 0; round < rounds; round++) {
      // Alternate which setting goes first, so drift on the machine hits both alike.
      for (const s of round % 2 === 0 ? settings : [...settings].reverse()) {
        await emptyInbox(s.scheduler);
        const cpuBefore = cpuMs();
        s.recordMs.push(
          await recordThroughEngine(s.scheduler, s.ctx, scaleEvents, batch, seq, onlyAsset, onlyConsumer),
        );
        s.recordCpu += cpuMs() - cpuBefore;
        await emptyInbox(s.scheduler);
        // The public one-event path: recordExternalEvent records, routes, then evaluates the consumer.
        const cpuStarted = cpuMs();
        const started = performance.now();
        for (let k = 0; k < externalEvents; k++) {
          const recorded = await s.scheduler.recordExternalEvent(assetNode(0), { extra: { seq: seq + k } });
          if (recorded.consumers.length !== 1 || recorded.runs.length !== 0) {
            throw new Error("an external event should reach its one consumer and create no run");
          }
        }
        s.externalMs.push(performance.now() - started);
        s.externalCpu += cpuMs() - cpuStarted;
      }
      seq += scaleEvents;
    }
    const [smallSetting, largeSetting] = settings as [(typeof settings)[0], (typeof settings)[0]];
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const perRecord = (values: number[]) => (sum(values) / (scaleEvents * rounds)) * 1000;
    const perExternal = (values: number[]) => (sum(values) / (externalEvents * rounds)) * 1000;
    const roundRatios = (a: number[], b: number[]) =>
      a
        .map((value, i) => value / (b[i] as number))
        .sort((x, y) => x - y)
        .map(times)
        .join(" ");
    const label = (s: (typeof settings)[0]) => `${s.dags.toLocaleString("en-US")} DAGs`;

    console.log(`  recorded and routed in transactions of ${batch} (${recorder?.label ?? "?"}):`);
    info(`  per event, ${label(smallSetting)}`, us(perRecord(smallSetting.recordMs)));
    info(`  per event, ${label(largeSetting)}`, us(perRecord(largeSetting.recordMs)));
    const ratio = sum(largeSetting.recordMs) / sum(smallSetting.recordMs);
    check(
      "scale",
      `  cost per event, ${label(largeSetting)} / ${label(smallSetting)}`,
      times(ratio),
      "<= 1.3x",
      ratio <= 1.3,
    );
    info("  per-round ratios", roundRatios(largeSetting.recordMs, smallSetting.recordMs));
    info("  CPU time ratio", times(largeSetting.recordCpu / smallSetting.recordCpu));

    console.log("  one event per call through recordExternalEvent (record, route, evaluate the consumer):");
    info(`  per event, ${label(smallSetting)}`, us(perExternal(smallSetting.externalMs)));
    info(`  per event, ${label(largeSetting)}`, us(perExternal(largeSetting.externalMs)));
    const externalRatio = sum(largeSetting.externalMs) / sum(smallSetting.externalMs);
    check(
      "scale",
      `  cost per event, ${label(largeSetting)} / ${label(smallSetting)}`,
      times(externalRatio),
      "<= 1.3x",
      externalRatio <= 1.3,
    );
    info("  per-round ratios", roundRatios(largeSetting.externalMs, smallSetting.externalMs));
    info("  CPU time ratio", times(largeSetting.externalCpu / smallSetting.externalCpu));
  } finally {
    await small.close();
    await large.close();
    smallStore.dispose();
    largeStore.dispose();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cpu = cpus();
  console.log("assetflow scheduler benchmarks");
  console.log(
    `  machine: ${cpu[0]?.model ?? "unknown cpu"}, ${cpu.length} cores, node ${process.version}, ${platform()} ${release()} ${arch()}`,
  );
  console.log(`  date:    ${new Date().toISOString()}`);
  console.log(`  commit:  ${gitRevision()}`);
  console.log(`  load:    ${loadAverage()} (1/5/15 min load average at start; other processes skew timings)`);
  console.log(
    `  store:   SQLite file in a temporary directory (WAL, synchronous=${(process.env.ASSETFLOW_SQLITE_SYNCHRONOUS ?? "full").toUpperCase()}: ASSETFLOW_SQLITE_SYNCHRONOUS), via Kysely + better-sqlite3`,
  );
  if (options.quick) console.log("  NOTE:    --quick: reduced sizes, a smoke test, not the target setting");
  recorder = eventRecorder(options.record);
  if (options.only.has("latency")) await benchLatency(options);
  if (options.only.has("throughput")) await benchThroughput(options);
  if (options.only.has("scale")) await benchScale(options);
  console.log(`\nload average at end: ${loadAverage()}`);
  const failed = checks.filter((c) => !c.pass);
  console.log(`\n${checks.length - failed.length} PASS, ${failed.length} FAIL`);
  for (const c of failed) console.log(`  FAIL [${c.bench}] ${c.label.trim()}: ${c.value} (target ${c.target})`);
}

await main();
