/**
 * The pages' data: one TanStack Query hook per API call, keyed by the
 * query names of `model/live.ts`, so that live updates fetch again exactly
 * the queries whose resources changed.
 */
import { keepPreviousData, type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState } from "react";
import { nextPollDelay, type QueryName, staleQueries } from "../model/live.js";
import { ApiError, type Query } from "./client.js";
import type { AssetflowApi } from "./endpoints.js";

/** The API of the signed-in page. */
export const ApiContext = createContext<AssetflowApi | null>(null);

/**
 * The API of the signed-in page.
 *
 * @example
 * ```ts
 * const api = useApi();
 * ```
 */
export function useApi(): AssetflowApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi() outside <ApiContext.Provider>");
  return api;
}

/** A query key: the query's name, then its parameters. */
function key(name: QueryName, ...params: unknown[]): unknown[] {
  return [name, ...params];
}

export const useDagList = (query: Query) => {
  const api = useApi();
  return useQuery({
    queryKey: key("dagList", query),
    queryFn: () => api.listDags(query),
    placeholderData: keepPreviousData,
  });
};
/** The tags in use; read only once `wanted` (when the tag filter is first used), which keeps the first load lean. */
export const useDagTags = (wanted: boolean) =>
  useQuery({ queryKey: key("dagTags"), queryFn: useApi().dagTags, enabled: wanted });
export const useImportErrors = () => useQuery({ queryKey: key("importErrors"), queryFn: useApi().importErrors });
export const useDagWarnings = () => {
  const api = useApi();
  return useQuery({
    queryKey: key("importErrors", "warnings"),
    // A server without DAG warnings (older API) has none to show.
    queryFn: () =>
      api
        .dagWarnings()
        .catch((error: unknown) => (isNotFound(error) ? { dagWarnings: [], total: 0 } : Promise.reject(error))),
  });
};
export const useDag = (dagId: string) => {
  const api = useApi();
  return useQuery({ queryKey: key("dag", dagId), queryFn: () => api.dag(dagId) });
};
export const useCondition = (dagId: string, enabled: boolean) => {
  const api = useApi();
  return useQuery({ queryKey: key("condition", dagId), queryFn: () => api.condition(dagId), enabled });
};
export const useGrid = (dagId: string, limit: number) => {
  const api = useApi();
  return useQuery({ queryKey: key("grid", dagId, limit), queryFn: () => api.grid(dagId, limit) });
};
export const useDagRuns = (dagId: string, query: Query) => {
  const api = useApi();
  return useQuery({ queryKey: key("dagRuns", dagId, query), queryFn: () => api.dagRuns(dagId, query) });
};
export const useRun = (dagId: string, runId: string) => {
  const api = useApi();
  return useQuery({ queryKey: key("run", dagId, runId), queryFn: () => api.run(dagId, runId) });
};
export const useTaskInstances = (dagId: string, runId: string) => {
  const api = useApi();
  return useQuery({ queryKey: key("taskInstances", dagId, runId), queryFn: () => api.taskInstances(dagId, runId) });
};
export const useRunEvents = (dagId: string, runId: string) => {
  const api = useApi();
  return useQuery({ queryKey: key("runEvents", dagId, runId), queryFn: () => api.runEvents(dagId, runId) });
};
export const useAssetList = (query: Query) => {
  const api = useApi();
  return useQuery({
    queryKey: key("assetList", query),
    queryFn: () => api.listAssets(query),
    placeholderData: keepPreviousData,
  });
};
export const useAssetFacets = () => useQuery({ queryKey: key("assetFacets"), queryFn: useApi().assetFacets });
export const useAsset = (uri: string, name: string | null) => {
  const api = useApi();
  return useQuery({ queryKey: key("asset", uri, name), queryFn: () => api.asset(uri, name) });
};
export const useAssetEvents = (uri: string, name: string | null, limit: number) => {
  const api = useApi();
  return useQuery({
    queryKey: key("assetEvents", uri, name, limit),
    queryFn: () => api.assetEvents(uri, name, limit),
  });
};
export const useAssetQueued = (uri: string) => {
  const api = useApi();
  return useQuery({ queryKey: key("assetQueued", uri), queryFn: () => api.assetQueued(uri) });
};
export const useAssetWatchers = (uri: string) => {
  const api = useApi();
  return useQuery({ queryKey: key("assetWatchers", uri), queryFn: () => api.assetWatchers(uri) });
};
export const useGraph = () => useQuery({ queryKey: key("graph"), queryFn: useApi().graph });

/**
 * Polls `GET /changes` while the page is open and fetches again the queries
 * whose resources changed; backs off while the server does not answer.
 * Returns false until the first cursor is known: pages load their data after
 * it, so no change between their reads and the cursor can be missed.
 *
 * @example
 * ```ts
 * const ready = useLiveUpdates(); // once, at the top of the signed-in app
 * ```
 */
export function useLiveUpdates(onStatus?: (status: LiveStatus) => void): boolean {
  const api = useApi();
  const queryClient = useQueryClient();
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    let cursor: string | null = null;
    let failures = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const changes = await api.changes(cursor, controller.signal);
        if (cursor !== null && changes.changed.length > 0) await invalidate(queryClient, staleQueries(changes.changed));
        cursor = changes.cursor;
        failures = 0;
        onStatus?.({ kind: "live" });
      } catch (error) {
        if (controller.signal.aborted) return;
        failures++;
        onStatus?.({ kind: "offline", message: error instanceof Error ? error.message : String(error) });
      }
      setReady(true);
      if (!controller.signal.aborted) timer = setTimeout(poll, nextPollDelay(failures));
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, queryClient, onStatus]);
  return ready;
}

/** Whether live updates reach the server. */
export type LiveStatus = { readonly kind: "live" } | { readonly kind: "offline"; readonly message: string };

async function invalidate(queryClient: QueryClient, names: readonly QueryName[]): Promise<void> {
  const stale = new Set<unknown>(names);
  await queryClient.invalidateQueries({ predicate: (query) => stale.has(query.queryKey[0]) });
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
