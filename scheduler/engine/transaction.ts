/**
 * The engine's transactions, and the cached ids they teach the engine context.
 *
 * A transaction that inserts an asset or an alias learns its id before it
 * commits. Were the id cached at once, a rollback (a lost connection, a
 * conflict, any error) would leave the cache pointing at a row that does not
 * exist: on PostgreSQL every later event of that asset would name a missing
 * asset, on SQLite the id would come back for another asset. So an id learned
 * inside a transaction stays with that transaction (other transactions do not
 * see it) and joins the context's cache only when the transaction commits; a
 * transaction opened elsewhere than {@link inTransaction} caches nothing.
 * The URI pattern index, read inside transactions too, is rebuilt from the
 * store after such a transaction that added patterns to it rolls back.
 */
import type { Transaction } from "kysely";
import { UriPatternIndex } from "../../sdk/uri/pattern-index.js";
import type { Database } from "../store/schema.js";
import type { EngineContext, Executor } from "./context.js";

/** What one transaction learned: the context's once it commits. */
export interface UncommittedFacts {
  /** Asset ids by identity key. */
  readonly assetIds: Map<string, number>;
  /** Alias ids by name. */
  readonly aliasIds: Map<string, number>;
  /** Whether it added patterns to the context's pattern index. */
  patternsRead: boolean;
}

/**
 * Runs `work` in one transaction of the context's store; the ids it learned
 * join the context's caches once it commits, and are forgotten if it does not.
 *
 * @example
 * ```ts
 * const runId = await inTransaction(ctx, (trx) => createRun(ctx, trx, dagId));
 * ```
 */
export async function inTransaction<T>(
  ctx: EngineContext,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const facts: UncommittedFacts = { assetIds: new Map(), aliasIds: new Map(), patternsRead: false };
  try {
    const result = await ctx.db.transaction().execute((trx) => {
      ctx.uncommitted.set(trx, facts);
      return work(trx);
    });
    for (const [key, id] of facts.assetIds) ctx.assetIds.set(key, id);
    for (const [name, id] of facts.aliasIds) ctx.aliasIds.set(name, id);
    return result;
  } catch (error) {
    if (facts.patternsRead) forgetPatterns(ctx);
    throw error;
  }
}

/** The cached id of an asset, as `db` may use it: committed, or learned by `db`'s own transaction. */
export function knownAssetId(ctx: EngineContext, db: Executor, key: string): number | undefined {
  return ctx.assetIds.get(key) ?? ctx.uncommitted.get(db)?.assetIds.get(key);
}

/** The cached id of an alias, as `db` may use it (see {@link knownAssetId}). */
export function knownAliasId(ctx: EngineContext, db: Executor, name: string): number | undefined {
  return ctx.aliasIds.get(name) ?? ctx.uncommitted.get(db)?.aliasIds.get(name);
}

/** Caches an asset id read or created through `db` (see the module comment). */
export function learnAssetId(ctx: EngineContext, db: Executor, key: string, id: number): void {
  learnedBy(ctx, db)?.assetIds.set(key, id);
}

/** Caches an alias id read or created through `db` (see the module comment). */
export function learnAliasId(ctx: EngineContext, db: Executor, name: string, id: number): void {
  learnedBy(ctx, db)?.aliasIds.set(name, id);
}

/** Notes that `db` added patterns to the context's pattern index (rebuilt if its transaction rolls back). */
export function notePatternsRead(ctx: EngineContext, db: Executor): void {
  const facts = ctx.uncommitted.get(db);
  if (facts) facts.patternsRead = true;
}

/** Where `db` caches what it learns: the context (no transaction), its transaction's facts, or nowhere. */
function learnedBy(ctx: EngineContext, db: Executor): Pick<UncommittedFacts, "assetIds" | "aliasIds"> | undefined {
  if (!db.isTransaction) return ctx;
  return ctx.uncommitted.get(db);
}

/** Empties the pattern index: the next match reads every pattern from the store again. */
function forgetPatterns(ctx: EngineContext): void {
  ctx.patterns.index = new UriPatternIndex();
  ctx.patterns.loadedUpTo = 0;
}
