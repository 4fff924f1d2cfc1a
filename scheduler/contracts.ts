/**
 * The narrow interface between the scheduler and whatever runs tasks (the
 * in-process runner of `assetflow/testing`, the worker pool). The scheduler
 * hands out {@link TaskRunRequest}s and takes back {@link TaskOutcome}s; the
 * runtime reads past events through an {@link AssetEventReader}. Plain data
 * only: nothing here refers to SDK classes or user code.
 */
import type { JsonObject, JsonValue } from "../sdk/json.js";
import { RUN_TYPES, type RunType } from "../sdk/run-type.js";

/** The states of a DAG run. */
export const RunState = {
  queued: "queued",
  running: "running",
  success: "success",
  failed: "failed",
} as const;
/** One of {@link RunState}. */
export type RunState = (typeof RunState)[keyof typeof RunState];

/**
 * Every {@link RunState}: the one list the store, the read layer and the API's
 * schemas (`z.enum(RUN_STATES)`) use; nothing else spells the run states.
 */
export const RUN_STATES = Object.values(RunState) as [RunState, ...RunState[]];

/** Run states that hold one of a DAG's `maxActiveRuns` slots (a run not finished yet). */
export const ACTIVE_RUN_STATES: readonly RunState[] = [RunState.queued, RunState.running];

/** The states of a task instance. */
export const TaskState = {
  none: "none",
  queued: "queued",
  running: "running",
  success: "success",
  failed: "failed",
  skipped: "skipped",
  upForRetry: "up_for_retry",
  upstreamFailed: "upstream_failed",
} as const;
/** One of {@link TaskState}. */
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/**
 * Every {@link TaskState} (the states of a try): the one list the API's schemas
 * (`z.enum(TASK_STATES)`) use; nothing else spells the task states.
 */
export const TASK_STATES = Object.values(TaskState) as [TaskState, ...TaskState[]];

/** Task states a task instance can still leave (the complement of {@link FINAL_TASK_STATES}). */
export const OPEN_TASK_STATES: readonly TaskState[] = [
  TaskState.none,
  TaskState.queued,
  TaskState.running,
  TaskState.upForRetry,
];

/** Task states after which a task instance never changes again (in this run). */
export const FINAL_TASK_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.success,
  TaskState.failed,
  TaskState.skipped,
  TaskState.upstreamFailed,
]);

/** How a run was created: the SDK's {@link RunType} (`sdk/run-type.ts`, the one list of run types). */
export type RunKind = RunType;

/** Every {@link RunKind} (the SDK's one list, re-exported for the engine and the API). */
export const RUN_KINDS: readonly [RunKind, ...RunKind[]] = RUN_TYPES;

/** The run an event came from, with its data interval (epoch milliseconds). */
export interface SourceRunRecord {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunKind;
  readonly logicalDate: number | null;
  readonly dataIntervalStart: number | null;
  readonly dataIntervalEnd: number | null;
}

/** A recorded asset event, as stored. */
export interface AssetEventRecord {
  readonly id: number;
  readonly assetName: string;
  readonly assetUri: string;
  readonly extra: JsonObject;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly sourceDagId: string | null;
  readonly sourceTaskId: string | null;
  readonly sourceRunId: string | null;
  readonly sourceMapIndex: number | null;
  readonly sourceAliases: readonly string[];
  readonly sourceRun: SourceRunRecord | null;
}

/** What one URI pattern of a consumer's schedule captured from an event's asset URI. */
export interface PatternCaptures {
  readonly pattern: string;
  readonly captures: Readonly<Record<string, string>>;
}

/** What a task asks to read: the events of an asset or of an alias. */
export type EventSubject =
  | { readonly kind: "asset"; readonly name: string; readonly uri: string }
  | { readonly kind: "alias"; readonly name: string };

/** A reference to an asset by its name or by its URI (`Asset.ref` in a task's inlets). */
export type AssetRefSubject =
  | { readonly kind: "ref"; readonly name: string }
  | { readonly kind: "ref"; readonly uri: string };

/** An asset's identity. */
export interface AssetIdentity {
  readonly name: string;
  readonly uri: string;
}

/** An asset a reference names, with the JSON Schema of its events' extras the store keeps (null: none). */
export interface ResolvedAsset extends AssetIdentity {
  /** The asset's extra schema, as JSON text; absent where the reader does not keep schemas. */
  readonly schema?: string | null;
}

/** Reads past asset events in timestamp order (then id), earliest first. */
export interface AssetEventReader {
  countEvents(subject: EventSubject): Promise<number>;
  listEvents(subject: EventSubject, offset: number, limit: number): Promise<AssetEventRecord[]>;
  /**
   * The assets the store knows (declared by a registered DAG, or recorded by
   * an event) that a reference names, by URI then name: none for a name or
   * URI no asset has.
   */
  resolveRef(ref: AssetRefSubject): Promise<ResolvedAsset[]>;
}

/** Identifies one try of one task instance. */
export interface TaskInstanceKey {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
}

/** Everything needed to run one try of a task. */
export interface TaskRunRequest {
  readonly key: TaskInstanceKey;
  /** The DAG file the task's DAG was registered from (null for a manifest registered without one). */
  readonly dagFile: string | null;
  /**
   * The DAG files whose URI scheme rules were in force when the DAG processor
   * loaded `dagFile` (the DAG manifest's `uriSchemeFiles`): the task host
   * applies them before it loads `dagFile`. Absent: none.
   */
  readonly uriSchemeFiles?: readonly string[];
  readonly runType: RunKind;
  readonly logicalDate: number | null;
  readonly dataIntervalStart: number | null;
  readonly dataIntervalEnd: number | null;
  readonly conf: JsonObject;
  /** Return values of upstream tasks, by task id (only those that returned JSON). */
  readonly upstreamResults: Readonly<Record<string, JsonValue>>;
  /** The events this run consumed, in timestamp order (asset-triggered runs only). */
  readonly triggeringEvents: readonly AssetEventRecord[];
  /** Alias names each consumed event reached this run through, keyed by event id. */
  readonly triggeringAliases: Readonly<Record<number, readonly string[]>>;
  /** What the schedule's URI patterns captured from each consumed event's asset, keyed by event id (patterns in text order). */
  readonly triggeringCaptures: Readonly<Record<number, readonly PatternCaptures[]>>;
  /** Milliseconds the try may run, or null. */
  readonly executionTimeoutMs: number | null;
}

/** An asset event a successful task emits. */
export interface EmittedAssetEvent {
  readonly asset: {
    readonly name: string;
    readonly uri: string;
    readonly group: string;
    readonly extra: JsonObject;
    /** The JSON Schema of its extras, for an asset that has one (stored when the asset is new). */
    readonly schema?: JsonObject;
  };
  readonly extra: JsonObject;
  /** Aliases the event was added through (empty for a direct outlet). */
  readonly aliases: readonly string[];
}

/** How a try ended. */
export type TaskOutcome =
  | { readonly state: "success"; readonly events: readonly EmittedAssetEvent[]; readonly result?: JsonValue }
  | { readonly state: "failed"; readonly error: TaskErrorInfo }
  | { readonly state: "skipped"; readonly reason: string };

/** A task failure, as reported. */
export interface TaskErrorInfo {
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/** One finished try as a worker reports it. */
export interface TryReport {
  readonly key: TaskInstanceKey;
  readonly outcome: TaskOutcome;
  /**
   * When the try began to run (epoch ms, the task host's clock), which can be
   * well after it was claimed (it waited in a busy host's queue): it becomes
   * the try's `start_date`. Absent: the claim time stays.
   */
  readonly startedAt?: number;
}

/**
 * A warning about a finished try that the scheduler found while recording it
 * (an alias event created an asset the store did not know): the worker writes
 * it to the try's log.
 */
export interface TryWarning {
  readonly key: TaskInstanceKey;
  readonly message: string;
}

/** Options of a claim ({@link TaskSource.claimTasks}, {@link TaskSource.completeAndClaimTasks}). */
export interface ClaimOptions {
  /**
   * Called with the claimed tries inside the claim's transaction, just before
   * its commit, so the worker can prepare for them on other threads (their
   * log folders) while the commit syncs. The claim may still roll back after
   * it. On PostgreSQL a claim is one statement that commits as it runs (see
   * `Scheduler.claimTasks`): it is called once the run requests are read,
   * before they are returned. It must not throw, nor start a try: a try
   * starts only once claimed.
   */
  readonly beforeCommit?: (requests: readonly TaskRunRequest[]) => void;
}

/**
 * Where a worker gets its tries and reports them: the scheduler, in this
 * process or reached through the store.
 */
export interface TaskSource {
  claimTasks(workerId: string, limit: number, options?: ClaimOptions): Promise<TaskRunRequest[]>;
  /** Reports finished tries, all in one transaction (a worker batches the tries that finish together). */
  completeTasks(reports: readonly TryReport[]): Promise<unknown>;
  /**
   * Reports finished tries and claims up to `limit` queued tries for
   * `workerId`, in one transaction where the store allows it (a worker's next
   * tries often belong to runs the reports just created). Optional: without
   * it a worker reports with {@link completeTasks} and claims with {@link claimTasks}.
   */
  completeAndClaimTasks?(
    reports: readonly TryReport[],
    workerId: string,
    limit: number,
    options?: ClaimOptions,
  ): Promise<TaskRunRequest[]>;
  /** Gives claimed tries that never started back to the queue, without using up a try. */
  releaseTasks(keys: readonly TaskInstanceKey[]): Promise<unknown>;
  heartbeat(keys: readonly TaskInstanceKey[]): Promise<void>;
  eventReader(): AssetEventReader;
  /** Subscribes to "tries may be waiting"; returns an unsubscribe function. */
  onWork?(listener: () => void): () => void;
  /** Subscribes to warnings about reported tries ({@link TryWarning}); returns an unsubscribe function. */
  onTryWarning?(listener: (warning: TryWarning) => void): () => void;
}

/** A DAG file processed by a worker: its manifest, or why it failed to load. */
export type DagFileResult =
  | {
      readonly ok: true;
      readonly file: string;
      readonly manifest: import("../sdk/manifest/schema.js").Manifest;
      /** The hash of the code the file loaded as (it changes with the file or anything it imports), when known. */
      readonly hash?: string;
    }
  | {
      readonly ok: false;
      readonly file: string;
      readonly error: { readonly message: string; readonly line: number | null; readonly column: number | null };
    };

/** A recorded import error of a DAG file. */
export interface ImportErrorRecord {
  readonly file: string;
  readonly message: string;
  readonly createdAt: number;
}

// ---------------------------------------------------------------- watchers

/** A watcher's row as read models and runners see it. */
export interface WatcherRecord {
  readonly watcherId: string;
  readonly asset: { readonly name: string; readonly uri: string };
  readonly name: string;
  readonly kind: string;
  readonly config: JsonObject & { kind: string; name: string };
  readonly position: JsonValue | null;
  readonly events: number;
  readonly lastEventAt: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  readonly lag: number | null;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  /** When re-registration left it declared in no DAG file (it does not run), or null. */
  readonly removedAt: number | null;
}

/** One source message to record. */
export interface WatcherMessage {
  readonly watcherId: string;
  /** The process holding the watcher's lease; null for passive watchers (webhooks). */
  readonly owner: string | null;
  /** The source message's idempotency key. */
  readonly key: string;
  /** The watcher's position after this message. */
  readonly position: JsonValue;
  readonly extra: JsonObject;
}
