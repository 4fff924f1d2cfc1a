/**
 * The OpenAPI document at /api/v1/openapi.json: generated from the same zod
 * schemas that validate requests and responses. No OpenAPI validator is
 * installed, so the document is checked against a structural zod schema of
 * OpenAPI 3.1 (the fields this document may use, strict objects), plus the
 * rules a schema cannot say: every reference resolves, every path parameter
 * is declared, operation ids are unique, and every API route is documented.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useApi } from "./support.js";

const jsonSchema = z.union([z.boolean(), z.record(z.string(), z.unknown())]);
const reference = z.strictObject({
  $ref: z.string().regex(/^#\/components\/(schemas|responses|parameters|requestBodies|securitySchemes)\/[\w.-]+$/),
  summary: z.string().optional(),
  description: z.string().optional(),
});
const mediaType = z.strictObject({
  schema: jsonSchema.optional(),
  example: z.unknown().optional(),
  examples: z.record(z.string(), z.unknown()).optional(),
});
const parameter = z
  .strictObject({
    name: z.string().min(1),
    in: z.enum(["query", "header", "path", "cookie"]),
    description: z.string().optional(),
    required: z.boolean().optional(),
    deprecated: z.boolean().optional(),
    allowEmptyValue: z.boolean().optional(),
    style: z.string().optional(),
    explode: z.boolean().optional(),
    schema: jsonSchema.optional(),
    content: z.record(z.string(), mediaType).optional(),
    example: z.unknown().optional(),
  })
  .refine((p) => p.in !== "path" || p.required === true, "a path parameter must be required")
  .refine((p) => (p.schema === undefined) !== (p.content === undefined), "a parameter has a schema or a content");
const response = z.strictObject({
  description: z.string().min(1),
  headers: z.record(z.string(), z.unknown()).optional(),
  content: z.record(z.string(), mediaType).optional(),
  links: z.record(z.string(), z.unknown()).optional(),
});
const securityRequirement = z.record(z.string(), z.array(z.string()));
const operation = z.strictObject({
  tags: z.array(z.string()).optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  operationId: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/),
  parameters: z.array(z.union([parameter, reference])).optional(),
  requestBody: z
    .strictObject({
      description: z.string().optional(),
      content: z.record(z.string(), mediaType),
      required: z.boolean().optional(),
    })
    .optional(),
  responses: z
    .record(z.string().regex(/^([1-5]\d\d|[1-5]XX|default)$/), z.union([response, reference]))
    .refine((responses) => Object.keys(responses).length > 0, "an operation needs a response"),
  deprecated: z.boolean().optional(),
  security: z.array(securityRequirement).optional(),
});
const pathItem = z.strictObject({
  summary: z.string().optional(),
  description: z.string().optional(),
  get: operation.optional(),
  put: operation.optional(),
  post: operation.optional(),
  delete: operation.optional(),
  options: operation.optional(),
  head: operation.optional(),
  patch: operation.optional(),
  trace: operation.optional(),
  parameters: z.array(z.union([parameter, reference])).optional(),
});
const securityScheme = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("http"),
    scheme: z.string(),
    bearerFormat: z.string().optional(),
    description: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal("apiKey"),
    name: z.string(),
    in: z.enum(["query", "header", "cookie"]),
    description: z.string().optional(),
  }),
]);
const openApiDocument = z.strictObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.strictObject({
    title: z.string().min(1),
    version: z.string().min(1),
    summary: z.string().optional(),
    description: z.string().optional(),
  }),
  jsonSchemaDialect: z.string().optional(),
  servers: z.array(z.strictObject({ url: z.string(), description: z.string().optional() })).optional(),
  paths: z.record(z.string().regex(/^\/[^\s?#]*$/), pathItem),
  components: z
    .strictObject({
      schemas: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), jsonSchema).optional(),
      securitySchemes: z.record(z.string(), securityScheme).optional(),
    })
    .optional(),
  security: z.array(securityRequirement).optional(),
  tags: z.array(z.strictObject({ name: z.string(), description: z.string().optional() })).optional(),
});

type OpenApiDocument = z.output<typeof openApiDocument>;
type Operation = z.output<typeof operation>;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

function operations(document: OpenApiDocument): Array<{ path: string; method: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const op = item[method];
      return op ? [{ path, method, operation: op }] : [];
    }),
  );
}

describe("the OpenAPI document", () => {
  const start = useApi();

  async function load() {
    const api = await start();
    const response = await api.request({ method: "GET", url: "/api/v1/openapi.json" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    return { api, raw: response.json() as unknown };
  }

  it("is a structurally valid OpenAPI 3.1 document", async () => {
    const { raw } = await load();
    const result = openApiDocument.safeParse(raw);
    expect(result.success ? [] : result.error.issues.slice(0, 5)).toEqual([]);
  });

  it("resolves every reference, declares every path parameter, and has unique operation ids", async () => {
    const { raw } = await load();
    const document = openApiDocument.parse(raw);
    const refs = [...JSON.stringify(raw).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    const schemas = document.components?.schemas ?? {};
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((name) => name === undefined || !(name in schemas))).toEqual([]);
    // No component is left unused.
    expect(Object.keys(schemas).filter((name) => !refs.includes(name))).toEqual([]);

    const all = operations(document);
    for (const { path, method, operation } of all) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? [])
        .filter((p): p is z.output<typeof parameter> => "in" in p && p.in === "path")
        .map((p) => p.name)
        .sort();
      expect({ route: `${method} ${path}`, params: declared }).toEqual({ route: `${method} ${path}`, params: inPath });
      for (const [status, answer] of Object.entries(operation.responses)) {
        if ("description" in answer)
          expect(answer.description, `${method} ${path} ${status}`).not.toBe("Default Response");
      }
    }
    const ids = all.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents the seed's queued-event endpoints with the before filter and their 200/204/404 answers", async () => {
    const { raw } = await load();
    const document = openApiDocument.parse(raw);
    const expected = {
      "/api/v1/dags/{dagId}/assets/queuedEvent/{uri}": { get: ["200", "404"], delete: ["204", "404"] },
      "/api/v1/dags/{dagId}/assets/queuedEvent": { get: ["200", "404"], delete: ["204", "404"] },
      "/api/v1/assets/queuedEvent/{uri}": { get: ["200", "404"], delete: ["204", "404"] },
    };
    for (const [path, methods] of Object.entries(expected)) {
      for (const [method, statuses] of Object.entries(methods)) {
        const op = document.paths[path]?.[method as "get" | "delete"];
        expect(op, `${method} ${path}`).toBeDefined();
        expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining([...statuses, "400", "401"]));
        const before = op?.parameters?.find((p) => "name" in p && p.name === "before");
        expect(before).toMatchObject({ in: "query", required: false, schema: { type: "string", format: "date-time" } });
      }
    }
    const queued = document.components?.schemas?.QueuedEvent;
    expect(queued).toMatchObject({
      type: "object",
      required: ["dagId", "uri", "createdAt", "count"],
      properties: { createdAt: { type: "string", format: "date-time" }, count: { type: "integer" } },
    });
  });

  it("requires the bearer token on every operation but /health", async () => {
    const { raw } = await load();
    const document = openApiDocument.parse(raw);
    expect(document.components?.securitySchemes).toEqual({
      bearerAuth: { type: "http", scheme: "bearer", description: expect.any(String) },
    });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    for (const { path, method, operation } of operations(document)) {
      if (path === "/health") {
        expect(operation.security).toEqual([]);
        continue;
      }
      if (path === "/api/v1/watchers/{watcherId}/webhook") {
        // No token: an HMAC signature of the body authenticates a delivery.
        expect(operation.security).toEqual([]);
        expect(Object.keys(operation.responses)).toContain("401");
        continue;
      }
      expect(operation.security, `${method} ${path}`).toBeUndefined();
      expect(Object.keys(operation.responses), `${method} ${path}`).toContain("401");
    }
  });

  it("documents every route the server answers under /api/v1, and every tag it uses", async () => {
    const api = await start();
    const routes: string[] = [];
    api.app.addHook("onRoute", (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method !== "HEAD" && route.url.startsWith("/api/v1/") && route.url !== "/api/v1/openapi.json") {
          routes.push(`${method.toLowerCase()} ${route.url.replace(/:(\w+)/g, "{$1}")}`);
        }
      }
    });
    const document = openApiDocument.parse((await api.request({ method: "GET", url: "/api/v1/openapi.json" })).json());
    const documented = operations(document)
      .filter(({ path }) => path.startsWith("/api/v1/"))
      .map(({ method, path }) => `${method} ${path}`);
    expect(routes.length).toBeGreaterThan(15);
    expect(documented.sort()).toEqual(routes.sort());
    const tags = new Set((document.tags ?? []).map((tag) => tag.name));
    for (const { operation } of operations(document)) {
      for (const tag of operation.tags ?? []) expect(tags.has(tag), tag).toBe(true);
    }
  });
});
