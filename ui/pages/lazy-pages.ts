/**
 * The pages that draw graphs or charts (@xyflow/react, elkjs, uPlot: about
 * 40% of the script) load on first use, so the DAG list, the asset catalog,
 * a run and the login page start without them. `preloadPageOf` starts the
 * download of the current address's page before React renders.
 */
import { lazy } from "react";
import type { Route } from "../model/routes.js";

const loaders = {
  dag: () => import("./dag-page.js").then((module) => ({ default: module.DagPage })),
  asset: () => import("./asset-page.js").then((module) => ({ default: module.AssetPage })),
  lineage: () => import("./lineage-page.js").then((module) => ({ default: module.LineagePage })),
};

/** The DAG page (task graph), loaded on first use. */
export const LazyDagPage = lazy(loaders.dag);
/** An asset's page (extras chart), loaded on first use. */
export const LazyAssetPage = lazy(loaders.asset);
/** The lineage page, loaded on first use. */
export const LazyLineagePage = lazy(loaders.lineage);

/**
 * Starts loading the page a route shows, if it is one loaded on first use
 * (the module cache makes the later `lazy` load reuse it).
 *
 * @example
 * ```ts
 * preloadPageOf(parseRoute(location.pathname, location.search));
 * ```
 */
export function preloadPageOf(route: Route): void {
  if (route.page === "dag" || route.page === "asset" || route.page === "lineage") void loaders[route.page]();
}
