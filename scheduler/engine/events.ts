/**
 * Recording asset events and routing each into the inbox of every consumer
 * whose schedule reaches its asset, in the caller's transaction.
 */
import { sql } from "kysely";
import type { JsonObject } from "../../sdk/json.js";
import { ensureAlias, ensureAsset, linkAliasToAsset } from "./assets.js";
import type { EngineContext, Executor } from "./context.js";

/** An event to record. */
export interface EventToRecord {
  readonly asset: { readonly name: string; readonly uri: string; readonly group: string; readonly extra: JsonObject };
  readonly extra: JsonObject;
  readonly aliases: readonly string[];
  readonly source: {
    readonly dagId: string;
    readonly taskId: string;
    readonly runId: string;
    readonly mapIndex: number;
  } | null;
}

/** A recorded event and the consumers it was routed to. */
export interface RecordedEvent {
  readonly eventId: number;
  readonly assetId: number;
  readonly consumers: string[];
}

/**
 * Records one event: creates the asset (and aliases) if new, resolves the
 * aliases to the asset, inserts the event, and routes it into the inbox of
 * every active consumer that references the asset directly, through an alias
 * it ever resolved through, or by name or URI.
 */
export async function recordEvent(ctx: EngineContext, trx: Executor, event: EventToRecord): Promise<RecordedEvent> {
  const now = ctx.clock.now();
  const assetId = await ensureAsset(ctx, trx, event.asset);
  const aliasIds: number[] = [];
  for (const alias of event.aliases) {
    const aliasId = await ensureAlias(ctx, trx, alias);
    await linkAliasToAsset(trx, aliasId, assetId);
    aliasIds.push(aliasId);
  }
  const inserted = await trx
    .insertInto("asset_event")
    .values({
      asset_id: assetId,
      extra: JSON.stringify(event.extra),
      timestamp: now,
      source_dag_id: event.source?.dagId ?? null,
      source_task_id: event.source?.taskId ?? null,
      source_run_id: event.source?.runId ?? null,
      source_map_index: event.source?.mapIndex ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const eventId = Number(inserted.id);
  if (aliasIds.length > 0) {
    await trx
      .insertInto("asset_event_alias")
      .values(aliasIds.map((aliasId) => ({ event_id: eventId, alias_id: aliasId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const routed = await sql<{ dag_id: string }>`
    INSERT INTO asset_event_inbox (dag_id, event_id, asset_id, created_at)
    SELECT d.dag_id, ${eventId}, ${assetId}, ${now} FROM dag d
    WHERE d.is_active = 1 AND d.dag_id IN (
      SELECT dag_id FROM dag_schedule_asset WHERE asset_id = ${assetId}
      UNION SELECT sa.dag_id FROM dag_schedule_alias sa
        JOIN asset_alias_asset aa ON aa.alias_id = sa.alias_id WHERE aa.asset_id = ${assetId}
      UNION SELECT dag_id FROM dag_schedule_ref
        WHERE (ref_kind = 'name' AND value = ${event.asset.name}) OR (ref_kind = 'uri' AND value = ${event.asset.uri})
    )
    ON CONFLICT DO NOTHING
    RETURNING dag_id
  `.execute(trx);
  return { eventId, assetId, consumers: routed.rows.map((row) => row.dag_id) };
}
