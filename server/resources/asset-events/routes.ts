/**
 * Asset events: list them, and record one from outside (idempotent with a key).
 */
import { z } from "zod";
import { IDEMPOTENCY_KEY_PATTERN, retryWhileConnectionLost } from "../../../scheduler/index.js";
import type { JsonObject } from "../../../sdk/json.js";
import { uriHoldsCredentials } from "../../../sdk/uri/credentials.js";
import { sanitizeUri } from "../../../sdk/uri/sanitize.js";
import { epochMs } from "../../lookups.js";
import { HttpProblem } from "../../problems.js";
import { pageQuery, problems, timeQuery } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { assetEventSchema, createAssetEventBody, createdAssetEventSchema, toAssetEvent } from "./schemas.js";

const tags = ["Assets"];

/**
 * Consumers evaluated before POST /assets/events answers; their runs are the
 * answer's `triggeredDagRuns`. The others (a fan-out) are evaluated right after
 * the answer, in the background: the request waits for the event and its
 * inbox rows to commit, not for a run per consumer.
 */
const INLINE_CONSUMERS = 16;

/**
 * Registers the routes of asset events.
 *
 * @example
 * ```ts
 * assetEventRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function assetEventRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

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
          ...problems(400, 401, 404, 413, 415, 503),
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
      // The event is committed: what follows must not turn that into an error (retried while the connection drops).
      const event = await retryWhileConnectionLost(() => read.assetEvents.get(recorded.eventId));
      if (!event) throw new Error(`event ${recorded.eventId} vanished after it was recorded`);
      const created = new Set(recorded.runs);
      const triggered = (await retryWhileConnectionLost(() => read.assetEvents.consumingRuns(recorded.eventId))).filter(
        (run) => created.has(run.runId),
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
}
