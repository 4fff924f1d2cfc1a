import type { Command } from "commander";
import type { DagProcessor } from "../../runtime/dag-processor.js";
import type { TaskExecutor } from "../../runtime/task-executor.js";
import type { WatcherChange, WatcherRunner } from "../../runtime/watchers/runner.js";
import type { WorkerPool } from "../../runtime/worker-pool.js";
import type { DagFileResult, TaskInstanceKey } from "../../scheduler/contracts.js";
import type { Scheduler, SchedulerActivity } from "../../scheduler/scheduler.js";
import { homePaths } from "../open.js";
import { defaultWorkerIdBase, type ServiceOptions, startServices } from "../services.js";
import { apiServerData, apiServerLines, parsePort, type StartedApiServer, startApiServer } from "./api-server.js";
import { createPrinter, lostTryLine, parseCount, printDagWarnings, requireDagsFolder, stopSignal } from "./common.js";
import { DEFAULT_LOST_AFTER_S, MIN_LOST_AFTER_S, parseLostAfter } from "./scheduler.js";

/** Options of `assetflow standalone`. */
export interface StandaloneOptions {
  dags: string;
  workers: string;
  grace: string;
  port: string;
  host: string;
  lostAfter?: string;
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
    .option(
      "--lost-after <seconds>",
      `fail (and retry) a running try whose worker sent no heartbeat for this long (at least ${MIN_LOST_AFTER_S})`,
      String(DEFAULT_LOST_AFTER_S),
    )
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
        printDagWarnings(print, result.manifest);
      } else {
        print(`import error ${result.file}: ${result.error.message}`, { kind: "import_error", ...result.error });
      }
    },
    onActivity: (line, activity) => print(line, { ...activity }),
    onLostTry: (key, why) => print(lostTryLine(key, why), { kind: "lost_try", key, why }),
    onWatcher: (line, change) => print(line, { ...change }),
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
  /** A try failed because its worker was gone (see {@link ServiceOptions.onLostTry}). */
  onLostTry?(key: TaskInstanceKey, why: "heartbeat" | "restart"): void;
  /** A watcher started, moved or failed. */
  onWatcher?(line: string, change: WatcherChange): void;
}

/** A running standalone: its parts, the first load of the DAG files, and how to stop it. */
export interface RunningStandalone {
  readonly scheduler: Scheduler;
  readonly api: StartedApiServer;
  readonly pool: WorkerPool;
  readonly processor: DagProcessor;
  readonly executor: TaskExecutor;
  /** The worker id of this process's tries. */
  readonly workerId: string;
  /** The watchers of the assets (all of them: one process). */
  readonly watchers: WatcherRunner;
  /** The first load of every DAG file. */
  readonly results: DagFileResult[];
  readonly dagsFolder: string;
  readonly paths: ReturnType<typeof homePaths>;
  /** Stops the API, the DAG processor and the scheduler, drains the workers, closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts the store, the worker pool, the DAG processor (one load of every
 * file), the scheduler with its lost-try sweep and the API server: what
 * `standalone` and `dev` share, composed by {@link startServices} like
 * `scheduler` and `worker`. `apiToken` serves the API with that token instead
 * of the home's.
 */
export async function startStandalone(
  options: StandaloneOptions & { apiToken?: string },
  listeners: StandaloneListeners,
): Promise<RunningStandalone> {
  const workers = parseCount(options.workers, "--workers") ?? 2;
  const graceMs = (parseCount(options.grace, "--grace", 0) ?? 10) * 1000;
  const lostAfterMs = parseLostAfter(options.lostAfter) * 1000;
  const port = parsePort(options.port);
  const paths = homePaths();
  const dagsFolder = requireDagsFolder(options.dags);
  let api: StartedApiServer | undefined;
  const services = await startServices({
    schedule: { dagsFolder, lostAfterMs, onDagFile: (result) => listeners.onDagFile(result) },
    work: { workerIdBase: defaultWorkerIdBase("standalone"), concurrency: workers },
    ownHome: true,
    serve: async (scheduler) => {
      api = await startApiServer({
        scheduler,
        host: options.host,
        port,
        ...(options.apiToken === undefined ? {} : { token: options.apiToken }),
      });
      // The token this process knows in clear is masked in task logs (one from the environment always is).
      return { secrets: api.token === null ? [] : [api.token], close: () => (api as StartedApiServer).close() };
    },
    onActivity: (line, activity) => listeners.onActivity(line, activity),
    onLostTry: (key, why) => listeners.onLostTry?.(key, why),
  });
  const { scheduler, pool } = services;
  // Loaded here, not at start-up, so that short commands stay fast.
  const [{ WatcherRunner }, { definitionLoader }] = await Promise.all([
    import("../../runtime/watchers/runner.js"),
    import("../../runtime/watchers/definitions.js"),
  ]);
  const watchers = new WatcherRunner(scheduler, {
    loadDefinitions: definitionLoader(dagsFolder, paths.home),
    onChange: (line, change) => listeners.onWatcher?.(line, change),
  });
  services.start();
  watchers.start();
  return {
    scheduler,
    api: api as StartedApiServer,
    pool,
    processor: services.processor as DagProcessor,
    executor: services.executor as TaskExecutor,
    workerId: services.workerId as string,
    watchers,
    results: services.results,
    dagsFolder,
    paths,
    async stop() {
      await watchers.stop();
      await services.stop(graceMs);
    },
  };
}

/** How many DAGs the files that loaded define. */
export function countDags(results: readonly DagFileResult[]): number {
  return results.reduce((count, result) => count + (result.ok ? result.manifest.dags.length : 0), 0);
}
