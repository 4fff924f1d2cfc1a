/**
 * Issue 3: the scheduler is SIGKILLed at random moments while events and runs
 * flow; after each restart on the same SQLite file no event is lost, none is
 * consumed twice, and no run is duplicated.
 *
 * `crash-driver.ts` (bundled with esbuild by `bundleDriver`) is a real child process: the
 * scheduler plus an in-process worker. It is killed with SIGKILL at random
 * moments — some right after it starts (while it opens, migrates, registers
 * and recovers), most while it works — and restarted each time. A last run
 * is let finish. Then the file is read directly and checked against the
 * contract of DESIGN.md section 4.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleDriver } from "../chaos/processes.js";

const root = resolve(import.meta.dirname, "../../..");
/** How many times the driver is killed (at least 10). */
const KILLS = Math.max(10, Number(process.env.ASSETFLOW_CRASH_KILLS ?? 20));
/** Producer runs the last, unkilled incarnation adds to what the killed ones created. */
const FINAL_EXTRA_PRODUCERS = 20;
/** A target the killed incarnations never reach. */
const UNREACHABLE_TARGET = 1_000_000;

const FINAL_TASK_STATES = ["success", "failed", "skipped", "upstream_failed"];
/** What each consumer's schedule mentions, and how its condition reads. */
const CONSUMERS = {
  consume_a: { assets: ["a"], all: true },
  consume_c: { assets: ["c"], all: true },
  consume_a_and_b: { assets: ["a", "b"], all: true },
  consume_a_or_b: { assets: ["a", "b"], all: false },
} as const;
const uriOf = (letter: string) => `s3://crash/${letter}`;

let driver: { file: string; remove(): void } | undefined;
const work = mkdtempSync(join(tmpdir(), "assetflow-crash-"));
const dbFile = join(work, "assetflow.db");
const children = new Set<ChildProcess>();

beforeAll(async () => {
  driver = await bundleDriver(join(root, "test/system/crash/crash-driver.ts"), "crash");
});

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
  driver?.remove();
});

/** One incarnation of the driver. */
interface Incarnation {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: string[];
  /** Resolves when the driver printed its `start` line (its modules are loaded; it is about to open the store). */
  readonly started: Promise<void>;
  /** Resolves when the driver printed its `ready` line (recovery done). */
  readonly ready: Promise<void>;
  /** Resolves when the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedYet(): boolean;
}

function startDriver(target: number): Incarnation {
  const child = spawn(process.execPath, [(driver as { file: string }).file, dbFile, String(target)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const lines: string[] = [];
  const stderr: string[] = [];
  let exited = false;
  let onStart: () => void = () => {};
  const started = new Promise<void>((resolveStart) => {
    onStart = resolveStart;
  });
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolveReady) => {
    onReady = resolveReady;
  });
  let buffered = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (line.startsWith("start ")) onStart();
      if (line.startsWith("ready ")) onReady();
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on("exit", (code, signal) => {
      exited = true;
      children.delete(child);
      onStart();
      onReady();
      resolveExit({ code, signal });
    });
  });
  return { child, lines, stderr, started, ready, exited: exitPromise, exitedYet: () => exited };
}

const randomBetween = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));

type Row = Record<string, unknown>;

describe("crash consistency (issue 3)", () => {
  it(`SIGKILLed ${KILLS} times at random moments, the scheduler loses no event, consumes none twice and duplicates no run`, async () => {
    const started = Date.now();
    const kills: string[] = [];
    let lostTries = 0;
    /** Whether an incarnation got past opening (migrating) the store and registering. */
    let registered = false;

    // 1. Kill it again and again.
    for (let index = 0; index < KILLS; index++) {
      const driver = startDriver(UNREACHABLE_TARGET);
      // Early kills land while it opens the store, migrates, registers or recovers (some tens of ms after `start`):
      // the first kills until one incarnation got the fresh file migrated and registered (at most 6), then every fourth.
      const early = (!registered && index < 6) || index % 4 === 0;
      let delay: number;
      if (early) {
        await driver.started;
        delay = randomBetween(0, 90);
      } else {
        await driver.ready;
        delay = randomBetween(50, 400);
      }
      await sleep(delay);
      if (driver.exitedYet()) {
        throw new Error(`the driver exited on its own (it should run until killed):\n${driver.stderr.join("")}`);
      }
      driver.child.kill("SIGKILL");
      const exit = await driver.exited;
      expect(exit.signal, driver.stderr.join("")).toBe("SIGKILL");
      for (const line of driver.lines) {
        const match = /^ready lost=(\d+)/.exec(line);
        if (match) lostTries += Number(match[1]);
        if (line === "registered") registered = true;
      }
      kills.push(`${early ? "early" : "working"} +${delay}ms after "${driver.lines.at(-1) ?? "(no output yet)"}"`);
    }

    // 2. Let a last incarnation finish: a few more producer runs, then idle.
    const producedWhileKilled = countProducerRuns();
    const target = producedWhileKilled + FINAL_EXTRA_PRODUCERS;
    const last = startDriver(target);
    const timeout = setTimeout(() => last.child.kill("SIGKILL"), 45_000);
    const exit = await last.exited;
    clearTimeout(timeout);
    expect({ exit, stderr: last.stderr.join("") }).toEqual({ exit: { code: 0, signal: null }, stderr: "" });
    for (const line of last.lines) {
      const match = /^ready lost=(\d+)/.exec(line);
      if (match) lostTries += Number(match[1]);
    }

    // 3. Check the file.
    const db = new BetterSqlite3(dbFile);
    try {
      const summary = verify(db, target);
      console.log(
        [
          `crash test: ${KILLS} kills in ${((Date.now() - started) / 1000).toFixed(1)} s;`,
          `${lostTries} running tries recovered after kills; producer runs ${producedWhileKilled} while killed, ${target} in all`,
          ...kills.map((kill, index) => `  kill ${index + 1}: ${kill}`),
          `  ${JSON.stringify(summary)}`,
        ].join("\n"),
      );
      // The kills did interrupt work: some restarts found tries their predecessor left running.
      expect(lostTries).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 180_000);
});

function countProducerRuns(): number {
  const db = new BetterSqlite3(dbFile);
  try {
    return Number((db.prepare("SELECT count(*) AS n FROM dag_run WHERE dag_id = 'producer'").get() as Row).n);
  } finally {
    db.close();
  }
}

/** Checks the store against the no-loss / no-double-count contract; returns counts. */
function verify(db: BetterSqlite3.Database, target: number) {
  const all = (query: string, ...params: unknown[]) => db.prepare(query).all(...params) as Row[];
  const one = (query: string, ...params: unknown[]) => db.prepare(query).get(...params) as Row;

  expect(one("PRAGMA integrity_check")).toEqual({ integrity_check: "ok" });

  // Runs: unique ids, all final (and successful: tasks have retries enough), the producers numbered 1..target once each.
  expect(all("SELECT dag_id, run_id, count(*) AS n FROM dag_run GROUP BY dag_id, run_id HAVING n > 1")).toEqual([]);
  expect(all("SELECT dag_id, run_id, state FROM dag_run WHERE state <> 'success'")).toEqual([]);
  const producerConfs = all("SELECT conf, run_type FROM dag_run WHERE dag_id = 'producer' ORDER BY id");
  expect(producerConfs.every((run) => run.run_type === "manual")).toBe(true);
  expect(producerConfs.map((run) => (JSON.parse(run.conf as string) as { n: number }).n)).toEqual(
    Array.from({ length: target }, (_, index) => index + 1),
  );
  expect(
    all("SELECT dag_id, run_id FROM dag_run WHERE dag_id <> 'producer' AND run_type <> 'asset_triggered'"),
  ).toEqual([]);

  // Task instances: all final, each with a try, none orphaned.
  expect(
    all(
      `SELECT dag_id, run_id, task_id, state FROM task_instance
       WHERE state NOT IN (${FINAL_TASK_STATES.map(() => "?").join(", ")}) OR try_number < 1`,
      ...FINAL_TASK_STATES,
    ),
  ).toEqual([]);
  expect(all("SELECT state, count(*) AS n FROM task_instance WHERE state <> 'success' GROUP BY state")).toEqual([]);
  expect(
    all(`SELECT t.dag_id, t.run_id FROM task_instance t
         LEFT JOIN dag_run r ON r.dag_id = t.dag_id AND r.run_id = t.run_id WHERE r.id IS NULL`),
  ).toEqual([]);

  // Events: only from tasks, exactly one per (source run, task, asset) and one per successful outlet task.
  const assetIds = new Map<string, number>();
  for (const letter of ["a", "b", "c"]) {
    assetIds.set(letter, Number(one("SELECT id FROM asset WHERE uri = ?", uriOf(letter)).id));
  }
  const letterOf = new Map([...assetIds].map(([letter, id]) => [id, letter]));
  expect(one("SELECT count(*) AS n FROM asset_event WHERE source_run_id IS NULL")).toEqual({ n: 0 });
  expect(
    all(`SELECT source_dag_id, source_run_id, source_task_id, asset_id, count(*) AS n FROM asset_event
         GROUP BY source_dag_id, source_run_id, source_task_id, asset_id HAVING n <> 1`),
  ).toEqual([]);
  const outlets = { "producer.write_a": "a", "producer.write_b": "b", "consume_a.step": "c" } as Record<string, string>;
  const eventsOfTask = all(
    `SELECT t.dag_id, t.task_id, t.state, group_concat(e.asset_id) AS assets FROM task_instance t
     LEFT JOIN asset_event e ON e.source_dag_id = t.dag_id AND e.source_run_id = t.run_id AND e.source_task_id = t.task_id
     GROUP BY t.dag_id, t.run_id, t.task_id`,
  );
  for (const row of eventsOfTask) {
    const expected = outlets[`${row.dag_id}.${row.task_id}`];
    const recorded =
      row.assets === null
        ? []
        : String(row.assets)
            .split(",")
            .map((id) => letterOf.get(Number(id)));
    expect({ task: `${row.dag_id}.${row.task_id}`, recorded }).toEqual({
      task: `${row.dag_id}.${row.task_id}`,
      recorded: row.state === "success" && expected ? [expected] : [],
    });
  }
  const extrasOf = (letter: string) =>
    all("SELECT extra FROM asset_event WHERE asset_id = ?", assetIds.get(letter))
      .map((row) => (JSON.parse(row.extra as string) as { n: number }).n)
      .sort((x, y) => x - y);
  const oneToTarget = Array.from({ length: target }, (_, index) => index + 1);
  expect(extrasOf("a")).toEqual(oneToTarget);
  expect(extrasOf("b")).toEqual(oneToTarget);
  const eventCount = (letter: string) =>
    Number(one("SELECT count(*) AS n FROM asset_event WHERE asset_id = ?", assetIds.get(letter)).n);
  const runCount = (dagId: string) => Number(one("SELECT count(*) AS n FROM dag_run WHERE dag_id = ?", dagId).n);
  expect(eventCount("c")).toBe(runCount("consume_a"));
  // A consume_a run's try saw exactly the events the run consumed, even when it was retried after a kill.
  expect(
    all(
      `SELECT e.source_run_id, json_extract(e.extra, '$.events') AS seen,
           (SELECT count(*) FROM dag_run_consumed_event c WHERE c.dag_id = 'consume_a' AND c.run_id = e.source_run_id) AS consumed
         FROM asset_event e WHERE e.asset_id = ? AND seen <> consumed`,
      assetIds.get("c"),
    ),
  ).toEqual([]);

  // Consumption: every consumed entry belongs to an existing run of its DAG; no event is consumed by two runs of one DAG.
  expect(
    all(`SELECT c.dag_id, c.run_id FROM dag_run_consumed_event c
         LEFT JOIN dag_run r ON r.dag_id = c.dag_id AND r.run_id = c.run_id WHERE r.id IS NULL`),
  ).toEqual([]);
  expect(
    all(`SELECT dag_id, event_id, count(*) AS n FROM dag_run_consumed_event GROUP BY dag_id, event_id HAVING n > 1`),
  ).toEqual([]);

  const summary: Record<string, unknown> = { producerRuns: target, events: {} as Record<string, number> };
  for (const letter of ["a", "b", "c"]) (summary.events as Record<string, number>)[letter] = eventCount(letter);
  for (const [dagId, consumer] of Object.entries(CONSUMERS)) {
    const mentioned = consumer.assets.map((letter) => assetIds.get(letter) as number);
    // Every event of a mentioned asset is, for this consumer, exactly once either pending or consumed; nothing else is.
    const routed = all(
      `SELECT e.id, e.asset_id,
         (SELECT count(*) FROM asset_event_inbox i WHERE i.dag_id = ? AND i.event_id = e.id) AS pending,
         (SELECT count(*) FROM dag_run_consumed_event c WHERE c.dag_id = ? AND c.event_id = e.id) AS consumed
       FROM asset_event e`,
      dagId,
      dagId,
    );
    const wrong = routed.filter((row) => {
      const expected = mentioned.includes(Number(row.asset_id)) ? 1 : 0;
      return Number(row.pending) + Number(row.consumed) !== expected;
    });
    expect({ dagId, wrong }).toEqual({ dagId, wrong: [] });

    // Every run consumed events that satisfy its condition.
    const runs = all(
      `SELECT r.run_id, group_concat(DISTINCT e.asset_id) AS assets, count(c.event_id) AS n FROM dag_run r
       LEFT JOIN dag_run_consumed_event c ON c.dag_id = r.dag_id AND c.run_id = r.run_id
       LEFT JOIN asset_event e ON e.id = c.event_id
       WHERE r.dag_id = ? GROUP BY r.run_id`,
      dagId,
    );
    for (const run of runs) {
      const assets = run.assets === null ? [] : String(run.assets).split(",").map(Number);
      const satisfied = consumer.all
        ? mentioned.every((id) => assets.includes(id))
        : mentioned.some((id) => assets.includes(id));
      expect({ dagId, run: run.run_id, satisfied }).toEqual({ dagId, run: run.run_id, satisfied: true });
    }

    // What is still pending cannot trigger a run (the driver stopped at idle).
    const pending = all("SELECT DISTINCT asset_id FROM asset_event_inbox WHERE dag_id = ?", dagId).map((row) =>
      Number(row.asset_id),
    );
    const satisfiable = consumer.all
      ? pending.length > 0 && mentioned.every((id) => pending.includes(id))
      : pending.length > 0;
    expect({ dagId, satisfiable }).toEqual({ dagId, satisfiable: false });

    const consumed = Number(one("SELECT count(*) AS n FROM dag_run_consumed_event WHERE dag_id = ?", dagId).n);
    const waiting = Number(one("SELECT count(*) AS n FROM asset_event_inbox WHERE dag_id = ?", dagId).n);
    expect(consumed + waiting).toBe(consumer.assets.reduce((sum, letter) => sum + eventCount(letter), 0));
    summary[dagId] = { runs: runCount(dagId), consumed, pending: waiting };
  }
  // Consumers that cannot be left waiting consumed everything.
  expect(Number(one("SELECT count(*) AS n FROM asset_event_inbox WHERE dag_id <> 'consume_a_and_b'").n)).toBe(0);
  return summary;
}
