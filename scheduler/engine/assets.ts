/**
 * Asset and alias rows: created on first sight (replay-safe upserts), ids
 * cached in memory since assets and aliases are never deleted.
 */
import type { JsonObject } from "../../sdk/json.js";
import { assetIdentity, type EngineContext, type Executor } from "./context.js";
import { matchNewAsset } from "./patterns.js";
import { lockRegistrations } from "./registration-lock.js";

/** An asset as the engine records it. */
export interface AssetInput {
  readonly name: string;
  readonly uri: string;
  readonly group: string;
  readonly extra: JsonObject;
  /** The JSON Schema of its events' extras, if it has one. */
  readonly schema?: JsonObject | null | undefined;
}

/**
 * The id of an asset, creating its row if needed (and recording the URI
 * patterns it matches). `updateDeclaration` refreshes `group`/`extra`/`schema`
 * (at registration: the latest declaration wins).
 */
export async function ensureAsset(
  ctx: EngineContext,
  db: Executor,
  asset: AssetInput,
  updateDeclaration = false,
): Promise<number> {
  const key = assetIdentity(asset.name, asset.uri);
  const cached = ctx.assetIds.get(key);
  if (cached !== undefined && !updateDeclaration) return cached;
  const extra = JSON.stringify(asset.extra);
  const schema = asset.schema ? JSON.stringify(asset.schema) : null;
  let id = cached ?? (await assetIdOf(db, asset));
  if (id === undefined) {
    await lockRegistrations(ctx, db, "shared");
    const inserted = await db
      .insertInto("asset")
      .values({ name: asset.name, uri: asset.uri, group_name: asset.group, extra, schema, created_at: ctx.clock.now() })
      .onConflict((oc) => oc.columns(["name", "uri"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (inserted) {
      id = Number(inserted.id);
      await matchNewAsset(ctx, db, id, asset.uri);
    } else {
      // Another transaction created it meanwhile (and matched it).
      id = (await assetIdOf(db, asset)) as number;
    }
  }
  if (updateDeclaration) {
    await db.updateTable("asset").set({ group_name: asset.group, extra, schema }).where("id", "=", id).execute();
  }
  ctx.assetIds.set(key, id);
  return id;
}

async function assetIdOf(db: Executor, asset: AssetInput): Promise<number | undefined> {
  const row = await db
    .selectFrom("asset")
    .select("id")
    .where("name", "=", asset.name)
    .where("uri", "=", asset.uri)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.id);
}

/** The id of an alias, creating its row if needed. */
export async function ensureAlias(ctx: EngineContext, db: Executor, name: string, group = "asset"): Promise<number> {
  const cached = ctx.aliasIds.get(name);
  if (cached !== undefined) return cached;
  await db
    .insertInto("asset_alias")
    .values({ name, group_name: group })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const row = await db.selectFrom("asset_alias").select("id").where("name", "=", name).executeTakeFirstOrThrow();
  ctx.aliasIds.set(name, row.id);
  return row.id;
}

/** Records that `aliasId` resolved to `assetId` (idempotent). */
export async function linkAliasToAsset(db: Executor, aliasId: number, assetId: number): Promise<void> {
  await db
    .insertInto("asset_alias_asset")
    .values({ alias_id: aliasId, asset_id: assetId })
    .onConflict((oc) => oc.columns(["alias_id", "asset_id"]).doNothing())
    .execute();
}
