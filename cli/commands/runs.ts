import type { Command } from "commander";
import { listDagRuns } from "../../scheduler/read-models.js";
import { withScheduler } from "../open.js";
import { formatTime, type OutputOptions, printTable, printValue } from "../output.js";
import { parseCount, requireDag, withJson } from "./common.js";

/** Registers `assetflow runs list`. */
export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("Inspect DAG runs");

  withJson(
    runs
      .command("list")
      .description(
        "List the runs of a DAG, oldest first: type, state, data interval, and how many asset events each consumed (--json includes the consumed events)",
      )
      .argument("<dagId>", "the DAG")
      .option("--limit <n>", "only the latest n runs")
      .option("--state <state>", "only runs in this state (queued, running, success, failed)"),
  ).action(async (dagId: string, options: OutputOptions & { limit?: string; state?: string }) => {
    const limit = parseCount(options.limit, "--limit");
    const list = await withScheduler(async (scheduler) => {
      await requireDag(scheduler.db, dagId);
      const all = await listDagRuns(scheduler.db, dagId, { limit: Number.MAX_SAFE_INTEGER });
      const filtered = options.state === undefined ? all : all.filter((run) => run.state === options.state);
      return limit === undefined ? filtered : filtered.slice(-limit);
    });
    if (options.json) return printValue(list, options);
    printTable(
      list.map((run) => ({
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
