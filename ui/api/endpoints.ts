/**
 * The API calls the pages make, one function each, typed by the API's
 * schemas. Nothing here caches or holds state: `hooks.ts` adds caching and
 * live updates with TanStack Query.
 */
import { type ApiClient, ApiError, type Query, segment } from "./client.js";
import type {
  Alias,
  Asset,
  AssetDetail,
  AssetEvent,
  AssetFacets,
  AssetGraph,
  Changes,
  ConsumerStatus,
  Dag,
  DagGrid,
  DagListItem,
  DagRun,
  ImportError,
  QueuedEvent,
  TaskInstance,
  TryLog,
  Watcher,
} from "./types.js";

const dagPath = (dagId: string) => `/dags/${segment(dagId)}`;
const runPath = (dagId: string, runId: string) => `${dagPath(dagId)}/dagRuns/${segment(runId)}`;

/**
 * The API as the pages call it.
 *
 * @example
 * ```ts
 * const api = assetflowApi(new ApiClient({ token }));
 * const { dags, total } = await api.listDags({ limit: 50 });
 * ```
 */
export function assetflowApi(client: ApiClient) {
  return {
    listDags: (query: Query) => client.get<{ dags: DagListItem[]; total: number }>("/dags", query),
    dagTags: () => client.get<{ tags: string[] }>("/dagTags"),
    importErrors: () => client.get<{ importErrors: ImportError[]; total: number }>("/importErrors", { limit: 100 }),
    dagWarnings: () =>
      client.get<{ dagWarnings: Array<{ dagId: string; warningType: string; message: string }>; total: number }>(
        "/dagWarnings",
        { limit: 100 },
      ),
    dag: (dagId: string) => client.get<Dag>(dagPath(dagId)),
    setPaused: (dagId: string, isPaused: boolean) => client.patch<Dag>(dagPath(dagId), { isPaused }),
    condition: (dagId: string) => client.get<ConsumerStatus>(`${dagPath(dagId)}/assets/condition`),
    grid: (dagId: string, limit: number) => client.get<DagGrid>(`${dagPath(dagId)}/grid`, { limit }),
    dagRuns: (dagId: string, query: Query) =>
      client.get<{ dagRuns: DagRun[]; total: number }>(`${dagPath(dagId)}/dagRuns`, query),
    trigger: (dagId: string, body: { conf?: Record<string, unknown>; dagRunId?: string }) =>
      client.post<DagRun>(`${dagPath(dagId)}/dagRuns`, body),
    run: (dagId: string, runId: string) => client.get<DagRun>(runPath(dagId, runId)),
    taskInstances: (dagId: string, runId: string) =>
      client.get<{ taskInstances: TaskInstance[]; total: number }>(`${runPath(dagId, runId)}/taskInstances`, {
        limit: 1000,
      }),
    tryLog: (
      dagId: string,
      runId: string,
      taskId: string,
      query: { tryNumber: number; offset?: number; tail?: number },
    ) => client.get<{ logs: TryLog[] }>(`${runPath(dagId, runId)}/taskInstances/${segment(taskId)}/logs`, query),
    runEvents: (dagId: string, runId: string) =>
      client.get<{ assetEvents: AssetEvent[]; total: number }>(`${runPath(dagId, runId)}/assetEvents`, { limit: 1000 }),
    /** Starts a run of the DAG producing the asset (`dagId` chooses when several do). */
    materialize: (uri: string, body: { name?: string; dagId?: string }) =>
      client.post<{ asset: { name: string; uri: string }; dagRun: DagRun; taskIds: string[] }>(
        `/assets/${segment(uri)}/materialize`,
        body,
      ),
    listAssets: (query: Query) => client.get<{ assets: Asset[]; total: number }>("/assets", query),
    assetFacets: () => client.get<AssetFacets>("/assetFacets"),
    /** An asset by URI and name; without a name, the asset named like its URI, else the only one with the URI. */
    asset: async (uri: string, name: string | null) => {
      try {
        return await client.get<AssetDetail>(`/assets/${segment(uri)}`, { name: name ?? uri });
      } catch (error) {
        if (name !== null || !(error instanceof ApiError) || error.status !== 404) throw error;
        return client.get<AssetDetail>(`/assets/${segment(uri)}`);
      }
    },
    assetEvents: (uri: string, name: string | null, limit: number) =>
      client.get<{ assetEvents: AssetEvent[]; total: number }>("/assets/events", {
        uri,
        ...(name === null ? {} : { name }),
        limit,
      }),
    assetQueued: (uri: string) =>
      client.get<{ queuedEvents: QueuedEvent[]; total: number }>(`/assets/queuedEvent/${segment(uri)}`),
    assetWatchers: (uri: string) => client.get<{ watchers: Watcher[]; totalEntries: number }>("/watchers", { uri }),
    alias: (name: string) => client.get<Alias>(`/assets/aliases/${segment(name)}`),
    graph: () => client.get<AssetGraph>("/graph"),
    changes: (since: string | null, signal?: AbortSignal) =>
      client.get<Changes>("/changes", since === null ? {} : { since }, signal),
  };
}

/** The API as the pages call it. */
export type AssetflowApi = ReturnType<typeof assetflowApi>;
