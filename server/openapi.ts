/**
 * Finishing touches on the generated OpenAPI document: response descriptions
 * that say what each status means, and only the component schemas that some
 * operation references.
 */
import type { SwaggerTransformObject } from "@fastify/swagger";

/** What each status means in this API, for responses declared without a description. */
const RESPONSE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  200: "OK",
  201: "Created",
  204: "No Content: done",
  302: "Found: redirect",
  400: "Bad Request: invalid parameters or body (the detail names them)",
  401: "Unauthorized: missing or invalid bearer token",
  404: "Not Found: no such DAG, asset, alias, run or task (the detail says which)",
  409: "Conflict (the detail says with what)",
  413: "Content Too Large: the body exceeds the limit (1 MiB by default)",
  415: "Unsupported Media Type: send application/json",
  503: "Service Unavailable: the store does not answer",
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Wraps a transformObject: fills "Default Response" descriptions and drops unreferenced component schemas.
 *
 * @example
 * ```ts
 * app.register(swagger, { openapi, transformObject: finishOpenApiDocument(jsonSchemaTransformObject) });
 * ```
 */
export function finishOpenApiDocument(inner: SwaggerTransformObject): SwaggerTransformObject {
  return (input) => {
    const document = inner(input) as unknown as { paths?: Json; components?: { schemas?: Record<string, Json> } };
    describeResponses(document.paths ?? {});
    const schemas = document.components?.schemas;
    if (schemas) {
      const used = new Set<string>();
      const pending = [...referencedSchemas({ paths: document.paths ?? {} })];
      while (pending.length > 0) {
        const name = pending.pop() as string;
        if (used.has(name)) continue;
        used.add(name);
        pending.push(...referencedSchemas(schemas[name] ?? null));
      }
      for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
    }
    return document as ReturnType<SwaggerTransformObject>;
  };
}

function describeResponses(paths: Json): void {
  if (paths === null || typeof paths !== "object" || Array.isArray(paths)) return;
  for (const item of Object.values(paths)) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
    for (const operation of Object.values(item)) {
      if (operation === null || typeof operation !== "object" || Array.isArray(operation)) continue;
      const responses = operation.responses;
      if (responses === null || typeof responses !== "object" || Array.isArray(responses)) continue;
      for (const [status, response] of Object.entries(responses)) {
        if (response === null || typeof response !== "object" || Array.isArray(response)) continue;
        if (response.description === "Default Response" || response.description === undefined) {
          response.description = RESPONSE_DESCRIPTIONS[status] ?? "Response";
        }
      }
    }
  }
}

function referencedSchemas(value: Json): Set<string> {
  const found = new Set<string>();
  const stack: Json[] = [value];
  while (stack.length > 0) {
    const current = stack.pop() as Json;
    if (current === null || typeof current !== "object") continue;
    if (Array.isArray(current)) {
      stack.push(...current);
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (key === "$ref" && typeof item === "string" && item.startsWith("#/components/schemas/")) {
        found.add(decodeURIComponent(item.slice("#/components/schemas/".length)));
      } else {
        stack.push(item);
      }
    }
  }
  return found;
}
