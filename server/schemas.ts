/**
 * What every resource's schemas share: the registry of the OpenAPI document's
 * named components, JSON objects in requests and responses, times, paging, path
 * parameters, the error body, and the run, run type and task-instance states
 * (zod enums over the engine's own lists in `scheduler/contracts.ts`). Each
 * resource's schemas sit beside its routes in `resources/<resource>/`. Times
 * are ISO 8601 strings (UTC); the store's epoch milliseconds are converted by
 * {@link iso} and {@link isoOrNull}.
 */
import { z } from "zod";
import { RUN_KINDS, RUN_STATES, TASK_STATES } from "../scheduler/index.js";
import { describeNonJson, findNonJsonValueAt, type JsonObject } from "../sdk/json.js";

/** Schemas that become named components of the OpenAPI document. */
export const apiSchemaRegistry = z.registry<{ id?: string; description?: string }>();

/** Registers `schema` as the named component `id` of the OpenAPI document. */
export function component<T extends z.ZodType>(id: string, description: string, schema: T): T {
  apiSchemaRegistry.add(schema, { id, description });
  return schema;
}

// ---------------------------------------------------------------- building blocks

/** Deepest nesting accepted in request JSON objects (extra, conf). */
export const MAX_JSON_DEPTH = 32;

/**
 * A JSON object from a request: any JSON, nested at most {@link MAX_JSON_DEPTH} levels, kept exactly or
 * refused: a number beyond a double (`1e400`, parsed as Infinity) or a lone surrogate (`"\ud800"`) is a 400
 * naming the key, never a `null` or a U+FFFD in the store.
 */
export const jsonObjectInput = z
  .record(z.string(), z.unknown())
  .refine((value) => jsonDepth(value) <= MAX_JSON_DEPTH, `must not nest deeper than ${MAX_JSON_DEPTH} levels`)
  .superRefine((value, ctx) => {
    const found = findNonJsonValueAt(value);
    if (found !== undefined) {
      ctx.addIssue({ code: "custom", message: `key "${found.path}" holds ${describeNonJson(found.value)}` });
    }
  });

/** A JSON object in a response (secret-looking keys already masked). */
export const jsonObjectOutput = z.record(z.string(), z.unknown());

/** An ISO 8601 time in a response. */
export const isoTime = z.iso.datetime();

/** An ISO 8601 time or null in a response. */
export const nullableTime = isoTime.nullable();

/** Paging query parameters. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe("Rows per page (1-1000, default 100)."),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0).describe("Rows to skip (default 0)."),
};

/** A boolean query parameter: `true` or `false`. */
export const booleanQuery = z.enum(["true", "false"]).transform((value) => value === "true");

/** An ISO 8601 time in a query, with `Z` or an offset, as epoch ms. */
export const timeQuery = z.iso
  .datetime({ offset: true })
  .describe("ISO 8601 time with Z or an offset, e.g. 2025-01-01T00:00:00Z.");

/** The body of every error response. */
export const problemSchema = component(
  "Problem",
  "An error: the HTTP status, its phrase, what went wrong and, for assetflow's own errors, their stable code.",
  z.object({ status: z.number().int(), title: z.string(), detail: z.string(), code: z.string().optional() }),
);

/**
 * Error responses by status, for route schemas.
 *
 * @example
 * ```ts
 * const response = { 200: dagSchema, ...problems(400, 401, 404) };
 * ```
 */
export function problems(...statuses: Array<400 | 401 | 404 | 409 | 413 | 415 | 503>) {
  return Object.fromEntries(statuses.map((status) => [status, problemSchema])) as Record<number, typeof problemSchema>;
}

/** The state of a DAG run: one of the engine's {@link RUN_STATES}. */
export const runStateSchema = z.enum(RUN_STATES);

/** How a run came to be: one of the engine's {@link RUN_KINDS} (the SDK's `RunType`). */
export const runTypeSchema = z.enum(RUN_KINDS);

/** The state of a task instance (its current try): one of the engine's {@link TASK_STATES}. */
export const taskStateSchema = z.enum(TASK_STATES);

/** The `dagId` path parameter. */
export const dagIdParam = z.string().min(1).describe("The DAG id.");

/** The `runId` path parameter. */
export const runIdParam = z.string().min(1).describe("The run id, percent-encoded.");

/** The `taskId` path parameter. */
export const taskIdParam = z.string().min(1).describe("The task id.");

/** The query of a route that takes no query parameters. */
export const noQuery = z.strictObject({});

// ---------------------------------------------------------------- conversions

/**
 * Epoch ms as ISO 8601.
 *
 * @example
 * ```ts
 * iso(0); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function iso(time: number): string {
  return new Date(time).toISOString();
}

/**
 * Nullable epoch ms as ISO 8601.
 *
 * @example
 * ```ts
 * isoOrNull(null); // null
 * ```
 */
export function isoOrNull(time: number | null): string | null {
  return time === null ? null : iso(time);
}

/**
 * How deep a JSON value nests (a scalar is 0, `{}` is 1). Iterative, so any input is safe.
 *
 * @example
 * ```ts
 * jsonDepth({ a: { b: 1 } }); // 2
 * ```
 */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    for (const item of Object.values(current as JsonObject)) stack.push([item, depth + 1]);
  }
  return deepest;
}
