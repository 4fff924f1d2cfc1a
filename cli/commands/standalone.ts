import { resolve } from "node:path";
import type { Command } from "commander";
import { DagProcessor } from "../../runtime/dag-processor.js";
import { TaskExecutor } from "../../runtime/task-executor.js";
import { WorkerPool } from "../../runtime/worker-pool.js";
import { getDagRun } from "../../scheduler/read-models.js";
import type { Scheduler, SchedulerActivity } from "../../scheduler/scheduler.js";
import { homePaths, openScheduler } from "../open.js";

/** Options of `assetflow standalone`. */
export interface StandaloneOptions {
  dags: string;
  workers: string;
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
    .option("--trigger-producers", "trigger every DAG that produces assets once at start (a demo)")
    .option("--json", "print activity as JSON lines")
    .action(async (options: StandaloneOptions) => {
      await runStandalone(options);
    });
}

/** Runs standalone until SIGINT/SIGTERM. */
export async function runStandalone(options: StandaloneOptions): Promise<void> {
  const paths = homePaths();
  const dagsFolder = resolve(options.dags);
  const scheduler = await openScheduler({ pollIntervalMs: 2000 });
  const print = (line: string, data: Record<string, unknown>) => {
    process.stdout.write(options.json ? `${JSON.stringify(data)}\n` : `${line}\n`);
  };
  await scheduler.failLostTasks({ workerIds: ["standalone"] });
  const pool = new WorkerPool({
    size: Number(options.workers) || 2,
    home: paths.home,
    reader: scheduler.eventReader(),
  });
  const processor = new DagProcessor(dagsFolder, pool, scheduler, (result) => {
    if (result.ok) {
      print(`dag file   ${result.file}: ${result.manifest.dags.map((d) => d.dagId).join(", ") || "(no DAGs)"}`, {
        kind: "dag_file",
        file: result.file,
        dags: result.manifest.dags.map((d) => d.dagId),
      });
    } else {
      print(`import error ${result.file}: ${result.error.message}`, { kind: "import_error", ...result.error });
    }
  });
  scheduler.onActivity((activity) => void describe(scheduler, activity).then((line) => print(line, { ...activity })));
  const executor = new TaskExecutor(scheduler, pool, { workerId: "standalone", logDir: paths.logs });

  const results = await processor.processAll();
  processor.watch();
  scheduler.start();
  executor.start();
  const dagCount = results.reduce((count, result) => count + (result.ok ? result.manifest.dags.length : 0), 0);
  print(
    `assetflow standalone\n  store    ${scheduler.store.location}\n  dags     ${dagsFolder} (${dagCount} DAGs, ${results.filter((r) => !r.ok).length} import errors)\n  workers  ${pool.capacity} processes\n  logs     ${paths.logs}`,
    { kind: "started", store: scheduler.store.location, dags: dagsFolder, dagCount, workers: pool.capacity },
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

  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  print("stopping", { kind: "stopping" });
  processor.close();
  await executor.stop();
  await pool.stop();
  await scheduler.close();
}

async function describe(scheduler: Scheduler, activity: SchedulerActivity): Promise<string> {
  switch (activity.kind) {
    case "run_created": {
      if (activity.runType !== "asset_triggered")
        return `run        ${activity.dagId} ${activity.runId} (${activity.runType})`;
      const run = await getDagRun(scheduler.db, activity.dagId, activity.runId);
      const uris = [...new Set(run?.consumedEvents.map((e) => e.assetUri) ?? [])];
      return `run        ${activity.dagId} ${activity.runId} (asset_triggered by ${run?.consumedEvents.length ?? 0} event(s): ${uris.join(", ")})`;
    }
    case "task_finished":
      return `task       ${activity.key.dagId}.${activity.key.taskId} try ${activity.key.tryNumber}: ${activity.state}${activity.message ? ` — ${activity.message}` : ""}`;
    case "run_finished":
      return `run done   ${activity.dagId} ${activity.runId}: ${activity.state}`;
  }
}
