/**
 * URI patterns of consumer schedules. An asset is matched against every
 * pattern once, when it is created (through an index over segments, so the
 * cost does not grow with the number of patterns), and a new pattern once
 * against the assets that exist; the matches (with their captures) are rows,
 * so routing an event to pattern subscribers is one indexed join, as for
 * aliases.
 */

import { matchUriPattern, segmentPattern, type UriPattern } from "../../sdk/uri/pattern.js";
import type { UriPatternIndex } from "../../sdk/uri/pattern-index.js";
import type { EngineContext, Executor } from "./context.js";
import { notePatternsRead } from "./transaction.js";

/** Match rows inserted per statement (3 values each). */
const MATCH_INSERT_CHUNK = 1000;

/** The parsed form of a pattern the manifest schema already validated. */
export function parsedPattern(text: string): UriPattern {
  const pattern = segmentPattern(text);
  if (typeof pattern === "string")
    throw new Error(`assetflow bug: an invalid pattern reached the scheduler: ${pattern}`);
  return pattern;
}

/**
 * The id of a pattern, creating it (and matching it against every existing
 * asset it may match) when new. Run it inside a registration (which holds the
 * registration lock).
 */
export async function ensurePattern(ctx: EngineContext, trx: Executor, text: string): Promise<number> {
  const existing = await trx.selectFrom("uri_pattern").select("id").where("pattern", "=", text).executeTakeFirst();
  if (existing) return Number(existing.id);
  const inserted = await trx
    .insertInto("uri_pattern")
    .values({ pattern: text, created_at: ctx.clock.now() })
    .returning("id")
    .executeTakeFirstOrThrow();
  const patternId = Number(inserted.id);
  const pattern = parsedPattern(text);
  // Only assets that start with the pattern's literal prefix can match.
  const prefix = text.slice(0, text.indexOf("{"));
  const candidates = await trx
    .selectFrom("asset")
    .select(["id", "uri"])
    .where((eb) => eb(eb.fn("substr", ["uri", eb.val(1), eb.val(prefix.length)]), "=", prefix))
    .execute();
  const rows = candidates.flatMap((asset) => {
    const captures = matchUriPattern(pattern, asset.uri);
    return captures ? [{ asset_id: Number(asset.id), pattern_id: patternId, captures: JSON.stringify(captures) }] : [];
  });
  for (let first = 0; first < rows.length; first += MATCH_INSERT_CHUNK) {
    await trx
      .insertInto("asset_pattern_match")
      .values(rows.slice(first, first + MATCH_INSERT_CHUNK))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return patternId;
}

/**
 * Records which patterns a newly created asset matches. The caller holds the
 * registration lock shared (PostgreSQL) or the write lock (SQLite), so no
 * pattern commits unseen meanwhile.
 */
export async function matchNewAsset(ctx: EngineContext, trx: Executor, assetId: number, uri: string): Promise<void> {
  await matchNewAssets(ctx, trx, [{ id: assetId, uri }]);
}

/** {@link matchNewAsset} for many new assets: the pattern index is read once. */
export async function matchNewAssets(
  ctx: EngineContext,
  trx: Executor,
  assets: ReadonlyArray<{ readonly id: number; readonly uri: string }>,
): Promise<void> {
  if (assets.length === 0) return;
  const index = await patternIndex(ctx, trx);
  if (index.size === 0) return;
  const rows = assets.flatMap(({ id, uri }) =>
    index
      .match(uri)
      .map((match) => ({ asset_id: id, pattern_id: match.value, captures: JSON.stringify(match.captures) })),
  );
  for (let first = 0; first < rows.length; first += MATCH_INSERT_CHUNK) {
    await trx
      .insertInto("asset_pattern_match")
      .values(rows.slice(first, first + MATCH_INSERT_CHUNK))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/** The context's pattern index, with the patterns added since it was last read (patterns are only ever added). */
async function patternIndex(ctx: EngineContext, db: Executor): Promise<UriPatternIndex<number>> {
  const state = ctx.patterns;
  const added = await db
    .selectFrom("uri_pattern")
    .select(["id", "pattern"])
    .where("id", ">", state.loadedUpTo)
    .orderBy("id")
    .execute();
  for (const row of added) {
    state.index.add(parsedPattern(row.pattern), Number(row.id));
    state.loadedUpTo = Number(row.id);
  }
  // Its own patterns may be among them: if its transaction rolls back, the index is read again.
  if (added.length > 0) notePatternsRead(ctx, db);
  return state.index;
}
