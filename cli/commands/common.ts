/**
 * Helpers the commands share: input parsing that fails with a clear message,
 * lookups that fail with "not found" errors, the stop signal of long-running
 * commands, and one-line descriptions of scheduler activity.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { TaskInstanceKey } from "../../scheduler/contracts.js";
import { dagWarningsOf } from "../../scheduler/engine/dag-warnings.js";
import type { Scheduler, SchedulerActivity } from "../../scheduler/scheduler.js";
import { AssetflowError } from "../../sdk/errors.js";
import { describeNonJson, findNonJsonValueAt, type JsonObject } from "../../sdk/json.js";
import type { ConditionNode, Manifest, ScheduleManifest } from "../../sdk/manifest/schema.js";
import { toJsonOutput } from "../output.js";

/** A bad command-line input or a lookup that found nothing; exit code 1. */
export class CliError extends AssetflowError {}

/** Stable codes of {@link CliError}. */
export const CliErrorCode = {
  invalidJson: "INVALID_JSON",
  invalidOption: "INVALID_OPTION",
  dagNotFound: "DAG_NOT_FOUND",
  runNotFound: "RUN_NOT_FOUND",
  taskNotFound: "TASK_NOT_FOUND",
  assetNotFound: "ASSET_NOT_FOUND",
  assetAmbiguous: "ASSET_AMBIGUOUS",
  logNotFound: "LOG_NOT_FOUND",
  dagsFolderNotFound: "DAGS_FOLDER_NOT_FOUND",
} as const;

/** Adds `--json` to a command. */
export function withJson(command: Command): Command {
  return command.option("--json", "print JSON (for scripts) instead of a table");
}

/**
 * Parses the JSON object given to an option such as `--conf` or `--extra`.
 *
 * @example
 * ```ts
 * parseJsonObject('{"day": "2025-01-01"}', "--conf"); // { day: "2025-01-01" }
 * ```
 */
export function parseJsonObject(text: string | undefined, option: string): JsonObject | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      CliErrorCode.invalidJson,
      `${option} is not valid JSON (${(error as Error).message}). Pass a JSON object, for example ${option} '{"key": "value"}'.`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(
      CliErrorCode.invalidJson,
      `${option} must be a JSON object, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}. Pass for example ${option} '{"key": "value"}'.`,
    );
  }
  // Kept exactly or refused: 1e400 would be stored as null, a lone surrogate as U+FFFD.
  const found = findNonJsonValueAt(value);
  if (found !== undefined) {
    throw new CliError(
      CliErrorCode.invalidJson,
      `${option} cannot be stored exactly: key "${found.path}" holds ${describeNonJson(found.value)}.`,
    );
  }
  return value as JsonObject;
}

/**
 * Parses a whole number option (`--limit 10`), at least `min`.
 *
 * @example
 * ```ts
 * parseCount("4", "--concurrency", 1); // 4
 * ```
 */
export function parseCount(text: string | undefined, option: string, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new CliError(
      CliErrorCode.invalidOption,
      `${option} must be a whole number >= ${min}, got "${text}". For example ${option} ${Math.max(min, 1)}.`,
    );
  }
  return value;
}

/** The registered DAG, or a "DAG not found" error that says how to list DAGs. */
export async function requireDag(scheduler: Scheduler, dagId: string) {
  const dag = await scheduler.read.dags.get(dagId);
  if (!dag) {
    throw new CliError(
      CliErrorCode.dagNotFound,
      `No DAG "${dagId}" is registered. List DAGs with \`assetflow dags list\` (and import errors with \`assetflow dags errors\`).`,
    );
  }
  return dag;
}

/** The run `runId` of `dagId`, or a "run not found" error. */
export async function requireRun(scheduler: Scheduler, dagId: string, runId: string) {
  await requireDag(scheduler, dagId);
  const run = await scheduler.read.runs.get(dagId, runId);
  if (!run) {
    throw new CliError(
      CliErrorCode.runNotFound,
      `DAG "${dagId}" has no run "${runId}". List its runs with \`assetflow runs list ${dagId}\`.`,
    );
  }
  return run;
}

/** The absolute path of the `--dags` folder (or file), or an error when it does not exist. */
export function requireDagsFolder(path: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new CliError(
      CliErrorCode.dagsFolderNotFound,
      `The DAG folder ${absolute} does not exist. Pass the folder (or file) of your DAG files with --dags <dir>.`,
    );
  }
  return absolute;
}

/** Resolves when the process gets SIGINT or SIGTERM; tells which. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveStop) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolveStop(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Resolves after `ms` without keeping the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms).unref());
}

/** A condition as people write it: `a & (b | c)`. */
export function formatCondition(node: ConditionNode, nested = false): string {
  switch (node.kind) {
    case "asset":
      return node.uri === node.name ? node.uri : `${node.name} (${node.uri})`;
    case "alias":
      return `alias ${node.name}`;
    case "ref":
      return "name" in node ? `name ${node.name}` : `uri ${node.uri}`;
    case "pattern":
      return `pattern ${node.pattern}`;
    case "all":
    case "any": {
      const text = node.conditions
        .map((child) => formatCondition(child, true))
        .join(node.kind === "all" ? " & " : " | ");
      return nested && node.conditions.length > 1 ? `(${text})` : text;
    }
  }
}

/** A schedule in one short line: `none`, `cron 0 * * * * UTC`, `assets: a & b`, ... */
export function formatSchedule(schedule: ScheduleManifest): string {
  switch (schedule.kind) {
    case "none":
    case "once":
      return schedule.kind;
    case "cron":
      return `cron ${schedule.expression} ${schedule.timezone}`;
    case "cronTrigger":
      return `cron-trigger ${schedule.expression} ${schedule.timezone}`;
    case "assets":
      return `assets: ${formatCondition(schedule.condition)}`;
    case "assetOrTime": {
      const time = `${schedule.timetable.kind === "cron" ? "cron" : "cron-trigger"} ${schedule.timetable.expression} ${schedule.timetable.timezone}`;
      return `assets: ${formatCondition(schedule.condition)} | ${time}`;
    }
  }
}

/**
 * One line describing scheduler activity, for `standalone`, `scheduler` and
 * `worker` output. An asset-triggered run is described with the events it
 * consumed, read from the store: this rejects when the store cannot be read
 * (fall back to {@link describeActivityPlainly}).
 */
export async function describeActivity(scheduler: Scheduler, activity: SchedulerActivity): Promise<string> {
  if (activity.kind === "run_created" && activity.runType === "asset_triggered") {
    const run = await scheduler.read.runs.get(activity.dagId, activity.runId);
    const uris = [...new Set(run?.consumedEvents.map((e) => e.assetUri) ?? [])];
    return `run        ${activity.dagId} ${activity.runId} (asset_triggered by ${run?.consumedEvents.length ?? 0} event(s): ${uris.join(", ")})`;
  }
  return describeActivityPlainly(activity);
}

/** One line describing scheduler activity without reading the store. */
export function describeActivityPlainly(activity: SchedulerActivity): string {
  switch (activity.kind) {
    case "run_created":
      return `run        ${activity.dagId} ${activity.runId} (${activity.runType})`;
    case "task_finished":
      return `task       ${activity.key.dagId}.${activity.key.taskId} try ${activity.key.tryNumber}: ${activity.state}${activity.message ? ` — ${activity.message}` : ""}`;
    case "run_finished":
      return `run done   ${activity.dagId} ${activity.runId}: ${activity.state}`;
    case "task_warning":
      return `warning    ${activity.key.dagId}.${activity.key.taskId} try ${activity.key.tryNumber}: ${activity.message}`;
  }
}

/** The line printed when a try is failed because its worker was gone. */
export function lostTryLine(key: TaskInstanceKey, why: "heartbeat" | "restart"): string {
  const reason = why === "heartbeat" ? "its worker sent no heartbeat" : "its worker process is gone";
  return `lost try   ${key.dagId}.${key.taskId} try ${key.tryNumber}: ${reason}; failed (and retried per its settings)`;
}

/**
 * Prints log entries either as text, each stamped with its ISO time (the
 * lines of a several-line entry after the first are indented under it), or as
 * JSON lines with a `time` field.
 *
 * @example
 * ```ts
 * const print = createPrinter(false);
 * print("run        report r1 (manual)", { kind: "run_created" }); // 2025-01-01T15:28:00.000Z run        report r1 (manual)
 * ```
 */
export function createPrinter(json: boolean | undefined, now: () => number = Date.now) {
  return (line: string, data: Record<string, unknown>) => {
    const time = new Date(now()).toISOString();
    process.stdout.write(json ? `${JSON.stringify(toJsonOutput({ time, ...data }))}\n` : `${stampLines(time, line)}\n`);
  };
}

/**
 * Prints a `dag_warning` entry for each DAG of a loaded file that is scheduled
 * on its own outlet, so the running scheduler says so where its log is read
 * (the warning is also stored: `assetflow dags errors`, `GET /api/v1/dagWarnings`).
 */
export function printDagWarnings(print: ReturnType<typeof createPrinter>, manifest: Manifest): void {
  for (const dag of manifest.dags) {
    for (const warning of dagWarningsOf(dag)) {
      print(`dag warning ${warning.dagId}: ${warning.message}`, { kind: "dag_warning", ...warning });
    }
  }
}

/** `text` with `time` before its first line and the others indented to match. */
export function stampLines(time: string, text: string): string {
  const indent = " ".repeat(time.length + 1);
  return text
    .split("\n")
    .map((line, index) => (index === 0 ? `${time} ${line}` : `${indent}${line}`))
    .join("\n");
}
