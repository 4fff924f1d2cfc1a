/**
 * The consumption timelines of test/fixtures/consumption/timelines.json, run
 * step by step on the real scheduler (SQLite here, PostgreSQL in the postgres
 * project), with one scheduler or two sharing the store.
 */
import { readFileSync } from "node:fs";
import {
  Asset,
  type AssetPattern,
  assets,
  type Condition,
  type ConsumePolicy,
  type DagOptions,
  dag,
  serializeDags,
  task,
} from "assetflow";
import { createTestEnvironment, type TestEnvironment } from "assetflow/testing";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { Scheduler, storeDatabase } from "../../scheduler/scheduler.js";
import { backendStore } from "./support.js";

type Step =
  | string
  | {
      expect: {
        runs?: number[][];
        pending?: number[];
        waiting?: { rule: string; until?: string };
      };
    };

interface TimelineCase {
  name: string;
  schedule: string;
  patterns?: Record<string, string>;
  consume?: ConsumePolicy;
  catchup?: DagOptions["catchup"];
  whilePaused?: DagOptions["whilePaused"];
  maxActiveRuns?: number;
  schedulers?: number;
  steps: Step[];
  runs: number[][];
  pending: number[];
  intervals?: [string, string][];
  captures?: Record<string, string>[][];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/consumption/timelines.json", import.meta.url), "utf8"),
) as { cases: TimelineCase[] };

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

function hhmm(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString().slice(11, 16);
}

type Operand = Asset | AssetPattern;

/** The case's schedule: `[A1, A2]` is a list, anything else goes through `assets```. */
function buildSchedule(timeline: TimelineCase, operands: Map<string, Operand>): Condition | Condition[] {
  const lookup = (name: string) => {
    const operand = operands.get(name);
    if (!operand) throw new Error(`unknown operand ${name} in ${timeline.schedule}`);
    return operand;
  };
  const list = timeline.schedule.match(/^\[(.*)\]$/);
  if (list?.[1] !== undefined) return list[1].split(",").map((name) => lookup(name.trim()));
  const parts = timeline.schedule.split(/([AP]\d+)/);
  const strings = parts.filter((_, index) => index % 2 === 0);
  const values = parts.filter((_, index) => index % 2 === 1).map(lookup);
  return assets(Object.assign([...strings], { raw: [...strings] }), ...values);
}

/** The asset an event step names: `A1` or a URI. */
function eventAsset(step: string): { uri: string; name?: string } {
  return /^A\d+$/.test(step) ? { uri: `s3://timeline/${step}` } : { uri: step };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  // The environment (which drops a PostgreSQL schema) closes last.
  for (const item of open.splice(0).reverse()) await item.close();
});

/** The environment and, for `schedulers: 2`, a second scheduler on the same store. */
async function openSchedulers(timeline: TimelineCase, dags: DagLikeList): Promise<[TestEnvironment, Scheduler[]]> {
  const count = timeline.schedulers ?? 1;
  const backend = backendStore();
  const env = await createTestEnvironment({
    ...(count > 1 && backend.store === undefined ? { store: "file" as const } : backend),
    dags,
  });
  open.push(env);
  const schedulers = [env.scheduler];
  for (let index = 1; index < count; index++) {
    const store = env.scheduler.store;
    let scheduler: Scheduler;
    if (store.dialect === "postgres") {
      const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(
        storeDatabase(env.scheduler),
      );
      scheduler = await Scheduler.open({ url: store.url, postgresSchema: rows[0]?.schema as string, clock: env.clock });
    } else {
      scheduler = await Scheduler.open({ url: store.url, clock: env.clock });
    }
    open.push(scheduler);
    schedulers.push(scheduler);
  }
  return [env, schedulers];
}

type DagLikeList = Parameters<typeof createTestEnvironment>[0]["dags"];

describe("consumption timelines", () => {
  for (const timeline of fixture.cases) {
    it(timeline.name, async () => {
      const operands = new Map<string, Operand>();
      for (const name of new Set(timeline.schedule.match(/A\d+/g) ?? [])) {
        operands.set(name, new Asset(`s3://timeline/${name}`));
      }
      for (const [name, pattern] of Object.entries(timeline.patterns ?? {})) {
        operands.set(name, Asset.pattern(pattern));
      }
      const consumer = dag(
        {
          dagId: "consumer",
          schedule: buildSchedule(timeline, operands),
          ...(timeline.consume === undefined ? {} : { consume: timeline.consume }),
          ...(timeline.catchup === undefined ? {} : { catchup: timeline.catchup }),
          ...(timeline.whilePaused === undefined ? {} : { whilePaused: timeline.whilePaused }),
          ...(timeline.maxActiveRuns === undefined ? {} : { maxActiveRuns: timeline.maxActiveRuns }),
        },
        () => {
          // Returns the captures of the run's events, in event order.
          task({ taskId: "noop" }, (ctx) => {
            const events = new Map<number, Record<string, string>>();
            for (const [key, list] of ctx.triggeringAssetEvents) {
              if (key.kind === "asset") for (const event of list) events.set(event.id, { ...event.captures });
            }
            return [...events].sort(([a], [b]) => a - b).map(([, captures]) => captures);
          });
        },
      );
      const registerLater = timeline.steps.includes("register");
      const [env, schedulers] = await openSchedulers(timeline, registerLater ? [] : [consumer]);
      const eventIds: number[] = [];
      const indexOf = (id: number) => eventIds.indexOf(id);

      const runs = async () => {
        const list = await env.getDagRuns("consumer");
        return list.map((run) => run.consumedEvents.map((event) => indexOf(event.id)));
      };
      const pending = async () => {
        const rows = await storeDatabase(env.scheduler)
          .selectFrom("asset_event_inbox")
          .select("event_id")
          .where("dag_id", "=", "consumer")
          .orderBy("event_id")
          .execute();
        return rows.map((row) => indexOf(Number(row.event_id)));
      };

      for (const [position, step] of timeline.steps.entries()) {
        const scheduler = schedulers[position % schedulers.length] as Scheduler;
        if (typeof step !== "string") {
          const where = `after step ${position} of "${timeline.name}"`;
          if (step.expect.runs) expect(await runs(), `runs ${where}`).toEqual(step.expect.runs);
          if (step.expect.pending) expect(await pending(), `pending ${where}`).toEqual(step.expect.pending);
          if (step.expect.waiting) {
            const status = await env.scheduler.consumerStatus("consumer");
            const waiting = status?.waiting ?? null;
            const actual = waiting && {
              rule: waiting.rule,
              ...(step.expect.waiting.until === undefined
                ? {}
                : { until: hhmm("until" in waiting ? waiting.until : null) }),
            };
            expect(actual, `waiting ${where}`).toEqual(step.expect.waiting);
          }
          continue;
        }
        const advance = step.match(/^\+(\d+)([smh])$/);
        if (advance) {
          env.clock.advance(Number(advance[1]) * (UNITS[advance[2] as string] as number));
          await scheduler.tick();
        } else if (step === "finish") await env.runUntilIdle();
        else if (step === "pause") await scheduler.pauseDag("consumer");
        else if (step === "unpause") await scheduler.unpauseDag("consumer");
        else if (step === "register") await scheduler.registerManifest(serializeDags([consumer]), { kind: "merge" });
        else {
          const recorded = await scheduler.recordExternalEvent(eventAsset(step), { createIfMissing: true });
          eventIds.push(recorded.eventId);
        }
      }

      expect(await runs()).toEqual(timeline.runs);
      expect(await pending()).toEqual(timeline.pending);
      const created = await env.getDagRuns("consumer");
      expect(created.every((run) => run.runType === "asset_triggered")).toBe(true);
      if (timeline.intervals) {
        expect(created.map((run) => [hhmm(run.dataIntervalStart), hhmm(run.dataIntervalEnd)])).toEqual(
          timeline.intervals,
        );
      }
      if (timeline.captures) {
        await env.runUntilIdle();
        const results = [];
        for (const run of await env.getDagRuns("consumer")) {
          const [instance] = await env.getTaskInstances("consumer", run.runId);
          results.push(instance?.result);
        }
        expect(results).toEqual(timeline.captures);
      }
    });
  }
});
