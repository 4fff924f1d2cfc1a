/**
 * Assets, aliases, asset events (list and record) and the asset graph of the
 * Assets view.
 */
import { z } from "zod";
import { materializeAsset } from "../../scheduler/materialize.js";
import { IDEMPOTENCY_KEY_PATTERN } from "../../scheduler/scheduler.js";
import type { JsonObject } from "../../sdk/json.js";
import { uriHoldsCredentials } from "../../sdk/uri/credentials.js";
import { sanitizeUri } from "../../sdk/uri/sanitize.js";
import { HttpProblem } from "../problems.js";
import {
  aliasSchema,
  assetDetailSchema,
  assetEventSchema,
  assetFacetsSchema,
  assetGraphSchema,
  assetSchema,
  createAssetEventBody,
  createdAssetEventSchema,
  materializationSchema,
  materializeAssetBody,
  pageQuery,
  problems,
  timeQuery,
  toAlias,
  toAsset,
  toAssetEvent,
  toAssetGraph,
  toDagRun,
} from "../schemas.js";
import type { ApiApp, ApiContext } from "../server.js";
import { epochMs, quote, requireAssetsByUri, trySanitize } from "./lookups.js";

const tags = ["Assets"];

/**
 * Consumers evaluated before POST /assets/events answers; their runs are the
 * answer's `triggeredDagRuns`. The others (a fan-out) are evaluated right after
 * the answer, in the background: the request waits for the event and its
 * inbox rows to commit, not for a run per consumer.
 */
const INLINE_CONSUMERS = 16;

/**
 * Registers the asset, alias, event and graph routes.
 *
 * @example
 * ```ts
 * assetRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function assetRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/assets",
    {
      schema: {
        tags,
        operationId: "listAssets",
        summary: "Assets, with their producing tasks, consuming DAGs and aliases",
        querystring: z.strictObject({
          ...pageQuery,
          uriPattern: z.string().max(1500).optional().describe("Case-insensitive substring of the URI."),
          namePattern: z.string().max(1500).optional().describe("Case-insensitive substring of the name."),
          search: z.string().max(1500).optional().describe("Case-insensitive substring of the URI or of the name."),
          scheme: z
            .string()
            .max(100)
            .regex(/^([a-z][a-z0-9+.-]*)?$/i, "is a URI scheme like s3 (or empty for URIs without one)")
            .optional()
            .describe("Only URIs with this scheme (s3, file, ...); empty: URIs without a scheme."),
          group: z.string().max(1500).optional(),
          dagId: z.string().max(250).optional().describe("Only assets this DAG produces or consumes."),
        }),
        response: { 200: z.object({ assets: z.array(assetSchema), total: z.number().int() }), ...problems(400, 401) },
      },
    },
    async (request) => {
      const page = await read.assets.list(request.query);
      return { assets: page.items.map(toAsset), total: page.total };
    },
  );

  app.get(
    "/assetFacets",
    {
      schema: {
        tags,
        operationId: "getAssetFacets",
        summary: "The asset groups and URI schemes in use, with their numbers of assets",
        querystring: z.strictObject({}),
        response: { 200: assetFacetsSchema, ...problems(400, 401) },
      },
    },
    async () => read.assets.facets(),
  );

  app.get(
    "/assets/aliases",
    {
      schema: {
        tags,
        operationId: "listAssetAliases",
        summary: "Asset aliases, with the assets they resolved to",
        querystring: z.strictObject({
          ...pageQuery,
          namePattern: z.string().max(1500).optional().describe("Case-insensitive substring of the name."),
        }),
        response: {
          200: z.object({ aliases: z.array(aliasSchema), total: z.number().int() }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const page = await read.aliases.list(request.query);
      return { aliases: page.items.map(toAlias), total: page.total };
    },
  );

  app.get(
    "/assets/aliases/:name",
    {
      schema: {
        tags,
        operationId: "getAssetAlias",
        summary: "One asset alias",
        params: z.object({ name: z.string().min(1).describe("The alias name, percent-encoded.") }),
        querystring: z.strictObject({}),
        response: { 200: aliasSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const alias = await read.aliases.get(request.params.name);
      if (!alias) {
        throw new HttpProblem(
          404,
          `No asset alias ${quote(request.params.name)} is known. List aliases with GET /api/v1/assets/aliases.`,
        );
      }
      return toAlias(alias);
    },
  );

  app.get(
    "/assets/events",
    {
      schema: {
        tags,
        operationId: "listAssetEvents",
        summary: "Asset events, newest first by default",
        querystring: z.strictObject({
          ...pageQuery,
          uri: z.string().max(4000).optional().describe("Only events of assets with this URI."),
          name: z.string().max(1500).optional().describe("Only events of assets with this name."),
          sourceDagId: z.string().max(250).optional(),
          sourceTaskId: z.string().max(250).optional(),
          sourceRunId: z.string().max(250).optional(),
          sourceMapIndex: z.coerce.number().int().min(-1).max(1_000_000).optional(),
          since: timeQuery.optional().describe("Only events at or after this time."),
          before: timeQuery.optional().describe("Only events before this time."),
          order: z.enum(["asc", "desc"]).default("desc").describe("By timestamp; newest first by default."),
        }),
        response: {
          200: z.object({ assetEvents: z.array(assetEventSchema), total: z.number().int() }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const { since, before, ...rest } = request.query;
      const page = await read.assetEvents.list({ ...rest, since: epochMs(since), before: epochMs(before) });
      return { assetEvents: page.items.map(toAssetEvent), total: page.total };
    },
  );

  app.post(
    "/assets/events",
    {
      schema: {
        tags,
        operationId: "createAssetEvent",
        summary: "Record an asset event from outside; it triggers consumers like a task's event",
        description:
          "The URI is sanitized as the SDK does (a password in it is dropped, with a warning). 404 when no asset has the URI, unless createIfMissing. The event is routed to every consumer (`queuedFor`) before the answer; the runs of the first 16 consumers are created before it too (`triggeredDagRuns`), those of any others right after it.",
        querystring: z.strictObject({}),
        headers: z.looseObject({
          "idempotency-key": z
            .string()
            .regex(IDEMPOTENCY_KEY_PATTERN, "an idempotency key is 1 to 255 printable ASCII characters (no spaces)")
            .optional()
            .describe(
              "A key of the client's choosing (a UUID): the first request with it records the event (201); any later one records nothing and answers with that first event (200, header Idempotent-Replayed: true). Retry with the same key whenever no answer came.",
            ),
        }),
        body: createAssetEventBody,
        response: {
          200: createdAssetEventSchema,
          201: createdAssetEventSchema,
          ...problems(400, 401, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const idempotencyKey = request.headers["idempotency-key"];
      const sanitized = sanitizeUri(request.body.uri);
      // `x-` URIs are kept verbatim by the SDK; the API still never stores a password.
      if (uriHoldsCredentials(sanitized.uri)) {
        throw new HttpProblem(
          400,
          "The asset URI holds a password or a secret query parameter (such as ?password= or ?token=): remove it (asset URIs are stored and shown in clear text; keep credentials in a connection).",
        );
      }
      const recorded = await scheduler.recordExternalEvent(
        { uri: sanitized.uri, ...(request.body.name === undefined ? {} : { name: request.body.name }) },
        {
          // Parsed from JSON, so JSON.
          extra: (request.body.extra ?? {}) as JsonObject,
          createIfMissing: request.body.createIfMissing ?? false,
          // A fan-out to many consumers must not hold the answer: the rest are evaluated right after it.
          inlineConsumers: INLINE_CONSUMERS,
          origin: "recorded through the API",
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        },
      );
      // The event is committed: what follows must not turn that into an error (see readAfterCommit).
      const event = await readAfterCommit(() => read.assetEvents.get(recorded.eventId));
      if (!event) throw new Error(`event ${recorded.eventId} vanished after it was recorded`);
      const created = new Set(recorded.runs);
      const triggered = (await readAfterCommit(() => read.assetEvents.consumingRuns(recorded.eventId))).filter((run) =>
        created.has(run.runId),
      );
      if (recorded.replayed) reply.header("idempotent-replayed", "true");
      return reply.code(recorded.replayed ? 200 : 201).send({
        assetEvent: toAssetEvent(event),
        queuedFor: [...recorded.consumers].sort(),
        triggeredDagRuns: triggered,
        warnings: sanitized.warnings.map((warning) => warning.message),
      });
    },
  );

  app.get(
    "/graph",
    {
      schema: {
        tags,
        operationId: "getAssetGraph",
        summary: "The asset graph of the Assets view",
        querystring: z.strictObject({}),
        response: { 200: assetGraphSchema, ...problems(400, 401) },
      },
    },
    async () => toAssetGraph(await read.graph.assets()),
  );

  app.get(
    "/assets/:uri",
    {
      schema: {
        tags,
        operationId: "getAsset",
        summary: "One asset with its producing tasks, consuming DAGs, aliases and latest event",
        description:
          "Several assets may share a URI under different names: pass `name` to choose (409 otherwise). The literal URIs `events`, `aliases` and `queuedEvent` are reached with GET /assets?uriPattern=.",
        params: z.object({ uri: z.string().min(1).describe("The asset URI, percent-encoded.") }),
        querystring: z.strictObject({ name: z.string().max(1500).optional() }),
        response: { 200: assetDetailSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const assets = await requireAssetsByUri(read, request.params.uri);
      const { name } = request.query;
      const matching = name === undefined ? assets : assets.filter((asset) => asset.name === name);
      const [asset] = matching;
      if (!asset) {
        throw new HttpProblem(404, `No asset named ${quote(name ?? "")} has URI ${quote(request.params.uri)}.`);
      }
      if (matching.length > 1) {
        throw new HttpProblem(
          409,
          `${matching.length} assets share URI ${quote(asset.uri)} (names ${matching.map((a) => quote(a.name)).join(", ")}): pass ?name= to choose one.`,
        );
      }
      const [lastEvent] = (await read.assetEvents.list({ uri: asset.uri, name: asset.name, limit: 1 })).items;
      return { ...toAsset(asset), lastEvent: lastEvent ? toAssetEvent(lastEvent) : null };
    },
  );

  app.post(
    "/assets/:uri/materialize",
    {
      schema: {
        tags,
        operationId: "materializeAsset",
        summary: "Start a run of the DAG that produces an asset",
        description:
          "Starts a manual run (with `conf`) of the one active DAG with a task that lists the asset as outlet, such as the DAG `asset()` defines. Several assets may share a URI: pass `name` to choose (409 otherwise). When several DAGs produce the asset, pass `dagId`: the 409 names them. 409 as well when no DAG produces it.",
        params: z.object({ uri: z.string().min(1).describe("The asset URI, percent-encoded.") }),
        querystring: z.strictObject({}),
        body: materializeAssetBody,
        response: { 201: materializationSchema, ...problems(400, 401, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const started = await materializeAsset(scheduler, {
        uri: request.params.uri,
        sanitizedUri: trySanitize(request.params.uri),
        name: body.name,
        dagId: body.dagId,
        // Parsed from JSON, so JSON.
        conf: body.conf as JsonObject | undefined,
      });
      const run = await read.runs.get(started.dagId, started.runId);
      if (!run) throw new Error(`run ${started.runId} of DAG ${started.dagId} vanished after it was created`);
      return reply.code(201).send({ asset: started.asset, dagRun: toDagRun(run), taskIds: [...started.taskIds] });
    },
  );
}

/** Attempts of a read that describes what a request committed. */
const READ_AFTER_COMMIT_ATTEMPTS = 6;

/**
 * Runs a read that describes what the request already committed, trying
 * again (after 50, 100, 200, ... ms) when the database fails it: a
 * connection the server dropped is replaced at the next attempt, and a
 * committed event should not be answered with an error.
 */
async function readAfterCommit<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= READ_AFTER_COMMIT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    }
  }
}
