import type { Command } from "commander";
import { readTaskLogs } from "../../runtime/task-logs.js";
import { homePaths, withScheduler } from "../open.js";
import { formatTime, type OutputOptions, printTable, printValue } from "../output.js";
import { CliError, CliErrorCode, parseCount, requireRun, withJson } from "./common.js";

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
      .description("Print the log of a task's tries in a run (all tries, or one with --try)")
      .argument("<dagId>", "the DAG")
      .argument("<runId>", "the run")
      .argument("<taskId>", "the task")
      .option("--try <n>", "only this try"),
  ).action(async (dagId: string, runId: string, taskId: string, options: OutputOptions & { try?: string }) => {
    const tryNumber = parseCount(options.try, "--try");
    const instance = await withScheduler(async (scheduler) => {
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
    });
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
