/**
 * URI-pattern routing (issue 18): the cost of recording and routing an event
 * for a newly landed file (a new asset, matched against every registered
 * pattern, then routed to the pattern's subscriber) with 10,000 pattern
 * subscribers vs 10, target at most 1.3x per event. Patterns are matched
 * through an index over URI segments (`sdk/uri/pattern-index.ts`), not a scan;
 * the bench also prints what a scan would cost.
 *
 * Run: `node bench/run.mjs patterns [--quick]`. Figures go to BENCHMARKS.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { arch, cpus, platform, release, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createEngineContext, type EngineContext, systemClock } from "../scheduler/engine/context.js";
import { type EventToRecord, recordEvents } from "../scheduler/engine/events.js";
import { Scheduler, storeDatabase } from "../scheduler/scheduler.js";
import type { DagManifest } from "../sdk/manifest/schema.js";
import { matchUriPattern, parseUriPattern, type UriPattern } from "../sdk/uri/pattern.js";
import { UriPatternIndex } from "../sdk/uri/pattern-index.js";
import { dagManifest, taskManifest } from "../test/support/manifests.js";
import { gitRevision, loadAverage, median } from "./support/measure.js";

const quick = process.argv.includes("--quick");
const SMALL = 10;
const LARGE = quick ? 2_000 : 10_000;
const ROUNDS = quick ? 3 : 7;
const EVENTS = quick ? 1_000 : 4_000;
const BATCH = 100;

/** Pattern `i`: three shapes, each under its own literal prefix. */
function patternText(i: number): string {
  switch (i % 3) {
    case 0:
      return `s3://team${i}/{date}/orders_{part}.csv`;
    case 1:
      return `s3://team${i}/{**path}/_SUCCESS`;
    default:
      return `gs://inbox-${i}/{team}/{file}.json`;
  }
}

function consumerOf(i: number): DagManifest {
  return dagManifest(`consumer_${i}`, { kind: "assets", condition: { kind: "pattern", pattern: patternText(i) } }, [
    taskManifest("noop"),
  ]);
}

/** Event `seq`: a file that lands for the first time, matching pattern 0 only. */
function landedFile(seq: number): EventToRecord {
  const uri = `s3://team0/2025-01-${String((seq % 28) + 1).padStart(2, "0")}/orders_${seq}.csv`;
  return { asset: { name: uri, uri, group: "asset", extra: {} }, extra: { seq }, aliases: [], source: null };
}

interface Setting {
  readonly patterns: number;
  readonly scheduler: Scheduler;
  readonly ctx: EngineContext;
  readonly dir: string;
  readonly ms: number[];
  cpu: number;
}

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function open(patterns: number): Promise<Setting & { registerMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), `assetflow-patterns-${patterns}-`));
  const scheduler = await Scheduler.open({ url: join(dir, "assetflow.db") });
  const started = performance.now();
  for (let first = 0; first < patterns; first += 1000) {
    const dags = Array.from({ length: Math.min(1000, patterns - first) }, (_, k) => consumerOf(first + k));
    await scheduler.registerManifest({ schemaVersion: 1, assets: [], aliases: [], dags }, { kind: "merge" });
  }
  const registerMs = performance.now() - started;
  return {
    patterns,
    scheduler,
    ctx: createEngineContext(storeDatabase(scheduler), "sqlite", systemClock),
    dir,
    ms: [],
    cpu: 0,
    registerMs,
  };
}

/** Records `count` landed files from `seq` on, in transactions of BATCH; checks each reached consumer_0 only. */
async function record(setting: Setting, seq: number, count: number): Promise<number> {
  const started = performance.now();
  for (let first = 0; first < count; first += BATCH) {
    const events = Array.from({ length: Math.min(BATCH, count - first) }, (_, k) => landedFile(seq + first + k));
    const recorded = await storeDatabase(setting.scheduler)
      .transaction()
      .execute((trx) => recordEvents(setting.ctx, trx, events));
    for (const event of recorded) {
      if (event.consumers.length !== 1 || event.consumers[0] !== "consumer_0") {
        throw new Error(`event ${event.eventId} reached ${JSON.stringify(event.consumers)}, expected consumer_0 only`);
      }
    }
  }
  return performance.now() - started;
}

const emptyInbox = (setting: Setting) => storeDatabase(setting.scheduler).deleteFrom("asset_event_inbox").execute();
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

async function main(): Promise<void> {
  const cpu = cpus();
  console.log("assetflow URI-pattern routing benchmark");
  console.log(
    `  machine: ${cpu[0]?.model ?? "unknown cpu"}, ${cpu.length} cores, node ${process.version}, ${platform()} ${release()} ${arch()}`,
  );
  console.log(`  date:    ${new Date().toISOString()}`);
  console.log(`  commit:  ${gitRevision()}`);
  console.log(`  load:    ${loadAverage()} (1/5/15 min load average at start; other processes skew timings)`);
  console.log("  store:   SQLite file in a temporary directory, via Kysely + better-sqlite3");
  if (quick) console.log("  NOTE:    --quick: reduced sizes, a smoke test, not the target setting");
  console.log(
    `\n[patterns] a newly landed file recorded and routed (asset created, matched against every pattern, routed to its subscriber), ${SMALL} vs ${LARGE.toLocaleString("en-US")} pattern subscribers; ${ROUNDS} rounds x ${EVENTS.toLocaleString("en-US")} events, ${BATCH} per transaction`,
  );
  const small = await open(SMALL);
  const large = await open(LARGE);
  try {
    console.log(
      `  register ${LARGE.toLocaleString("en-US")} pattern subscribers        ${(large.registerMs / 1000).toFixed(1)} s`,
    );
    const settings = [small, large];
    let seq = 0;
    for (const setting of settings) await record(setting, seq, 500); // warm-up: loads the index
    seq += 500;
    for (let round = 0; round < ROUNDS; round++) {
      for (const setting of round % 2 === 0 ? settings : [...settings].reverse()) {
        await emptyInbox(setting);
        const before = cpuMs();
        setting.ms.push(await record(setting, seq, EVENTS));
        setting.cpu += cpuMs() - before;
      }
      seq += EVENTS;
    }
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const perEvent = (setting: Setting) => sum(setting.ms) / (EVENTS * ROUNDS);
    console.log(`  per event, ${SMALL} patterns                      ${us(perEvent(small))}`);
    console.log(`  per event, ${LARGE.toLocaleString("en-US")} patterns                  ${us(perEvent(large))}`);
    const ratio = sum(large.ms) / sum(small.ms);
    const pass = ratio <= 1.3;
    console.log(
      `  cost per event, ${LARGE.toLocaleString("en-US")} / ${SMALL}                ${ratio.toFixed(2)}x   target <= 1.3x   ${pass ? "PASS" : "FAIL"}`,
    );
    const roundRatios = large.ms.map((value, i) => value / (small.ms[i] as number)).sort((a, b) => a - b);
    console.log(
      `  per-round ratios (median ${median(roundRatios).toFixed(2)}x)       ${roundRatios.map((r) => r.toFixed(2)).join(" ")}`,
    );
    console.log(`  CPU time ratio                                ${(large.cpu / small.cpu).toFixed(2)}x`);

    // The matching step alone, in memory: the index vs a scan of every pattern.
    const parsed: UriPattern[] = [];
    const index = new UriPatternIndex<number>();
    for (let i = 0; i < LARGE; i++) {
      const result = parseUriPattern(patternText(i));
      if (!result.ok) throw new Error(result.problem);
      parsed.push(result.pattern);
      index.add(result.pattern, i);
    }
    const uris = Array.from({ length: 20_000 }, (_, k) => landedFile(k).asset.uri);
    const time = (fn: (uri: string) => unknown, items: readonly string[]) => {
      const started = performance.now();
      for (const uri of items) fn(uri);
      return (performance.now() - started) / items.length;
    };
    const indexed = time((uri) => index.match(uri), uris);
    const scanned = time((uri) => parsed.filter((pattern) => matchUriPattern(pattern, uri)), uris.slice(0, 500));
    console.log(`  matching one URI against ${LARGE.toLocaleString("en-US")} patterns:`);
    console.log(`    through the segment index                   ${us(indexed)}`);
    console.log(`    scanning every pattern (not used)           ${us(scanned)}`);
    console.log(`\nload average at end: ${loadAverage()}`);
    console.log(`\n${pass ? "1 PASS" : "1 FAIL"}`);
    if (!pass) process.exitCode = 1;
  } finally {
    for (const setting of [small, large]) {
      await setting.scheduler.close();
      rmSync(setting.dir, { recursive: true, force: true });
    }
  }
}

await main();
