import type { Command } from "commander";
import { DEFAULT_HEARTBEAT_MS } from "../../runtime/task-executor.js";
import {
  CliError,
  CliErrorCode,
  createPrinter,
  lostTryLine,
  parseCount,
  printDagWarnings,
  requireDagsFolder,
  stopSignal,
} from "./common.js";

/** Worker heartbeats a try may miss before a scheduler presumes its worker dead. */
const MISSED_HEARTBEATS = 3;
/** The smallest `--lost-after`, seconds: {@link MISSED_HEARTBEATS} worker heartbeats. */
export const MIN_LOST_AFTER_S = (MISSED_HEARTBEATS * DEFAULT_HEARTBEAT_MS) / 1000;
/** The default `--lost-after`, seconds. */
export const DEFAULT_LOST_AFTER_S = 60;

/** Options of `assetflow scheduler`. */
export interface SchedulerCommandOptions {
  dags: string;
  lostAfter: string;
  json?: boolean;
}

/** Registers `assetflow scheduler`. */
export function registerScheduler(program: Command): void {
  program
    .command("scheduler")
    .description(
      "Run the scheduler: load and watch DAG files, create time-based and asset-triggered runs, retry tries of dead workers. Runs no tasks: start `assetflow worker` for that.",
    )
    .requiredOption("--dags <dir>", "folder (or file) of DAG files")
    .option(
      "--lost-after <seconds>",
      `fail (and retry) a running try whose worker sent no heartbeat for this long (at least ${MIN_LOST_AFTER_S}: workers heartbeat every ${DEFAULT_HEARTBEAT_MS / 1000} s)`,
      String(DEFAULT_LOST_AFTER_S),
    )
    .option("--json", "print activity as JSON lines")
    .action(async (options: SchedulerCommandOptions) => {
      await runScheduler(options);
    });
}

/** Runs the scheduler until SIGINT/SIGTERM. */
export async function runScheduler(options: SchedulerCommandOptions): Promise<void> {
  const lostAfterMs = parseLostAfter(options.lostAfter) * 1000;
  const dagsFolder = requireDagsFolder(options.dags);
  const print = createPrinter(options.json);
  const { startServices } = await import("../services.js");
  const services = await startServices({
    schedule: {
      dagsFolder,
      lostAfterMs,
      onDagFile: (result) => {
        if (result.ok) {
          const dags = result.manifest.dags.map((d) => d.dagId);
          print(`dag file   ${result.file}: ${dags.join(", ") || "(no DAGs)"}`, {
            kind: "dag_file",
            file: result.file,
            dags,
          });
          printDagWarnings(print, result.manifest);
        } else {
          print(`import error ${result.file}: ${result.error.message}`, { kind: "import_error", ...result.error });
        }
      },
    },
    onActivity: (line, activity) => print(line, { ...activity }),
    onLostTry: (key, why) => print(lostTryLine(key, why), { kind: "lost_try", key, why }),
  });
  const { scheduler, results } = services;
  services.processor?.watch();
  services.start();
  const dagCount = results.reduce((count, result) => count + (result.ok ? result.manifest.dags.length : 0), 0);
  const importErrors = results.filter((r) => !r.ok).length;
  print(
    `assetflow scheduler\n  store    ${scheduler.store.location}\n  dags     ${dagsFolder} (${dagCount} DAGs, ${importErrors} import errors)\n  tasks    run by \`assetflow worker\` processes on the same store`,
    { kind: "started", store: scheduler.store.location, dags: dagsFolder, dagCount, importErrors },
  );

  await stopSignal();
  print("stopping", { kind: "stopping" });
  await services.stop(0);
}

/**
 * Parses `--lost-after` (seconds). Below {@link MIN_LOST_AFTER_S} a try whose
 * worker is alive but has not heartbeat yet would be failed and run twice.
 *
 * @example
 * ```ts
 * parseLostAfter("60"); // 60
 * parseLostAfter("2"); // throws: --lost-after must be at least 15 seconds ...
 * ```
 */
export function parseLostAfter(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LOST_AFTER_S;
  const seconds = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (seconds < MIN_LOST_AFTER_S) {
    const heartbeatS = DEFAULT_HEARTBEAT_MS / 1000;
    throw new CliError(
      CliErrorCode.invalidOption,
      `--lost-after must be at least ${MIN_LOST_AFTER_S} seconds (${MISSED_HEARTBEATS} worker heartbeats of ${heartbeatS} s), got ${seconds}: a try whose worker is alive but between heartbeats would be failed and run again. Pass --lost-after ${MIN_LOST_AFTER_S} or more (default ${DEFAULT_LOST_AFTER_S}).`,
    );
  }
  // Anything but a whole number: the usual message.
  return parseCount(text, "--lost-after", MIN_LOST_AFTER_S) ?? DEFAULT_LOST_AFTER_S;
}
