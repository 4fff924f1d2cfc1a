/**
 * Asset catch-up: a consumer registered (or unpaused with
 * `whilePaused: "catchup"`) after events were recorded queues the earlier
 * events its `catchup` asks for — the last event of each asset it needs
 * (`latest`), or every event since a time (`all`). Events this DAG already
 * consumed are never queued again.
 */
import { sql } from "kysely";
import type { AssetCatchupManifest } from "../../sdk/manifest/schema.js";
import { consumedAssetIds } from "./consumed-assets.js";
import type { EngineContext, Executor } from "./context.js";

/**
 * Queues the events `catchup` selects among those recorded at or after `from`
 * (epoch ms; null: ever). Returns how many entries were queued.
 */
export async function applyAssetCatchup(
  ctx: EngineContext,
  trx: Executor,
  dagId: string,
  catchup: AssetCatchupManifest,
  from: number | null,
): Promise<number> {
  const since = Math.max(
    from ?? Number.MIN_SAFE_INTEGER,
    catchup.kind === "all" && catchup.since !== null ? Date.parse(catchup.since) : Number.MIN_SAFE_INTEGER,
  );
  const now = ctx.clock.now();
  const chosen =
    catchup.kind === "latest"
      ? sql`SELECT max(e.id) FROM asset_event e
            WHERE e.asset_id IN (${consumedAssetIds(dagId)}) AND e.timestamp >= ${since}
            GROUP BY e.asset_id`
      : sql`SELECT e.id FROM asset_event e
            WHERE e.asset_id IN (${consumedAssetIds(dagId)}) AND e.timestamp >= ${since}`;
  const result = await sql`
    INSERT INTO asset_event_inbox (dag_id, event_id, asset_id, created_at)
    SELECT ${dagId}, e.id, e.asset_id, ${now} FROM asset_event e
    WHERE e.id IN (${chosen})
      AND NOT EXISTS (SELECT 1 FROM dag_run_consumed_event c WHERE c.dag_id = ${dagId} AND c.event_id = e.id)
    ON CONFLICT DO NOTHING
  `.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}
