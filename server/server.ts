/**
 * The REST API and the web UI on Fastify. Routes are declared with zod
 * schemas: Fastify validates requests and responses with them and
 * `@fastify/swagger` turns them into the OpenAPI document at
 * `/api/v1/openapi.json`.
 *
 * Public without a token: `GET /health` and the web UI's page and built files
 * (`/`, `/ui/...`, `/ui/static/...`), which hold no data — the page asks for
 * the token and reads everything through the API.
 * Everything under `/api/v1` needs `Authorization: Bearer <token>`.
 */
import swagger from "@fastify/swagger";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  type RawServerDefault,
} from "fastify";
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { z } from "zod";
import type { Scheduler } from "../scheduler/index.js";
import { encodeRawAssetUri } from "./asset-uri-path.js";
import { type ApiAuth, bearerToken, isValidToken } from "./auth.js";
import { finishOpenApiDocument } from "./openapi.js";
import {
  createErrorHandler,
  HttpProblem,
  logServerErrorToStderr,
  problem,
  type ServerErrorListener,
  sendProblem,
} from "./problems.js";
import { resourceRoutes } from "./resources/index.js";
import { webhookRoutes } from "./resources/watchers/routes.js";
import { apiSchemaRegistry, problemSchema } from "./schemas.js";
import { uiRoutes, uiStaticDir } from "./ui/routes.js";

/** Where the API lives. */
export const API_PREFIX = "/api/v1";

/** The default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Options of {@link createServer}. */
export interface CreateServerOptions {
  /** The scheduler whose store the API reads and writes (its timers need not run). */
  readonly scheduler: Scheduler;
  /** The token the API accepts (see `resolveApiToken`). */
  readonly auth: ApiAuth;
  /** Where task logs are (`$ASSETFLOW_HOME/logs`). */
  readonly logDir: string;
  /** Largest request body in bytes (default 1 MiB); larger bodies get 413. */
  readonly bodyLimit?: number;
  /** Fastify's logger (default off). */
  readonly logger?: FastifyServerOptions["logger"];
  /** Told about every request that failed with a 500 (default: a line on stderr). */
  readonly onServerError?: ServerErrorListener;
  /** The built web UI's files (default: `dist/ui/static` of this package, see `uiStaticDir`). */
  readonly uiDir?: string | null;
}

/** What route modules receive. */
export interface ApiContext {
  readonly scheduler: Scheduler;
  readonly logDir: string;
}

/** The Fastify instance routes are declared on: zod schemas for validation and types. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  import("node:http").IncomingMessage,
  import("node:http").ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * Creates the server: the REST API under `/api/v1`, `GET /health`, and the
 * web UI under `/ui/`. Call `listen()` to serve, or `inject()` to test.
 *
 * @example
 * ```ts
 * const scheduler = await Scheduler.open();
 * const { auth, token } = resolveApiToken({ home: assetflowHome() });
 * const server = createServer({ scheduler, auth, logDir: join(assetflowHome(), "logs") });
 * await server.listen({ port: 8080, host: "127.0.0.1" });
 * ```
 */
export function createServer(options: CreateServerOptions): ApiApp {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Percent-encoded asset URIs (up to 1500 characters) travel in path segments.
    routerOptions: { maxParamLength: 8000 },
    // ...and raw ones (s3://bucket/key) are encoded first, as Airflow's API accepts both.
    rewriteUrl: (request) => encodeRawAssetUri(request.url ?? "/"),
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    frameworkErrors: (error, _request, reply) => {
      sendProblem(reply, problem(400, `${error.message}: percent-encode path segments (encodeURIComponent).`));
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(createErrorHandler(options.onServerError ?? logServerErrorToStderr));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    sendProblem(
      reply,
      problem(
        404,
        `No route ${request.method} ${path.slice(0, 300)}. The API is under ${API_PREFIX} (see ${API_PREFIX}/openapi.json); asset URIs in paths must be percent-encoded.`,
      ),
    );
  });

  // JSON only. An empty JSON body is no body (some clients send a content type on DELETE).
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  // Invalid UTF-8 is refused (naming the key that holds it), never read as U+FFFD.
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return done(invalidUtf8(bytes), undefined);
    }
    if (text === "") return done(null, undefined);
    parseJson(request, text, done);
  });

  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    return payload;
  });

  app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "assetflow",
        version: "1",
        description:
          'Data-aware scheduling: assets, asset events, queued events, DAGs, runs and task instances. Every route but /health needs `Authorization: Bearer <token>`. Asset URIs in paths are percent-encoded (encodeURIComponent). Times are ISO 8601. Errors are `{ status, title, detail }`. Values under secret-looking keys (password, secret, token, api_key, apikey, credential, private_key; any case, any depth) are shown as "***".',
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            description:
              "The API token: ASSETFLOW_API_TOKEN, or the one printed at the first start (stored hashed in $ASSETFLOW_HOME/api-token.sha256).",
          },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: "Queued events", description: "Events a consumer DAG has received but not consumed yet." },
        { name: "Assets", description: "Assets, aliases, asset events and the asset graph." },
        { name: "DAGs", description: "DAGs, import errors and why a consumer waits." },
        { name: "DAG runs", description: "Runs, their consumed events, task instances and logs." },
        { name: "Monitoring", description: "Health, and what changed since a cursor." },
        { name: "Watchers", description: "Asset watchers, their state, and webhook deliveries." },
      ],
    },
    transform: createJsonSchemaTransform({ schemaRegistry: apiSchemaRegistry }),
    transformObject: finishOpenApiDocument(createJsonSchemaTransformObject({ schemaRegistry: apiSchemaRegistry })),
  });

  const context: ApiContext = { scheduler: options.scheduler, logDir: options.logDir };

  app.register(async (publicApp) => {
    const typed = publicApp.withTypeProvider<ZodTypeProvider>();
    typed.get(
      "/health",
      {
        schema: {
          tags: ["Monitoring"],
          operationId: "getHealth",
          summary: "Whether the server and its store answer (no token needed)",
          security: [],
          querystring: z.strictObject({}),
          response: { 200: z.object({ status: z.literal("ok") }), 503: problemSchema },
        },
      },
      async (_request, reply) => {
        try {
          await options.scheduler.ping();
        } catch {
          return sendProblem(reply, problem(503, "The store does not answer."));
        }
        return { status: "ok" as const };
      },
    );
    uiRoutes(typed, options.uiDir === undefined ? uiStaticDir() : options.uiDir);
  });

  // Webhook deliveries: no bearer token (HMAC signatures), raw bodies.
  app.register(
    async (webhooks) => {
      webhooks.addHook("preValidation", async (request, reply) =>
        refuseNulCharacters(request, reply, { bodyToo: false }),
      );
      webhookRoutes(webhooks, context);
    },
    { prefix: API_PREFIX },
  );

  app.register(
    async (api) => {
      const typed = api.withTypeProvider<ZodTypeProvider>();
      typed.addHook("onRequest", async (request, reply) => {
        const token = bearerToken(request.headers.authorization);
        if (token === null) {
          return sendProblem(
            reply,
            problem(401, "Missing bearer token: send the header `Authorization: Bearer <token>`."),
          );
        }
        if (!isValidToken(options.auth, token)) {
          return sendProblem(
            reply,
            problem(401, "Invalid token: use ASSETFLOW_API_TOKEN or the token printed at the server's first start."),
          );
        }
      });
      typed.addHook("preValidation", async (request, reply) => {
        if (request.body !== undefined && !request.routeOptions.schema?.body) {
          return sendProblem(
            reply,
            problem(400, `${request.method} ${request.routeOptions.url} takes no request body.`),
          );
        }
        return refuseNulCharacters(request, reply);
      });
      typed.get("/openapi.json", { schema: { hide: true, querystring: z.strictObject({}) } }, async () =>
        api.swagger(),
      );
      resourceRoutes(typed, context);
    },
    { prefix: API_PREFIX },
  );

  return app;
}

/** The dotted path of the first string (or key) holding U+0000, or null. Iterative: any depth is safe. */
/**
 * No store keeps NUL characters in text (PostgreSQL refuses them): a request
 * whose path, query or (parsed) body holds one is refused up front with a 400.
 */
function refuseNulCharacters(
  request: FastifyRequest,
  reply: FastifyReply,
  { bodyToo = true }: { bodyToo?: boolean } = {},
): FastifyReply | undefined {
  const nul = findNulCharacter({
    params: request.params,
    querystring: request.query,
    ...(bodyToo ? { body: request.body } : {}),
  });
  return nul === null ? undefined : sendProblem(reply, problem(400, `${nul} holds a NUL character (U+0000).`));
}

function findNulCharacter(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === "string") {
      if (current.includes("\u0000")) return path;
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    for (const [key, item] of Object.entries(current)) {
      const itemPath = path === "" ? key : `${path}.${key}`;
      if (key.includes("\u0000")) return itemPath;
      stack.push([item, itemPath]);
    }
  }
  return null;
}

/** The 400 for a body that is not UTF-8, naming the first key whose value (or which itself) holds the bad bytes. */
function invalidUtf8(bytes: Buffer): HttpProblem {
  let where = "";
  try {
    const path = pathOfReplacement(JSON.parse(bytes.toString("utf8")), "");
    if (path !== undefined) where = ` at key "${path}"`;
  } catch {}
  return new HttpProblem(
    400,
    `The request body is not valid UTF-8${where}: it would not be stored exactly. Send JSON encoded as UTF-8 (escape other bytes, or send binary data base64-encoded in a string).`,
  );
}

function pathOfReplacement(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return value.includes("\uFFFD") ? path : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = path === "" ? key : Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (key.includes("\uFFFD")) return at;
    const found = pathOfReplacement(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}
