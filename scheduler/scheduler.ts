/**
 * The scheduler: registers DAGs, records asset events, creates consumer runs
 * the moment an event commits, moves task instances through their states, and
 * creates time-based runs. Work that runs tasks (the testing harness, the
 * worker pool) claims queued tries and reports outcomes through it.
 */

import { CompiledQuery, type Kysely, sql } from "kysely";
import { AssetflowError } from "../sdk/errors.js";
import type { JsonObject } from "../sdk/json.js";
import type { Manifest } from "../sdk/manifest/schema.js";
import type { ExplainedCondition } from "./condition-evaluator.js";
import type {
  AssetEventReader,
  AssetEventRecord,
  ClaimOptions,
  DagFileResult,
  EventSubject,
  ImportErrorRecord,
  TaskInstanceKey,
  TaskOutcome,
  TaskRunRequest,
  TaskSource,
  TryReport,
  TryWarning,
} from "./contracts.js";
import { applyAssetCatchup } from "./engine/catchup.js";
import {
  type ConsumerStatus,
  consumerStatus,
  countActiveRuns,
  evaluateConsumer,
  explainConsumer,
} from "./engine/consumers.js";
import { type Clock, createEngineContext, type EngineContext, type Executor, systemClock } from "./engine/context.js";
import { type RecordedEvent, recordEvent } from "./engine/events.js";
import { evaluateConsumersTogether, FAN_OUT_CHUNK } from "./engine/fan-out.js";
import { dagsWithQueuedRuns, failLostTry, findLostTries, heartbeat } from "./engine/liveness.js";
import {
  type RegistrationResult,
  type RegistrationScope,
  registerManifest,
  replanTimetable,
} from "./engine/registration.js";
import {
  createRun,
  getDagManifest,
  lockDag,
  startQueuedRuns,
  startQueuedRunsLocked,
  startsAtOnce,
} from "./engine/runs.js";
import {
  buildRunRequests,
  type CompletionEffects,
  claimQueued,
  completeTries,
  eventQuery,
  type FinishedRun,
  InlineEvaluationError,
  releaseTries,
  requeueDueRetries,
  type TryCompletion,
  withAliases,
} from "./engine/task-instances.js";
import { inTransaction } from "./engine/transaction.js";
import {
  claimWatchers,
  getWatcher,
  listWatchers,
  recordWatcherMessage,
  releaseWatchers,
  reportWatcherState,
  type WatcherMessage,
  type WatcherOutcome,
  type WatcherRecord,
} from "./engine/watchers.js";
import { assetsByRef } from "./read/assets.js";
import { createReadLayer, type ReadLayer } from "./read/index.js";
import { deleteQueuedEvents, type QueuedEventFilter } from "./read/queued-events.js";
import { HeldStatementError } from "./store/next-statement.js";
import { type OpenStoreOptions, openStore, type StoreConnection, type StoreInfo } from "./store/open-store.js";
import { PgNotifier, TASKS_CHANNEL } from "./store/postgres/notifier.js";
import { NOTIFY_STATEMENT } from "./store/postgres/statement-client.js";
import type { Database } from "./store/schema.js";
import {
  asStoreUnavailableError,
  isConnectionLost,
  STORE_RETRY_BUDGET_MS,
  STORE_RETRY_PAUSE_MS,
} from "./store/store-unavailable.js";
import { inferManualInterval } from "./timetable.js";

/** Options of {@link Scheduler.open}. */
export interface SchedulerOptions extends OpenStoreOptions {
  /** Time source (default: the system clock). */
  clock?: Clock;
  /** Fallback poll period for timetables, retries and missed evaluations, in ms (default 5000). */
  pollIntervalMs?: number;
}

/**
 * Consumers evaluated in the transaction of the completion that gave them an
 * event (one commit for both); the others right after its commit.
 */
const INLINE_CONSUMERS = 16;

/** Consumer evaluation yields the event loop after this long, ms (see {@link Scheduler.evaluateConsumers}). */
const EVALUATION_SLICE_MS = 10;

/** Options of {@link Scheduler.recordExternalEvent}. */
export interface RecordExternalEventOptions {
  /** The event's extra (checked against the asset's schema). */
  extra?: JsonObject;
  /** Create the asset when no asset has the URI (else ASSET_NOT_FOUND). */
  createIfMissing?: boolean;
  /** How the event arrived, for error messages ("recorded through the API"). */
  origin?: string;
  /**
   * How many of the consumers the event reached are evaluated before the call
   * returns (default: all). The others are evaluated right after, in the
   * background, and returned as `deferredConsumers`: an API request recording
   * an event for thousands of consumers answers once the event and its inbox
   * rows are committed, not once every run exists.
   */
  inlineConsumers?: number;
  /**
   * The client's key for this event (see {@link IDEMPOTENCY_KEY_PATTERN}): the
   * first call with a key records the event, every later one records nothing
   * and answers with that first event (`replayed: true`), so a client may
   * retry whenever it did not get an answer.
   */
  idempotencyKey?: string;
}

/** An idempotency key: 1 to 255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** An event an idempotency key had already recorded, and the consumers its inbox rows still wait for. */
interface Replay {
  replayOf: number;
  assetId: number;
  queuedFor: string[];
}

/** Errors the scheduler raises on bad requests (unknown DAG, ...). */
export class SchedulerError extends AssetflowError {}

/** A listener told that queued task instances may be waiting. */
export type WorkListener = () => void;

/** Something that happened, for live output (the CLI prints these). */
export type SchedulerActivity =
  | { readonly kind: "run_created"; readonly dagId: string; readonly runId: string; readonly runType: string }
  | { readonly kind: "task_finished"; readonly key: TaskInstanceKey; readonly state: string; readonly message?: string }
  | { readonly kind: "run_finished"; readonly dagId: string; readonly runId: string; readonly state: string }
  | { readonly kind: "task_warning"; readonly key: TaskInstanceKey; readonly message: string };

/** A listener of {@link SchedulerActivity}. */
export type ActivityListener = (activity: SchedulerActivity) => void;

/**
 * The scheduling engine over one store.
 *
 * @example
 * ```ts
 * const scheduler = await Scheduler.open({ url: ":memory:" });
 * await scheduler.registerManifest(serializeDags([producer, consumer]));
 * await scheduler.triggerDag("producer");
 * ```
 */
export class Scheduler implements TaskSource {
  private readonly ctx: EngineContext;
  private readonly listeners = new Set<WorkListener>();
  private readonly activityListeners = new Set<ActivityListener>();
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Consumers to evaluate in the background, and the loop draining them (see {@link evaluateInBackground}). */
  private readonly deferred = new Set<string>();
  private draining: Promise<void> | undefined;
  private notifier: PgNotifier | undefined;
  private listening: Promise<void> | undefined;
  private readLayer: ReadLayer | undefined;

  private constructor(
    private readonly connection: StoreConnection,
    clock: Clock,
    private readonly pollIntervalMs: number,
  ) {
    this.ctx = createEngineContext(connection.db, connection.dialect, clock);
  }

  /** Which store this scheduler runs on: its dialect, where it is, and the URL or path it was opened with. */
  get store(): StoreInfo {
    const { dialect, location, url } = this.connection;
    return { dialect, location, url };
  }

  /** Opens the store (migrating it) and returns a scheduler over it. */
  static async open(options: SchedulerOptions = {}): Promise<Scheduler> {
    const store = await openStore(options);
    return new Scheduler(store, options.clock ?? systemClock, options.pollIntervalMs ?? 5000);
  }

  /**
   * The read layer over this scheduler's store: every query the CLI, the API
   * and `assetflow/testing` make, by resource (`read.dags.list()`,
   * `read.runs.get(dagId, runId)`, ...). See `scheduler/read/`.
   */
  get read(): ReadLayer {
    this.readLayer ??= createReadLayer(this.ctx.db);
    return this.readLayer;
  }

  /** Whether the store answers (a trivial statement); throws when it does not. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.ctx.db);
  }

  /**
   * Deletes queued events (their consumers forget that progress), filtered
   * like `read.queuedEvents.list`. Returns how many entries were deleted.
   */
  deleteQueuedEvents(filter: QueuedEventFilter = {}): Promise<number> {
    return deleteQueuedEvents(this.ctx.db, filter);
  }

  /** Drops the PostgreSQL schema the store lives in (a private test schema); nothing on SQLite. */
  async dropPostgresSchema(schema: string): Promise<void> {
    if (this.connection.dialect === "postgres")
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(this.ctx.db);
  }

  /** The scheduler's clock. */
  get clock(): Clock {
    return this.ctx.clock;
  }

  /** Registers (or re-registers) the DAGs of a manifest. */
  async registerManifest(
    manifest: Manifest,
    scope: RegistrationScope = { kind: "project" },
  ): Promise<RegistrationResult> {
    const result = await inTransaction(this.ctx, (trx) => registerManifest(this.ctx, trx, manifest, scope));
    await this.evaluateConsumers(result.caughtUp);
    this.rescheduleWake();
    return result;
  }

  /**
   * Registers what a worker found in one DAG file. A file that loaded replaces
   * the DAGs registered from it (those gone are deactivated) and clears its
   * import error; a file that failed keeps its previous DAGs and records the error.
   */
  async registerDagFile(result: DagFileResult): Promise<RegistrationResult | null> {
    if (!result.ok) {
      const message = result.error.line === null ? result.error.message : `${result.error.message}`;
      await this.ctx.db
        .insertInto("import_error")
        .values({ fileloc: result.file, message, created_at: this.ctx.clock.now() })
        .onConflict((oc) => oc.column("fileloc").doUpdateSet({ message, created_at: this.ctx.clock.now() }))
        .execute();
      return null;
    }
    const registration = await this.registerManifest(result.manifest, { kind: "file", fileloc: result.file });
    await this.ctx.db.deleteFrom("import_error").where("fileloc", "=", result.file).execute();
    return registration;
  }

  /** Forgets a deleted DAG file: its DAGs are deactivated and its import error cleared. */
  async forgetDagFile(file: string): Promise<string[]> {
    const result = await this.registerManifest(
      { schemaVersion: 1, assets: [], aliases: [], dags: [] },
      { kind: "file", fileloc: file },
    );
    await this.ctx.db.deleteFrom("import_error").where("fileloc", "=", file).execute();
    return result.deactivated;
  }

  /** Import errors of DAG files, by file. */
  async listImportErrors(): Promise<ImportErrorRecord[]> {
    const rows = await this.ctx.db.selectFrom("import_error").selectAll().orderBy("fileloc").execute();
    return rows.map((row) => ({ file: row.fileloc, message: row.message, createdAt: Number(row.created_at) }));
  }

  /** Creates a manual run of a DAG with `conf`; returns its run id. */
  async triggerDag(dagId: string, options: { conf?: JsonObject; runId?: string } = {}): Promise<string> {
    const runId = await inTransaction(this.ctx, async (trx) => {
      // The DAG's lock first (PostgreSQL): its active runs are counted under it.
      await lockDag(this.ctx, trx, dagId);
      const dag = await this.requireDag(trx, dagId);
      const now = this.ctx.clock.now();
      const interval = inferManualInterval(dag.manifest.schedule, now);
      // No run active (the common case): the run is created started, with no read-back to start it.
      const started = startsAtOnce(dag, await countActiveRuns(this.ctx, trx, dagId));
      const created = await createRun(this.ctx, trx, dag.manifest, {
        runType: "manual",
        ...(options.runId === undefined ? {} : { runId: options.runId }),
        logicalDate: now,
        dataIntervalStart: interval.start,
        dataIntervalEnd: interval.end,
        conf: options.conf ?? {},
        started,
      });
      if (created === null) {
        throw new SchedulerError(
          "RUN_EXISTS",
          `DAG "${dagId}" already has a run "${options.runId}": choose another run id.`,
        );
      }
      if (!started) await startQueuedRunsLocked(this.ctx, trx, dag);
      return created;
    });
    this.emit({ kind: "run_created", dagId, runId, runType: "manual" });
    this.notify();
    return runId;
  }

  /**
   * Records an asset event from outside (the API, the CLI, watchers, tests):
   * it is routed and triggers consumers exactly like a task's event. Unknown
   * assets are an error unless `createIfMissing`. The extra is checked
   * against the asset's schema first: `ExtraSchemaError` (code
   * `EXTRA_INVALID`) when it does not match, and nothing is recorded.
   * `origin` says how the event arrived, for that message ("recorded through
   * the API").
   */
  async recordExternalEvent(
    asset: { name?: string; uri: string },
    options: RecordExternalEventOptions = {},
  ): Promise<RecordedEvent & { runs: string[]; deferredConsumers: string[]; replayed: boolean }> {
    const key = options.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new SchedulerError(
        "IDEMPOTENCY_KEY_INVALID",
        `The idempotency key ${JSON.stringify(key.slice(0, 40))}${key.length > 40 ? "..." : ""} is not 1 to 255 printable ASCII characters (no spaces): use for example a UUID.`,
      );
    }
    const { recorded, answerLost } = await this.recordResolved(asset, options);
    if ("replayOf" in recorded) {
      // The key was found after this request's own COMMIT lost its answer: the event is this request's.
      if (answerLost) {
        this.evaluateInBackground(recorded.queuedFor);
        return {
          eventId: recorded.replayOf,
          assetId: recorded.assetId,
          consumers: recorded.queuedFor,
          runs: [],
          deferredConsumers: recorded.queuedFor,
          replayed: false,
        };
      }
      return {
        eventId: recorded.replayOf,
        assetId: recorded.assetId,
        consumers: [],
        runs: [],
        deferredConsumers: [],
        replayed: true,
      };
    }
    const inline = options.inlineConsumers ?? Number.POSITIVE_INFINITY;
    const runs = await this.evaluateAfterCommit(recorded.consumers.slice(0, inline));
    const deferredConsumers = recorded.consumers.slice(inline);
    this.evaluateInBackground(deferredConsumers);
    return { ...recorded, runs, deferredConsumers, replayed: false };
  }

  /**
   * {@link recordOnce}, resolving what an error left unknown. With a key, a
   * concurrent request that committed the key first (PostgreSQL 23505) or a
   * connection lost before, during or after COMMIT is resolved by doing it
   * again on a new connection: the key either finds the committed event
   * (`answerLost`: this request's own commit, whose answer was lost) or the
   * event is recorded now. Without a key, or when the store stays
   * unreachable for `STORE_RETRY_BUDGET_MS`, a lost connection is a `StoreUnavailableError`
   * (`STORE_UNAVAILABLE`, the API's 503).
   */
  private async recordResolved(
    asset: { name?: string; uri: string },
    options: RecordExternalEventOptions,
  ): Promise<{ recorded: RecordedEvent | Replay; answerLost: boolean }> {
    const key = options.idempotencyKey;
    const giveUpAt = Date.now() + STORE_RETRY_BUDGET_MS;
    /** A connection was lost after this request may have sent its COMMIT: the key's event, if any, is this request's. */
    let inDoubt = false;
    for (let pause: number = STORE_RETRY_PAUSE_MS.first; ; pause = Math.min(pause * 2, STORE_RETRY_PAUSE_MS.max)) {
      try {
        if (inDoubt && key !== undefined) {
          // One statement settles the doubt, so it gets through where a whole transaction might not.
          const own = await eventOfKey(this.ctx.db, key);
          if (own) return { recorded: own, answerLost: true };
          inDoubt = false;
        }
        return { recorded: await this.recordOnce(asset, options), answerLost: false };
      } catch (error) {
        const lost = isConnectionLost(error);
        const concurrent = (error as { code?: string }).code === "23505";
        if (key === undefined || !(lost || concurrent) || Date.now() + pause > giveUpAt) {
          throw asStoreUnavailableError(
            error,
            key === undefined
              ? "recording the event: it may or may not have been recorded. Send an Idempotency-Key header to retry it safely"
              : "recording the event: retry with the same Idempotency-Key (it records the event at most once)",
          );
        }
        if (lost) {
          inDoubt = true;
          await new Promise((resolve) => setTimeout(resolve, pause));
        }
      }
    }
  }

  /** Records the event in one transaction, with its idempotency key; or finds the event the key already recorded. */
  private recordOnce(
    asset: { name?: string; uri: string },
    options: RecordExternalEventOptions,
  ): Promise<RecordedEvent | Replay> {
    const key = options.idempotencyKey;
    return inTransaction(this.ctx, async (trx) => {
      if (key !== undefined) {
        const seen = await eventOfKey(trx, key);
        if (seen) return seen;
      }
      const existing = await trx
        .selectFrom("asset")
        .select(["name", "uri", "group_name", "extra"])
        .where("uri", "=", asset.uri)
        .$if(asset.name !== undefined, (q) => q.where("name", "=", asset.name as string))
        .orderBy("id")
        .executeTakeFirst();
      if (!existing && !options.createIfMissing) {
        throw new SchedulerError(
          "ASSET_NOT_FOUND",
          `No asset with URI "${asset.uri}"${asset.name ? ` and name "${asset.name}"` : ""} is registered. Declare it in a DAG first.`,
        );
      }
      const recorded = await recordEvent(this.ctx, trx, {
        asset: existing
          ? { name: existing.name, uri: existing.uri, group: existing.group_name, extra: JSON.parse(existing.extra) }
          : { name: asset.name ?? asset.uri, uri: asset.uri, group: "asset", extra: {} },
        extra: options.extra ?? {},
        aliases: [],
        source: null,
        ...(options.origin === undefined ? {} : { origin: options.origin }),
      });
      if (key !== undefined) {
        await trx
          .insertInto("asset_event_idempotency")
          .values({ idempotency_key: key, event_id: recorded.eventId, created_at: this.ctx.clock.now() })
          .execute();
      }
      return recorded;
    });
  }

  /**
   * Takes or renews the leases of the watchers free for `owner` (see
   * {@link claimWatchers}) and returns those it holds.
   */
  async claimWatchers(owner: string, ttlMs: number): Promise<WatcherRecord[]> {
    return inTransaction(this.ctx, (trx) => claimWatchers(this.ctx, trx, owner, ttlMs));
  }

  /** Gives up `owner`'s watcher leases. */
  async releaseWatchers(owner: string): Promise<void> {
    await releaseWatchers(this.ctx.db, owner);
  }

  /**
   * Records one source message of a watcher in one transaction (event, key,
   * position: see {@link recordWatcherMessage}), then evaluates the consumers
   * it reached. Resolves once committed: the source may be acknowledged then.
   */
  async recordWatcherMessage(message: WatcherMessage): Promise<WatcherOutcome & { runs: string[] }> {
    const outcome = await inTransaction(this.ctx, (trx) => recordWatcherMessage(this.ctx, trx, message));
    if (!outcome.recorded) return { ...outcome, runs: [] };
    return { ...outcome, runs: await this.evaluateConsumers(outcome.consumers) };
  }

  /** Records a watcher's last error and lag. */
  async reportWatcherState(watcherId: string, state: { error?: string | null; lag?: number | null }): Promise<void> {
    await reportWatcherState(this.ctx, this.ctx.db, watcherId, state);
  }

  /** Every declared watcher with its state. */
  async listWatchers(filter: { uri?: string } = {}): Promise<WatcherRecord[]> {
    return listWatchers(this.ctx.db, filter);
  }

  /** One watcher with its state. */
  async getWatcher(watcherId: string): Promise<WatcherRecord | undefined> {
    return getWatcher(this.ctx.db, watcherId);
  }

  /**
   * Evaluates consumers after the caller has moved on (see
   * {@link RecordExternalEventOptions.inlineConsumers}): queued here and
   * drained by one loop, in slices that yield the event loop. Entries of a
   * consumer not evaluated when the scheduler closes stay in its inbox: the
   * fallback {@link tick} of any scheduler evaluates them.
   */
  private evaluateInBackground(dagIds: readonly string[]): void {
    for (const dagId of dagIds) this.deferred.add(dagId);
    if (this.deferred.size === 0 || this.draining) return;
    this.draining = (async () => {
      while (this.deferred.size > 0 && !this.closed) {
        // A turn of the event loop before each batch: the caller's answer goes out first, and
        // a fan-out to thousands of consumers never holds a server for more than one batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.closed) break;
        // In batches, so that closing stops the loop soon.
        const batch = [...this.deferred].slice(0, FAN_OUT_CHUNK);
        for (const dagId of batch) this.deferred.delete(dagId);
        try {
          await this.evaluateConsumers(batch);
        } catch (error) {
          process.emitWarning(
            `assetflow could not evaluate consumers after an event (the next scheduler tick retries): ${(error as Error).message}`,
          );
        }
      }
    })().finally(() => {
      this.draining = undefined;
    });
  }

  /**
   * Pauses a DAG: no new runs. Asset events keep queuing for it, unless it
   * says `whilePaused: "catchup"` (then none queue, and unpausing applies its
   * `catchup` to the events recorded meanwhile).
   */
  async pauseDag(dagId: string): Promise<void> {
    const result = await this.ctx.db
      .updateTable("dag")
      .set({ is_paused: 1, paused_at: this.ctx.clock.now() })
      .where("dag_id", "=", dagId)
      .where("is_paused", "=", 0)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return;
    const exists = await this.ctx.db.selectFrom("dag").select("dag_id").where("dag_id", "=", dagId).executeTakeFirst();
    if (!exists) throw unknownDag(dagId);
  }

  /** Unpauses a DAG (catching up on the pause if it says `whilePaused: "catchup"`) and evaluates it at once. */
  async unpauseDag(dagId: string): Promise<void> {
    await inTransaction(this.ctx, async (trx) => {
      await lockDag(this.ctx, trx, dagId);
      const row = await trx
        .selectFrom("dag")
        .select(["is_paused", "paused_at"])
        .where("dag_id", "=", dagId)
        .executeTakeFirst();
      if (!row) throw unknownDag(dagId);
      await trx.updateTable("dag").set({ is_paused: 0 }).where("dag_id", "=", dagId).execute();
      const dag = await this.requireDag(trx, dagId);
      const { whilePaused, assetCatchup } = dag.manifest;
      if (row.is_paused === 1 && whilePaused === "catchup" && assetCatchup && row.paused_at !== null) {
        await applyAssetCatchup(this.ctx, trx, dagId, assetCatchup, Number(row.paused_at));
      }
      await replanTimetable(this.ctx, trx, dagId, dag.manifest);
      await startQueuedRuns(this.ctx, trx, dagId);
    });
    await this.evaluateConsumers([dagId]);
    this.rescheduleWake();
    this.notify();
  }

  /** Claims up to `limit` queued tries for a worker and returns their run requests. */
  async claimTasks(workerId: string, limit = 1, options: ClaimOptions = {}): Promise<TaskRunRequest[]> {
    if (this.connection.dialect === "postgres") return this.claimInOneStatement(workerId, limit, options);
    return inTransaction(this.ctx, async (trx) => {
      const requests = await buildRunRequests(this.ctx, trx, await claimQueued(this.ctx, trx, workerId, limit));
      if (requests.length > 0) options.beforeCommit?.(requests);
      return requests;
    });
  }

  /**
   * PostgreSQL: the claim is one statement ({@link claimQueued}), which
   * commits as it runs: no transaction around it, so no round trip for its
   * commit on the way to a try's start. What the run requests need beyond it
   * (upstream results, aliases, captures, a manifest this process has not
   * parsed) is read after it; should that fail, the tries go back to the
   * queue, as a rolled-back claim's would, and the error is thrown.
   */
  private async claimInOneStatement(workerId: string, limit: number, options: ClaimOptions): Promise<TaskRunRequest[]> {
    const claimed = await claimQueued(this.ctx, this.ctx.db, workerId, limit);
    if (claimed.length === 0) return [];
    let requests: TaskRunRequest[];
    try {
      requests = await buildRunRequests(this.ctx, this.ctx.db, claimed);
    } catch (error) {
      const keys = claimed.map((each) => each.key);
      await releaseTries(this.ctx, this.ctx.db, keys).catch(() => undefined);
      throw error;
    }
    options.beforeCommit?.(requests);
    return requests;
  }

  /**
   * Reports finished tries in one transaction: records the asset events of the
   * successful ones, advances their runs, then evaluates the consumers that
   * received events. Returns the effects and the consumer runs created.
   */
  async completeTasks(reports: readonly TryReport[]): Promise<CompletionEffects & { runs: string[] }> {
    const { claimed: _none, ...effects } = await this.complete(reports, null);
    return effects;
  }

  /**
   * Reports finished tries (as {@link completeTasks}) and claims up to
   * `limit` queued tries for `workerId` (as {@link claimTasks}), among them
   * the tries of the runs the completion just created. On SQLite both happen
   * in the completion's transaction: one commit, so one sync of the log, per
   * hop of a chain instead of two. On PostgreSQL the claim is a transaction of
   * its own after the completion's commit, as when a worker claims on its own.
   * Returns the run requests of the tries claimed.
   */
  async completeAndClaimTasks(
    reports: readonly TryReport[],
    workerId: string,
    limit: number,
    options: ClaimOptions = {},
  ): Promise<TaskRunRequest[]> {
    if (this.connection.dialect !== "sqlite") {
      if (reports.length > 0) await this.completeTasks(reports);
      return limit > 0 ? this.claimTasks(workerId, limit, options) : [];
    }
    return (await this.complete(reports, limit > 0 ? { workerId, limit, ...options } : null)).claimed;
  }

  private async complete(
    reports: readonly TryReport[],
    claim: ({ workerId: string; limit: number } & ClaimOptions) | null,
  ): Promise<CompletionEffects & { runs: string[]; claimed: TaskRunRequest[] }> {
    if (reports.length === 0) {
      return {
        tries: [],
        consumers: [],
        deferredConsumers: [],
        inlineRuns: [],
        finishedRuns: [],
        queuedTasks: false,
        warnings: [],
        runs: [],
        claimed: claim ? await this.claimTasks(claim.workerId, claim.limit, claim) : [],
      };
    }
    const { claimed, notified, ...effects } = await this.completeInTransaction(reports, claim);
    reports.forEach(({ key, outcome }, index) => {
      const completion = effects.tries[index];
      if (!completion?.accepted) return;
      const state = outcome.state === "failed" && completion.retryAt !== null ? "up_for_retry" : outcome.state;
      const message =
        outcome.state === "failed" ? outcome.error.message : outcome.state === "skipped" ? outcome.reason : undefined;
      this.emit({ kind: "task_finished", key, state, ...(message === undefined ? {} : { message }) });
    });
    for (const warning of effects.warnings) this.emit({ kind: "task_warning", ...warning });
    for (const finished of effects.finishedRuns) this.emit({ kind: "run_finished", ...finished });
    for (const { dagId, runId } of effects.inlineRuns) {
      this.emit({ kind: "run_created", dagId, runId, runType: "asset_triggered" });
    }
    // The other processes heard of what the commit queued with the commit itself (PostgreSQL).
    const wake = () => (notified ? this.notifyLocal() : this.notify());
    // The claim in the completion's transaction took every queued try when it got fewer than it asked for:
    // nothing it committed waits for a worker, and waking one would only run an empty claim.
    const allClaimed = claim !== null && claimed.length < claim.limit;
    if (effects.inlineRuns.length > 0 && effects.deferredConsumers.length > 0 && !allClaimed) wake();
    const deferredRuns = await this.evaluateAfterCommit(effects.deferredConsumers, { notify: false });
    const runs = [...effects.inlineRuns.map((run) => run.runId), ...deferredRuns];
    if (effects.tries.some((completion) => completion.retryAt !== null) || runs.length > 0) this.rescheduleWake();
    if (deferredRuns.length > 0) this.notify();
    else if ((effects.queuedTasks || runs.length > 0 || effects.finishedRuns.length > 0) && !allClaimed) wake();
    return { ...effects, runs, claimed };
  }

  /**
   * The completion's transaction, with the first {@link INLINE_CONSUMERS}
   * consumers evaluated in it, then the claim when there is one. Should
   * evaluating one of them fail, the completion is done again on its own and
   * every consumer evaluated after its commit, as if none had been inline: a
   * consumer's error never undoes a completion.
   */
  private async completeInTransaction(
    reports: readonly TryReport[],
    claim: ({ workerId: string; limit: number } & ClaimOptions) | null,
  ): Promise<CompletionEffects & { claimed: TaskRunRequest[]; notified: boolean }> {
    const run = (inline: number) =>
      inTransaction(this.ctx, async (trx) => {
        const effects = await completeTries(this.ctx, trx, reports, inline);
        const claimed = claim
          ? await buildRunRequests(this.ctx, trx, await claimQueued(this.ctx, trx, claim.workerId, claim.limit))
          : [];
        if (claimed.length > 0) claim?.beforeCommit?.(claimed);
        const wake = effects.queuedTasks || effects.inlineRuns.length > 0 || effects.finishedRuns.length > 0;
        return { ...effects, claimed, notified: wake && (await this.notifyOnCommit(trx)) };
      });
    try {
      return await run(INLINE_CONSUMERS);
    } catch (error) {
      // A consumer's run sent with the COMMIT failed, or another statement of that message: as an inline consumer's error.
      if (!(error instanceof InlineEvaluationError) && !(error instanceof HeldStatementError)) throw error;
      return run(0);
    }
  }

  /** Gives claimed tries that never started back to the queue (see {@link releaseTries}); returns those released. */
  async releaseTasks(keys: readonly TaskInstanceKey[]): Promise<TaskInstanceKey[]> {
    const released = await inTransaction(this.ctx, (trx) => releaseTries(this.ctx, trx, keys));
    if (released.length > 0) this.notify();
    return released;
  }

  /** Reports one finished try (see {@link completeTasks}). */
  async completeTask(
    key: TaskInstanceKey,
    outcome: TaskOutcome,
  ): Promise<TryCompletion & { consumers: string[]; finishedRun: FinishedRun | null; runs: string[] }> {
    const effects = await this.completeTasks([{ key, outcome }]);
    const completion = effects.tries[0] ?? { accepted: false, retryAt: null };
    return {
      ...completion,
      consumers: effects.consumers,
      finishedRun: effects.finishedRuns[0] ?? null,
      runs: effects.runs,
    };
  }

  /** Records that a worker still runs these tries. */
  async heartbeat(keys: readonly TaskInstanceKey[]): Promise<void> {
    await heartbeat(this.ctx, this.ctx.db, keys);
  }

  /**
   * Fails the tries whose worker is gone — heartbeat older than `timeoutMs`,
   * or owned by one of `workerIds` (for example every worker of a process that
   * restarted) — so they are retried per their settings. Returns their keys.
   */
  async failLostTasks(options: { timeoutMs?: number; workerIds?: readonly string[] }): Promise<TaskInstanceKey[]> {
    const lost = await findLostTries(this.ctx, this.ctx.db, options);
    for (const key of lost) {
      const effects = await inTransaction(this.ctx, (trx) => failLostTry(this.ctx, trx, key));
      await this.evaluateAfterCommit(effects.consumers);
    }
    if (lost.length > 0) {
      this.rescheduleWake();
      this.notify();
    }
    return lost;
  }

  /**
   * Evaluates the consumers a committed transaction gave events to. What
   * committed is done: if evaluating fails (the database dropped the
   * connection), the consumers are evaluated again in the background (and by
   * the fallback {@link tick}) instead of failing the caller, whose event or
   * report is recorded.
   */
  private async evaluateAfterCommit(dagIds: readonly string[], options: { notify?: boolean } = {}): Promise<string[]> {
    try {
      return await this.evaluateConsumers(dagIds, options);
    } catch (error) {
      process.emitWarning(
        `assetflow could not evaluate consumers after a commit (evaluated again shortly): ${(error as Error).message}`,
      );
      this.evaluateInBackground(dagIds);
      return [];
    }
  }

  /**
   * Evaluates consumers; returns the runs created. On PostgreSQL each has its
   * own transaction (the DAG's row lock serializes evaluators across
   * processes); on SQLite, whose writers take turns anyway, consecutive
   * consumers share one for up to {@link EVALUATION_SLICE_MS}. Every slice
   * ends by yielding the event loop: a fan-out to thousands of consumers
   * never keeps a server from answering meanwhile.
   */
  async evaluateConsumers(dagIds: readonly string[], options: { notify?: boolean } = {}): Promise<string[]> {
    const shared = this.connection.dialect === "sqlite";
    // SQLite: a fan-out's consumers are first evaluated together, in chunks
    // (engine/fan-out.ts); those it leaves go one by one.
    let together = shared && dagIds.length > 1 ? [...dagIds] : [];
    const single: string[] = shared && dagIds.length > 1 ? [] : [...dagIds];
    const made: Array<{ dagId: string; runId: string }> = [];
    while (together.length > 0 || single.length > 0) {
      const sliceStart = performance.now();
      const created = await inTransaction(this.ctx, async (trx) => {
        const slice: Array<{ dagId: string; runId: string }> = [];
        do {
          if (together.length > 0) {
            const chunk = together.slice(0, FAN_OUT_CHUNK);
            together = together.slice(chunk.length);
            const result = await evaluateConsumersTogether(this.ctx, trx, chunk);
            slice.push(...result.runs);
            single.push(...result.others);
          } else {
            const dagId = single.shift() as string;
            for (const runId of await evaluateConsumer(this.ctx, trx, dagId)) slice.push({ dagId, runId });
          }
        } while (
          shared &&
          (together.length > 0 || single.length > 0) &&
          performance.now() - sliceStart < EVALUATION_SLICE_MS
        );
        return slice;
      });
      for (const run of created) {
        made.push(run);
        this.emit({ kind: "run_created", dagId: run.dagId, runId: run.runId, runType: "asset_triggered" });
      }
      if ((together.length > 0 || single.length > 0) && performance.now() - sliceStart >= EVALUATION_SLICE_MS) {
        if (created.length > 0) this.notify();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    // The runs in the order of the consumers (the ones evaluated together went first).
    const order = new Map(dagIds.map((dagId, index) => [dagId, index] as const));
    const runs = made
      .map((run, index) => ({ run, index }))
      .sort((a, b) => (order.get(a.run.dagId) ?? 0) - (order.get(b.run.dagId) ?? 0) || a.index - b.index)
      .map(({ run }) => run.runId);
    if (runs.length > 0 && options.notify !== false) {
      this.notify();
      this.rescheduleWake();
    }
    return runs;
  }

  /**
   * Does the time-driven work that is due: scheduled runs, retries whose delay
   * passed, and a fallback evaluation of consumers with pending events.
   */
  async tick(): Promise<{ scheduledRuns: string[]; requeued: number; assetRuns: string[] }> {
    const now = this.ctx.clock.now();
    const scheduledRuns: string[] = [];
    const due = await this.ctx.db
      .selectFrom("dag")
      .select("dag_id")
      .where("is_active", "=", 1)
      .where("is_paused", "=", 0)
      .where("next_run_at", "<=", now)
      .execute();
    for (const { dag_id } of due) {
      const runId = await inTransaction(this.ctx, async (trx) => {
        await lockDag(this.ctx, trx, dag_id);
        const row = await trx
          .selectFrom("dag")
          .select(["next_run_at", "next_logical_date", "next_interval_start", "next_interval_end"])
          .where("dag_id", "=", dag_id)
          .executeTakeFirst();
        const dag = await getDagManifest(this.ctx, trx, dag_id);
        if (!row || !dag || row.next_run_at === null || row.next_run_at > now) return null;
        const created = await createRun(this.ctx, trx, dag.manifest, {
          runType: "scheduled",
          logicalDate: row.next_logical_date,
          dataIntervalStart: row.next_interval_start,
          dataIntervalEnd: row.next_interval_end,
          conf: {},
        });
        await replanTimetable(this.ctx, trx, dag_id, dag.manifest);
        await startQueuedRuns(this.ctx, trx, dag_id);
        return created;
      });
      if (runId) {
        scheduledRuns.push(runId);
        this.emit({ kind: "run_created", dagId: dag_id, runId, runType: "scheduled" });
      }
    }
    for (const dagId of await dagsWithQueuedRuns(this.ctx.db)) {
      await inTransaction(this.ctx, (trx) => startQueuedRuns(this.ctx, trx, dagId));
    }
    const requeued = await requeueDueRetries(this.ctx, this.ctx.db);
    // Every consumer with pending events, which includes those whose debounce or window is due.
    const waiting = await this.ctx.db.selectFrom("asset_event_inbox").select("dag_id").distinct().execute();
    const assetRuns = await this.evaluateConsumers(waiting.map((row) => row.dag_id));
    if (scheduledRuns.length > 0 || requeued > 0) this.notify();
    this.rescheduleWake();
    return { scheduledRuns, requeued, assetRuns };
  }

  /** The earliest time (epoch ms) when time-driven work is due, or null. */
  async nextWakeAt(): Promise<number | null> {
    const dag = await this.ctx.db
      .selectFrom("dag")
      .select((eb) => [eb.fn.min("next_run_at").as("at"), eb.fn.min("next_consume_at").as("consumeAt")])
      .where("is_active", "=", 1)
      .where("is_paused", "=", 0)
      .executeTakeFirst();
    const retry = await this.ctx.db
      .selectFrom("task_instance")
      .select((eb) => eb.fn.min("next_retry_at").as("at"))
      .where("state", "=", "up_for_retry")
      .executeTakeFirst();
    const times = [dag?.at, dag?.consumeAt, retry?.at]
      .filter((t): t is number => t !== null && t !== undefined)
      .map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  /**
   * On PostgreSQL, listens for other processes' "tries are claimable"
   * notifications (LISTEN/NOTIFY) and passes them to {@link onWork} listeners.
   * A no-op on SQLite.
   */
  listen(): Promise<void> {
    if (this.connection.dialect !== "postgres" || this.closed) return Promise.resolve();
    this.listening ??= PgNotifier.listen(this.connection.url, () => this.notifyLocal()).then((notifier) => {
      if (this.closed) void notifier.close();
      else this.notifier = notifier;
    });
    return this.listening;
  }

  /** Starts the timers (a precise wake-up for the next due work, and the fallback poll) and {@link listen}s. */
  start(): void {
    this.listenOrPoll();
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => void this.safeTick(), this.pollIntervalMs);
    this.pollTimer.unref?.();
    void this.safeTick();
  }

  /** Stops the timers. */
  stop(): void {
    clearInterval(this.pollTimer);
    clearTimeout(this.wakeTimer);
    this.pollTimer = undefined;
    this.wakeTimer = undefined;
  }

  /** Stops and closes the store. */
  async close(): Promise<void> {
    this.stop();
    this.closed = true;
    await this.draining;
    await this.listening?.catch(() => undefined);
    await this.notifier?.close();
    await this.connection.close();
  }

  /** Subscribes to what happens (runs created and finished, tasks finished). Returns an unsubscribe function. */
  onActivity(listener: ActivityListener): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** Subscribes to warnings about the tries this scheduler completed (its `task_warning` activity). */
  onTryWarning(listener: (warning: TryWarning) => void): () => void {
    return this.onActivity((activity) => {
      if (activity.kind === "task_warning") listener({ key: activity.key, message: activity.message });
    });
  }

  private emit(activity: SchedulerActivity): void {
    for (const listener of this.activityListeners) listener(activity);
  }

  /**
   * Subscribes to "queued task instances may be waiting": made so by this
   * scheduler, or (PostgreSQL) by another process, which is why subscribing
   * also {@link listen}s. Returns an unsubscribe function.
   */
  onWork(listener: WorkListener): () => void {
    this.listeners.add(listener);
    // A worker process (TaskExecutor) subscribes here and nowhere else: without
    // this it never LISTENed and waited for its poll to see other processes' runs.
    this.listenOrPoll();
    return () => this.listeners.delete(listener);
  }

  /** {@link listen}s; if the LISTEN connection cannot be opened, says so and relies on polling. */
  private listenOrPoll(): void {
    this.listen().catch((error: unknown) => {
      this.listening = undefined;
      process.emitWarning(
        `assetflow could not LISTEN for other processes' wake-ups (falling back to polling): ${(error as Error).message}`,
      );
    });
  }

  /** Why a consumer has not run yet: its condition with each leaf marked. */
  explainConsumer(dagId: string): Promise<ExplainedCondition | null> {
    return explainConsumer(this.ctx, this.ctx.db, dagId);
  }

  /**
   * Why a consumer has not run yet, in full: its condition over the pending
   * events, its consumption policy, and the rule that holds it back with the
   * time it is due (debounce, window), or null for a DAG without an asset
   * condition.
   */
  consumerStatus(dagId: string): Promise<ConsumerStatus | null> {
    return consumerStatus(this.ctx, this.ctx.db, dagId);
  }

  /** Reads events in timestamp order, for `inletEvents`. */
  eventReader(): AssetEventReader {
    return {
      countEvents: async (subject) => {
        const row = await this.subjectQuery(subject)
          .clearSelect()
          .select((eb) => eb.fn.countAll<number>().as("count"))
          .executeTakeFirst();
        return Number(row?.count ?? 0);
      },
      listEvents: async (subject, offset, limit) => {
        const rows = await this.subjectQuery(subject)
          .orderBy("e.timestamp")
          .orderBy("e.id")
          .limit(limit)
          .offset(offset)
          .execute();
        return withAliases(this.ctx.db, rows);
      },
      resolveRef: (ref) => assetsByRef(this.ctx.db, ref),
    };
  }

  /** Events of an asset or alias, oldest first (for views and the CLI). */
  async listEvents(
    subject: EventSubject,
    options: { offset?: number; limit?: number } = {},
  ): Promise<AssetEventRecord[]> {
    return this.eventReader().listEvents(subject, options.offset ?? 0, options.limit ?? 100);
  }

  private subjectQuery(subject: EventSubject) {
    const base = eventQuery(this.ctx.db);
    if (subject.kind === "asset") return base.where("a.name", "=", subject.name).where("a.uri", "=", subject.uri);
    return base.where(
      "e.id",
      "in",
      this.ctx.db
        .selectFrom("asset_event_alias as ea")
        .innerJoin("asset_alias as al", "al.id", "ea.alias_id")
        .select("ea.event_id")
        .where("al.name", "=", subject.name),
    );
  }

  private async requireDag(db: Parameters<typeof getDagManifest>[1], dagId: string) {
    const dag = await getDagManifest(this.ctx, db, dagId);
    if (!dag?.isActive) throw unknownDag(dagId);
    return dag;
  }

  /**
   * PostgreSQL: tells the other processes, as `trx` commits, that tries are
   * claimable. The store's connection sends the notification with the
   * `COMMIT` (one round trip, see `store/postgres/statement-client.ts`), and
   * PostgreSQL delivers it as the transaction commits (never if it rolls
   * back): the workers wake a round trip sooner than with a notification sent
   * after the commit. False (nothing sent) on SQLite.
   */
  private async notifyOnCommit(trx: Kysely<Database>): Promise<boolean> {
    if (this.connection.dialect !== "postgres" || this.closed) return false;
    await trx.executeQuery(CompiledQuery.raw(NOTIFY_STATEMENT, [TASKS_CHANNEL, this.notifier?.origin ?? ""]));
    return true;
  }

  /** Local listeners, and (PostgreSQL) the other processes. */
  private notify(): void {
    this.notifyLocal();
    if (this.connection.dialect !== "postgres" || this.closed) return;
    // A process that does not listen (the API server, a CLI command) notifies through its pool:
    // otherwise the runs it queued waited for the workers' next poll.
    // While the LISTEN connection reconnects, the pool still reaches the others.
    const sent = this.notifier?.connected
      ? this.notifier.notifyTasks()
      : sql`SELECT pg_notify(${TASKS_CHANNEL}, '')`.execute(this.ctx.db);
    void sent.catch(() => undefined);
  }

  private notifyLocal(): void {
    for (const listener of this.listeners) listener();
  }

  private async safeTick(): Promise<void> {
    if (this.closed) return;
    try {
      await this.tick();
    } catch (error) {
      process.emitWarning(`assetflow scheduler tick failed: ${(error as Error).message}`);
    }
  }

  private rescheduleWake(): void {
    if (!this.pollTimer || this.closed) return;
    this.nextWakeAt().then(
      (at) => {
        clearTimeout(this.wakeTimer);
        if (at === null) return;
        const delay = Math.max(0, Math.min(at - this.ctx.clock.now(), 2 ** 31 - 1));
        this.wakeTimer = setTimeout(() => void this.safeTick(), delay);
        this.wakeTimer.unref?.();
      },
      // The fallback poll wakes the scheduler anyway.
      () => undefined,
    );
  }
}

function unknownDag(dagId: string): SchedulerError {
  return new SchedulerError(
    "DAG_NOT_FOUND",
    `No active DAG "${dagId}" is registered. List DAGs with \`assetflow dags list\`.`,
  );
}

/**
 * The Kysely instance over a scheduler's store, for the store's own tests and
 * benchmarks only: the package does not export it (`scheduler/index.ts`), and
 * everything else reads through {@link Scheduler.read}.
 *
 * @example
 * ```ts
 * const rows = await storeDatabase(scheduler).selectFrom("dag_run").selectAll().execute();
 * ```
 */
export function storeDatabase(scheduler: Scheduler): Kysely<Database> {
  return scheduler["ctx"].db;
}

/** The event `key` recorded, and the consumers its inbox rows still wait for, in one statement; undefined if none. */
async function eventOfKey(db: Executor, key: string): Promise<Replay | undefined> {
  const rows = await db
    .selectFrom("asset_event_idempotency as k")
    .innerJoin("asset_event as e", "e.id", "k.event_id")
    .leftJoin("asset_event_inbox as i", "i.event_id", "e.id")
    .select(["e.id", "e.asset_id", "i.dag_id"])
    .where("k.idempotency_key", "=", key)
    .execute();
  const first = rows[0];
  if (first === undefined) return undefined;
  return {
    replayOf: Number(first.id),
    assetId: Number(first.asset_id),
    queuedFor: rows.flatMap((row) => (row.dag_id === null ? [] : [row.dag_id])),
  };
}
