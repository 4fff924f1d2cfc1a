import { type Kysely, PostgresAdapter, type Transaction } from "kysely";
import { assetKey } from "../../sdk/asset-key.js";
import type { DagManifest } from "../../sdk/manifest/schema.js";
import { UriPatternIndex } from "../../sdk/uri/pattern-index.js";
import { ExtraValidator } from "../extra-validation.js";
import type { DialectName } from "../store/migrations.js";
import type { Database } from "../store/schema.js";
import type { UncommittedFacts } from "./transaction.js";

/** Something queries run on: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** A source of time (epoch ms); tests pass a controllable one. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** State shared by the engine's modules: the store, the clock, and caches of immutable facts. */
export interface EngineContext {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly clock: Clock;
  /** Asset ids by identity key, of committed rows only; assets are never deleted, so entries never go stale. */
  readonly assetIds: Map<string, number>;
  /** Alias ids by name, of committed rows only; aliases are never deleted. */
  readonly aliasIds: Map<string, number>;
  /** Parsed DAG manifests by dag id, valid while the stored manifest's hash is `hash`. */
  readonly dagManifests: Map<string, { hash: string; manifest: DagManifest }>;
  /** The URI patterns of consumer schedules, indexed by segment, up to pattern id `loadedUpTo` (patterns are never deleted). */
  readonly patterns: { index: UriPatternIndex<number>; loadedUpTo: number };
  /** What each open transaction learned, until it commits (see `transaction.ts`). */
  readonly uncommitted: WeakMap<Executor, UncommittedFacts>;
  /** Checks extras of events recorded from outside a task against their asset's JSON Schema. */
  readonly extraValidator: ExtraValidator;
}

/** Creates an engine context over an open store. */
export function createEngineContext(db: Kysely<Database>, dialect: DialectName, clock: Clock): EngineContext {
  return {
    db,
    dialect,
    clock,
    assetIds: new Map(),
    aliasIds: new Map(),
    dagManifests: new Map(),
    patterns: { index: new UriPatternIndex(), loadedUpTo: 0 },
    extraValidator: new ExtraValidator(),
    uncommitted: new WeakMap(),
  };
}

/** The identity key of an asset: the SDK's one {@link assetKey}. */
export const assetIdentity: (name: string, uri: string) => string = assetKey;

/** The dialect an executor speaks, for code that gets an executor without its engine context. */
export function dialectOf(db: Executor): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}
