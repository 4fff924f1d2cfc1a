/**
 * Watchers: `GET /watchers` (every declared watcher and its state, behind the
 * bearer token) and the webhook endpoints `POST /watchers/{watcherId}/webhook`,
 * which senders call without a token: each request is authenticated by its
 * HMAC-SHA256 signature (secret from the environment variable the watcher
 * names) and recorded once per delivery id.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { JsonObject } from "../../../sdk/json.js";
import { HttpProblem } from "../../problems.js";
import { problems } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { toWatcher, watcherSchema } from "./schemas.js";

const tags = ["Watchers"];

/** Registers `GET /watchers` (token required). */
export function watcherRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  app.get(
    "/watchers",
    {
      schema: {
        tags,
        operationId: "listWatchers",
        summary: "Every declared watcher with its state (running where, last position, last error, lag)",
        querystring: z.strictObject({
          uri: z.string().max(1500).optional().describe("Only the watchers of the asset with this URI."),
        }),
        response: {
          200: z.object({ watchers: z.array(watcherSchema), totalEntries: z.number().int() }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const watchers = await scheduler.listWatchers(request.query.uri === undefined ? {} : { uri: request.query.uri });
      const now = scheduler.clock.now();
      return { watchers: watchers.map((w) => toWatcher(w, now)), totalEntries: watchers.length };
    },
  );
}

/** Registers the webhook endpoints (no token: HMAC signatures), in their own scope (raw bodies). */
export function webhookRoutes(app: FastifyInstance, { scheduler }: ApiContext): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.post(
    "/watchers/:watcherId/webhook",
    {
      schema: {
        tags,
        operationId: "deliverWebhook",
        summary: "Deliver a webhook to a webhook watcher: one asset event per delivery id",
        description:
          "No bearer token: the request is authenticated by an HMAC-SHA256 signature of its raw body (`sha256=<hex>` in the watcher's signature header, default `x-hub-signature-256`) with the secret in the environment variable the watcher names. The delivery id header (default `x-delivery-id`) is the idempotency key: a delivery recorded before answers 200 with `recorded: false`. A JSON object body becomes the event's extra; any other body is kept as `{ body }` text.",
        security: [],
        params: z.object({
          watcherId: z.string().max(3000).describe("The watcher id, percent-encoded (`<uri>#<name>`)."),
        }),
        response: {
          200: z.object({ recorded: z.boolean(), eventId: z.number().int() }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      const watcher = await scheduler.getWatcher(request.params.watcherId);
      if (watcher?.kind !== "webhook" || watcher.removedAt !== null) {
        throw new HttpProblem(
          404,
          watcher?.kind === "webhook"
            ? `The webhook watcher "${request.params.watcherId}" was removed: no DAG file declares it any more.`
            : `No webhook watcher "${request.params.watcherId}" is declared.`,
        );
      }
      // A webhook watcher's options (sdk/watchers.ts WebhookWatcher).
      const config = watcher.config as unknown as {
        secretEnv: string;
        signatureHeader?: string;
        deliveryHeader?: string;
      };
      const secret = process.env[config.secretEnv];
      if (!secret) {
        throw new HttpProblem(
          401,
          `The webhook watcher "${watcher.watcherId}" has no secret: set the environment variable ${config.secretEnv} where the API server runs.`,
        );
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signatureHeader = (config.signatureHeader ?? "x-hub-signature-256").toLowerCase();
      const given = String(request.headers[signatureHeader] ?? "");
      const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
      if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
        throw new HttpProblem(
          401,
          `The signature in ${signatureHeader} does not match the body (HMAC-SHA256, "sha256=<hex>").`,
        );
      }
      const deliveryHeader = (config.deliveryHeader ?? "x-delivery-id").toLowerCase();
      const delivery = String(request.headers[deliveryHeader] ?? "");
      if (delivery === "" || delivery.length > 500) {
        throw new HttpProblem(400, `The header ${deliveryHeader} must hold the delivery id (1-500 characters).`);
      }
      const text = body.toString("utf8");
      let extra: JsonObject;
      try {
        const parsed = JSON.parse(text) as unknown;
        extra =
          parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
            ? (parsed as JsonObject)
            : { body: text };
      } catch {
        extra = { body: text };
      }
      const outcome = await scheduler.recordWatcherMessage({
        watcherId: watcher.watcherId,
        owner: null,
        key: delivery,
        position: delivery,
        extra,
      });
      return { recorded: outcome.recorded, eventId: outcome.eventId };
    },
  );
}
