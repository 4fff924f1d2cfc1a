/**
 * Watchers in the store: their declarations (from registered manifests), the
 * leases saying which process runs each, and recording one source message as
 * an asset event together with the watcher's position and the message's key,
 * in the caller's transaction: exactly once from source to event.
 */

import { AssetflowError } from "../../sdk/errors.js";
import type { JsonObject, JsonValue } from "../../sdk/json.js";

export type { WatcherMessage, WatcherRecord } from "../contracts.js";

import type { Manifest } from "../../sdk/manifest/schema.js";
import type { WatcherMessage, WatcherRecord } from "../contracts.js";
import type { WatcherTable } from "../store/schema.js";
import { PASSIVE_WATCHER_KINDS } from "../watcher-state.js";
import type { EngineContext, Executor } from "./context.js";
import { type RecordedEvent, recordEvent } from "./events.js";
import type { RegistrationScope } from "./registration.js";

/** The id of a watcher: `<uri>#<name>`, with the asset's name first when it differs from its URI. */
export function watcherIdOf(asset: { name: string; uri: string }, name: string): string {
  return asset.name === asset.uri ? `${asset.uri}#${name}` : `${asset.name}|${asset.uri}#${name}`;
}

/** The declaration rows' file for a scope: the DAG file, or `""` for a whole-project or merged manifest. */
const PROJECT_FILELOC = "";

/** What re-registration did to watchers: those it removed (no file declares them any more) and those declared again. */
export interface WatcherDeclarationChanges {
  readonly removed: string[];
  readonly restored: string[];
}

/**
 * Writes the watchers a manifest declares (new ones, changed configurations),
 * keeping their state, and where they are declared (`scope`: the DAG file,
 * or the whole project). A watcher that no file declares any more is marked
 * removed and loses its lease: no process runs it, and it records nothing.
 * Its row stays (position, delivered keys), so declaring it again resumes it
 * where it stopped without recording a message twice.
 */
export async function declareWatchers(
  ctx: EngineContext,
  trx: Executor,
  manifest: Manifest,
  scope: RegistrationScope,
): Promise<WatcherDeclarationChanges> {
  const now = ctx.clock.now();
  const fileloc = scope.kind === "file" ? scope.fileloc : PROJECT_FILELOC;
  if (scope.kind === "project") await trx.deleteFrom("watcher_declaration").execute();
  if (scope.kind === "file") await trx.deleteFrom("watcher_declaration").where("fileloc", "=", fileloc).execute();
  const declared: string[] = [];
  for (const asset of manifest.assets) {
    for (const watcher of asset.watchers ?? []) {
      const watcherId = watcherIdOf(asset, watcher.name);
      declared.push(watcherId);
      const config = JSON.stringify(watcher);
      await trx
        .insertInto("watcher")
        .values({
          watcher_id: watcherId,
          asset_name: asset.name,
          asset_uri: asset.uri,
          name: watcher.name,
          kind: watcher.kind,
          config,
          events: 0,
          updated_at: now,
        })
        .onConflict((oc) => oc.column("watcher_id").doUpdateSet({ kind: watcher.kind, config, updated_at: now }))
        .execute();
      await trx
        .insertInto("watcher_declaration")
        .values({ watcher_id: watcherId, fileloc })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
  const restored =
    declared.length === 0
      ? []
      : await trx
          .updateTable("watcher")
          .set({ removed_at: null, updated_at: now })
          .where("watcher_id", "in", declared)
          .where("removed_at", "is not", null)
          .returning("watcher_id")
          .execute();
  const removed = await trx
    .updateTable("watcher")
    .set({ removed_at: now, lease_owner: null, lease_expires_at: null, updated_at: now })
    .where("removed_at", "is", null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("watcher_declaration")
            .select("watcher_declaration.watcher_id")
            .whereRef("watcher_declaration.watcher_id", "=", "watcher.watcher_id"),
        ),
      ),
    )
    .returning("watcher_id")
    .execute();
  return { removed: removed.map((row) => row.watcher_id), restored: restored.map((row) => row.watcher_id) };
}

/**
 * Takes (or renews) the lease of every watcher that is free, expired, or
 * already `owner`'s, for `ttlMs`; returns the watchers `owner` now holds. One
 * statement: two processes never both get one watcher.
 */
export async function claimWatchers(
  ctx: EngineContext,
  trx: Executor,
  owner: string,
  ttlMs: number,
): Promise<WatcherRecord[]> {
  const now = ctx.clock.now();
  const rows = await trx
    .updateTable("watcher")
    .set({ lease_owner: owner, lease_expires_at: now + ttlMs })
    .where("kind", "not in", PASSIVE_WATCHER_KINDS as string[])
    .where("removed_at", "is", null)
    .where((eb) =>
      eb.or([eb("lease_owner", "is", null), eb("lease_owner", "=", owner), eb("lease_expires_at", "<", now)]),
    )
    .returningAll()
    .execute();
  return rows.map(toRecord).sort((a, b) => (a.watcherId < b.watcherId ? -1 : 1));
}

/** Gives up `owner`'s leases (a clean shutdown): another process takes them at once. */
export async function releaseWatchers(trx: Executor, owner: string): Promise<void> {
  await trx
    .updateTable("watcher")
    .set({ lease_owner: null, lease_expires_at: null })
    .where("lease_owner", "=", owner)
    .execute();
}

/** What recording a message did. */
export type WatcherOutcome =
  | ({ readonly recorded: true } & RecordedEvent)
  | { readonly recorded: false; readonly eventId: number };

/**
 * Records a source message: unless the watcher already recorded its key, the
 * asset event (schema-checked, routed to consumers), the key, and the
 * watcher's position, all in `trx`. A message whose key was recorded only
 * moves the position. Throws `WATCHER_LEASE_LOST` when `owner` no longer holds
 * the lease (another process runs the watcher now: it must not record),
 * `WATCHER_REMOVED` when no DAG file declares the watcher any more, and
 * `WATCHER_NOT_FOUND` for an unknown watcher.
 */
export async function recordWatcherMessage(
  ctx: EngineContext,
  trx: Executor,
  message: WatcherMessage,
): Promise<WatcherOutcome> {
  const now = ctx.clock.now();
  let query = trx.selectFrom("watcher").selectAll().where("watcher_id", "=", message.watcherId);
  // The row lock orders this against a lease being taken over.
  if (ctx.dialect === "postgres") query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) {
    throw new AssetflowError(
      "WATCHER_NOT_FOUND",
      `No watcher "${message.watcherId}" is declared. Declare it in new Asset(uri, { watchers }) and register the DAG file.`,
    );
  }
  if (row.removed_at !== null) {
    throw new AssetflowError(
      "WATCHER_REMOVED",
      `Watcher "${message.watcherId}" was removed (no DAG file declares it any more): its message was not recorded. Declare it again in new Asset(uri, { watchers }) to resume it.`,
    );
  }
  if (
    message.owner !== null &&
    (row.lease_owner !== message.owner || (row.lease_expires_at !== null && Number(row.lease_expires_at) < now))
  ) {
    throw new AssetflowError(
      "WATCHER_LEASE_LOST",
      `Watcher "${message.watcherId}" is no longer held by ${message.owner} (held by ${row.lease_owner ?? "nobody"}): its message was not recorded.`,
    );
  }
  const position = JSON.stringify(message.position);
  const seen = await trx
    .selectFrom("watcher_delivery")
    .select("event_id")
    .where("watcher_id", "=", message.watcherId)
    .where("delivery_key", "=", message.key)
    .executeTakeFirst();
  if (seen) {
    await trx
      .updateTable("watcher")
      .set({ position, updated_at: now })
      .where("watcher_id", "=", message.watcherId)
      .execute();
    return { recorded: false, eventId: Number(seen.event_id) };
  }
  const asset = await trx
    .selectFrom("asset")
    .select(["group_name", "extra"])
    .where("name", "=", row.asset_name)
    .where("uri", "=", row.asset_uri)
    .executeTakeFirst();
  const recorded = await recordEvent(ctx, trx, {
    asset: {
      name: row.asset_name,
      uri: row.asset_uri,
      group: asset?.group_name ?? "asset",
      extra: asset ? (JSON.parse(asset.extra) as JsonObject) : {},
    },
    extra: message.extra,
    aliases: [],
    source: null,
    origin: `reported by watcher "${row.name}" (${row.kind})`,
  });
  await trx
    .insertInto("watcher_delivery")
    .values({ watcher_id: message.watcherId, delivery_key: message.key, event_id: recorded.eventId, created_at: now })
    .execute();
  await trx
    .updateTable("watcher")
    .set((eb) => ({ position, events: eb("events", "+", 1), last_event_at: now, updated_at: now }))
    .where("watcher_id", "=", message.watcherId)
    .execute();
  return { recorded: true, ...recorded };
}

/** Records a watcher's last error (null: cleared) and lag (undefined: unchanged). */
export async function reportWatcherState(
  ctx: EngineContext,
  trx: Executor,
  watcherId: string,
  state: { error?: string | null; lag?: number | null },
): Promise<void> {
  const now = ctx.clock.now();
  await trx
    .updateTable("watcher")
    .set({
      ...(state.error === undefined
        ? {}
        : { last_error: state.error, last_error_at: state.error === null ? null : now }),
      ...(state.lag === undefined ? {} : { lag: state.lag }),
      updated_at: now,
    })
    .where("watcher_id", "=", watcherId)
    .execute();
}

/** Every declared watcher, by asset URI and name. */
export async function listWatchers(db: Executor, filter: { uri?: string } = {}): Promise<WatcherRecord[]> {
  const rows = await db
    .selectFrom("watcher")
    .selectAll()
    .$if(filter.uri !== undefined, (q) => q.where("asset_uri", "=", filter.uri as string))
    .orderBy("asset_uri")
    .orderBy("name")
    .execute();
  return rows.map(toRecord);
}

/** A watcher's configuration by id (webhooks: the API server checks signatures with it). */
export async function getWatcher(db: Executor, watcherId: string): Promise<WatcherRecord | undefined> {
  const row = await db.selectFrom("watcher").selectAll().where("watcher_id", "=", watcherId).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

function toRecord(row: WatcherTable): WatcherRecord {
  const nullableNumber = (value: number | null): number | null => (value === null ? null : Number(value));
  return {
    watcherId: row.watcher_id,
    asset: { name: row.asset_name, uri: row.asset_uri },
    name: row.name,
    kind: row.kind,
    config: JSON.parse(row.config) as WatcherRecord["config"],
    position: row.position === null ? null : (JSON.parse(row.position) as JsonValue),
    events: Number(row.events),
    lastEventAt: nullableNumber(row.last_event_at),
    lastError: row.last_error,
    lastErrorAt: nullableNumber(row.last_error_at),
    lag: nullableNumber(row.lag),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: nullableNumber(row.lease_expires_at),
    removedAt: nullableNumber(row.removed_at),
  };
}
