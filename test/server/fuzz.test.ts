/**
 * Fuzz-style requests against every documented route (read from the OpenAPI
 * document, so a new route is covered as soon as it exists): unknown ids, bad
 * percent-encoding and oversized segments in paths; unknown, repeated and
 * wrongly typed query parameters; malformed JSON, unknown fields, wrong types,
 * non-objects, deep nesting, other media types and huge bodies. Every answer
 * must be a 4xx JSON problem — never a 500 — and no request may write
 * anything (row counts of every table are compared before and after).
 *
 * GET ignores request bodies (HTTP semantics; Fastify never parses them), so
 * body cases go to the methods that read one (POST, PATCH) or refuse one
 * (DELETE).
 */
import type { InjectOptions } from "fastify";
import { describe, expect, it } from "vitest";
import { type ApiHarness, enc, rowCounts, useApi } from "./support.js";

/** Routes whose request body may be absent (POST /assets/{uri}/materialize takes every field as optional). */
const ROUTES_WITH_OPTIONAL_BODY = new Set(["post /api/v1/assets/{uri}/materialize"]);

interface DocParameter {
  name: string;
  in: string;
  schema?: { type?: string; enum?: unknown[]; format?: string };
}
interface DocOperation {
  parameters?: DocParameter[];
  requestBody?: { content: Record<string, { schema?: { properties?: Record<string, { type?: string }> } }> };
}
type DocPaths = Record<string, Record<string, DocOperation>>;

/** A body each body-taking route accepts; the cases below break it one way at a time. */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  "post /api/v1/assets/events": { uri: "asset-1", extra: { rows: 1 } },
  "post /api/v1/dags/{dagId}/dagRuns": { conf: { day: "2025-01-01" } },
  "patch /api/v1/dags/{dagId}": { isPaused: true },
};

/** A value of another JSON type than the one a property declares. */
function wrongType(type: string | undefined): unknown {
  switch (type) {
    case "string":
      return 42;
    case "boolean":
      return "yes";
    case "object":
      return "not an object";
    case "integer":
    case "number":
      return "many";
    default:
      return Symbol.for("unused");
  }
}

/** A query value the parameter's schema refuses. */
function badQueryValue(schema: DocParameter["schema"]): string | null {
  if (schema?.format === "date-time") return "yesterday";
  if (schema?.enum) return "not-one-of-them";
  if (schema?.type === "integer" || schema?.type === "number") return "1.5e999x";
  return null;
}

describe("malformed and hostile requests", () => {
  const start = useApi();

  /** Data for every id a path takes, with queued events so that a DELETE would have something to delete. */
  async function seeded(api: ApiHarness): Promise<Record<string, string>> {
    await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    const [consumerRun] = await api.env.getDagRuns("consumer");
    await api.env.pauseDag("consumer");
    await api.env.triggerDag("producer");
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    return {
      dagId: "consumer",
      uri: "s3://asset/example.csv",
      runId: consumerRun?.runId ?? "",
      taskId: "report",
      name: "example-alias",
    };
  }

  function fill(path: string, params: Record<string, string>, override: Record<string, string> = {}): string {
    return path.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? enc(params[name] ?? ""));
  }

  it("every route answers a 4xx JSON problem, never a 500, and nothing is written", async () => {
    const api = await start();
    const ids = await seeded(api);
    const paths = (await api.get<{ paths: DocPaths }>("/api/v1/openapi.json")).body.paths;
    const before = await rowCounts(api.env);

    const cases: Array<{ label: string; request: InjectOptions }> = [];
    const add = (label: string, request: InjectOptions) => cases.push({ label, request });
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const key = `${method} ${path}`;
        const verb = method.toUpperCase() as "GET" | "POST" | "PATCH" | "DELETE";
        const url = fill(path, ids);
        const body = VALID_BODIES[key];
        const withBody = (request: InjectOptions): InjectOptions =>
          body === undefined || request.payload !== undefined ? request : { ...request, payload: body };

        // Paths: unknown ids, bad percent-encoding, oversized and odd segments.
        for (const param of (operation.parameters ?? []).filter((p) => p.in === "path")) {
          for (const [what, value] of [
            ["unknown id", enc(`no-such-${param.name}`)],
            ["truncated percent-encoding", "%E0%A4%A"],
            ["invalid percent-encoding", "%zz"],
            ["NUL byte", "%00"],
            ["dot segments", "..%2F..%2Fetc%2Fpasswd"],
            ["oversized segment", "x".repeat(10_000)],
            ["emoji", "%F0%9F%92%A5"],
          ] as const) {
            add(
              `${key}: ${param.name} ${what}`,
              withBody({ method: verb, url: fill(path, ids, { [param.name]: value }) }),
            );
          }
        }
        // Queries: unknown fields, repeated and wrongly typed values, broken encoding.
        add(`${key}: unknown query field`, withBody({ method: verb, url: `${url}?bogus=1` }));
        add(
          `${key}: unknown query field with broken encoding`,
          withBody({ method: verb, url: `${url}?bogus=%E0%A4%A` }),
        );
        for (const param of (operation.parameters ?? []).filter((p) => p.in === "query")) {
          add(
            `${key}: repeated ${param.name}`,
            withBody({ method: verb, url: `${url}?${param.name}=1&${param.name}=2` }),
          );
          add(`${key}: NUL in ${param.name}`, withBody({ method: verb, url: `${url}?${param.name}=a%00b` }));
          const bad = badQueryValue(param.schema);
          if (bad !== null) {
            add(`${key}: wrong ${param.name}`, withBody({ method: verb, url: `${url}?${param.name}=${enc(bad)}` }));
          }
        }
        add(`${key}: another method`, { method: verb === "GET" ? "PUT" : "OPTIONS", url });
        if (verb === "GET") continue;

        // Bodies.
        const json = (payload: string) => ({
          method: verb,
          url,
          payload,
          headers: { "content-type": "application/json" },
        });
        add(`${key}: malformed JSON`, json('{"uri": "asset-1",'));
        add(`${key}: truncated JSON`, json("{"));
        add(`${key}: prototype pollution`, json('{"__proto__": {"isPaused": true}, "uri": "asset-1"}'));
        add(`${key}: huge body`, json(JSON.stringify({ ...body, blob: "x".repeat(2 * 1024 * 1024) })));
        add(`${key}: text body`, {
          method: verb,
          url,
          payload: "uri=asset-1",
          headers: { "content-type": "text/plain" },
        });
        if (verb === "DELETE") {
          add(`${key}: a body where none is taken`, { method: verb, url, payload: { all: true } });
          continue;
        }
        // Where the body may be absent, an empty JSON body (and `null`) is no body: a valid request.
        const bodyMayBeAbsent = ROUTES_WITH_OPTIONAL_BODY.has(key);
        for (const payload of ["[]", '"text"', "null", "42", "true"]) {
          if (!(bodyMayBeAbsent && payload === "null")) add(`${key}: body ${payload}`, json(payload));
        }
        if (!bodyMayBeAbsent) add(`${key}: empty body`, json(""));
        add(`${key}: unknown field`, { method: verb, url, payload: { ...body, bogus: 1 } });
        const properties = Object.values(operation.requestBody?.content ?? {})[0]?.schema?.properties ?? {};
        for (const [name, schema] of Object.entries(properties)) {
          const value = wrongType(schema.type);
          if (typeof value !== "symbol")
            add(`${key}: wrong type of ${name}`, { method: verb, url, payload: { ...body, [name]: value } });
        }
        for (const [name, schema] of Object.entries(properties).filter(([, p]) => p.type === "string")) {
          add(`${key}: NUL in ${name} (${schema.type})`, {
            method: verb,
            url,
            payload: { ...body, [name]: "a\u0000b" },
          });
        }
        for (const name of ["extra", "conf"].filter((n) => n in properties)) {
          let deep: unknown = 1;
          for (let depth = 0; depth < 200; depth++) deep = { d: deep };
          add(`${key}: ${name} nested 200 deep`, { method: verb, url, payload: { ...body, [name]: deep } });
        }
        if ("uri" in properties) {
          add(`${key}: unknown asset`, { method: verb, url, payload: { ...body, uri: "s3://no/such-asset" } });
          add(`${key}: invalid URI`, { method: verb, url, payload: { ...body, uri: "s3://" } });
          add(`${key}: oversized URI`, { method: verb, url, payload: { ...body, uri: `s3://b/${"k".repeat(5000)}` } });
        }
      }
    }

    expect(cases.length).toBeGreaterThan(300);
    const failures: string[] = [];
    for (const { label, request } of cases) {
      const response = await api.request(request);
      const problem = (() => {
        try {
          return response.json() as Record<string, unknown>;
        } catch {
          return null;
        }
      })();
      const ok =
        response.statusCode >= 400 &&
        response.statusCode < 500 &&
        response.headers["content-type"] === "application/json; charset=utf-8" &&
        problem !== null &&
        /^(code,)?detail,status,title$/.test(Object.keys(problem).sort().join()) &&
        (problem.code === undefined || /^[A-Z][A-Z0-9_]*$/.test(String(problem.code))) &&
        problem.status === response.statusCode &&
        typeof problem.detail === "string" &&
        !/\n\s+at |node_modules|\/work\//.test(problem.detail);
      if (!ok) failures.push(`${label}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(api.serverErrors).toEqual([]);
    expect(await rowCounts(api.env)).toEqual(before);
  });

  it("path ids that exist nowhere are 404 on every route that takes one", async () => {
    const api = await start();
    const ids = await seeded(api);
    const paths = (await api.get<{ paths: DocPaths }>("/api/v1/openapi.json")).body.paths;
    const statuses: string[] = [];
    for (const [path, item] of Object.entries(paths)) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
      for (const [method, operation] of Object.entries(item)) {
        for (const param of params) {
          const key = `${method} ${path}`;
          const response = await api.request({
            method: method.toUpperCase() as "GET",
            url: fill(path, ids, { [param]: enc(`no-such-${param}`) }),
            ...(VALID_BODIES[key] && operation.requestBody ? { payload: VALID_BODIES[key] } : {}),
          });
          statuses.push(`${key} (${param}): ${response.statusCode}`);
        }
      }
    }
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((line) => !line.endsWith(": 404"))).toEqual([]);
  });
});
