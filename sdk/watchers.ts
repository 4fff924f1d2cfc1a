/**
 * Watchers: long-running sources whose messages become asset events
 * (`new Asset(uri, { watchers: [...] })`). A watcher is declared as plain
 * JSON (`{ kind, name?, ...options }`) so that the manifest carries it and the
 * compiler reads it without running anything; the code that watches lives in
 * the runtime (the built-in kinds) or in a {@link defineWatcher} definition
 * (any other kind). Pure: no IO here.
 */
import { DefinitionError, ErrorCode } from "./errors.js";
import { describeValue, findNonJson, type JsonObject, type JsonValue } from "./json.js";

/** Options every watcher takes. */
export interface WatcherBase {
  /** The kind: a built-in (`files`, `webhook`, ...) or a {@link defineWatcher} kind. */
  kind: string;
  /** The watcher's name, unique on its asset (default: its kind). Its state is kept under it. */
  name?: string;
}

/** New or changed files in a directory: an event per file with `{ path, size, mtimeMs }`. */
export interface FilesWatcher extends WatcherBase {
  kind: "files";
  /** The directory (relative paths are resolved from the process's working directory). */
  dir: string;
  /** A glob of file names relative to `dir` (picomatch syntax; default every file). */
  glob?: string;
  /** How often the directory is scanned, ms (default 200). */
  pollMs?: number;
}

/** A per-asset HTTP endpoint on the API server: `POST /api/v1/watchers/webhook/{name}` with an HMAC signature. */
export interface WebhookWatcher extends WatcherBase {
  kind: "webhook";
  /** The environment variable that holds the HMAC-SHA256 secret (read by the API server). */
  secretEnv: string;
  /** The header carrying `sha256=<hex>` of the body (default `x-hub-signature-256`). */
  signatureHeader?: string;
  /** The header carrying the sender's delivery id, the idempotency key (default `x-delivery-id`). */
  deliveryHeader?: string;
}

/** New rows of a PostgreSQL table past a cursor column, woken by `LISTEN`. */
export interface PostgresWatcher extends WatcherBase {
  kind: "postgres";
  /** The environment variable with the connection URL (default `DATABASE_URL`). */
  urlEnv?: string;
  /** The table (optionally `schema.table`). */
  table: string;
  /** A column that only grows (serial id, insertion timestamp): rows past the last one seen are new. */
  cursor: string;
  /** A `NOTIFY` channel that wakes the watcher at once (else it polls every `pollMs`). */
  channel?: string;
  /** Poll period, ms (default 1000; with a channel a fallback). */
  pollMs?: number;
}

/** A Redis Stream read through a consumer group; messages are acknowledged after their event commits. */
export interface RedisStreamWatcher extends WatcherBase {
  kind: "redis-stream";
  /** The environment variable with the Redis URL (default `REDIS_URL`, else redis://127.0.0.1:6379). */
  urlEnv?: string;
  stream: string;
  group: string;
}

/** An AMQP 0-9-1 queue (RabbitMQ); messages are acknowledged after their event commits. */
export interface RabbitMqWatcher extends WatcherBase {
  kind: "rabbitmq";
  /** The environment variable with the AMQP URL (default `AMQP_URL`, else amqp://guest:guest@127.0.0.1:5672). */
  urlEnv?: string;
  queue: string;
}

/** A NATS JetStream stream read through a durable consumer; acknowledged after the event commits. */
export interface NatsWatcher extends WatcherBase {
  kind: "nats";
  /** The environment variable with the servers (default `NATS_URL`, else 127.0.0.1:4222). */
  urlEnv?: string;
  stream: string;
  durable: string;
}

/** A watcher of a kind made with {@link defineWatcher}: its kind and its options (plain JSON). */
export interface CustomWatcher extends WatcherBase {
  [option: string]: JsonValue | undefined;
}

/** Any watcher declaration. */
export type WatcherConfig =
  | FilesWatcher
  | WebhookWatcher
  | PostgresWatcher
  | RedisStreamWatcher
  | RabbitMqWatcher
  | NatsWatcher
  | CustomWatcher;

/** The built-in kinds: the runtime implements them. */
export const BUILT_IN_WATCHER_KINDS: readonly string[] = Object.freeze([
  "files",
  "webhook",
  "postgres",
  "redis-stream",
  "rabbitmq",
  "nats",
]);

/** The options each built-in kind requires (strings). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  files: ["dir"],
  webhook: ["secretEnv"],
  postgres: ["table", "cursor"],
  "redis-stream": ["stream", "group"],
  rabbitmq: ["queue"],
  nats: ["stream", "durable"],
};

/** A watcher as the manifest stores it: its name is always set. */
export type WatcherManifest = JsonObject & { kind: string; name: string };

/**
 * Checks the `watchers` option of an asset and returns them with their names
 * set (plain JSON, frozen). Throws `ASSET_INVALID` naming the asset and the
 * watcher when one is not a JSON object with a `kind`, two share a name, or a
 * built-in misses a required option.
 */
export function normalizeWatchers(value: unknown, where: string): readonly WatcherManifest[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) {
    throw new DefinitionError(
      ErrorCode.assetInvalid,
      `The watchers of ${where} must be an array such as [{ kind: "files", dir: "incoming" }], got ${describeValue(value)}.`,
    );
  }
  const names = new Set<string>();
  return Object.freeze(
    value.map((item, index) => {
      const at = `watcher ${index + 1} of ${where}`;
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        throw new DefinitionError(
          ErrorCode.assetInvalid,
          `The ${at} must be an object such as { kind: "files", dir: "incoming" }, got ${describeValue(item)}.`,
        );
      }
      const nonJson = findNonJson(item);
      if (nonJson !== undefined) {
        throw new DefinitionError(
          ErrorCode.assetInvalid,
          `The ${at} is not plain JSON (at key "${nonJson}"): watcher options are stored in the manifest. Read secrets from the environment by name.`,
        );
      }
      const config = item as Record<string, unknown>;
      if (typeof config.kind !== "string" || config.kind === "") {
        throw new DefinitionError(
          ErrorCode.assetInvalid,
          `The ${at} needs a "kind": one of ${BUILT_IN_WATCHER_KINDS.join(", ")} or a kind made with defineWatcher().`,
        );
      }
      const name = config.name ?? config.kind;
      if (typeof name !== "string" || !/^[A-Za-z0-9_.-]{1,100}$/.test(name)) {
        throw new DefinitionError(
          ErrorCode.assetInvalid,
          `The name of the ${at} must be 1-100 letters, digits, "_", "." or "-", got ${describeValue(name)}.`,
        );
      }
      if (names.has(name)) {
        throw new DefinitionError(
          ErrorCode.assetInvalid,
          `Two watchers of ${where} are named "${name}": give each its own { name }.`,
        );
      }
      names.add(name);
      for (const option of REQUIRED[config.kind] ?? []) {
        if (typeof config[option] !== "string" || config[option] === "") {
          throw new DefinitionError(
            ErrorCode.assetInvalid,
            `The ${config.kind} ${at} needs the string option "${option}".`,
          );
        }
      }
      return Object.freeze({ ...structuredClone(config), kind: config.kind, name }) as WatcherManifest;
    }),
  );
}

/** What a watcher's code gets: where to resume, how to record, when to stop. */
export interface WatcherContext<TPosition extends JsonValue = JsonValue> {
  /** The asset the watcher reports events of. */
  readonly asset: { readonly name: string; readonly uri: string };
  /** The watcher's declaration (`kind`, `name` and its options). */
  readonly config: Readonly<WatcherManifest>;
  /** The position of the last event committed (null before the first): resume from here. */
  readonly position: TPosition | null;
  /** Aborted when the watcher must stop (shutdown, or its lease moved to another process). */
  readonly signal: AbortSignal;
  /**
   * Records one asset event with `extra` and the watcher's new `position` in
   * one store transaction. `key` (default: the position as JSON) identifies the
   * source message: a key already recorded by this watcher is not recorded
   * again (`recorded: false`), so re-delivered messages are dropped. Resolves
   * once committed: acknowledge the source only after that.
   */
  emit(extra: JsonObject, position: TPosition, options?: { key?: string }): Promise<{ recorded: boolean }>;
  /** Reports how far behind the source the watcher is (messages or ms, as the watcher documents; null unknown). */
  reportLag(lag: number | null): void;
}

/** A watcher kind for users' own sources. */
export interface WatcherDefinition<TPosition extends JsonValue = JsonValue> {
  /** The kind declarations use (`{ kind: "mqtt", ... }`). Must not be a built-in kind. */
  readonly kind: string;
  /**
   * Watches until `ctx.signal` aborts. Throwing (or returning early) is
   * reported as the watcher's last error, and it is started again after a
   * back-off, from its last committed position.
   */
  readonly start: (ctx: WatcherContext<TPosition>) => Promise<void>;
}

// Definitions live on globalThis so that DAG files bundled with their own copy
// of the SDK still register with the runtime's copy.
const DEFINITIONS_KEY = Symbol.for("assetflow.watcher.definitions");
const globalSlots = globalThis as unknown as Record<symbol, Map<string, WatcherDefinition> | undefined>;
const definitions: Map<string, WatcherDefinition> = globalSlots[DEFINITIONS_KEY] ?? new Map();
globalSlots[DEFINITIONS_KEY] = definitions;

/**
 * Defines a watcher kind for a source assetflow has no built-in for (Kafka,
 * SQS, MQTT, ...). Declare it in a DAG file (the process running watchers
 * loads the DAG files to find it), then use its kind in `watchers`.
 *
 * @example
 * ```ts
 * defineWatcher<number>({
 *   kind: "counter",
 *   async start(ctx) {
 *     for (let n = (ctx.position ?? 0) + 1; !ctx.signal.aborted; n++) await ctx.emit({ n }, n);
 *   },
 * });
 * const counted = new Asset("memory://counted", { watchers: [{ kind: "counter" }] });
 * ```
 */
export function defineWatcher<TPosition extends JsonValue = JsonValue>(
  definition: WatcherDefinition<TPosition>,
): WatcherDefinition<TPosition> {
  if (typeof definition?.kind !== "string" || !/^[A-Za-z0-9_.-]{1,100}$/.test(definition.kind)) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `defineWatcher({ kind }) needs a kind of 1-100 letters, digits, "_", "." or "-", got ${describeValue(definition?.kind)}.`,
    );
  }
  if (BUILT_IN_WATCHER_KINDS.includes(definition.kind)) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `defineWatcher({ kind: "${definition.kind}" }): "${definition.kind}" is a built-in kind. Choose another kind.`,
    );
  }
  if (typeof definition.start !== "function") {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `defineWatcher({ kind: "${definition.kind}" }) needs a start(ctx) function.`,
    );
  }
  const frozen = Object.freeze({ kind: definition.kind, start: definition.start });
  definitions.set(definition.kind, frozen as WatcherDefinition);
  return frozen;
}

/** The definition of a watcher kind made with {@link defineWatcher} in this process, if any. */
export function watcherDefinition(kind: string): WatcherDefinition | undefined {
  return definitions.get(kind);
}
