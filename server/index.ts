/**
 * assetflow's server: the REST API (OpenAPI at `/api/v1/openapi.json`) and
 * the web UI, on Fastify.
 *
 * @example
 * ```ts
 * import { createServer, resolveApiToken } from "assetflow/server";
 * const { auth } = resolveApiToken({ home: ".assetflow" });
 * const server = createServer({ scheduler, auth, logDir: ".assetflow/logs" });
 * await server.listen({ port: 8080 });
 * ```
 *
 * @packageDocumentation
 */

export { isSecretKey, MASK, maskSecrets } from "../sdk/masking.js";
export {
  API_TOKEN_FILE,
  type ApiAuth,
  ApiTokenError,
  apiAuthFromToken,
  bearerToken,
  DEV_TOKEN_FILE,
  hashToken,
  isValidToken,
  MIN_API_TOKEN_LENGTH,
  type ResolvedApiToken,
  resolveApiToken,
  resolveDevToken,
} from "./auth.js";
export { HttpProblem, type Problem, type ServerErrorListener } from "./problems.js";
export { API_PREFIX, type ApiApp, type CreateServerOptions, createServer, DEFAULT_BODY_LIMIT } from "./server.js";
export { UI_PATH, uiStaticDir } from "./ui/routes.js";
