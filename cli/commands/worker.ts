import { hostname } from "node:os";
import type { Command } from "commander";
import type { TaskExecutor } from "../../runtime/task-executor.js";
import type { WorkerPool } from "../../runtime/worker-pool.js";
import { homePaths, openScheduler } from "../open.js";
import { createPrinter, delay, describeActivity, parseCount, stopSignal } from "./common.js";

/** Options of `assetflow worker`. */
export interface WorkerCommandOptions {
  concurrency: string;
  workerId?: string;
  grace: string;
  json?: boolean;
}

/** The default worker id: stable across restarts on one machine, so a restarted worker recovers its own tries. */
export function defaultWorkerId(): string {
  return `worker@${hostname()}`;
}

/** Registers `assetflow worker`. */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "Run tasks: claim queued tries from the store and run them in a pool of worker processes. On start, tries this worker id left running are failed (and retried per their settings).",
    )
    .option("--concurrency <n>", "how many tries run at once (worker processes)", "2")
    .option(
      "--worker-id <id>",
      "this worker's id in the store; give each worker on one machine its own (default worker@<hostname>)",
    )
    .option("--grace <seconds>", "on SIGTERM, how long running tries may finish before they are killed", "30")
    .option("--json", "print activity as JSON lines")
    .action(async (options: WorkerCommandOptions) => {
      await runWorker(options);
    });
}

/** Runs a worker until SIGINT/SIGTERM. */
export async function runWorker(options: WorkerCommandOptions): Promise<void> {
  const concurrency = parseCount(options.concurrency, "--concurrency") ?? 2;
  const graceMs = (parseCount(options.grace, "--grace", 0) ?? 30) * 1000;
  const workerId = options.workerId ?? defaultWorkerId();
  const paths = homePaths();
  const print = createPrinter(options.json);
  // Loaded here, not at start-up, so that short commands stay fast.
  const [{ TaskExecutor }, { WorkerPool }] = await Promise.all([
    import("../../runtime/task-executor.js"),
    import("../../runtime/worker-pool.js"),
  ]);
  const scheduler = await openScheduler({ pollIntervalMs: 2000 });
  scheduler.onActivity(
    (activity) => void describeActivity(scheduler, activity).then((line) => print(line, { ...activity })),
  );
  const recovered = await scheduler.failLostTasks({ workerIds: [workerId] });
  for (const key of recovered) {
    print(`recovered  ${key.dagId}.${key.taskId} try ${key.tryNumber}: this worker stopped while running it`, {
      kind: "lost_try",
      key,
    });
  }
  const pool = new WorkerPool({ size: concurrency, home: paths.home, reader: scheduler.eventReader() });
  const executor = new TaskExecutor(scheduler, pool, { workerId, logDir: paths.logs });
  executor.start();
  print(
    `assetflow worker ${workerId}\n  store    ${scheduler.store.location}\n  workers  ${pool.capacity} processes (pids ${pool.pids.join(", ")})\n  logs     ${paths.logs}`,
    { kind: "started", workerId, store: scheduler.store.location, concurrency, pids: pool.pids, pid: process.pid },
  );

  await stopSignal();
  print(
    executor.activeCount > 0
      ? `stopping (waiting up to ${graceMs / 1000} s for ${executor.activeCount} tries)`
      : "stopping",
    { kind: "stopping", running: executor.activeCount },
  );
  await drainWorkers(executor, pool, graceMs);
  await scheduler.close();
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
