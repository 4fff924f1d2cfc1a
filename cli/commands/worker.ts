import type { Command } from "commander";
import { homePaths } from "../open.js";
import { createPrinter, parseCount, stopSignal } from "./common.js";

/** Options of `assetflow worker`. */
export interface WorkerCommandOptions {
  concurrency: string;
  workerId?: string;
  grace: string;
  json?: boolean;
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
      "this worker's name in the store; the process id is appended (<id>#<pid>), so ids are unique per process and a restarted worker recovers the tries its dead predecessors of the same name left running (default worker@<hostname>)",
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
  const paths = homePaths();
  const print = createPrinter(options.json);
  const { defaultWorkerIdBase, startServices } = await import("../services.js");
  const services = await startServices({
    work: { workerIdBase: options.workerId ?? defaultWorkerIdBase("worker"), concurrency },
    onActivity: (line, activity) => print(line, { ...activity }),
    onLostTry: (key) =>
      print(`recovered  ${key.dagId}.${key.taskId} try ${key.tryNumber}: this worker stopped while running it`, {
        kind: "lost_try",
        key,
      }),
  });
  const { scheduler, pool, workerId } = services;
  services.start();
  print(
    `assetflow worker ${workerId}\n  store    ${scheduler.store.location}\n  workers  ${pool.capacity} processes (pids ${pool.pids.join(", ")})\n  logs     ${paths.logs}`,
    { kind: "started", workerId, store: scheduler.store.location, concurrency, pids: pool.pids, pid: process.pid },
  );

  await stopSignal();
  const running = services.executor?.activeCount ?? 0;
  print(running > 0 ? `stopping (waiting up to ${graceMs / 1000} s for ${running} tries)` : "stopping", {
    kind: "stopping",
    running,
  });
  await services.stop(graceMs);
}
