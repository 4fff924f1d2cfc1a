/**
 * The store's tables as Kysely types. Times are epoch milliseconds; JSON
 * columns hold text. One definition for every dialect.
 */
import type { Generated } from "kysely";
import type { RunKind, RunState, TaskState } from "../contracts.js";

/** A registered DAG. */
export interface DagTable {
  dag_id: string;
  /** The DAG's manifest node (JSON). */
  manifest: string;
  /**
   * The SHA-256 of `manifest` (hex), written with it: readers that hold the
   * parsed manifest compare this instead of reading the text again. Null
   * only for a row written some other way: its text is then read each time.
   */
  manifest_hash: string | null;
  /** Where the DAG was loaded from, if known. */
  fileloc: string | null;
  is_paused: number;
  is_active: number;
  max_active_runs: number;
  registered_at: number;
  updated_at: number;
  /** When the next time-based run is due, or null. */
  next_run_at: number | null;
  next_logical_date: number | null;
  next_interval_start: number | null;
  next_interval_end: number | null;
  /** When the DAG was last paused (epoch ms), or null. */
  paused_at: number | null;
  /** When a waiting consumption policy (debounce, window) is due again, or null. */
  next_consume_at: number | null;
  /** 1: a paused DAG keeps queuing asset events; 0 (`whilePaused: "catchup"`): it queues none. */
  buffer_while_paused: number;
}

/** A known asset; identity is (name, uri). */
export interface AssetTable {
  id: Generated<number>;
  name: string;
  uri: string;
  group_name: string;
  extra: string;
  created_at: number;
  /** The JSON Schema its events' extras must match (JSON), or null. */
  schema: string | null;
}

/** A known alias. */
export interface AssetAliasTable {
  id: Generated<number>;
  name: string;
  group_name: string;
}

/** Assets an alias has resolved to (ever). */
export interface AssetAliasAssetTable {
  alias_id: number;
  asset_id: number;
}

/** A consumer DAG's schedule references a concrete asset. */
export interface DagScheduleAssetTable {
  dag_id: string;
  asset_id: number;
}

/** A consumer DAG's schedule references an alias. */
export interface DagScheduleAliasTable {
  dag_id: string;
  alias_id: number;
}

/** A consumer DAG's schedule references an asset by name or by URI. */
export interface DagScheduleRefTable {
  dag_id: string;
  ref_kind: "name" | "uri";
  value: string;
}

/** A URI pattern some consumer's schedule uses (normalized text); patterns are never deleted. */
export interface UriPatternTable {
  id: Generated<number>;
  pattern: string;
  created_at: number;
}

/** A consumer DAG's schedule uses a URI pattern. */
export interface DagSchedulePatternTable {
  dag_id: string;
  pattern_id: number;
}

/** An asset whose URI matches a pattern, with the captures (JSON object of strings). */
export interface AssetPatternMatchTable {
  asset_id: number;
  pattern_id: number;
  captures: string;
}

/** A task's declared outlets and inlets (for the Assets view and lookups). */
export interface TaskAssetReferenceTable {
  dag_id: string;
  task_id: string;
  direction: "outlet" | "inlet";
  asset_id: number | null;
  alias_id: number | null;
}

/** A DAG run. */
export interface DagRunTable {
  id: Generated<number>;
  dag_id: string;
  run_id: string;
  run_type: RunKind;
  state: RunState;
  logical_date: number | null;
  data_interval_start: number | null;
  data_interval_end: number | null;
  conf: string;
  created_at: number;
  start_date: number | null;
  end_date: number | null;
}

/** A task instance: one task of one run, with its current try. */
export interface TaskInstanceTable {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  state: TaskState;
  /** Tries started so far. */
  try_number: number;
  max_tries: number;
  retry_delay_ms: number;
  execution_timeout_ms: number | null;
  next_retry_at: number | null;
  queued_at: number | null;
  start_date: number | null;
  end_date: number | null;
  worker_id: string | null;
  heartbeat_at: number | null;
  result: string | null;
  error: string | null;
}

/** A recorded asset event. */
export interface AssetEventTable {
  id: Generated<number>;
  asset_id: number;
  extra: string;
  timestamp: number;
  source_dag_id: string | null;
  source_task_id: string | null;
  source_run_id: string | null;
  source_map_index: number | null;
}

/** The aliases an event was emitted through. */
export interface AssetEventAliasTable {
  event_id: number;
  alias_id: number;
}

/** The per-consumer inbox: events a consumer has not consumed yet. */
export interface AssetEventInboxTable {
  dag_id: string;
  event_id: number;
  asset_id: number;
  created_at: number;
}

/** The events a run consumed. */
export interface DagRunConsumedEventTable {
  dag_id: string;
  run_id: string;
  event_id: number;
}

/** The event an idempotency key recorded (events recorded from outside). */
export interface AssetEventIdempotencyTable {
  idempotency_key: string;
  event_id: number;
  created_at: number;
}

/** A DAG file that failed to load. */
export interface ImportErrorTable {
  id: Generated<number>;
  fileloc: string;
  message: string;
  created_at: number;
}

/** A warning about a registered DAG (replaced at each registration of the DAG). */
export interface DagWarningTable {
  dag_id: string;
  /** What kind of problem: `self-triggering` or `asset-cycle`. */
  warning_type: string;
  message: string;
  created_at: number;
}

/** A declared watcher and its state (see docs/watchers.md). */
export interface WatcherTable {
  /** `<asset uri>#<watcher name>` (with the asset's name when it differs from the URI). */
  watcher_id: string;
  asset_name: string;
  asset_uri: string;
  name: string;
  kind: string;
  /** The declaration (JSON). */
  config: string;
  /** The source position committed with the last event (JSON), or null. */
  position: string | null;
  events: number;
  last_event_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  lag: number | null;
  /** The process running it, while its lease holds. */
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** When re-registration left it declared nowhere (it stops), or null while declared. */
  removed_at: number | null;
  updated_at: number;
}

/** A DAG file declaring a watcher (`""`: a whole-project or merged manifest). */
export interface WatcherDeclarationTable {
  watcher_id: string;
  fileloc: string;
}

/** A source message a watcher recorded (its idempotency key). */
export interface WatcherDeliveryTable {
  watcher_id: string;
  delivery_key: string;
  event_id: number;
  created_at: number;
}

/** All tables. */
export interface Database {
  dag: DagTable;
  asset: AssetTable;
  asset_alias: AssetAliasTable;
  asset_alias_asset: AssetAliasAssetTable;
  dag_schedule_asset: DagScheduleAssetTable;
  dag_schedule_alias: DagScheduleAliasTable;
  dag_schedule_ref: DagScheduleRefTable;
  uri_pattern: UriPatternTable;
  dag_schedule_pattern: DagSchedulePatternTable;
  asset_pattern_match: AssetPatternMatchTable;
  task_asset_reference: TaskAssetReferenceTable;
  dag_run: DagRunTable;
  task_instance: TaskInstanceTable;
  asset_event: AssetEventTable;
  asset_event_alias: AssetEventAliasTable;
  asset_event_inbox: AssetEventInboxTable;
  dag_run_consumed_event: DagRunConsumedEventTable;
  import_error: ImportErrorTable;
  watcher: WatcherTable;
  watcher_delivery: WatcherDeliveryTable;
  watcher_declaration: WatcherDeclarationTable;
  asset_event_idempotency: AssetEventIdempotencyTable;
  dag_warning: DagWarningTable;
}
