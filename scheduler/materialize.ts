/**
 * Materializing an asset on demand: find the one active DAG that produces it
 * and start a manual run of it. One rule for the API
 * (`POST /api/v1/assets/{uri}/materialize`) and the CLI
 * (`assetflow assets materialize <uri>`).
 */
import type { JsonObject } from "../sdk/json.js";
import type { AssetView } from "./read/assets.js";
import { type Scheduler, SchedulerError } from "./scheduler.js";

/** The error codes of {@link materializeAsset}; each names what to do next. */
export const MaterializeErrorCode = {
  /** No asset has the URI (and name). */
  assetNotFound: "ASSET_NOT_FOUND",
  /** Several assets share the URI and no name was given. */
  assetAmbiguous: "ASSET_AMBIGUOUS",
  /** No active DAG has a task with the asset as outlet. */
  noProducer: "ASSET_NO_PRODUCER",
  /** Several active DAGs produce the asset and no DAG id was given. */
  producerAmbiguous: "ASSET_PRODUCER_AMBIGUOUS",
  /** The DAG id given does not produce the asset. */
  notAProducer: "DAG_NOT_A_PRODUCER",
} as const;

/** What to materialize. */
export interface MaterializeRequest {
  /** The asset's URI, as written. */
  readonly uri: string;
  /**
   * The URI as the SDK would store it (`sanitizeUri`), looked up when `uri`
   * finds no asset: callers sanitize, as the scheduler does not load the SDK's URI rules.
   */
  readonly sanitizedUri?: string | null | undefined;
  /** The asset's name, when several assets share the URI. */
  readonly name?: string | undefined;
  /** The producing DAG to run, when several DAGs produce the asset. */
  readonly dagId?: string | undefined;
  /** The run's conf. */
  readonly conf?: JsonObject | undefined;
}

/** The run {@link materializeAsset} started. */
export interface Materialization {
  readonly asset: { readonly name: string; readonly uri: string };
  readonly dagId: string;
  readonly runId: string;
  /** The tasks of that DAG that update the asset (directly or through an alias). */
  readonly taskIds: readonly string[];
}

/**
 * Starts a manual run of the DAG producing an asset. Errors (a
 * {@link SchedulerError} with a code of {@link MaterializeErrorCode}) name the
 * choices: the assets sharing the URI, or the DAGs producing it.
 *
 * @example
 * ```ts
 * const { dagId, runId } = await materializeAsset(scheduler, { uri: "s3://warehouse/orders" });
 * ```
 */
export async function materializeAsset(scheduler: Scheduler, request: MaterializeRequest): Promise<Materialization> {
  const asset = await findAsset(scheduler, request);
  const tasksByDag = new Map<string, string[]>();
  for (const task of asset.producingTasks) {
    const taskIds = tasksByDag.get(task.dagId) ?? [];
    if (!taskIds.includes(task.taskId)) taskIds.push(task.taskId);
    tasksByDag.set(task.dagId, taskIds);
  }
  const producers = [...tasksByDag.keys()].sort();
  const label = describe(asset);
  if (producers.length === 0) {
    throw new SchedulerError(
      MaterializeErrorCode.noProducer,
      `No active DAG produces ${label}: no task lists it in its outlets. Define it with asset({ uri, schedule }, fn), or add it to a task's outlets.`,
    );
  }
  let dagId = request.dagId;
  if (dagId === undefined) {
    if (producers.length > 1) {
      throw new SchedulerError(
        MaterializeErrorCode.producerAmbiguous,
        `${producers.length} DAGs produce ${label}: ${producers.map((id) => JSON.stringify(id)).join(", ")}. Choose one with dagId (the API) or --dag (the CLI).`,
      );
    }
    dagId = producers[0] as string;
  } else if (!tasksByDag.has(dagId)) {
    throw new SchedulerError(
      MaterializeErrorCode.notAProducer,
      `DAG ${JSON.stringify(dagId)} does not produce ${label}. The DAGs that do: ${producers.map((id) => JSON.stringify(id)).join(", ")}.`,
    );
  }
  const runId = await scheduler.triggerDag(dagId, request.conf === undefined ? {} : { conf: request.conf });
  return {
    asset: { name: asset.name, uri: asset.uri },
    dagId,
    runId,
    taskIds: [...(tasksByDag.get(dagId) ?? [])].sort(),
  };
}

async function findAsset(scheduler: Scheduler, { uri, name, sanitizedUri }: MaterializeRequest): Promise<AssetView> {
  let assets = await scheduler.read.assets.byUri(uri);
  if (assets.length === 0 && sanitizedUri && sanitizedUri !== uri) {
    assets = await scheduler.read.assets.byUri(sanitizedUri);
  }
  const matching = name === undefined ? assets : assets.filter((asset) => asset.name === name);
  const [asset] = matching;
  if (!asset) {
    throw new SchedulerError(
      MaterializeErrorCode.assetNotFound,
      `No asset with URI ${JSON.stringify(uri)}${name === undefined ? "" : ` and name ${JSON.stringify(name)}`} is known. List assets with GET /api/v1/assets or \`assetflow assets list\`.`,
    );
  }
  if (matching.length > 1) {
    throw new SchedulerError(
      MaterializeErrorCode.assetAmbiguous,
      `${matching.length} assets share URI ${JSON.stringify(asset.uri)} (names ${matching.map((a) => JSON.stringify(a.name)).join(", ")}): choose one with name (the API) or --name (the CLI).`,
    );
  }
  return asset;
}

function describe(asset: AssetView): string {
  return asset.name === asset.uri
    ? `asset ${JSON.stringify(asset.uri)}`
    : `asset ${JSON.stringify(asset.name)} (${asset.uri})`;
}
