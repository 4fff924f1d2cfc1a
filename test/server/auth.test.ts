/**
 * Bearer-token auth: every route but /health (and the Assets view's static
 * files, which hold no data) refuses a missing or wrong token with a 401 JSON
 * problem, before it reads the body or touches the store.
 */
import type { InjectOptions } from "fastify";
import { describe, expect, it } from "vitest";
import { enc, rowCounts, TOKEN, useApi } from "./support.js";

type DocPaths = Record<string, Record<string, unknown>>;

const BAD_HEADERS: Array<[string, Record<string, string>]> = [
  ["no Authorization header", {}],
  ["a wrong token", { authorization: "Bearer wrong-token-0123456789abcdef" }],
  ["the token with a suffix", { authorization: `Bearer ${TOKEN}x` }],
  ["the token's prefix", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
  ["an empty bearer", { authorization: "Bearer " }],
  ["Basic auth", { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}` }],
  ["the bare token", { authorization: TOKEN }],
  ["the token in another header", { "x-api-token": TOKEN }],
];

describe("bearer-token auth", () => {
  const start = useApi();

  const WEBHOOK_PATH = "/api/v1/watchers/{watcherId}/webhook";

  it("every route but /health answers 401 JSON to a missing or wrong token, and nothing is written", async () => {
    const api = await start();
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    const [run] = await api.env.getDagRuns("asset-1-producer");
    const ids: Record<string, string> = {
      dagId: "waiting_for_asset_1_and_2",
      uri: "asset-1",
      runId: run?.runId ?? "",
      taskId: "update_asset_1",
      name: "example-alias",
    };
    const paths = (await api.get<{ paths: DocPaths }>("/api/v1/openapi.json")).body.paths;
    const routes = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({
        method: method.toUpperCase() as "GET",
        path,
        url: path.replace(/\{(\w+)\}/g, (_, name: string) => enc(ids[name] ?? "")),
      })),
    );
    routes.push({ method: "GET", path: "/api/v1/openapi.json", url: "/api/v1/openapi.json" });
    expect(routes.length).toBeGreaterThan(20);
    const before = await rowCounts(api.env);

    const wrong: string[] = [];
    for (const route of routes) {
      const payload =
        route.method === "GET" || route.method === "DELETE" ? undefined : { uri: "asset-1", isPaused: true };
      for (const [label, headers] of BAD_HEADERS) {
        const response = await api.app.inject({
          method: route.method,
          url: `${route.url}${label === "no Authorization header" ? `?token=${TOKEN}` : ""}`,
          headers,
          ...(payload ? { payload } : {}),
        } as InjectOptions);
        if (route.path === "/health") {
          if (response.statusCode === 401) wrong.push(`/health refused ${label}`);
          continue;
        }
        // Webhook deliveries carry no token: an HMAC signature authenticates them (test/system/e2e/watchers).
        if (route.path === WEBHOOK_PATH) {
          if (response.statusCode < 400) wrong.push(`${route.path} accepted ${label} without a signature`);
          continue;
        }
        const body = response.json() as Record<string, unknown>;
        if (
          response.statusCode !== 401 ||
          body.status !== 401 ||
          body.title !== "Unauthorized" ||
          typeof body.detail !== "string" ||
          response.headers["www-authenticate"] !== 'Bearer realm="assetflow"'
        ) {
          wrong.push(
            `${route.method} ${route.path} with ${label}: ${response.statusCode} ${response.body.slice(0, 120)}`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await rowCounts(api.env)).toEqual(before);
  });

  it("says whether the token is missing or wrong", async () => {
    const api = await start();
    const missing = await api.app.inject({ method: "GET", url: "/api/v1/dags" });
    expect(missing.json()).toEqual({
      status: 401,
      title: "Unauthorized",
      detail: "Missing bearer token: send the header `Authorization: Bearer <token>`.",
    });
    const wrong = await api.app.inject({
      method: "GET",
      url: "/api/v1/dags",
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.json()).toMatchObject({ status: 401, detail: expect.stringMatching(/^Invalid token/) });
  });

  it("refuses before reading the body: a huge body without a token is 401, not 413", async () => {
    const api = await start();
    const response = await api.app.inject({
      method: "POST",
      url: "/api/v1/assets/events",
      payload: JSON.stringify({ uri: "asset-1", extra: { blob: "x".repeat(2 * 1024 * 1024) } }),
      headers: { "content-type": "application/json" },
    });
    expect(response.statusCode).toBe(401);
  });

  it("the right token opens every GET route", async () => {
    const api = await start();
    for (const url of ["/api/v1/dags", "/api/v1/assets", "/api/v1/graph", "/api/v1/openapi.json"]) {
      for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer  ${TOKEN} `]) {
        expect((await api.app.inject({ method: "GET", url, headers: { authorization } })).statusCode).toBe(200);
      }
    }
  });

  it("/health and the web UI's files answer without a token", async () => {
    const api = await start();
    for (const url of ["/health", "/ui/", "/ui/dags/consumer", "/ui/static/app.js", "/ui/static/app.css"]) {
      expect((await api.app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
  });
});
