/**
 * Asset and alias rows: created on first sight (replay-safe upserts), ids
 * cached in memory since assets and aliases are never deleted (once their
 * transaction commits: see `transaction.ts`).
 */
import type { JsonObject } from "../../sdk/json.js";
import { insertRows } from "./bulk-insert.js";
import { assetIdentity, type EngineContext, type Executor } from "./context.js";
import { matchNewAsset, matchNewAssets } from "./patterns.js";
import { lockRegistrations } from "./registration-lock.js";
import { knownAliasId, knownAssetId, learnAliasId, learnAssetId } from "./transaction.js";

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
  const cached = knownAssetId(ctx, db, key);
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
  learnAssetId(ctx, db, key, id);
  return id;
}

/** Assets per statement of {@link ensureAssets} (6 values each). */
const ASSET_CHUNK = 500;

/**
 * {@link ensureAsset} for many assets with a few statements per
 * {@link ASSET_CHUNK} (registering a project declares thousands): one read of
 * the existing rows, one multi-row insert of the new ones, and an update only
 * for declarations that changed. Returns the ids in the order of `assets`.
 */
export async function ensureAssets(
  ctx: EngineContext,
  db: Executor,
  assets: readonly AssetInput[],
  updateDeclaration = false,
): Promise<number[]> {
  const unique = new Map<string, AssetInput>();
  for (const asset of assets) unique.set(assetIdentity(asset.name, asset.uri), asset);
  const ids = new Map<string, number>();
  for (const key of unique.keys()) {
    const known = knownAssetId(ctx, db, key);
    if (known !== undefined) ids.set(key, known);
  }
  const todo = [...unique].filter(([key]) => updateDeclaration || !ids.has(key));
  for (let first = 0; first < todo.length; first += ASSET_CHUNK) {
    const chunk = todo.slice(first, first + ASSET_CHUNK);
    const rows = await db
      .selectFrom("asset")
      .select(["id", "name", "uri", "group_name", "extra", "schema"])
      .where(
        "uri",
        "in",
        chunk.map(([, asset]) => asset.uri),
      )
      .execute();
    const found = new Map(rows.map((row) => [assetIdentity(row.name, row.uri), row]));
    const missing = chunk.filter(([key]) => !found.has(key));
    if (missing.length > 0) {
      await lockRegistrations(ctx, db, "shared");
      const now = ctx.clock.now();
      const inserted = await insertRows<"asset", { id: number | string; name: string; uri: string }>(
        ctx.dialect,
        db,
        "asset",
        ["name", "uri", "group_name", "extra", "schema", "created_at"],
        missing.map(([, asset]) => [
          asset.name,
          asset.uri,
          asset.group,
          JSON.stringify(asset.extra),
          asset.schema ? JSON.stringify(asset.schema) : null,
          now,
        ]),
        "ON CONFLICT (name, uri) DO NOTHING RETURNING id, name, uri",
      );
      await matchNewAssets(
        ctx,
        db,
        inserted.map((row) => ({ id: Number(row.id), uri: row.uri })),
      );
      for (const row of inserted) ids.set(assetIdentity(row.name, row.uri), Number(row.id));
    }
    for (const [key, asset] of chunk) {
      const row = found.get(key);
      let id = row === undefined ? ids.get(key) : Number(row.id);
      // Inserted meanwhile by another transaction (it matched the patterns): the one-asset path reads it.
      if (id === undefined) id = await ensureAsset(ctx, db, asset, updateDeclaration);
      else if (row !== undefined && updateDeclaration) {
        const extra = JSON.stringify(asset.extra);
        const schema = asset.schema ? JSON.stringify(asset.schema) : null;
        if (row.group_name !== asset.group || row.extra !== extra || row.schema !== schema) {
          await db.updateTable("asset").set({ group_name: asset.group, extra, schema }).where("id", "=", id).execute();
        }
      }
      ids.set(key, id);
      learnAssetId(ctx, db, key, id);
    }
  }
  return assets.map((asset) => ids.get(assetIdentity(asset.name, asset.uri)) as number);
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

/** True when the store has a row for the asset (read in `db`, or known from the cache). */
export async function assetExists(ctx: EngineContext, db: Executor, asset: AssetInput): Promise<boolean> {
  return (
    knownAssetId(ctx, db, assetIdentity(asset.name, asset.uri)) !== undefined ||
    (await assetIdOf(db, asset)) !== undefined
  );
}

/** The id of an alias, creating its row if needed. */
export async function ensureAlias(ctx: EngineContext, db: Executor, name: string, group = "asset"): Promise<number> {
  const cached = knownAliasId(ctx, db, name);
  if (cached !== undefined) return cached;
  await db
    .insertInto("asset_alias")
    .values({ name, group_name: group })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const row = await db.selectFrom("asset_alias").select("id").where("name", "=", name).executeTakeFirstOrThrow();
  learnAliasId(ctx, db, name, row.id);
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
