/**
 * The one composition of the long-running commands' services. `standalone`
 * (both roles), `scheduler` (the scheduling role) and `worker` (the working
 * role) are all wired here, so a behaviour such as the lost-try sweep or the
 * guarded activity printer cannot exist in one command and be missing in
 * another:
 *
 * - scheduling: load and watch the DAG files, the scheduler's timers, and a
 *   sweep that fails (and retries) tries whose worker stopped heartbeating;
 * - working: a worker pool and a task executor under a worker id unique to
 *   this process, which first fails the tries earlier processes of the same
 *   id left running when they died.
 *
 * Every asynchronous path here handles its errors: a dropped database
 * connection is a warning, never the end of the process.
 */
import { hostname } from "node:os";
import type { DagProcessor } from "../runtime/dag-processor.js";
import type { TaskExecutor } from "../runtime/task-executor.js";
import type { WorkerPool } from "../runtime/worker-pool.js";
import type { DagFileResult, TaskInstanceKey } from "../scheduler/contracts.js";
import type { Scheduler, SchedulerActivity } from "../scheduler/scheduler.js";
import { makePrivateDir } from "../scheduler/store/home.js";
import { delay, describeActivity, describeActivityPlainly, stopSignal } from "./commands/common.js";
import { acquireHomeLock, type HomeLock } from "./home-lock.js";
import { homePaths, openScheduler } from "./open.js";

/** The lost-try sweep runs at least this often, ms. */
const MAX_SWEEP_PERIOD_MS = 10_000;

/** Options of {@link startServices}: which roles this process plays, and where it reports. */
export interface ServiceOptions {
  /** Scheduling: DAG files, timers, the lost-try sweep. */
  readonly schedule?: {
    readonly dagsFolder: string;
    /** A running try whose worker sent no heartbeat for this long is failed (and retried). */
    readonly lostAfterMs: number;
    readonly onDagFile: (result: DagFileResult) => void;
  };
  /** Running tasks. */
  readonly work?: {
    /** The worker id without its process part (see {@link processWorkerId}). */
    readonly workerIdBase: string;
    readonly concurrency: number;
  };
  /**
   * Runs once the store is open, before the task hosts start: `standalone`
   * starts its API server here. The secrets it returns (the API token it knows
   * in clear) are masked in task logs; `close` runs when the services stop
   * (first) or fail to start.
   */
  readonly serve?: (scheduler: Scheduler) => Promise<{ secrets: readonly string[]; close(): Promise<void> }>;
  /**
   * This process owns the home (`standalone`, `dev`): on a SQLite store it
   * holds the home's lock for its lifetime, and refuses to start while
   * another live process holds it (see {@link acquireHomeLock}).
   */
  readonly ownHome?: boolean;
  /** Scheduler activity, with its one-line description. */
  readonly onActivity: (line: string, activity: SchedulerActivity) => void;
  /** A try failed because its worker was gone (`why`: "heartbeat" from the sweep, "restart" at start-up). */
  readonly onLostTry: (key: TaskInstanceKey, why: "heartbeat" | "restart") => void;
}

/** The running services. */
export interface Services {
  readonly scheduler: Scheduler;
  /** The task hosts: they run tries (working role) and load DAG files (scheduling role). */
  readonly pool: WorkerPool;
  readonly processor: DagProcessor | null;
  readonly executor: TaskExecutor | null;
  /** This process's worker id (working role), else null. */
  readonly workerId: string | null;
  /** The first load of every DAG file (scheduling role). */
  readonly results: DagFileResult[];
  /** Begins the work: the scheduler's timers, the lost-try sweep, claiming (watching DAG files is the caller's choice). */
  start(): void;
  /**
   * Stops: no more scheduling; running tries may finish for `graceMs` (or
   * until a second SIGINT/SIGTERM); closes the store.
   */
  stop(graceMs: number): Promise<void>;
}

/**
 * A worker id unique to this process: `<base>#<pid>`. Two processes never
 * share one, and a restarted process recognises its dead predecessors' tries
 * by the base (see {@link deadPredecessors}).
 *
 * @example
 * ```ts
 * processWorkerId("worker@build-01"); // "worker@build-01#4242"
 * ```
 */
export function processWorkerId(base: string, pid: number = process.pid): string {
  return `${base}#${pid}`;
}

/** The default worker id base of `assetflow worker`: stable on one machine. */
export function defaultWorkerIdBase(role: "worker" | "standalone"): string {
  return `${role}@${hostname()}`;
}

/**
 * Opens the store and wires the services of `options`' roles. Nothing runs
 * until {@link Services.start}.
 */
export async function startServices(options: ServiceOptions): Promise<Services> {
  const paths = homePaths();
  // The home is private (0700), also one made by an older version; its files are 0600 as they are written.
  makePrivateDir(paths.home, { restrict: true });
  const lock = options.ownHome && usesSqlite() ? acquireHomeLock(paths.home) : null;
  try {
    return await composeServices(options, paths, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** Whether the store is the SQLite file (no PostgreSQL `ASSETFLOW_DATABASE_URL`). */
function usesSqlite(): boolean {
  return !/^postgres(ql)?:\/\//i.test(process.env.ASSETFLOW_DATABASE_URL ?? "");
}

async function composeServices(
  options: ServiceOptions,
  paths: ReturnType<typeof homePaths>,
  lock: HomeLock | null,
): Promise<Services> {
  // Loaded here, not at start-up, so that short commands stay fast.
  const [{ DagProcessor }, { TaskExecutor }, { WorkerPool }] = await Promise.all([
    import("../runtime/dag-processor.js"),
    import("../runtime/task-executor.js"),
    import("../runtime/worker-pool.js"),
  ]);
  const scheduler = await openScheduler({ pollIntervalMs: 2000 });
  scheduler.onActivity((activity) => printActivity(scheduler, activity, options.onActivity));
  const { schedule, work } = options;
  const workerId = work ? processWorkerId(work.workerIdBase) : null;
  let pool: WorkerPool | undefined;
  let served: { secrets: readonly string[]; close(): Promise<void> } | undefined;
  try {
    served = await options.serve?.(scheduler);
    if (work) {
      for (const key of await scheduler.failLostTasks({
        workerIds: await deadPredecessors(scheduler, work.workerIdBase),
      }))
        options.onLostTry(key, "restart");
    }
    // Without the working role, one host: it only loads DAG files (user code never runs in this process).
    pool = new WorkerPool({
      size: work?.concurrency ?? 1,
      home: paths.home,
      reader: scheduler.eventReader(),
      // Beyond the secrets of this process's environment, which are always masked.
      secrets: served?.secrets ?? [],
    });
    const processor = schedule ? new DagProcessor(schedule.dagsFolder, pool, scheduler, schedule.onDagFile) : null;
    const executor = workerId ? new TaskExecutor(scheduler, pool, { workerId, logDir: paths.logs }) : null;
    const results = processor ? await processor.processAll() : [];
    return composed(scheduler, pool, processor, executor, workerId, results, options, served, lock);
  } catch (error) {
    await served?.close();
    await pool?.stop();
    await scheduler.close();
    throw error;
  }
}

function composed(
  scheduler: Scheduler,
  pool: WorkerPool,
  processor: DagProcessor | null,
  executor: TaskExecutor | null,
  workerId: string | null,
  results: DagFileResult[],
  options: ServiceOptions,
  served: { close(): Promise<void> } | undefined,
  lock: HomeLock | null,
): Services {
  let sweeper: NodeJS.Timeout | undefined;
  return {
    scheduler,
    pool,
    processor,
    executor,
    workerId,
    results,
    start() {
      if (options.schedule) {
        const { lostAfterMs } = options.schedule;
        scheduler.start();
        sweeper = setInterval(
          () => void sweepLostTries(scheduler, lostAfterMs, options.onLostTry),
          Math.min(lostAfterMs, MAX_SWEEP_PERIOD_MS),
        );
      }
      executor?.start();
    },
    async stop(graceMs) {
      await served?.close();
      clearInterval(sweeper);
      processor?.close();
      scheduler.stop();
      if (executor) await drainWorkers(executor, pool, graceMs);
      else await pool.stop();
      await scheduler.close();
      lock?.release();
    },
  };
}

/** Fails (and retries) the tries whose worker stopped heartbeating; a store error is a warning, tried again next time. */
async function sweepLostTries(
  scheduler: Scheduler,
  lostAfterMs: number,
  onLostTry: ServiceOptions["onLostTry"],
): Promise<void> {
  try {
    for (const key of await scheduler.failLostTasks({ timeoutMs: lostAfterMs })) onLostTry(key, "heartbeat");
  } catch (error) {
    process.emitWarning(`assetflow could not check for lost tries (tried again soon): ${(error as Error).message}`);
  }
}

/**
 * Worker ids of `base` whose process is gone: `<base>#<pid>` with no process
 * `pid` on this machine, or the plain `base` (ids before they were per
 * process). Their running tries can never be reported.
 */
async function deadPredecessors(scheduler: Scheduler, base: string): Promise<string[]> {
  const ids = await scheduler.read.taskInstances.runningWorkers(base);
  return ids.filter((id) => {
    if (id === base) return true;
    const pid = Number(id.slice(base.length + 1));
    return Number.isSafeInteger(pid) && pid !== process.pid && !processAlive(pid);
  });
}

/** Whether a process `pid` exists on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Hands an activity to the listener with its description. The description
 * reads the store (which events triggered a run): when that read fails, the
 * listener gets the plain description instead, never an unhandled rejection.
 */
function printActivity(
  scheduler: Scheduler,
  activity: SchedulerActivity,
  listener: ServiceOptions["onActivity"],
): void {
  void describeActivity(scheduler, activity)
    .catch(() => describeActivityPlainly(activity))
    .then((line) => listener(line, activity))
    .catch((error: unknown) => process.emitWarning(`assetflow could not print activity: ${(error as Error).message}`));
}

/**
 * Stops claiming, lets running tries finish for up to `graceMs` (or until a
 * second SIGINT/SIGTERM), then kills the worker processes; tries killed that
 * way are reported failed (and retried per their settings), and tries claimed
 * but not started yet go back to the queue for other workers.
 */
export async function drainWorkers(executor: TaskExecutor, pool: WorkerPool, graceMs: number): Promise<void> {
  const drained = executor.stop();
  await Promise.race([drained, delay(graceMs), stopSignal()]);
  await pool.stop();
  await drained;
}
