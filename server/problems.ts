/**
 * Errors as the API answers them: always JSON `{ status, title, detail }`
 * (the members of RFC 9457 problem details), never a stack trace. Handlers
 * throw {@link HttpProblem}; everything else is mapped here.
 */
import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { isConnectionLost, STORE_UNAVAILABLE } from "../scheduler/store/store-unavailable.js";
import { isAssetflowError } from "../sdk/errors.js";

/** The body of every error response. */
export interface Problem {
  /** The HTTP status code, repeated. */
  readonly status: number;
  /** The standard phrase of the status ("Not Found"). */
  readonly title: string;
  /** What went wrong and, when it helps, how to fix it. */
  readonly detail: string;
  /** The stable code of an assetflow error (`STORE_FULL`, `DAG_NOT_FOUND`, ...), when there is one. */
  readonly code?: string;
}

/**
 * An error a handler throws to answer with a given status.
 *
 * @example
 * ```ts
 * throw new HttpProblem(404, `No DAG "${dagId}" is registered.`);
 * ```
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "HttpProblem";
  }
}

/**
 * Builds a problem for a status.
 *
 * @example
 * ```ts
 * problem(404, "No DAG \"x\"."); // { status: 404, title: "Not Found", detail: "No DAG \"x\"." }
 * ```
 */
export function problem(status: number, detail: string, code?: string): Problem {
  return { status, title: STATUS_CODES[status] ?? "Error", detail, ...(code === undefined ? {} : { code }) };
}

/** HTTP status of scheduler error codes a client can provoke. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  DAG_NOT_FOUND: 404,
  ASSET_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  RUN_EXISTS: 409,
  ASSET_AMBIGUOUS: 409,
  ASSET_NO_PRODUCER: 409,
  ASSET_PRODUCER_AMBIGUOUS: 409,
  DAG_NOT_A_PRODUCER: 409,
  // The store's disk is full: nothing was written; the client may retry once space is freed.
  STORE_FULL: 507,
  // The store's connection was lost: the client may retry (with the same Idempotency-Key for an event).
  [STORE_UNAVAILABLE]: 503,
};

/** Seconds a client waits before retrying a 503 (the header `Retry-After`). */
const RETRY_AFTER_S = 1;

const MAX_DETAIL = 2000;

/**
 * Maps any error to a problem. Client errors keep their message; a lost
 * store connection is a 503 `STORE_UNAVAILABLE`; anything else is a 500 whose detail says nothing about internals (the caller logs it).
 *
 * @example
 * ```ts
 * problemOf(new HttpProblem(409, "taken")).status; // 409
 * problemOf(new Error("disk on fire")).detail; // "The server failed to answer this request; ..."
 * ```
 */
export function problemOf(error: unknown): Problem {
  if (error instanceof HttpProblem) return problem(error.status, error.detail);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.slice(0, 10).map((issue) => {
      const path = issue.instancePath === "/" ? "" : issue.instancePath.replaceAll("/", ".");
      const where = `${error.validationContext ?? "request"}${path}`;
      return `${where}: ${issue.message}`;
    });
    return problem(400, truncate(`Invalid request. ${issues.join("; ")}`));
  }
  if (isAssetflowError(error)) return problem(STATUS_OF_CODE[error.code] ?? 400, truncate(error.message), error.code);
  if (isConnectionLost(error)) {
    return problem(
      503,
      "The store's connection was lost while answering this request: retry shortly.",
      STORE_UNAVAILABLE,
    );
  }
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return problem(status, truncate((error as Error).message || (STATUS_CODES[status] ?? "Bad request")));
  }
  return problem(500, "The server failed to answer this request; the server log has the details.");
}

/**
 * Sends a problem as the response (JSON; a 401 also gets `WWW-Authenticate`, a 503 `Retry-After`).
 *
 * @example
 * ```ts
 * return sendProblem(reply, problem(401, "Missing bearer token."));
 * ```
 */
export function sendProblem(reply: FastifyReply, value: Problem): FastifyReply {
  if (value.status === 401) reply.header("www-authenticate", 'Bearer realm="assetflow"');
  if (value.status === 503) reply.header("retry-after", String(RETRY_AFTER_S));
  return reply.code(value.status).header("content-type", "application/json; charset=utf-8").send(JSON.stringify(value));
}

/** Called with errors that became a 500, for the log. */
export type ServerErrorListener = (error: unknown, request: FastifyRequest) => void;

/**
 * Writes a failed request and its error to stderr: the default {@link ServerErrorListener}.
 *
 * @example
 * ```ts
 * createServer({ scheduler, auth, logDir, onServerError: logServerErrorToStderr });
 * ```
 */
export const logServerErrorToStderr: ServerErrorListener = (error, request) => {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`assetflow api: ${request.method} ${request.url.split("?")[0]} failed: ${text}\n`);
};

/**
 * A Fastify error handler: every error becomes a problem; server errors go to `onServerError`.
 *
 * @example
 * ```ts
 * app.setErrorHandler(createErrorHandler(logServerErrorToStderr));
 * ```
 */
export function createErrorHandler(onServerError: ServerErrorListener) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const value = problemOf(error);
    if (value.status >= 500) onServerError(error, request);
    return sendProblem(reply, value);
  };
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}
