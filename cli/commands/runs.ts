import type { Command } from "commander";
import { RunState } from "../../scheduler/contracts.js";
import type { DagRunView } from "../../scheduler/read/runs.js";
import { withScheduler } from "../open.js";
import { formatTime, type OutputOptions, printTable, printValue } from "../output.js";
import { CliError, CliErrorCode, parseCount, requireDag, withJson } from "./common.js";

const RUN_STATES: readonly string[] = Object.values(RunState);

/** Registers `assetflow runs list`. */
export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("Inspect DAG runs");

  withJson(
    runs
      .command("list")
      .description(
        "List the runs of one or more DAGs, oldest first: type, state, data interval, and how many asset events each consumed (--json includes the consumed events)",
      )
      .argument("<dagIds...>", "the DAG (or several)")
      .option("--limit <n>", "only the latest n runs of each DAG")
      .option("--state <state>", "only runs in this state (queued, running, success, failed)"),
  ).action(async (dagIds: string[], options: OutputOptions & { limit?: string; state?: string }) => {
    const limit = parseCount(options.limit, "--limit");
    if (options.state !== undefined && !RUN_STATES.includes(options.state)) {
      throw new CliError(
        CliErrorCode.invalidOption,
        `--state must be one of ${RUN_STATES.join(", ")}, got "${options.state}".`,
      );
    }
    const list = await withScheduler(async (scheduler) => {
      const found: DagRunView[] = [];
      for (const dagId of new Set(dagIds)) {
        await requireDag(scheduler, dagId);
        // The latest runs (newest first, as the API pages them), then oldest first.
        const { items } = await scheduler.read.runs.page(dagId, {
          ...(options.state === undefined ? {} : { state: options.state as RunState }),
          limit: limit ?? Number.MAX_SAFE_INTEGER,
        });
        found.push(...items.reverse());
      }
      return found;
    });
    if (options.json) return printValue(list, options);
    const several = new Set(dagIds).size > 1;
    printTable(
      list.map((run) => ({
        ...(several ? { dag_id: run.dagId } : {}),
        run_id: run.runId,
        type: run.runType,
        state: run.state,
        events: run.consumedEvents.length,
        data_interval:
          run.dataIntervalStart === null && run.dataIntervalEnd === null
            ? null
            : `${formatTime(run.dataIntervalStart)} → ${formatTime(run.dataIntervalEnd)}`,
        created: formatTime(run.createdAt),
        ended: formatTime(run.endDate),
      })),
      options,
    );
  });
}
