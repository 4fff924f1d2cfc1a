import type { Command } from "commander";
import type { AssetEventRecord } from "../../scheduler/contracts.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import type { JsonObject } from "../../sdk/json.js";
import { sanitizeUri } from "../../sdk/uri/sanitize.js";
import { withScheduler } from "../open.js";
import { formatTime, type OutputOptions, printTable, printValue } from "../output.js";
import { CliError, CliErrorCode, parseCount, parseJsonObject, requireDag, withJson } from "./common.js";

/** A row of `assetflow assets list --json`. */
export interface AssetListRow {
  readonly name: string;
  readonly uri: string;
  readonly group: string;
  readonly extra: JsonObject;
  readonly eventCount: number;
  /** Epoch ms of the latest event, or null. */
  readonly lastEventAt: number | null;
  /** `dagId.taskId` of active tasks that declare it as outlet (directly or through an alias that resolved to it). */
  readonly producers: string[];
  /** Active DAGs whose schedule depends on it (directly, through an alias, or by name or URI). */
  readonly consumers: string[];
}

/** What `assetflow assets emit --json` prints. */
export interface EmitResult {
  readonly eventId: number;
  readonly asset: { readonly name: string; readonly uri: string };
  readonly extra: JsonObject;
  /** The runs the event created at once. */
  readonly runs: Array<{ readonly dagId: string; readonly runId: string }>;
  /** True when `--idempotency-key` had already recorded this event: nothing was recorded now. */
  readonly replayed: boolean;
}

/** Registers `assetflow assets list|events|emit|materialize|queued`. */
export function registerAssets(program: Command): void {
  const assets = program.command("assets").description("List assets, their events and queued events; emit events");

  withJson(
    assets.command("list").description("List known assets with their producers, consumers and latest event"),
  ).action(async (options: OutputOptions) => {
    const rows = await withScheduler((scheduler) => listAssets(scheduler));
    if (options.json) return printValue(rows, options);
    printTable(
      rows.map((row) => ({
        name: row.name === row.uri ? null : row.name,
        uri: row.uri,
        events: row.eventCount,
        last_event: formatTime(row.lastEventAt),
        producers: row.producers.join(", "),
        consumers: row.consumers.join(", "),
      })),
      options,
    );
  });

  withJson(
    assets
      .command("events")
      .description("List the latest events of an asset, oldest first")
      .argument("<uri>", "the asset's URI")
      .option("--name <name>", "only the asset of this name (several assets may share a URI)")
      .option("--limit <n>", "how many of the latest events", "20"),
  ).action(async (uri: string, options: OutputOptions & { name?: string; limit: string }) => {
    const limit = parseCount(options.limit, "--limit") ?? 20;
    const events = await withScheduler(async (scheduler) => {
      const matches = await findAssets(scheduler, uri, options.name, { allowMany: true });
      const all: AssetEventRecord[] = [];
      for (const asset of matches) {
        const subject = { kind: "asset" as const, name: asset.name, uri: asset.uri };
        const count = await scheduler.eventReader().countEvents(subject);
        all.push(...(await scheduler.listEvents(subject, { offset: Math.max(0, count - limit), limit })));
      }
      return all.sort((a, b) => a.timestamp - b.timestamp || a.id - b.id).slice(-limit);
    });
    if (options.json) return printValue(events, options);
    printTable(
      events.map((event) => ({
        id: event.id,
        asset: event.assetName === event.assetUri ? event.assetUri : `${event.assetName} (${event.assetUri})`,
        timestamp: formatTime(event.timestamp),
        source:
          event.sourceDagId === null ? "external" : `${event.sourceDagId}.${event.sourceTaskId} ${event.sourceRunId}`,
        aliases: event.sourceAliases.join(", "),
        extra: event.extra,
      })),
      options,
    );
  });

  withJson(
    assets
      .command("emit")
      .description("Record an asset event from outside (as a producer task would); prints the runs it created")
      .argument("<uri>", "the asset's URI (the asset must be declared by a registered DAG)")
      .option("--name <name>", "the asset's name, when several assets share the URI")
      .option("--extra <json>", "the event's extra, a JSON object")
      .option(
        "--idempotency-key <key>",
        "record the event once per key: running the command again with the same key records nothing and prints the event first recorded (safe retries)",
      ),
  ).action(async (uri: string, options: OutputOptions & { name?: string; extra?: string; idempotencyKey?: string }) => {
    const extra = parseJsonObject(options.extra, "--extra") ?? {};
    const result = await withScheduler((scheduler) =>
      emit(scheduler, uri, options.name, extra, options.idempotencyKey),
    );
    printValue(result, options, () =>
      result.replayed
        ? `event ${result.eventId} for ${result.asset.uri} was already recorded with this idempotency key: nothing recorded now`
        : [
            `recorded event ${result.eventId} for ${result.asset.uri}`,
            ...(result.runs.length === 0
              ? ["no run created (consumers wait for more events, are paused, or none exist)"]
              : result.runs.map((run) => `created run ${run.dagId} ${run.runId}`)),
          ].join("\n"),
    );
  });

  withJson(
    assets
      .command("materialize")
      .description("Start a run of the DAG that produces an asset (such as the DAG asset() defines)")
      .argument("<uri>", "the asset's URI")
      .option("--name <name>", "the asset's name, when several assets share the URI")
      .option("--dag <dagId>", "the producing DAG to run, when several DAGs produce the asset")
      .option("--conf <json>", "the run's conf, a JSON object"),
  ).action(async (uri: string, options: OutputOptions & { name?: string; dag?: string; conf?: string }) => {
    const conf = parseJsonObject(options.conf, "--conf");
    const { materializeAsset } = await import("../../scheduler/materialize.js");
    const result = await withScheduler((scheduler) =>
      materializeAsset(scheduler, {
        uri,
        sanitizedUri: trySanitize(uri),
        name: options.name,
        dagId: options.dag,
        conf,
      }),
    );
    printValue(
      result,
      options,
      () =>
        `created run ${result.dagId} ${result.runId} to materialize ${result.asset.uri} (${result.taskIds.join(", ")})`,
    );
  });

  withJson(
    assets
      .command("queued")
      .description("List queued asset events: events a consumer received but has not run for yet")
      .option("--dag <dagId>", "only this consumer")
      .option("--uri <uri>", "only this asset URI"),
  ).action(async (options: OutputOptions & { dag?: string; uri?: string }) => {
    const queued = await withScheduler(async (scheduler) => {
      if (options.dag !== undefined) await requireDag(scheduler, options.dag);
      return scheduler.read.queuedEvents.list({
        ...(options.dag === undefined ? {} : { dagId: options.dag }),
        ...(options.uri === undefined ? {} : { uri: options.uri }),
      });
    });
    if (options.json) return printValue(queued, options);
    printTable(
      queued.map((row) => ({
        dag_id: row.dagId,
        asset: row.assetName === row.uri ? row.uri : `${row.assetName} (${row.uri})`,
        events: row.count,
        since: formatTime(row.createdAt),
      })),
      options,
    );
  });
}

async function emit(
  scheduler: Scheduler,
  uri: string,
  name: string | undefined,
  extra: JsonObject,
  idempotencyKey: string | undefined,
) {
  const [asset] = await findAssets(scheduler, uri, name);
  if (!asset) throw new Error("unreachable: findAssets returns at least one asset");
  const runs: Array<{ dagId: string; runId: string }> = [];
  const unsubscribe = scheduler.onActivity((activity) => {
    if (activity.kind === "run_created") runs.push({ dagId: activity.dagId, runId: activity.runId });
  });
  try {
    const recorded = await scheduler.recordExternalEvent(
      { name: asset.name, uri: asset.uri },
      {
        extra,
        origin: "given to `assetflow assets emit`",
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      },
    );
    return {
      eventId: recorded.eventId,
      asset: { name: asset.name, uri: asset.uri },
      extra,
      runs,
      replayed: recorded.replayed,
    } satisfies EmitResult;
  } finally {
    unsubscribe();
  }
}

/** The assets with this URI (and name); an error when there is none, or (unless `allowMany`) several and no name. */
async function findAssets(
  scheduler: Scheduler,
  uri: string,
  name: string | undefined,
  options: { allowMany?: boolean } = {},
) {
  const rows = (await scheduler.read.assets.byUri(uri)).filter((row) => name === undefined || row.name === name);
  if (rows.length === 0) {
    throw new CliError(
      CliErrorCode.assetNotFound,
      `No asset with URI "${uri}"${name === undefined ? "" : ` and name "${name}"`} is known. List assets with \`assetflow assets list\`; an asset becomes known when a registered DAG declares it.`,
    );
  }
  if (rows.length > 1 && name === undefined && !options.allowMany) {
    throw new CliError(
      CliErrorCode.assetAmbiguous,
      `Several assets have URI "${uri}" (names: ${rows.map((r) => r.name).join(", ")}). Pick one with --name <name>.`,
    );
  }
  return rows;
}

/** Every asset with its producers, consumers and event statistics (the read layer's asset list, unpaged). */
async function listAssets(scheduler: Scheduler): Promise<AssetListRow[]> {
  const { items } = await scheduler.read.assets.list({ limit: Number.MAX_SAFE_INTEGER });
  return items.map((asset) => ({
    name: asset.name,
    uri: asset.uri,
    group: asset.group,
    extra: asset.extra,
    eventCount: asset.eventCount,
    lastEventAt: asset.lastEventAt,
    producers: [...new Set(asset.producingTasks.map((task) => `${task.dagId}.${task.taskId}`))].sort(),
    consumers: asset.consumingDags,
  }));
}

/** The URI as the SDK stores it, or null when the SDK rejects it. */
function trySanitize(uri: string): string | null {
  try {
    return sanitizeUri(uri).uri;
  } catch {
    return null;
  }
}
