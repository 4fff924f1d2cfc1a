import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { readTaskLogRanges, readTaskLogs } from "../../runtime/task-logs.js";
import type { TaskInstanceView as TaskInstance } from "../../scheduler/read/task-instances.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import { homePaths, withScheduler } from "../open.js";
import { formatTime, type OutputOptions, printTable, printValue } from "../output.js";
import { CliError, CliErrorCode, parseCount, requireRun, withJson } from "./common.js";

/** How often `tasks logs --follow` looks for new lines, ms. */
const FOLLOW_INTERVAL_MS = 300;
/** The most bytes `tasks logs --tail/--follow` reads per look. */
const FOLLOW_MAX_BYTES = 1024 * 1024;

/** Options of `assetflow tasks logs`. */
interface LogsOptions extends OutputOptions {
  try?: string;
  tail?: string;
  follow?: boolean;
}

/** Registers `assetflow tasks list|logs`. */
export function registerTasks(program: Command): void {
  const tasks = program.command("tasks").description("Inspect the task instances of a run and their logs");

  withJson(
    tasks
      .command("list")
      .description("List the task instances of a run: state, try, times, error")
      .argument("<dagId>", "the DAG")
      .argument("<runId>", "the run (see `assetflow runs list <dagId>`)"),
  ).action(async (dagId: string, runId: string, options: OutputOptions) => {
    const list = await withScheduler(async (scheduler) => {
      await requireRun(scheduler, dagId, runId);
      return scheduler.read.taskInstances.list(dagId, runId);
    });
    if (options.json) return printValue(list, options);
    printTable(
      list.map((ti) => ({
        task_id: ti.mapIndex >= 0 ? `${ti.taskId}[${ti.mapIndex}]` : ti.taskId,
        state: ti.state,
        try: `${ti.tryNumber}/${ti.maxTries + 1}`,
        started: formatTime(ti.startDate),
        ended: formatTime(ti.endDate),
        error: ti.error?.message ?? null,
      })),
      options,
    );
  });

  withJson(
    tasks
      .command("logs")
      .description(
        "Print the log of a task's tries in a run (all tries, or one with --try); --tail and --follow read the latest try (or --try)",
      )
      .argument("<dagId>", "the DAG")
      .argument("<runId>", "the run")
      .argument("<taskId>", "the task")
      .option("--try <n>", "only this try")
      .option("--tail <n>", "only the last N lines")
      .option("--follow", "keep printing the try's new lines until the try finishes"),
  ).action(async (dagId: string, runId: string, taskId: string, options: LogsOptions) => {
    const tryNumber = parseCount(options.try, "--try");
    const tail = parseCount(options.tail, "--tail");
    if (options.follow || tail !== undefined) {
      await withScheduler((scheduler) => followLog(scheduler, { dagId, runId, taskId }, { tryNumber, tail, options }));
      return;
    }
    const instance = await withScheduler((scheduler) => requireTaskInstance(scheduler, dagId, runId, taskId));
    const logs = readTaskLogs(homePaths().logs, {
      dagId,
      runId,
      taskId,
      ...(tryNumber === undefined ? {} : { tryNumber }),
    });
    if (tryNumber !== undefined && logs.length === 0) {
      throw new CliError(
        CliErrorCode.logNotFound,
        `Task "${taskId}" of run "${runId}" has no log for try ${tryNumber} (it is at try ${instance.tryNumber}, state ${instance.state}). Omit --try to see every try.`,
      );
    }
    if (options.json) return printValue(logs, options);
    if (logs.length === 0) {
      process.stdout.write(`(no log yet: task "${taskId}" is ${instance.state} at try ${instance.tryNumber})\n`);
      return;
    }
    for (const log of logs) {
      if (logs.length > 1 || tryNumber !== undefined) process.stdout.write(`=== try ${log.tryNumber} ===\n`);
      process.stdout.write(log.text);
    }
  });
}

async function requireTaskInstance(
  scheduler: Scheduler,
  dagId: string,
  runId: string,
  taskId: string,
): Promise<TaskInstance> {
  await requireRun(scheduler, dagId, runId);
  const instances = await scheduler.read.taskInstances.list(dagId, runId);
  const found = instances.find((ti) => ti.taskId === taskId);
  if (!found) {
    throw new CliError(
      CliErrorCode.taskNotFound,
      `Run "${runId}" of DAG "${dagId}" has no task "${taskId}" (its tasks: ${instances.map((ti) => ti.taskId).join(", ") || "none"}).`,
    );
  }
  return found;
}

/** Whether try `tryNumber` of `instance` can still write to its log (not started yet, or running). */
function tryOpen(instance: TaskInstance, tryNumber: number): boolean {
  if (instance.tryNumber > tryNumber) return false;
  return instance.state === "none" || instance.state === "queued" || instance.state === "running";
}

/**
 * `tasks logs --tail N` and `--follow`: prints the last lines (all of the
 * log, or `tail`) of one try (`--try`, else the latest), read without loading
 * the whole file; with `follow`, then prints new lines as they are written
 * until the try finishes.
 */
async function followLog(
  scheduler: Scheduler,
  key: { dagId: string; runId: string; taskId: string },
  how: { tryNumber: number | undefined; tail: number | undefined; options: LogsOptions },
): Promise<void> {
  let instance = await requireTaskInstance(scheduler, key.dagId, key.runId, key.taskId);
  const tryNumber = how.tryNumber ?? Math.max(instance.tryNumber, 1);
  const print = (text: string) => {
    if (text === "") return;
    if (how.options.json) process.stdout.write(`${JSON.stringify({ tryNumber, text })}\n`);
    else process.stdout.write(text);
  };
  const read = async (from: { offset: number } | { tail?: number }) => {
    const [range] = await readTaskLogRanges(logDirOf(), key, { tryNumber, maxBytes: FOLLOW_MAX_BYTES, ...from });
    return range;
  };
  const first = await read(how.tail === undefined ? { offset: 0 } : { tail: how.tail });
  let offset = first?.nextOffset ?? 0;
  print(first?.text ?? "");
  if (!how.options.follow) return;
  for (;;) {
    const open = tryOpen(instance, tryNumber);
    // Read until nothing is left: a log longer than one read, or the last lines written before the try ended.
    for (;;) {
      const range = await read({ offset });
      if (!range || range.nextOffset === offset) break;
      print(range.text);
      offset = range.nextOffset;
    }
    if (!open) return;
    // A timer that keeps the process alive while it follows.
    await sleep(FOLLOW_INTERVAL_MS);
    instance = await requireTaskInstance(scheduler, key.dagId, key.runId, key.taskId);
  }
}

function logDirOf(): string {
  return homePaths().logs;
}
