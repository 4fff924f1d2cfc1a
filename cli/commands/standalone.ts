import type { Command } from "commander";
import type { DagProcessor } from "../../runtime/dag-processor.js";
import type { TaskExecutor } from "../../runtime/task-executor.js";
import type { WorkerPool } from "../../runtime/worker-pool.js";
import type { DagFileResult } from "../../scheduler/contracts.js";
import type { Scheduler, SchedulerActivity } from "../../scheduler/scheduler.js";
import { homePaths, openScheduler } from "../open.js";
import { apiServerData, apiServerLines, parsePort, type StartedApiServer, startApiServer } from "./api-server.js";
import { createPrinter, describeActivity, parseCount, requireDagsFolder, stopSignal } from "./common.js";

/** Options of `assetflow standalone`. */
export interface StandaloneOptions {
  dags: string;
  workers: string;
  grace: string;
  port: string;
  host: string;
  triggerProducers?: boolean;
  json?: boolean;
}

/** Registers `assetflow standalone`. */
export function registerStandalone(program: Command): void {
  program
    .command("standalone")
    .description("Run the store, scheduler, DAG processor and worker pool in one process tree (SQLite by default)")
    .requiredOption("--dags <dir>", "folder (or file) of DAG files")
    .option("--workers <n>", "number of worker processes", "2")
    .option("--grace <seconds>", "on SIGTERM, how long running tries may finish before they are killed", "10")
    .option("--port <n>", "port of the REST API and the web UI (0: any free port)", "8080")
    .option("--host <host>", "address the API listens on (0.0.0.0 to serve beyond this machine)", "127.0.0.1")
    .option("--trigger-producers", "trigger every DAG that produces assets once at start (a demo)")
    .option("--json", "print activity as JSON lines")
    .action(async (options: StandaloneOptions) => {
      await runStandalone(options);
    });
}

/** Runs standalone until SIGINT/SIGTERM. */
export async function runStandalone(options: StandaloneOptions): Promise<void> {
  const print = createPrinter(options.json);
  const standalone = await startStandalone(options, {
    onDagFile: (result) => {
      if (result.ok) {
        print(`dag file   ${result.file}: ${result.manifest.dags.map((d) => d.dagId).join(", ") || "(no DAGs)"}`, {
          kind: "dag_file",
          file: result.file,
          dags: result.manifest.dags.map((d) => d.dagId),
        });
      } else {
        print(`import error ${result.file}: ${result.error.message}`, { kind: "import_error", ...result.error });
      }
    },
    onActivity: (line, activity) => print(line, { ...activity }),
  });
  const { scheduler, api, pool, results, dagsFolder, paths } = standalone;
  standalone.processor.watch();
  const dagCount = countDags(results);
  print(
    `assetflow standalone\n  store    ${scheduler.store.location}\n  dags     ${dagsFolder} (${dagCount} DAGs, ${results.filter((r) => !r.ok).length} import errors)\n  workers  ${pool.capacity} processes\n  logs     ${paths.logs}\n${apiServerLines(api)}`,
    {
      kind: "started",
      store: scheduler.store.location,
      dags: dagsFolder,
      dagCount,
      workers: pool.capacity,
      pid: process.pid,
      pids: pool.pids,
      api: apiServerData(api),
    },
  );

  if (options.triggerProducers) {
    for (const result of results) {
      if (!result.ok) continue;
      for (const dag of result.manifest.dags) {
        const producesAssets = dag.tasks.some((t) => t.outlets.length > 0);
        const assetScheduled = dag.schedule.kind === "assets";
        if (producesAssets && !assetScheduled) await scheduler.triggerDag(dag.dagId);
      }
    }
  }

  await stopSignal();
  print("stopping", { kind: "stopping", running: standalone.executor.activeCount });
  await standalone.stop();
}

/** What a standalone process reports while it runs (`standalone` prints all of it; `dev` less). */
export interface StandaloneListeners {
  /** A DAG file was loaded (or failed to load), at start and whenever it changes. */
  onDagFile(result: DagFileResult): void;
  /** Scheduler activity, with its one-line description. */
  onActivity(line: string, activity: SchedulerActivity): void;
}

/** A running standalone: its parts, the first load of the DAG files, and how to stop it. */
export interface RunningStandalone {
  readonly scheduler: Scheduler;
  readonly api: StartedApiServer;
  readonly pool: WorkerPool;
  readonly processor: DagProcessor;
  readonly executor: TaskExecutor;
  /** The first load of every DAG file. */
  readonly results: DagFileResult[];
  readonly dagsFolder: string;
  readonly paths: ReturnType<typeof homePaths>;
  /** Stops the API, the DAG processor and the scheduler, drains the workers, closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts the store, the API server, the worker pool, the DAG processor (one
 * load of every file) and the scheduler: what `standalone` and `dev` share.
 * `apiToken` serves the API with that token instead of the home's.
 */
export async function startStandalone(
  options: StandaloneOptions & { apiToken?: string },
  listeners: StandaloneListeners,
): Promise<RunningStandalone> {
  const workers = parseCount(options.workers, "--workers") ?? 2;
  const graceMs = (parseCount(options.grace, "--grace", 0) ?? 10) * 1000;
  const port = parsePort(options.port);
  const paths = homePaths();
  const dagsFolder = requireDagsFolder(options.dags);
  // Loaded here, not at start-up, so that short commands stay fast.
  const [{ DagProcessor }, { TaskExecutor }, { WorkerPool }, { drainWorkers }] = await Promise.all([
    import("../../runtime/dag-processor.js"),
    import("../../runtime/task-executor.js"),
    import("../../runtime/worker-pool.js"),
    import("./worker.js"),
  ]);
  const scheduler = await openScheduler({ pollIntervalMs: 2000 });
  const api = await startApiServer({
    scheduler,
    host: options.host,
    port,
    ...(options.apiToken === undefined ? {} : { token: options.apiToken }),
  }).catch(async (error: unknown) => {
    await scheduler.close();
    throw error;
  });
  await scheduler.failLostTasks({ workerIds: ["standalone"] });
  const pool = new WorkerPool({
    size: workers,
    home: paths.home,
    reader: scheduler.eventReader(),
    // The token this process knows in clear is masked in task logs (one from the environment always is).
    secrets: api.token === null ? [] : [api.token],
  });
  const processor = new DagProcessor(dagsFolder, pool, scheduler, (result) => listeners.onDagFile(result));
  scheduler.onActivity(
    (activity) => void describeActivity(scheduler, activity).then((line) => listeners.onActivity(line, activity)),
  );
  const executor = new TaskExecutor(scheduler, pool, { workerId: "standalone", logDir: paths.logs });
  const results = await processor.processAll();
  scheduler.start();
  executor.start();
  return {
    scheduler,
    api,
    pool,
    processor,
    executor,
    results,
    dagsFolder,
    paths,
    async stop() {
      await api.close();
      processor.close();
      scheduler.stop();
      await drainWorkers(executor, pool, graceMs);
      await scheduler.close();
    },
  };
}

/** How many DAGs the files that loaded define. */
export function countDags(results: readonly DagFileResult[]): number {
  return results.reduce((count, result) => count + (result.ok ? result.manifest.dags.length : 0), 0);
}
