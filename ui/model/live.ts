/**
 * Live updates: the UI polls `GET /api/v1/changes?since=<cursor>`, which
 * names the resources that changed; each query of the UI declares the
 * resources it reads, and the queries that read a changed resource are
 * fetched again. The table is typed to be complete: a new query without its
 * resources fails the build.
 */

/** What the changes endpoint reports. */
export const RESOURCES = [
  "dags",
  "runs",
  "taskInstances",
  "assetEvents",
  "queuedEvents",
  "assets",
  "importErrors",
] as const;
/** One of {@link RESOURCES}. */
export type Resource = (typeof RESOURCES)[number];

/** The queries of the UI (the first element of each query key). */
export type QueryName =
  | "dagList"
  | "dagTags"
  | "dag"
  | "dagRuns"
  | "grid"
  | "condition"
  | "run"
  | "taskInstances"
  | "taskLog"
  | "runEvents"
  | "assetList"
  | "assetFacets"
  | "asset"
  | "assetEvents"
  | "assetQueued"
  | "assetWatchers"
  | "graph"
  | "importErrors";

/** The resources each query reads. */
export const QUERY_READS: Record<QueryName, readonly Resource[]> = {
  dagList: ["dags", "runs", "queuedEvents"],
  dagTags: ["dags"],
  dag: ["dags"],
  dagRuns: ["runs", "assetEvents"],
  grid: ["runs", "taskInstances"],
  condition: ["dags", "queuedEvents"],
  run: ["runs", "assetEvents"],
  taskInstances: ["taskInstances"],
  taskLog: ["taskInstances"],
  runEvents: ["assetEvents"],
  assetList: ["assets", "assetEvents", "dags"],
  assetFacets: ["assets"],
  asset: ["assets", "assetEvents", "dags"],
  assetEvents: ["assetEvents"],
  assetQueued: ["queuedEvents"],
  assetWatchers: ["assets", "assetEvents"],
  graph: ["assets", "dags", "runs", "assetEvents", "queuedEvents"],
  importErrors: ["importErrors", "dags"],
};

/**
 * The queries to fetch again after `changed` resources changed.
 *
 * @example
 * ```ts
 * staleQueries(["queuedEvents"]); // ["dagList", "condition", "assetQueued", "graph"]
 * ```
 */
export function staleQueries(changed: readonly Resource[]): QueryName[] {
  const set = new Set(changed);
  return (Object.keys(QUERY_READS) as QueryName[]).filter((name) => QUERY_READS[name].some((r) => set.has(r)));
}

/** How often the UI asks what changed, in ms. */
export const POLL_INTERVAL_MS = 1500;
/** How long to wait before asking again after a failed request, at most, in ms. */
export const MAX_BACKOFF_MS = 15_000;

/**
 * The delay before the next poll after `failures` failures in a row.
 *
 * @example
 * ```ts
 * nextPollDelay(0); // 1500
 * nextPollDelay(3); // 12000
 * ```
 */
export function nextPollDelay(failures: number): number {
  return failures === 0 ? POLL_INTERVAL_MS : Math.min(MAX_BACKOFF_MS, POLL_INTERVAL_MS * 2 ** failures);
}
