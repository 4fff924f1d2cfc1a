/**
 * A store the process cannot reach for now: a PostgreSQL connection the server
 * dropped (restart, failover, `pg_terminate_backend`) or refused. The
 * statement in flight failed, and whether a COMMIT sent on that connection
 * took effect is unknown to the client; the pool opens a new connection for
 * the next statement, so the request may be retried. The API answers
 * `503 STORE_UNAVAILABLE` with `Retry-After`.
 */
import { AssetflowError } from "../../sdk/errors.js";

/** The stable code of {@link StoreUnavailableError}. */
export const STORE_UNAVAILABLE = "STORE_UNAVAILABLE";

/** The store's connection was lost (or refused) while serving a request. */
export class StoreUnavailableError extends AssetflowError {}

/** PostgreSQL SQLSTATEs of a connection the server ends: admin_shutdown, crash_shutdown, cannot_connect_now. */
const SHUTDOWN_STATES = new Set(["57P01", "57P02", "57P03"]);
/** Node socket errors of a lost or refused connection. */
const SOCKET_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);
/** node-postgres' messages for a connection that ended or broke (these errors carry no code). */
const LOST_MESSAGE = /connection terminated|not queryable|terminating connection/i;

/**
 * Whether `error` says the store's connection was lost or refused (as opposed
 * to a statement the database rejected).
 *
 * @example
 * ```ts
 * isConnectionLost(new Error("Connection terminated unexpectedly")); // true
 * isConnectionLost(Object.assign(new Error("duplicate key"), { code: "23505" })); // false
 * ```
 */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (SHUTDOWN_STATES.has(code) || SOCKET_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return error instanceof Error && code === undefined && LOST_MESSAGE.test(error.message);
}

/**
 * `error` as a {@link StoreUnavailableError} when the store's connection was
 * lost, else `error` itself. `what` completes "The store's connection was lost
 * while ..." and may say what the client should do.
 *
 * @example
 * ```ts
 * throw asStoreUnavailableError(error, "recording the event: retry with the same Idempotency-Key");
 * ```
 */
export function asStoreUnavailableError(error: unknown, what: string): unknown {
  if (!isConnectionLost(error) || error instanceof StoreUnavailableError) return error;
  return new StoreUnavailableError(STORE_UNAVAILABLE, `The store's connection was lost while ${what}.`, {
    cause: error,
  });
}

/**
 * How long work that must not fail for a lost connection (settling whether a
 * COMMIT took effect, reading back what a request committed) keeps retrying
 * while the store's connection drops, ms: below the usual HTTP client
 * timeouts (30 s).
 */
export const STORE_RETRY_BUDGET_MS = 10_000;

/** The first and the longest pause between those retries, ms (doubling in between). */
export const STORE_RETRY_PAUSE_MS = { first: 50, max: 1_000 } as const;

/**
 * Runs `work`, and again after 50, 100, 200, ... ms (at most 1 s apart) while
 * it fails because the store's connection was lost ({@link isConnectionLost}),
 * for at most {@link STORE_RETRY_BUDGET_MS}. Any other error, or the last
 * one, is thrown.
 *
 * @example
 * ```ts
 * const event = await retryWhileConnectionLost(() => read.assetEvents.get(eventId));
 * ```
 */
export async function retryWhileConnectionLost<T>(work: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + STORE_RETRY_BUDGET_MS;
  for (let pause: number = STORE_RETRY_PAUSE_MS.first; ; pause = Math.min(pause * 2, STORE_RETRY_PAUSE_MS.max)) {
    try {
      return await work();
    } catch (error) {
      if (!isConnectionLost(error) || Date.now() + pause > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
