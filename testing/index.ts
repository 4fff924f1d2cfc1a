/**
 * `assetflow/testing`: test your DAG wiring without a server. A test
 * environment registers your DAGs on a private SQLite store with a clock you
 * control, runs their tasks in-process, and lets you inspect runs, consumed
 * events and queued events.
 *
 * @example
 * ```ts
 * import { createTestEnvironment } from "assetflow/testing";
 *
 * const env = await createTestEnvironment({ dags: [producer, ConsumerDag] });
 * await env.triggerDag("producer");
 * await env.runUntilIdle();
 * const [run] = await env.getDagRuns("consumer");
 * expect(run?.runType).toBe("asset_triggered");
 * await env.close();
 * ```
 *
 * @packageDocumentation
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../runtime/run-task.js";
import type { AssetEventRecord, TaskOutcome } from "../scheduler/contracts.js";
import type { DagRunView, QueuedEventView, TaskInstanceView } from "../scheduler/read/index.js";
import { Scheduler } from "../scheduler/scheduler.js";
import {
  type AnyAsset,
  type Asset,
  assertJsonObject,
  checkExtra,
  type Dag,
  type DagLike,
  isAsset,
  type JsonObject,
  resolveDag,
  serializeDags,
} from "../sdk/index.js";

/** A clock the test moves by hand. */
export interface TestClock {
  /** The current time, epoch milliseconds. */
  now(): number;
  /** Moves time forward; due work runs at the next `runUntilIdle()`. */
  advance(ms: number): void;
  /** Sets the time (never backwards). */
  set(time: Date | number): void;
}

/** Options of {@link createTestEnvironment}. */
export interface TestEnvironmentOptions {
  /** The DAGs to register: `dag(...)` results or `@dag` classes. */
  dags: readonly DagLike[];
  /** Where the clock starts (default 2025-01-01T00:00:00Z). */
  start?: Date | number;
  /**
   * Where state lives: `"memory"` (default, SQLite in memory), `"file"` (a SQLite
   * file in a temporary directory, removed by `close()`), or `{ postgres: url }`
   * (a fresh schema in that database, dropped by `close()`).
   */
  store?: "memory" | "file" | { postgres: string };
}

/** A task's log lines, by try. */
export interface TaskLog {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly tryNumber: number;
  readonly lines: string[];
  readonly outcome: TaskOutcome;
}

/** The environment {@link createTestEnvironment} returns. */
export interface TestEnvironment {
  /** The scheduler underneath, for anything the helpers do not cover. */
  readonly scheduler: Scheduler;
  readonly clock: TestClock;
  /**
   * Records an external event for an asset (created if unknown); consumers are
   * evaluated at once. The extra is typed by the asset and checked against its
   * schema, as the API checks it: an `ExtraSchemaError` when it does not match.
   */
  emitAssetEvent<TExtra extends object>(
    asset: Asset<TExtra>,
    options?: { extra?: TExtra },
  ): Promise<{ eventId: number; runs: string[] }>;
  /** Records an external event for an asset given by URI (and name). */
  emitAssetEvent(
    asset: { uri: string; name?: string; schema?: never },
    options?: { extra?: JsonObject },
  ): Promise<{ eventId: number; runs: string[] }>;
  /** Creates a manual run; returns its run id. */
  triggerDag(dagId: string, options?: { conf?: JsonObject }): Promise<string>;
  /** Runs due time-based work and every queued task, until nothing is left to do now. */
  runUntilIdle(): Promise<void>;
  /** Runs of a DAG, oldest first, each with `runType`, `state` and `consumedEvents`. */
  getDagRuns(dagId: string): Promise<DagRunView[]>;
  /** Task instances of a run. */
  getTaskInstances(dagId: string, runId: string): Promise<TaskInstanceView[]>;
  /** Pending events of a consumer, per asset. */
  getQueuedEvents(dagId: string): Promise<QueuedEventView[]>;
  /** Events of an asset, oldest first. */
  getAssetEvents(asset: AnyAsset): Promise<AssetEventRecord[]>;
  /** Log lines of every try run so far. */
  getTaskLogs(dagId?: string): TaskLog[];
  pauseDag(dagId: string): Promise<void>;
  unpauseDag(dagId: string): Promise<void>;
  /** Closes the store (and removes its temporary directory). */
  close(): Promise<void>;
}

const MAX_STEPS = 100_000;

/**
 * Creates a test environment over a private store.
 *
 * @example
 * ```ts
 * const env = await createTestEnvironment({ dags: [producer, consumer] });
 * ```
 */
export async function createTestEnvironment(options: TestEnvironmentOptions): Promise<TestEnvironment> {
  let time = options.start === undefined ? Date.UTC(2025, 0, 1) : new Date(options.start).getTime();
  const clock: TestClock = {
    now: () => time,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`clock.advance(ms) needs a number >= 0, got ${ms}`);
      time += ms;
    },
    set(value) {
      const next = new Date(value).getTime();
      if (!(next >= time)) throw new RangeError("clock.set() cannot move time backwards");
      time = next;
    },
  };
  const store = options.store ?? "memory";
  const directory = store === "file" ? mkdtempSync(join(tmpdir(), "assetflow-test-")) : undefined;
  const postgresSchema = typeof store === "object" ? `assetflow_test_${randomBytes(6).toString("hex")}` : undefined;
  const scheduler = await Scheduler.open({
    url: typeof store === "object" ? store.postgres : directory ? join(directory, "assetflow.db") : ":memory:",
    ...(postgresSchema ? { postgresSchema } : {}),
    clock,
  });
  const dags = new Map<string, Dag>(
    options.dags.map((value) => {
      const definition = resolveDag(value);
      return [definition.dagId, definition];
    }),
  );
  await scheduler.registerManifest(serializeDags([...dags.values()]));
  const logs: TaskLog[] = [];

  const runUntilIdle = async (): Promise<void> => {
    for (let step = 0; step < MAX_STEPS; step++) {
      const ticked = await scheduler.tick();
      const [request] = await scheduler.claimTasks("testing", 1);
      if (!request) {
        // A tick that created runs (say, a catch-up run of a DAG without tasks) may leave more due work.
        if (ticked.scheduledRuns.length > 0 || ticked.requeued > 0 || ticked.assetRuns.length > 0) continue;
        return;
      }
      const dag = dags.get(request.key.dagId);
      const lines: string[] = [];
      const outcome: TaskOutcome = dag
        ? await runTask(dag, request, {
            reader: scheduler.eventReader(),
            now: clock.now,
            log: (line) => lines.push(line),
          })
        : { state: "failed", error: { message: `DAG "${request.key.dagId}" is not part of this test environment.` } };
      logs.push({ ...request.key, lines, outcome });
      await scheduler.completeTask(request.key, outcome);
    }
    throw new Error(`runUntilIdle() stopped after ${MAX_STEPS} steps: do tasks keep creating runs?`);
  };

  return {
    scheduler,
    clock,
    async emitAssetEvent(asset: AnyAsset | { uri: string; name?: string }, emitOptions: { extra?: object } = {}) {
      const origin = "recorded by env.emitAssetEvent()";
      const extra = emitOptions.extra ?? {};
      assertJsonObject(extra, `extra of the event for asset "${asset.uri}" given to env.emitAssetEvent()`);
      // The asset's own validator, as in a task; the scheduler then checks its JSON Schema, as the API does.
      if (isAsset(asset)) await checkExtra(asset, extra, origin);
      const identity = isAsset(asset) ? { uri: asset.uri, name: asset.name } : asset;
      const recorded = await scheduler.recordExternalEvent(
        { uri: identity.uri, ...(identity.name === undefined ? {} : { name: identity.name }) },
        { extra, createIfMissing: true, origin },
      );
      return { eventId: recorded.eventId, runs: recorded.runs };
    },
    triggerDag: (dagId, triggerOptions = {}) =>
      scheduler.triggerDag(dagId, triggerOptions.conf === undefined ? {} : { conf: triggerOptions.conf }),
    runUntilIdle,
    getDagRuns: (dagId) => scheduler.read.runs.list(dagId),
    getTaskInstances: (dagId, runId) => scheduler.read.taskInstances.list(dagId, runId),
    getQueuedEvents: (dagId) => scheduler.read.queuedEvents.list({ dagId }),
    getAssetEvents: (asset) =>
      scheduler.listEvents({ kind: "asset", name: asset.name, uri: asset.uri }, { limit: 100_000 }),
    getTaskLogs: (dagId) => logs.filter((log) => dagId === undefined || log.dagId === dagId),
    pauseDag: (dagId) => scheduler.pauseDag(dagId),
    unpauseDag: (dagId) => scheduler.unpauseDag(dagId),
    async close() {
      if (postgresSchema) await scheduler.dropPostgresSchema(postgresSchema);
      await scheduler.close();
      if (directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}

export type { AssetEventRecord, TaskOutcome } from "../scheduler/contracts.js";
export type { DagRunView, QueuedEventView, TaskInstanceView } from "../scheduler/read/index.js";
