/**
 * The registration lock (PostgreSQL): registrations take it exclusively;
 * creating an asset takes it shared, so that a URI pattern registered at the
 * same time is either seen by the new asset or sees it (see `patterns.ts`).
 * SQLite has one writer at a time and needs none.
 */
import { sql } from "kysely";
import type { EngineContext, Executor } from "./context.js";

/** Takes the registration lock for the rest of the transaction (a no-op on SQLite). */
export async function lockRegistrations(
  ctx: EngineContext,
  trx: Executor,
  mode: "exclusive" | "shared",
): Promise<void> {
  if (ctx.dialect !== "postgres") return;
  if (mode === "exclusive") {
    await sql`SELECT pg_advisory_xact_lock(hashtext('assetflow.registration.' || current_schema()))`.execute(trx);
  } else {
    await sql`SELECT pg_advisory_xact_lock_shared(hashtext('assetflow.registration.' || current_schema()))`.execute(
      trx,
    );
  }
}
