/**
 * The UI's addresses: every page is a {@link Route}, parsed from and written
 * to a path under `/ui/` with its filters in the query string, so that any
 * view (a search, a filter, a lineage selection) can be shared by URL. The
 * API token is never part of a route.
 */

import type { RunState } from "../api/types.js";

/** Where the UI lives. */
export const UI_BASE = "/ui";

/** Filters of the DAGs page. */
export interface DagListFilter {
  /** Search text (DAG id, description, tags). */
  readonly search: string;
  /** The state of the last run, `none` for DAGs that never ran, or all. */
  readonly lastRunState: LastRunStateFilter;
  /** Only DAGs with this tag, or all. */
  readonly tag: string | null;
  /** Only DAGs scheduled this way, or all. */
  readonly scheduleKind: ScheduleKindFilter;
  /** Only paused, only active, or all. */
  readonly paused: PausedFilter;
  /** Page number from 1. */
  readonly page: number;
}

/** A run state as the API gives it, or `none` for a DAG that never ran. */
type LastRunState = RunState | "none";

/**
 * Each last-run state once, typed against the API's run states (the UI may
 * use the API's types, not the engine's code): a state added to or removed
 * from the engine fails the UI's typecheck here instead of hiding a filter.
 */
const LAST_RUN_STATE_KEYS: Record<LastRunState, true> = {
  queued: true,
  running: true,
  success: true,
  failed: true,
  none: true,
};

/** The last-run states the DAGs page filters by. */
export const LAST_RUN_STATES = Object.keys(LAST_RUN_STATE_KEYS) as readonly LastRunState[];
/** One of {@link LAST_RUN_STATES}, or all. */
export type LastRunStateFilter = LastRunState | "all";

/** How a DAG is scheduled, as the DAGs page groups schedules. */
export const SCHEDULE_KINDS = ["time", "assets", "assetOrTime", "manual"] as const;
/** One of {@link SCHEDULE_KINDS}, or all. */
export type ScheduleKindFilter = (typeof SCHEDULE_KINDS)[number] | "all";

/** Paused filter values. */
export const PAUSED_FILTERS = ["all", "active", "paused"] as const;
/** One of {@link PAUSED_FILTERS}. */
export type PausedFilter = (typeof PAUSED_FILTERS)[number];

/** Filters of the Assets page. */
export interface AssetListFilter {
  /** Search text (URI or name). */
  readonly search: string;
  readonly group: string | null;
  /** URI scheme (`s3`, `file`, ...), or null for all. */
  readonly scheme: string | null;
  /** Page number from 1. */
  readonly page: number;
}

/** Which part of the lineage graph is shown around the selection. */
export const LINEAGE_FOCUS = ["all", "upstream", "downstream", "both"] as const;
/** One of {@link LINEAGE_FOCUS}. */
export type LineageFocus = (typeof LINEAGE_FOCUS)[number];

/** A page of the UI. */
export type Route =
  | { readonly page: "dags"; readonly filter: DagListFilter }
  | { readonly page: "dag"; readonly dagId: string }
  | {
      readonly page: "run";
      readonly dagId: string;
      readonly runId: string;
      /** The task whose tries and log are open. */
      readonly taskId: string | null;
      readonly tryNumber: number | null;
    }
  | { readonly page: "assets"; readonly filter: AssetListFilter }
  | { readonly page: "asset"; readonly uri: string; readonly name: string | null }
  | {
      readonly page: "lineage";
      /** The selected node's id (`asset:<id>`, `dag:<dagId>`, `alias:<name>`), or null. */
      readonly selected: string | null;
      readonly focus: LineageFocus;
    }
  | { readonly page: "notFound"; readonly path: string };

/** The page kinds. */
export type PageKind = Route["page"];

/** The DAGs page with no filter. */
export const DEFAULT_DAG_FILTER: DagListFilter = {
  search: "",
  lastRunState: "all",
  tag: null,
  scheduleKind: "all",
  paused: "all",
  page: 1,
};

/** The Assets page with no filter. */
export const DEFAULT_ASSET_FILTER: AssetListFilter = { search: "", group: null, scheme: null, page: 1 };

/**
 * The route of a path and query string (`location.pathname`, `location.search`).
 * Unknown paths give a `notFound` route; bad filter values fall back to their defaults.
 *
 * @example
 * ```ts
 * parseRoute("/ui/dags/consumer", ""); // { page: "dag", dagId: "consumer" }
 * ```
 */
export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const rest = pathname.startsWith(`${UI_BASE}/`) ? pathname.slice(UI_BASE.length + 1) : null;
  if (rest === null) return pathname === UI_BASE ? dagsRoute(query) : { page: "notFound", path: pathname };
  const segments = rest === "" ? [] : rest.replace(/\/$/, "").split("/");
  const parts = segments.map(decodeSegment);
  if (parts.some((part) => part === null)) return { page: "notFound", path: pathname };
  const [first, second, third, fourth, ...more] = parts as string[];
  if (first === undefined || (first === "dags" && second === undefined)) return dagsRoute(query);
  if (first === "dags" && second !== undefined && third === undefined) return { page: "dag", dagId: second };
  if (first === "dags" && second !== undefined && third === "runs" && fourth !== undefined && more.length === 0) {
    return {
      page: "run",
      dagId: second,
      runId: fourth,
      taskId: query.get("task") || null,
      tryNumber: positiveInt(query.get("try")),
    };
  }
  if (first === "assets" && second === undefined) {
    return {
      page: "assets",
      filter: {
        search: query.get("q") ?? "",
        group: query.get("group") || null,
        scheme: query.get("scheme") || null,
        page: positiveInt(query.get("page")) ?? 1,
      },
    };
  }
  if (first === "assets" && second !== undefined && third === undefined) {
    return { page: "asset", uri: second, name: query.get("name") };
  }
  if (first === "lineage" && second === undefined) {
    return {
      page: "lineage",
      selected: query.get("select") || null,
      focus: oneOf(LINEAGE_FOCUS, query.get("focus"), "all"),
    };
  }
  return { page: "notFound", path: pathname };
}

/**
 * The path and query string of a route; the inverse of {@link parseRoute}
 * (default filter values are left out).
 *
 * @example
 * ```ts
 * routeHref({ page: "asset", uri: "s3://b/k", name: null }); // "/ui/assets/s3%3A%2F%2Fb%2Fk"
 * ```
 */
export function routeHref(route: Route): string {
  switch (route.page) {
    case "dags": {
      const { filter } = route;
      return withQuery(`${UI_BASE}/dags`, {
        q: filter.search,
        state: filter.lastRunState === "all" ? "" : filter.lastRunState,
        tag: filter.tag ?? "",
        kind: filter.scheduleKind === "all" ? "" : filter.scheduleKind,
        paused: filter.paused === "all" ? "" : filter.paused,
        page: filter.page === 1 ? "" : String(filter.page),
      });
    }
    case "dag":
      return `${UI_BASE}/dags/${encodeURIComponent(route.dagId)}`;
    case "run":
      return withQuery(`${UI_BASE}/dags/${encodeURIComponent(route.dagId)}/runs/${encodeURIComponent(route.runId)}`, {
        task: route.taskId ?? "",
        try: route.tryNumber === null ? "" : String(route.tryNumber),
      });
    case "assets": {
      const { filter } = route;
      return withQuery(`${UI_BASE}/assets`, {
        q: filter.search,
        group: filter.group ?? "",
        scheme: filter.scheme ?? "",
        page: filter.page === 1 ? "" : String(filter.page),
      });
    }
    case "asset":
      return withQuery(`${UI_BASE}/assets/${encodeURIComponent(route.uri)}`, { name: route.name ?? "" });
    case "lineage":
      return withQuery(`${UI_BASE}/lineage`, {
        select: route.selected ?? "",
        focus: route.focus === "all" ? "" : route.focus,
      });
    case "notFound":
      return route.path;
    default:
      return assertNever(route);
  }
}

/** The route of the asset page of an asset. */
export function assetRoute(uri: string, name?: string | null): Route {
  return { page: "asset", uri, name: name && name !== uri ? name : null };
}

/** The route of a run page. */
export function runRoute(dagId: string, runId: string, taskId: string | null = null, tryNumber: number | null = null) {
  return { page: "run", dagId, runId, taskId, tryNumber } as const satisfies Route;
}

/**
 * Fails the build when a switch misses a case.
 *
 * @example
 * ```ts
 * default: return assertNever(route);
 * ```
 */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

function dagsRoute(query: URLSearchParams): Route {
  return {
    page: "dags",
    filter: {
      search: query.get("q") ?? "",
      lastRunState: oneOf(LAST_RUN_STATES, query.get("state"), "all"),
      tag: query.get("tag") || null,
      scheduleKind: oneOf(SCHEDULE_KINDS, query.get("kind"), "all"),
      paused: oneOf(PAUSED_FILTERS, query.get("paused"), "all"),
      page: positiveInt(query.get("page")) ?? 1,
    },
  };
}

function withQuery(path: string, params: Record<string, string>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== "") query.set(key, value);
  const text = query.toString();
  return text === "" ? path : `${path}?${text}`;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function positiveInt(value: string | null): number | null {
  if (value === null || !/^\d{1,9}$/.test(value)) return null;
  const number = Number(value);
  return number >= 1 ? number : null;
}

function oneOf<const T extends readonly string[], D extends string>(
  values: T,
  value: string | null,
  fallback: D,
): T[number] | D {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T[number]) : fallback;
}
