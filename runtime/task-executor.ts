/**
 * The worker loop: claims queued tries from a {@link TaskSource} as the pool
 * has room, runs them in the pool, reports their outcomes, heartbeats the
 * tries it runs, and writes each try's log to disk.
 */
import type { TaskInstanceKey, TaskOutcome, TaskRunRequest, TaskSource } from "../scheduler/contracts.js";
import { openTaskLog } from "./task-logs.js";
import type { WorkerPool } from "./worker-pool.js";

/** Tries claimed per host slot: the pool queues the extra ones. */
const PREFETCH_FACTOR = 4;

/** Options of {@link TaskExecutor}. */
export interface TaskExecutorOptions {
  /** Identifies this worker in the store (claims, lost-worker detection). */
  workerId: string;
  /** Where task logs go (`$ASSETFLOW_HOME/logs`). */
  logDir: string;
  /** Poll period when nothing wakes the loop up, ms (default 250). */
  pollMs?: number;
  /** Heartbeat period, ms (default 5000). */
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
  private readonly finished = new Set<Promise<void>>();
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private pumping = false;
  private again = false;
  private stopped = true;

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
    this.pollTimer = setInterval(() => this.wake(), this.options.pollMs ?? 250);
    this.heartbeatTimer = setInterval(() => void this.beat(), this.options.heartbeatMs ?? 5000);
    this.wake();
  }

  /** Stops claiming; waits for the tries that run to be reported. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    await Promise.all([...this.finished]);
  }

  /** Asks the loop to look for work now. */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        // Claim a few tries ahead of the free hosts so the pool never waits for a claim round trip.
        const room = this.pool.capacity * PREFETCH_FACTOR - this.running.size;
        if (room <= 0 || this.stopped) break;
        const requests = await this.source.claimTasks(this.options.workerId, room);
        for (const request of requests) this.launch(request);
        if (requests.length === room) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      process.emitWarning(`assetflow worker could not claim tasks: ${(error as Error).message}`);
    } finally {
      this.pumping = false;
    }
  }

  private launch(request: TaskRunRequest): void {
    const key = request.key;
    const id = `${key.dagId}\u0000${key.runId}\u0000${key.taskId}\u0000${key.mapIndex}`;
    this.running.set(id, key);
    const logFile = openTaskLog(this.options.logDir, key);
    const log = (line: string) => logFile.write(line);
    const done = (async () => {
      let outcome: TaskOutcome;
      try {
        const file = await this.source.dagFileOf(key.dagId);
        outcome = file
          ? await this.pool.run(file, request, log)
          : {
              state: "failed",
              error: { code: "DAG_FILE_UNKNOWN", message: `No DAG file is known for DAG "${key.dagId}".` },
            };
      } catch (error) {
        outcome = { state: "failed", error: { message: (error as Error).message } };
      }
      if (outcome.state === "failed") log(`[assetflow] try ${key.tryNumber} failed: ${outcome.error.message}`);
      if (outcome.state === "skipped") log(`[assetflow] skipped: ${outcome.reason}`);
      await logFile.close();
      try {
        await this.source.completeTask(key, outcome);
      } catch (error) {
        process.emitWarning(
          `assetflow worker could not report ${key.dagId}.${key.taskId}: ${(error as Error).message}`,
        );
      }
      this.running.delete(id);
      this.options.onFinished?.(request, outcome);
      this.wake();
    })();
    this.finished.add(done);
    void done.finally(() => this.finished.delete(done));
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
