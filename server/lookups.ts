/**
 * Lookups every resource's routes share: a DAG, a run, a task instance or an
 * asset URI that must exist, else a 404 that says how to find the right one.
 */
import type { AssetView, DagRunView, DagView, ReadLayer, TaskInstanceView } from "../scheduler/read/index.js";
import { sanitizeUri } from "../sdk/uri/sanitize.js";
import { HttpProblem } from "./problems.js";

/**
 * The DAG, or a 404.
 *
 * @example
 * ```ts
 * const dag = await requireDag(scheduler.read, request.params.dagId);
 * ```
 */
export async function requireDag(read: ReadLayer, dagId: string): Promise<DagView> {
  const dag = await read.dags.get(dagId);
  if (!dag) throw new HttpProblem(404, `No DAG ${quote(dagId)} is registered. List DAGs with GET /api/v1/dags.`);
  return dag;
}

/**
 * The run of a DAG, or a 404 (for the DAG or the run).
 *
 * @example
 * ```ts
 * const run = await requireRun(scheduler.read, request.params.dagId, request.params.runId);
 * ```
 */
export async function requireRun(read: ReadLayer, dagId: string, runId: string): Promise<DagRunView> {
  await requireDag(read, dagId);
  const found = await read.runs.get(dagId, runId);
  if (!found) {
    throw new HttpProblem(
      404,
      `DAG ${quote(dagId)} has no run ${quote(runId)}. List its runs with GET /api/v1/dags/{dagId}/dagRuns.`,
    );
  }
  return found;
}

/**
 * A task instance of a run, or a 404 (for the DAG, the run or the task).
 *
 * @example
 * ```ts
 * const ti = await requireTaskInstance(scheduler.read, dagId, runId, taskId);
 * ```
 */
export async function requireTaskInstance(
  read: ReadLayer,
  dagId: string,
  runId: string,
  taskId: string,
): Promise<TaskInstanceView> {
  await requireRun(read, dagId, runId);
  const found = await read.taskInstances.get(dagId, runId, taskId);
  if (!found) throw new HttpProblem(404, `Run ${quote(runId)} of DAG ${quote(dagId)} has no task ${quote(taskId)}.`);
  return found;
}

/**
 * The assets with this URI, or a 404. The URI is looked up as given, then as
 * the SDK would sanitize it (so `S3://bucket/key/` finds `s3://bucket/key`).
 *
 * @example
 * ```ts
 * const [asset] = await requireAssetsByUri(scheduler.read, "s3://asset/example.csv");
 * ```
 */
export async function requireAssetsByUri(read: ReadLayer, uri: string): Promise<AssetView[]> {
  const exact = await read.assets.byUri(uri);
  if (exact.length > 0) return exact;
  const sanitized = trySanitize(uri);
  const found = sanitized !== null && sanitized !== uri ? await read.assets.byUri(sanitized) : [];
  if (found.length === 0) {
    throw new HttpProblem(
      404,
      `No asset with URI ${quote(sanitized ?? uri)} is known. List assets with GET /api/v1/assets; percent-encode the URI in paths.`,
    );
  }
  return found;
}

/**
 * The URI the SDK would store for `uri`, or null when the SDK rejects it.
 *
 * @example
 * ```ts
 * trySanitize("S3://b/k/"); // "s3://b/k"
 * ```
 */
export function trySanitize(uri: string): string | null {
  try {
    return sanitizeUri(uri).uri;
  } catch {
    return null;
  }
}

/**
 * A value quoted for an error message, shortened when long.
 *
 * @example
 * ```ts
 * quote("asset-1"); // "\"asset-1\""
 * ```
 */
export function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/**
 * An ISO time from a query as epoch ms (the schema already checked the format).
 *
 * @example
 * ```ts
 * epochMs("2025-01-01T00:00:00Z"); // 1735689600000
 * ```
 */
export function epochMs(time: string | undefined): number | undefined {
  return time === undefined ? undefined : Date.parse(time);
}
