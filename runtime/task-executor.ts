/**
 * The worker loop: claims queued tries from a {@link TaskSource} as the pool
 * has room, runs them in the pool, reports their outcomes, heartbeats the
 * tries it runs. Each try's log is written by the task host that runs it
 * (see task-logs.ts); the worker adds its own lines (a failure, a warning).
 */
import { sep } from "node:path";
import type {
  ClaimOptions,
  TaskInstanceKey,
  TaskOutcome,
  TaskRunRequest,
  TaskSource,
  TryReport,
  TryWarning,
} from "../scheduler/contracts.js";
import { appendTaskLog, makeRunLogFolders, runLogFolder, taskLogName } from "./task-logs.js";
import type { PoolRunResult, WorkerPool } from "./worker-pool.js";

/**
 * Tries shorter than this (ms, on average) are claimed ahead. Longer ones are
 * claimed only for free slots, so that other workers can take the rest.
 */
const SHORT_TRY_MS = 20;

/**
 * While tries are short, each host slot holds about this much work (ms, at
 * the recent average try time) between {@link MIN_PREFETCH} and
 * {@link MAX_PREFETCH} tries: the hosts keep running while this process
 * waits for a commit (each one a sync of the log on SQLite), and tries are
 * claimed and reported many per transaction. Tries of 19 ms are held 8 per
 * slot as before; tries of 5 ms or less, 32.
 */
const PREFETCH_BUDGET_MS = 160;
const MIN_PREFETCH = 8;
const MAX_PREFETCH = 32;

/** Runs whose log folder {@link TaskExecutor} remembers (the first seen are forgotten past this). */
const REMEMBERED_RUN_FOLDERS = 256;

/** Finished tries reported in one transaction at most. */
const MAX_REPORTS_PER_BATCH = 64;

/** The first retry of a failed report waits this long, ms; each further one doubles it. */
const REPORT_RETRY_MIN_MS = 100;
/** The longest wait between retries of a report, ms. */
const REPORT_RETRY_MAX_MS = 5000;
/** Attempts a report still gets once the executor is stopping. */
const REPORT_ATTEMPTS_AFTER_STOP = 3;

/** How often a worker heartbeats the tries it runs, ms, unless {@link TaskExecutorOptions.heartbeatMs} says otherwise. */
export const DEFAULT_HEARTBEAT_MS = 5000;

/** Options of {@link TaskExecutor}. */
export interface TaskExecutorOptions {
  /** Identifies this worker in the store (claims, lost-worker detection). */
  workerId: string;
  /** Where task logs go (`$ASSETFLOW_HOME/logs`). */
  logDir: string;
  /** Poll period when nothing wakes the loop up, ms (default 250). */
  pollMs?: number;
  /** Heartbeat period, ms (default {@link DEFAULT_HEARTBEAT_MS}). */
  heartbeatMs?: number;
  /** Called with each finished try (for live output). */
  onFinished?: (request: TaskRunRequest, outcome: TaskOutcome) => void;
}

/**
 * Runs tries from a task source in a worker pool until stopped.
 *
 * @example
 * ```ts
 * const executor = new TaskExecutor(scheduler, pool, { workerId: "standalone", logDir });
 * executor.start();
 * ```
 */
export class TaskExecutor {
  private readonly running = new Map<string, TaskInstanceKey>();
  /** Tries launched and not yet reported or released, and who waits for there to be none ({@link stop}). */
  private unsettled = 0;
  private readonly drained: Array<() => void> = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private unsubscribeWarnings: (() => void) | undefined;
  private readonly reports: Array<{ report: TryReport; done: (allClaimed: boolean) => void }> = [];
  private reporting = false;
  private pumping = false;
  /** The claim loop's last run (see {@link pump}), which {@link stop} waits for. */
  private pumped: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = true;
  /**
   * The log folders of the runs this worker claimed tries of lately (see
   * `runLogFolder`), and whether a claim of this worker made them already:
   * a run's tries are claimed in many batches, and the folder is made once.
   * Should it be removed meanwhile, the host that runs a try makes it again.
   */
  private readonly runFolders = new Map<string, { readonly folder: string; made: boolean }>();
  /** Host slots a claim in flight (the claim loop's, or a report's) may fill. */
  private reserved = 0;

  constructor(
    private readonly source: TaskSource,
    private readonly pool: WorkerPool,
    private readonly options: TaskExecutorOptions,
  ) {}

  /** How many tries run now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** Starts claiming and running tries. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.source.onWork?.(() => this.wake());
    this.unsubscribeWarnings ??= this.source.onTryWarning?.((warning) => this.logWarning(warning));
    this.pollTimer = setInterval(() => this.wake(), this.options.pollMs ?? 250);
    this.heartbeatTimer = setInterval(() => void this.beat(), this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.wake();
  }

  /** Stops claiming; waits for the tries that run to be reported. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    // A claim in flight ends first: what it claimed after the stop goes back to the queue.
    await this.pumped;
    if (this.unsettled > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    this.unsubscribeWarnings?.();
    this.unsubscribeWarnings = undefined;
  }

  /** Writes a warning about a try this executor ran (and is reporting) to the try's log. */
  private logWarning({ key, message }: TryWarning): void {
    const running = this.running.get(runningId(key));
    if (running?.tryNumber !== key.tryNumber) return;
    this.appendLog(key, `WARNING ${message}`);
  }

  /** Asks the loop to look for work now. */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    // No room (the usual case when a try of a batch finishes): the loop would stop at once.
    if (this.claimRoom(0) === 0) return;
    this.pumped = this.pump();
  }

  /** A try's run log folder (see {@link runFolders}). */
  private runFolder(key: TaskInstanceKey): { readonly folder: string; made: boolean } {
    const id = `${key.dagId}\u0000${key.runId}`;
    let run = this.runFolders.get(id);
    if (run) return run;
    run = { folder: runLogFolder(this.options.logDir, key), made: false };
    this.runFolders.set(id, run);
    if (this.runFolders.size > REMEMBERED_RUN_FOLDERS) {
      const [oldest] = this.runFolders.keys();
      if (oldest !== undefined) this.runFolders.delete(oldest);
    }
    return run;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        const room = this.claimRoom(0);
        if (room === 0) break;
        this.reserved += room;
        let claim: Claim;
        try {
          claim = await this.claiming((options) => this.source.claimTasks(this.options.workerId, room, options));
        } finally {
          this.reserved -= room;
        }
        if (!(await this.launchClaimed(claim.unlaunched))) break;
        if (claim.count === room) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      process.emitWarning(`assetflow worker could not claim tasks: ${(error as Error).message}`);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * How many tries to claim now, once `finishing` of the running tries are
   * done: 0 unless at least half the tries this worker holds can be claimed.
   * Short tries are claimed ahead of the free hosts, in batches (refilled
   * once half the tries held have finished, not after every try).
   */
  private claimRoom(finishing: number): number {
    if (this.stopped) return 0;
    const recent = this.pool.recentTryMs;
    const prefetch =
      recent < SHORT_TRY_MS
        ? Math.min(MAX_PREFETCH, Math.max(MIN_PREFETCH, Math.floor(PREFETCH_BUDGET_MS / Math.max(recent, 1e-3))))
        : 1;
    const held = this.pool.capacity * prefetch;
    const room = held - (this.running.size - finishing) - this.reserved;
    return room < Math.max(1, held / 2) ? 0 : room;
  }

  /**
   * Claims with `claim`, each claimed try sent to the pool as soon as the
   * store has read it, before its claim commits: on SQLite the host begins
   * the try while this thread waits for the commit's sync of the log, instead
   * of after it. The outcome of such a try is reported only once its claim
   * committed. Should the claim fail after all (a full disk at the commit),
   * its tries are cancelled (a host that began one ends with it: see
   * `WorkerPool.cancel`) and never reported: the claim rolled back, so they
   * are queued as before. The claimed tries are also given their log folders
   * (one per run) on libuv's thread pool. Returns how many tries were claimed
   * and those not sent yet (claimed once the executor stopped).
   */
  private async claiming(claim: (options: ClaimOptions) => Promise<TaskRunRequest[]>): Promise<Claim> {
    const sent = new Set<string>();
    const cancel = new AbortController();
    let settle: (committed: boolean) => void = () => undefined;
    const committed = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const options: ClaimOptions = {
      beforeCommit: (requests) => {
        const fresh: string[] = [];
        for (const { key } of requests) {
          const run = this.runFolder(key);
          if (run.made) continue;
          run.made = true;
          fresh.push(run.folder);
        }
        if (fresh.length > 0) makeRunLogFolders(fresh);
        if (this.stopped) return;
        for (const request of requests) {
          sent.add(tryId(request.key));
          this.launch(request, { committed, cancel: cancel.signal });
        }
      },
    };
    try {
      const requests = await claim(options);
      settle(true);
      return { count: requests.length, unlaunched: requests.filter((request) => !sent.has(tryId(request.key))) };
    } catch (error) {
      settle(false);
      cancel.abort();
      throw error;
    }
  }

  /** Runs claimed tries; false (and the tries back to the queue) when the executor stopped while claiming. */
  private async launchClaimed(requests: readonly TaskRunRequest[]): Promise<boolean> {
    if (this.stopped) {
      // Stopped while claiming: these tries never start here.
      for (const request of requests) await this.release(request.key);
      return false;
    }
    for (const request of requests) this.launch(request);
    return true;
  }

  /**
   * Runs a claimed try in the pool and reports it. `early`: the try was sent
   * before its claim committed (see {@link claiming}); it is reported only if
   * `committed` resolves true, and `cancel` takes it back from the pool.
   * Callbacks, not a promise chain per try: a short try's own cost in this
   * process is mostly this bookkeeping (see {@link settled} for what
   * {@link stop} waits for).
   */
  private launch(request: TaskRunRequest, early?: { committed: Promise<boolean>; cancel: AbortSignal }): void {
    const key = request.key;
    const id = runningId(key);
    this.running.set(id, key);
    this.unsettled++;
    if (!request.dagFile) {
      const message = `No DAG file is known for DAG "${key.dagId}".`;
      this.ended(request, id, { state: "failed", error: { code: "DAG_FILE_UNKNOWN", message } }, undefined, early);
      return;
    }
    // taskLogPath, from the run's folder this worker holds.
    const logFile = `${this.runFolder(key).folder}${sep}${taskLogName(key)}`;
    // When a host began the try (it may have waited in the host's queue since the claim).
    let startedAt: number | undefined;
    this.pool.runThen(
      request.dagFile,
      request,
      logFile,
      (result) => this.ended(request, id, result, startedAt, early),
      (at) => {
        startedAt = at;
      },
      early?.cancel,
    );
  }

  /** A try ended in the pool: once its claim committed (an early try), what follows (see {@link finish}). */
  private ended(
    request: TaskRunRequest,
    id: string,
    result: PoolRunResult,
    startedAt: number | undefined,
    early: { committed: Promise<boolean> } | undefined,
  ): void {
    if (!early) {
      this.finish(request, id, result, startedAt);
      return;
    }
    void early.committed.then((committed) => {
      // Its claim rolled back: the try is still queued, and whatever this copy did is not reported.
      if (committed) this.finish(request, id, result, startedAt);
      else this.settled(request.key, id, true);
    });
  }

  /** What follows a try's end in the pool: its report (or its release, when it never started). */
  private finish(request: TaskRunRequest, id: string, result: PoolRunResult, startedAt: number | undefined): void {
    const key = request.key;
    if (result.state === "not_started") {
      // The pool stopped before the try ran: it goes back to the queue for another worker.
      void this.release(key).then(() => this.settled(key, id, true));
      return;
    }
    const outcome = result;
    if (outcome.state === "failed") {
      this.appendLog(key, `[assetflow] try ${key.tryNumber} failed: ${outcome.error.message}`);
    }
    if (outcome.state === "skipped") {
      this.appendLog(key, `[assetflow] skipped: ${outcome.reason}`);
    }
    this.report(request, outcome, startedAt, (allClaimed) => {
      try {
        this.options.onFinished?.(request, outcome);
      } catch (error) {
        process.emitWarning(`assetflow worker could not print a finished try: ${(error as Error).message}`);
      }
      // A report whose claim took every queued try already filled this try's slot: no claim of its own.
      this.settled(key, id, !allClaimed);
    });
  }

  /** A launched try is reported (or released): its slot is free, and {@link stop} may be waiting for it. */
  private settled(key: TaskInstanceKey, id: string, refill: boolean): void {
    // A try claimed again after its claim rolled back may run under the same id by now.
    if (this.running.get(id) === key) this.running.delete(id);
    if (--this.unsettled === 0) for (const resolve of this.drained.splice(0)) resolve();
    if (refill) this.wake();
  }

  /**
   * Appends the worker's own line to a try's log. A log that cannot be
   * written (a full disk) is a warning: the outcome is reported all the same,
   * and the worker lives.
   */
  private appendLog(key: TaskInstanceKey, line: string): void {
    try {
      appendTaskLog(this.options.logDir, key, line);
    } catch (error) {
      process.emitWarning(
        `assetflow worker could not write to the log of ${key.dagId}.${key.taskId} try ${key.tryNumber}: ${(error as Error).message}`,
      );
    }
  }

  /** Gives a claimed try that never ran back to the queue (a warning if that fails: the store then treats it as lost). */
  private async release(key: TaskInstanceKey): Promise<void> {
    try {
      await this.source.releaseTasks([key]);
    } catch (error) {
      process.emitWarning(
        `assetflow worker could not give back ${key.dagId}.${key.taskId}, which never started: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Reports a finished try. Tries that finish while a report is being written
   * (or in the same turn of the event loop) go together in the next one: one
   * transaction for many tries when the pool is busy, no wait when it is not.
   * Calls `done` with true when the report's own claim took every queued try
   * (it got fewer than it asked for): the slots of its tries need no claim after it.
   */
  private report(
    request: TaskRunRequest,
    outcome: TaskOutcome,
    startedAt: number | undefined,
    done: (allClaimed: boolean) => void,
  ): void {
    const report: TryReport = { key: request.key, outcome, ...(startedAt === undefined ? {} : { startedAt }) };
    this.reports.push({ report, done });
    if (this.reports.length === 1 && !this.reporting) setImmediate(() => void this.flushReports());
  }

  /**
   * Writes the queued reports, in batches. A batch the store refuses (the
   * database dropped the connection) is written again, backing off from
   * {@link REPORT_RETRY_MIN_MS} to {@link REPORT_RETRY_MAX_MS}, while its tries
   * keep their heartbeat: a finished try never stays `running` because one
   * report failed. A report that did commit before the error is not applied
   * twice (the store accepts a try's completion once). Once the executor is
   * stopped, a batch gets {@link REPORT_ATTEMPTS_AFTER_STOP} more attempts;
   * after that its tries stay running until a scheduler's lost-try sweep fails
   * (and retries) them.
   */
  private async flushReports(): Promise<void> {
    if (this.reporting) return;
    this.reporting = true;
    try {
      while (this.reports.length > 0) {
        const batch = this.reports.splice(0, MAX_REPORTS_PER_BATCH);
        // The report claims the next tries in its own transaction (one commit for both) when the source can.
        const room = this.source.completeAndClaimTasks ? this.claimRoom(batch.length) : 0;
        this.reserved += room;
        let claimed: Claim | null;
        try {
          claimed = await this.reportWithRetries(
            batch.map((item) => item.report),
            room,
          );
        } finally {
          this.reserved -= room;
        }
        await this.launchClaimed(claimed?.unlaunched ?? []);
        const allClaimed = claimed !== null && claimed.count < room;
        for (const item of batch) item.done(allClaimed);
      }
    } finally {
      this.reporting = false;
    }
  }

  /**
   * Writes reports (see {@link flushReports}), claiming up to `claim` tries
   * with them; the tries claimed, or null when it did not claim.
   */
  private async reportWithRetries(reports: TryReport[], claim: number): Promise<Claim | null> {
    let waitMs = REPORT_RETRY_MIN_MS;
    let attemptsAfterStop = 0;
    for (;;) {
      try {
        const completeAndClaim = this.source.completeAndClaimTasks?.bind(this.source);
        if (claim > 0 && completeAndClaim && !this.stopped) {
          return await this.claiming((options) => completeAndClaim(reports, this.options.workerId, claim, options));
        }
        await this.source.completeTasks(reports);
        return null;
      } catch (error) {
        const names = reports.map(({ key }) => `${key.dagId}.${key.taskId}`).join(", ");
        const last = this.stopped && ++attemptsAfterStop >= REPORT_ATTEMPTS_AFTER_STOP;
        process.emitWarning(
          `assetflow worker could not report ${names} (${last ? "giving up: a scheduler's lost-try sweep retries them" : `trying again in ${waitMs} ms`}): ${(error as Error).message}`,
        );
        if (last) return null;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        waitMs = Math.min(waitMs * 2, REPORT_RETRY_MAX_MS);
      }
    }
  }

  private async beat(): Promise<void> {
    if (this.running.size === 0) return;
    try {
      await this.source.heartbeat([...this.running.values()]);
    } catch (error) {
      process.emitWarning(`assetflow worker heartbeat failed: ${(error as Error).message}`);
    }
  }
}

/** What a claim took: how many tries, and those still to launch (see `TaskExecutor.claiming`). */
interface Claim {
  readonly count: number;
  readonly unlaunched: readonly TaskRunRequest[];
}

/** One try of a task instance (its key with the try number). */
function tryId(key: TaskInstanceKey): string {
  return `${runningId(key)}\u0000${key.tryNumber}`;
}

/** The key of a running try in {@link TaskExecutor}'s map (one try of a task instance runs at a time). */
function runningId(key: TaskInstanceKey): string {
  return `${key.dagId}\u0000${key.runId}\u0000${key.taskId}\u0000${key.mapIndex}`;
}
