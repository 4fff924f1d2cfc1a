import { describe, expect, it } from "vitest";
import { DEFAULT_ASSET_FILTER, DEFAULT_DAG_FILTER, parseRoute, type Route, routeHref } from "./routes.js";

const roundTrip = (route: Route) => {
  const href = routeHref(route);
  const url = new URL(href, "http://x");
  return parseRoute(url.pathname, url.search);
};

describe("routes", () => {
  it("parses every page and writes it back to the same route", () => {
    const routes: Route[] = [
      { page: "dags", filter: DEFAULT_DAG_FILTER },
      {
        page: "dags",
        filter: {
          search: "orders",
          lastRunState: "failed",
          tag: "finance",
          scheduleKind: "assets",
          paused: "paused",
          page: 3,
        },
      },
      { page: "dag", dagId: "my dag/with slash" },
      { page: "run", dagId: "d", runId: "manual__2025-01-01T00:00:00+00:00", taskId: "load", tryNumber: 2 },
      { page: "run", dagId: "d", runId: "r", taskId: null, tryNumber: null },
      { page: "assets", filter: { search: "s3://", group: "g", scheme: "s3", page: 2 } },
      { page: "assets", filter: DEFAULT_ASSET_FILTER },
      { page: "asset", uri: "s3://bucket/key?x=1#y", name: "orders" },
      { page: "asset", uri: "asset-1", name: null },
      { page: "lineage", selected: "asset:12", focus: "downstream" },
      { page: "lineage", selected: null, focus: "all" },
    ];
    for (const route of routes) expect(roundTrip(route)).toEqual(route);
  });

  it("opens the DAGs page at /ui, /ui/ and /ui/dags", () => {
    for (const path of ["/ui", "/ui/", "/ui/dags", "/ui/dags/"]) expect(parseRoute(path, "").page).toBe("dags");
  });

  it("encodes URIs so that slashes and question marks stay in one path segment", () => {
    expect(routeHref({ page: "asset", uri: "s3://b/k?v=1", name: null })).toBe("/ui/assets/s3%3A%2F%2Fb%2Fk%3Fv%3D1");
  });

  it("falls back to defaults for values it does not know, and gives notFound for unknown paths", () => {
    const route = parseRoute("/ui/dags", "?state=bogus&kind=weird&page=-4&paused=maybe");
    expect(route).toEqual({ page: "dags", filter: DEFAULT_DAG_FILTER });
    expect(parseRoute("/ui/nothing/here", "")).toEqual({ page: "notFound", path: "/ui/nothing/here" });
    expect(parseRoute("/ui/dags/%E0%A4%A", "").page).toBe("notFound");
    expect(parseRoute("/elsewhere", "").page).toBe("notFound");
  });

  it("keeps the token out of every address", () => {
    expect(routeHref(parseRoute("/ui/dags", "?token=secret"))).toBe("/ui/dags");
  });
});
