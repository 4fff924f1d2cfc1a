/**
 * A store whose disk (or size limit) is full: SQLite's `SQLITE_FULL` and
 * PostgreSQL's `disk_full` (53100) become one typed error, so that a request
 * answers `507 STORE_FULL`, a worker keeps its report to write again, and no
 * process dies. Nothing is half written: the transaction was rolled back.
 */
import { AssetflowError } from "../../sdk/errors.js";

/** The stable code of {@link StoreFullError}. */
export const STORE_FULL = "STORE_FULL";

/** The store could not write because its disk (or its size limit) is full. */
export class StoreFullError extends AssetflowError {}

/**
 * `error` as a {@link StoreFullError} when it says the store is full
 * (`SQLITE_FULL`, PostgreSQL `53100 disk_full`), else `error` itself. The
 * message does not name the location (API clients read it); `details` does.
 *
 * @example
 * ```ts
 * try { statement.run(); } catch (error) { throw asStoreFullError(error, "/home/.assetflow/assetflow.db"); }
 * ```
 */
export function asStoreFullError(error: unknown, location: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "SQLITE_FULL" && code !== "53100") return error;
  const cause = (error as Error).message;
  return new StoreFullError(
    STORE_FULL,
    `The store is full (${code}: ${cause}): nothing was written. Free disk space where the store lives (or raise its size limit) and try again.`,
    { cause: error, details: { location } },
  );
}
