/**
 * Builders for runtime tests: a run request with defaults and stored event
 * records. Test-only; not exported from `assetflow/runtime`.
 */
import type { AssetEventRecord, SourceRunRecord, TaskRunRequest } from "../scheduler/contracts.js";
import type { Dag } from "../sdk/index.js";

/** A request to run `taskId` of `dag` (first try of a manual run unless `runId`/`tryNumber` say otherwise) with `overrides`. */
export function makeRequest(
  dag: Pick<Dag, "dagId">,
  taskId: string,
  overrides: Partial<Omit<TaskRunRequest, "key">> & { runId?: string; tryNumber?: number } = {},
): TaskRunRequest {
  const { runId = "manual__2024-01-02T00:00:00", tryNumber = 1, ...rest } = overrides;
  return {
    key: { dagId: dag.dagId, runId, taskId, mapIndex: -1, tryNumber },
    runType: "manual",
    logicalDate: Date.UTC(2024, 0, 2),
    dataIntervalStart: Date.UTC(2024, 0, 1),
    dataIntervalEnd: Date.UTC(2024, 0, 2),
    conf: {},
    upstreamResults: {},
    triggeringEvents: [],
    triggeringAliases: {},
    triggeringCaptures: {},
    dagFile: null,
    executionTimeoutMs: null,
    ...rest,
  };
}

/** A stored event of `asset` with id `id`, `id` minutes into 2024 unless `timestamp` is given. */
export function eventRecord(
  id: number,
  asset: { name: string; uri: string },
  fields: Partial<Omit<AssetEventRecord, "id" | "assetName" | "assetUri">> = {},
): AssetEventRecord {
  return {
    id,
    assetName: asset.name,
    assetUri: asset.uri,
    extra: {},
    timestamp: Date.UTC(2024, 0, 1) + id * 60_000,
    sourceDagId: "producer",
    sourceTaskId: "write",
    sourceRunId: `scheduled__${id}`,
    sourceMapIndex: -1,
    sourceAliases: [],
    sourceRun: null,
    ...fields,
  };
}

/** A scheduled source run covering `[start, end)` (epoch ms). */
export function sourceRun(runId: string, start: number, end: number): SourceRunRecord {
  return {
    dagId: "producer",
    runId,
    runType: "scheduled",
    logicalDate: start,
    dataIntervalStart: start,
    dataIntervalEnd: end,
  };
}
