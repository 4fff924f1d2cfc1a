import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Command } from "commander";
import type { ImportError } from "../../runtime/dag-files.js";
import type { AnyAsset, Dag } from "../../sdk/index.js";
import type { JsonObject } from "../../sdk/json.js";
import type { ScheduleManifest } from "../../sdk/manifest/schema.js";
import { withScheduler } from "../open.js";
import { ExitCode, formatTime, type OutputOptions, printTable, printValue } from "../output.js";
import {
  CliError,
  CliErrorCode,
  formatCondition,
  formatSchedule,
  parseJsonObject,
  requireDagsFolder,
  withJson,
} from "./common.js";

/** A row of `assetflow dags list --json`. */
export interface DagListRow {
  readonly dagId: string;
  readonly paused: boolean;
  readonly active: boolean;
  /** `none`, `once`, `cron`, `cronTrigger`, `assets` or `assetOrTime`. */
  readonly scheduleKind: ScheduleManifest["kind"];
  /** The schedule in one line, e.g. `assets: s3://a & s3://b`. */
  readonly schedule: string;
  readonly file: string | null;
  /** When the next time-based run is due (epoch ms; an ISO 8601 string in `--json`), or null. */
  readonly nextRunAt: number | null;
  readonly tasks: string[];
}

/** Registers `assetflow dags list|trigger|pause|unpause|errors|test`. */
export function registerDags(program: Command): void {
  const dags = program.command("dags").description("List, trigger, pause and test DAGs");

  withJson(
    dags
      .command("list")
      .description("List registered DAGs: id, paused, schedule, file, next time-based run")
      .option("--all", "include DAGs whose file no longer defines them (inactive)"),
  ).action(async (options: OutputOptions & { all?: boolean }) => {
    const rows = await withScheduler(async (scheduler) => {
      // The read layer's DAG overview, the one `GET /api/v1/dags` pages.
      const { items } = await scheduler.read.dags.overview({
        onlyActive: !options.all,
        limit: Number.MAX_SAFE_INTEGER,
      });
      return items.map(
        (dag): DagListRow => ({
          dagId: dag.dagId,
          paused: dag.isPaused,
          active: dag.isActive,
          scheduleKind: dag.schedule.kind,
          schedule: formatSchedule(dag.schedule),
          file: dag.fileloc,
          nextRunAt: dag.nextRunAt,
          tasks: dag.tasks.map((t) => t.taskId),
        }),
      );
    });
    if (options.json) return printValue(rows, options);
    printTable(
      rows.map((row) => ({
        dag_id: row.dagId,
        paused: row.paused ? "yes" : "no",
        ...(options.all ? { active: row.active ? "yes" : "no" } : {}),
        schedule: row.schedule,
        file: row.file === null ? null : relative(process.cwd(), row.file) || row.file,
        next_run: formatTime(row.nextRunAt),
      })),
      options,
    );
  });

  withJson(
    dags
      .command("trigger")
      .description("Create a manual run of a DAG")
      .argument("<dagId>", "the DAG to run")
      .option("--conf <json>", 'the run\'s conf, a JSON object, e.g. \'{"day": "2025-01-01"}\'')
      .option("--run-id <id>", "the run id (default: manual__<time>_<random>)"),
  ).action(async (dagId: string, options: OutputOptions & { conf?: string; runId?: string }) => {
    const conf = parseJsonObject(options.conf, "--conf") ?? {};
    const result = await withScheduler(async (scheduler) => {
      const runId = await scheduler.triggerDag(dagId, { conf, ...(options.runId ? { runId: options.runId } : {}) });
      return { dagId, runId, conf };
    });
    printValue(result, options, () => `triggered ${dagId}: run ${result.runId}`);
  });

  for (const paused of [true, false]) {
    const name = paused ? "pause" : "unpause";
    withJson(
      dags
        .command(name)
        .description(
          paused
            ? "Pause a DAG: no new runs start; asset events keep queuing for it"
            : "Unpause a DAG; its queued asset events are evaluated at once",
        )
        .argument("<dagId>", `the DAG to ${name}`),
    ).action(async (dagId: string, options: OutputOptions) => {
      const runs = await withScheduler(async (scheduler) => {
        const created: string[] = [];
        scheduler.onActivity((activity) => {
          if (activity.kind === "run_created" && activity.dagId === dagId) created.push(activity.runId);
        });
        if (paused) await scheduler.pauseDag(dagId);
        else await scheduler.unpauseDag(dagId);
        return created;
      });
      printValue(
        { dagId, paused, runs },
        options,
        () => `${paused ? "paused" : "unpaused"} ${dagId}${runs.length > 0 ? `; created run ${runs.join(", ")}` : ""}`,
      );
    });
  }

  withJson(
    dags
      .command("errors")
      .description(
        "List DAG files that failed to load, with the reason, then DAG warnings (a DAG scheduled on its own outlet); exit code 1 when there is any import error (warnings alone exit 0). With --json, one array: import errors ({ file, message, createdAt }) then warnings ({ dagId, warningType, message, createdAt })",
      ),
  ).action(async (options: OutputOptions) => {
    const [errors, warnings] = await withScheduler(async (scheduler) => [
      await scheduler.listImportErrors(),
      (await scheduler.read.dagWarnings.list({ limit: 100_000 })).items,
    ]);
    // Like a linter: a script or CI step can fail on `assetflow dags errors`.
    // A warning alone does not fail it: a DAG may mean to trigger itself.
    if (errors.length > 0) process.exitCode = ExitCode.failure;
    if (options.json) return printValue([...errors, ...warnings], options);
    if (errors.length > 0 || warnings.length === 0) {
      printTable(
        errors.map((error) => ({
          file: relative(process.cwd(), error.file) || error.file,
          error: error.message,
          at: formatTime(error.createdAt),
        })),
        options,
      );
    }
    if (warnings.length > 0) {
      process.stdout.write(`${errors.length > 0 ? "\n" : ""}DAG warnings:\n`);
      printTable(
        warnings.map((warning) => ({
          dag: warning.dagId,
          type: warning.warningType,
          warning: warning.message,
          at: formatTime(warning.createdAt),
        })),
        options,
      );
    }
  });

  withJson(
    dags
      .command("test")
      .description(
        "Load the DAG files of a folder in this process and run a DAG once to completion on a temporary store (nothing is written to $ASSETFLOW_HOME); print each task's log and the asset events it emitted. With --event, the run is the one those events trigger. Exit code 1 when the run fails.",
      )
      .argument("<dagId>", "the DAG to run")
      .requiredOption("--dags <dir>", "folder (or file) of DAG files")
      .option("--conf <json>", "the run's conf, a JSON object (manual runs)")
      .option(
        "--event <uri=json>",
        'an asset event to feed the DAG before it runs, as <uri>=\'{"key": "value"}\' (or <uri> for an empty extra); repeat it for several events. An asset-scheduled DAG then runs as those events trigger it; another DAG runs manually and reads them through inletEvents',
        (value: string, previous: string[] = []) => [...previous, value],
      ),
  ).action(async (dagId: string, options: OutputOptions & { dags: string; conf?: string; event?: string[] }) => {
    const conf = parseJsonObject(options.conf, "--conf") ?? {};
    const events = (options.event ?? []).map(parseEventOption);
    const result = await testDag(dagId, requireDagsFolder(options.dags), conf, events);
    if (options.json) printValue(result, options);
    else printTestResult(result);
    if (result.state !== "success") process.exitCode = 1;
  });
}

/** An event given to `assetflow dags test --event`. */
export interface GivenEvent {
  readonly uri: string;
  readonly extra: JsonObject;
}

/**
 * Parses `--event <uri>='{"json"}'` (the extra is optional: `--event <uri>`).
 *
 * @example
 * ```ts
 * parseEventOption('s3://b/k={"rowCount": 3}'); // { uri: "s3://b/k", extra: { rowCount: 3 } }
 * ```
 */
export function parseEventOption(text: string): GivenEvent {
  const split = text.indexOf("={");
  if (split < 0) {
    if (text.trim() === "" || text.endsWith("=")) {
      throw new CliError(
        CliErrorCode.invalidOption,
        `--event needs an asset URI and, if any, its extra as JSON: --event 's3://bucket/key={"rowCount": 3}', got "${text}".`,
      );
    }
    return { uri: text, extra: {} };
  }
  const uri = text.slice(0, split);
  return { uri, extra: parseJsonObject(text.slice(split + 1), `--event ${uri}=...`) ?? {} };
}

/** An asset event as `assetflow dags test` reports it. */
export interface DagTestEvent {
  readonly uri: string;
  readonly name: string;
  readonly extra: JsonObject;
  /** The aliases it was added through. */
  readonly aliases: readonly string[];
}

/** What `assetflow dags test` reports. */
export interface DagTestResult {
  readonly dagId: string;
  readonly runId: string;
  /** `manual`, or `asset_triggered` when `--event` triggered the run. */
  readonly runType: string;
  readonly state: string;
  /** The events fed with `--event`, as recorded. */
  readonly givenEvents: readonly DagTestEvent[];
  readonly tasks: Array<{
    readonly taskId: string;
    readonly mapIndex: number;
    readonly state: string;
    readonly tryNumber: number;
    readonly error: { message: string; code?: string } | null;
    readonly result: unknown;
    readonly logs: Array<{ tryNumber: number; lines: string[] }>;
    /** The asset events its successful try emitted, with their extras. */
    readonly events: readonly DagTestEvent[];
  }>;
}

async function testDag(
  dagId: string,
  folder: string,
  conf: JsonObject,
  given: readonly GivenEvent[],
): Promise<DagTestResult> {
  // Loaded here, not at start-up, so that short commands stay fast.
  const [{ DagFileLoader, listDagFiles }, { createTestEnvironment }, sdk] = await Promise.all([
    import("../../runtime/dag-files.js"),
    import("../../testing/index.js"),
    import("../../sdk/index.js"),
  ]);
  // Errors thrown by the DAG code name the user's files, not the bundles.
  process.setSourceMapsEnabled(true);
  const files = listDagFiles(folder);
  if (files.length === 0) {
    throw new CliError(
      CliErrorCode.dagNotFound,
      `No DAG files in ${folder}. Pass the folder (or file) of your DAG files with --dags <dir>.`,
    );
  }
  const work = mkdtempSync(join(tmpdir(), "assetflow-dags-test-"));
  try {
    const loader = new DagFileLoader(join(work, "bundles"));
    const importErrors: ImportError[] = [];
    const found: string[] = [];
    let target: Dag | undefined;
    for (const file of files) {
      const loaded = await loader.load(file);
      if (!loaded.ok) {
        importErrors.push(loaded.error);
        continue;
      }
      for (const dag of loaded.dags) {
        found.push(dag.dagId);
        if (dag.dagId === dagId) target = dag;
      }
    }
    if (!target) {
      const errors = importErrors.map((e) => `${relative(process.cwd(), e.file) || e.file}: ${e.message}`);
      throw new CliError(
        CliErrorCode.dagNotFound,
        `No DAG "${dagId}" in ${folder} (it defines: ${found.sort().join(", ") || "no DAGs"})${errors.length > 0 ? `; files that failed to load: ${errors.join("; ")}` : ""}.`,
      );
    }
    const env = await createTestEnvironment({ dags: [target], start: Date.now() });
    try {
      const dag = target;
      const givenEvents: DagTestEvent[] = [];
      const assetScheduled = dag.settings.schedule.kind === "assets" || dag.settings.schedule.kind === "assetOrTime";
      // Paused while the events are recorded, so that one run consumes all of them when it is unpaused.
      if (given.length > 0) await env.pauseDag(dagId);
      for (const event of given) {
        const uri = sdk.sanitizeUri(event.uri).uri;
        // The asset as the DAG declares it (with its schema), else by URI.
        const declared = [...dag.settings.scheduleAssets, ...[...dag.tasks.values()].flatMap((t) => t.inlets)].find(
          (item): item is AnyAsset => sdk.isAsset(item) && item.uri === uri,
        );
        if (declared) await sdk.checkExtra(declared, event.extra, "given to `assetflow dags test --event`");
        if (declared) await env.emitAssetEvent(declared, { extra: event.extra });
        else await env.emitAssetEvent({ uri }, { extra: event.extra });
        givenEvents.push({ uri, name: declared?.name ?? uri, extra: event.extra, aliases: [] });
      }
      if (given.length > 0) await env.unpauseDag(dagId);
      let runId: string;
      if (given.length > 0 && assetScheduled) {
        const first = (await env.getDagRuns(dagId)).find((candidate) => candidate.runType === "asset_triggered")?.runId;
        if (first === undefined) {
          const schedule = dag.settings.schedule;
          const condition = schedule.kind === "assets" || schedule.kind === "assetOrTime" ? schedule.condition : null;
          throw new CliError(
            CliErrorCode.invalidOption,
            `The events given do not trigger DAG "${dagId}": it is scheduled on ${condition ? formatCondition(condition) : "no assets"}. Pass an --event for each asset the condition needs.`,
          );
        }
        runId = first;
      } else {
        runId = await env.triggerDag(dagId, { conf });
      }
      let run = (await env.getDagRuns(dagId)).find((r) => r.runId === runId);
      while (run && run.state !== "success" && run.state !== "failed") {
        await env.runUntilIdle();
        run = (await env.getDagRuns(dagId)).find((r) => r.runId === runId);
        if (!run || run.state === "success" || run.state === "failed") break;
        // Only retries wait for time here: move the clock to the next one.
        const retryAt = await env.scheduler.read.taskInstances.nextRetryAt(dagId, runId);
        if (retryAt === null) break;
        env.clock.set(Math.max(retryAt, env.clock.now()));
      }
      const logs = env.getTaskLogs(dagId).filter((log) => log.runId === runId);
      const tasks = (await env.getTaskInstances(dagId, runId)).map((ti) => ({
        taskId: ti.taskId,
        mapIndex: ti.mapIndex,
        state: ti.state,
        tryNumber: ti.tryNumber,
        error: ti.error,
        result: ti.result ?? null,
        logs: logs
          .filter((log) => log.taskId === ti.taskId)
          .map((log) => ({ tryNumber: log.tryNumber, lines: log.lines })),
        events: logs
          .filter((log) => log.taskId === ti.taskId)
          .flatMap((log) => (log.outcome.state === "success" ? log.outcome.events : []))
          .map((event) => ({
            uri: event.asset.uri,
            name: event.asset.name,
            extra: event.extra,
            aliases: [...event.aliases],
          })),
      }));
      return { dagId, runId, runType: run?.runType ?? "manual", state: run?.state ?? "failed", givenEvents, tasks };
    } finally {
      await env.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function printTestResult(result: DagTestResult): void {
  const width = Math.max(...result.tasks.map((t) => t.taskId.length), 4);
  const lines = [`dags test ${result.dagId} (${result.runType} run ${result.runId}): ${result.state}`];
  for (const event of result.givenEvents) lines.push(`  given    ${describeEvent(event)}`);
  for (const task of result.tasks) {
    lines.push(
      `  ${task.taskId.padEnd(width)}  ${task.state}${task.tryNumber > 1 ? ` (try ${task.tryNumber})` : ""}${task.error ? ` — ${task.error.message}` : ""}`,
    );
    for (const log of task.logs) {
      for (const line of log.lines) lines.push(`      ${task.logs.length > 1 ? `[try ${log.tryNumber}] ` : ""}${line}`);
    }
    for (const event of task.events) lines.push(`      emitted ${describeEvent(event)}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

function describeEvent(event: DagTestEvent): string {
  const asset = event.name === event.uri ? event.uri : `${event.name} (${event.uri})`;
  const aliases =
    event.aliases.length > 0 ? ` through ${event.aliases.map((alias) => `alias ${alias}`).join(", ")}` : "";
  return `${asset}${aliases} ${JSON.stringify(event.extra)}`;
}
