/**
 * Read models over the store: runs with their consumed events, queued events,
 * task instances. Used by the testing harness, the CLI and the API.
 */
import { type Expression, type Kysely, type Selectable, type SqlBool, sql } from "kysely";
import type { JsonObject } from "../sdk/json.js";
import type { ConditionNode, DagManifest, ScheduleManifest, TaskManifest } from "../sdk/manifest/schema.js";
import type { AssetEventRecord, RunKind, RunState } from "./contracts.js";
import { consumedAssetIds } from "./engine/consumed-assets.js";
import { consumedEvents, eventQuery, withAliases } from "./engine/task-instances.js";
import type { DagRunTable, Database } from "./store/schema.js";

/** A DAG run as users see it. */
export interface DagRunView {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunKind;
  readonly state: RunState;
  readonly logicalDate: number | null;
  readonly dataIntervalStart: number | null;
  readonly dataIntervalEnd: number | null;
  readonly conf: JsonObject;
  readonly createdAt: number;
  readonly startDate: number | null;
  readonly endDate: number | null;
  /** The asset events the run consumed, in timestamp order. */
  readonly consumedEvents: AssetEventRecord[];
}

/** A task instance as users see it. */
export interface TaskInstanceView {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly state: string;
  readonly tryNumber: number;
  readonly maxTries: number;
  readonly startDate: number | null;
  readonly endDate: number | null;
  readonly error: { message: string; code?: string } | null;
  readonly result: unknown;
}

/** Pending events of one consumer for one asset (the seed's "queued asset event"). */
export interface QueuedEventView {
  readonly dagId: string;
  readonly assetName: string;
  readonly uri: string;
  /** When the first pending event was queued (epoch ms). */
  readonly createdAt: number;
  /** How many events are pending. */
  readonly count: number;
}

/**
 * Runs of a DAG, oldest first, with their consumed events.
 *
 * @example
 * ```ts
 * const runs = await listDagRuns(db, "consumer");
 * ```
 */
export async function listDagRuns(
  db: Kysely<Database>,
  dagId: string,
  options: { limit?: number; offset?: number } = {},
): Promise<DagRunView[]> {
  const rows = await db
    .selectFrom("dag_run")
    .selectAll()
    .where("dag_id", "=", dagId)
    .orderBy("id")
    .limit(options.limit ?? 1000)
    .offset(options.offset ?? 0)
    .execute();
  const runs: DagRunView[] = [];
  for (const row of rows) runs.push(await toDagRunView(db, row));
  return runs;
}

/** A run row as users see it, with its consumed events. */
async function toDagRunView(db: Kysely<Database>, row: Selectable<DagRunTable>): Promise<DagRunView> {
  return {
    dagId: row.dag_id,
    runId: row.run_id,
    runType: row.run_type,
    state: row.state,
    logicalDate: row.logical_date,
    dataIntervalStart: row.data_interval_start,
    dataIntervalEnd: row.data_interval_end,
    conf: JSON.parse(row.conf) as JsonObject,
    createdAt: row.created_at,
    startDate: row.start_date,
    endDate: row.end_date,
    consumedEvents: (await consumedEvents(db, row.dag_id, row.run_id)).events,
  };
}

/**
 * Task instances of a run, by task id.
 *
 * @example
 * ```ts
 * const tasks = await listTaskInstances(db, "producer", runId);
 * ```
 */
export async function listTaskInstances(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
): Promise<TaskInstanceView[]> {
  const rows = await db
    .selectFrom("task_instance")
    .selectAll()
    .where("dag_id", "=", dagId)
    .where("run_id", "=", runId)
    .orderBy("task_id")
    .execute();
  return rows.map(toTaskInstanceView);
}

/**
 * A task instance row as users see it.
 *
 * @example
 * ```ts
 * const tis = rows.map(toTaskInstanceView);
 * ```
 */
export function toTaskInstanceView(row: Selectable<Database["task_instance"]>): TaskInstanceView {
  return {
    dagId: row.dag_id,
    runId: row.run_id,
    taskId: row.task_id,
    mapIndex: row.map_index,
    state: row.state,
    tryNumber: row.try_number,
    maxTries: row.max_tries,
    startDate: row.start_date,
    endDate: row.end_date,
    error: row.error === null ? null : (JSON.parse(row.error) as { message: string; code?: string }),
    result: row.result === null ? undefined : JSON.parse(row.result),
  };
}

/**
 * Queued events: pending inbox entries grouped by consumer and asset,
 * optionally for one consumer, one asset URI, and only entries queued before
 * `before` (epoch ms).
 *
 * @example
 * ```ts
 * await listQueuedEvents(db, { dagId: "waiting_for_asset_1_and_2" });
 * ```
 */
export async function listQueuedEvents(
  db: Kysely<Database>,
  filter: { dagId?: string; uri?: string; before?: number } = {},
): Promise<QueuedEventView[]> {
  const rows = await db
    .selectFrom("asset_event_inbox as i")
    .innerJoin("asset as a", "a.id", "i.asset_id")
    .select((eb) => [
      "i.dag_id",
      "a.name",
      "a.uri",
      eb.fn.min("i.created_at").as("created_at"),
      eb.fn.countAll<number>().as("count"),
    ])
    .$if(filter.dagId !== undefined, (q) => q.where("i.dag_id", "=", filter.dagId as string))
    .$if(filter.uri !== undefined, (q) => q.where("a.uri", "=", filter.uri as string))
    .$if(filter.before !== undefined, (q) => q.where("i.created_at", "<", filter.before as number))
    .groupBy(["i.dag_id", "a.id", "a.name", "a.uri"])
    .orderBy("i.dag_id")
    .orderBy("a.uri")
    .execute();
  return rows.map((row) => ({
    dagId: row.dag_id,
    assetName: row.name,
    uri: row.uri,
    createdAt: Number(row.created_at),
    count: Number(row.count),
  }));
}

/**
 * Deletes queued events (the consumer forgets that progress); same filters as
 * {@link listQueuedEvents}. Returns how many entries were deleted.
 */
export async function deleteQueuedEvents(
  db: Kysely<Database>,
  filter: { dagId?: string; uri?: string; before?: number } = {},
): Promise<number> {
  const result = await db
    .deleteFrom("asset_event_inbox")
    .$if(filter.dagId !== undefined, (q) => q.where("dag_id", "=", filter.dagId as string))
    .$if(filter.uri !== undefined, (q) =>
      q.where(
        "asset_id",
        "in",
        db
          .selectFrom("asset")
          .select("id")
          .where("uri", "=", filter.uri as string),
      ),
    )
    .$if(filter.before !== undefined, (q) => q.where("created_at", "<", filter.before as number))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * One run with its consumed events, or undefined.
 *
 * @example
 * ```ts
 * const run = await getDagRun(db, "consumer", runId);
 * ```
 */
export async function getDagRun(db: Kysely<Database>, dagId: string, runId: string): Promise<DagRunView | undefined> {
  const row = await db
    .selectFrom("dag_run")
    .selectAll()
    .where("dag_id", "=", dagId)
    .where("run_id", "=", runId)
    .executeTakeFirst();
  return row ? toDagRunView(db, row) : undefined;
}

// Read models of the REST API and the Assets view: assets, aliases, events,
// DAGs, pages of runs, and the asset graph.

/** Paging of a list: at most `limit` rows (default 100) after skipping `offset`. */
export interface PageOptions {
  readonly limit?: number;
  readonly offset?: number;
}

/** One page of a list and how many rows match in all. */
export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

/** A task that declares an asset as outlet, directly or through an alias that resolved to it. */
export interface ProducingTaskView {
  readonly dagId: string;
  readonly taskId: string;
  /** The alias the task emits through, or null for a direct outlet. */
  readonly alias: string | null;
}

/** An asset as users see it, with the DAGs around it. */
export interface AssetView {
  readonly id: number;
  readonly name: string;
  readonly uri: string;
  readonly group: string;
  readonly extra: JsonObject;
  readonly createdAt: number;
  /** Tasks of active DAGs that produce it. */
  readonly producingTasks: ProducingTaskView[];
  /** Active DAGs whose schedule reaches it (directly, through an alias, or by name or URI). */
  readonly consumingDags: string[];
  /** Aliases that resolved to it. */
  readonly aliases: string[];
  readonly eventCount: number;
  /** Epoch ms of its latest event, or null. */
  readonly lastEventAt: number | null;
}

/** Filters of {@link listAssets}. Patterns match case-insensitive substrings. */
export interface AssetFilter extends PageOptions {
  readonly uriPattern?: string;
  readonly namePattern?: string;
  readonly group?: string;
  /** Only assets this DAG produces or consumes. */
  readonly dagId?: string;
  /** Case-insensitive substring of the URI or of the name. */
  readonly search?: string;
  /** Only assets whose URI has this scheme (`s3`); `""` for URIs without one. */
  readonly scheme?: string;
}

/**
 * A page of assets, by URI then name, with producers, consumers, aliases and event counts.
 *
 * @example
 * ```ts
 * const { items, total } = await listAssets(db, { uriPattern: "s3://", limit: 20 });
 * ```
 */
export async function listAssets(db: Kysely<Database>, filter: AssetFilter = {}): Promise<Page<AssetView>> {
  let ids: number[] | undefined;
  if (filter.dagId !== undefined) {
    ids = await assetIdsOfDag(db, filter.dagId);
    if (ids.length === 0) return { items: [], total: 0 };
  }
  const query = db
    .selectFrom("asset as a")
    .$if(ids !== undefined, (q) => q.where("a.id", "in", ids as number[]))
    .$if(filter.uriPattern !== undefined, (q) => q.where(containsIgnoringCase("a.uri", filter.uriPattern as string)))
    .$if(filter.namePattern !== undefined, (q) => q.where(containsIgnoringCase("a.name", filter.namePattern as string)))
    .$if(filter.group !== undefined, (q) => q.where("a.group_name", "=", filter.group as string))
    .$if(filter.search !== undefined, (q) =>
      q.where((eb) =>
        eb.or([
          containsIgnoringCase("a.uri", filter.search as string),
          containsIgnoringCase("a.name", filter.search as string),
        ]),
      ),
    )
    .$if(filter.scheme !== undefined, (q) =>
      q.where(
        filter.scheme === ""
          ? sql<SqlBool>`${sql.ref("a.uri")} not like ${"%://%"}`
          : sql<SqlBool>`lower(${sql.ref("a.uri")}) like ${`${escapeLike((filter.scheme as string).toLowerCase())}://%`} escape '!'`,
      ),
    );
  const count = await query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirst();
  const rows = await query
    .selectAll("a")
    .orderBy("a.uri")
    .orderBy("a.name")
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return { items: await withAssetRelations(db, rows), total: Number(count?.count ?? 0) };
}

/**
 * The assets with this URI (one per name; usually one), with their relations.
 *
 * @example
 * ```ts
 * const [asset] = await getAssetsByUri(db, "s3://asset/example.csv");
 * ```
 */
export async function getAssetsByUri(db: Kysely<Database>, uri: string): Promise<AssetView[]> {
  const rows = await db.selectFrom("asset").selectAll().where("uri", "=", uri).orderBy("name").execute();
  return withAssetRelations(db, rows);
}

/** An alias as users see it. */
export interface AliasView {
  readonly name: string;
  readonly group: string;
  /** Assets it resolved to so far. */
  readonly assets: Array<{ readonly name: string; readonly uri: string }>;
  /** Tasks of active DAGs that declare it as outlet. */
  readonly producingTasks: Array<{ readonly dagId: string; readonly taskId: string }>;
  /** Active DAGs scheduled on it. */
  readonly consumingDags: string[];
}

/**
 * A page of aliases, by name, with their assets, producers and consumers.
 *
 * @example
 * ```ts
 * const { items } = await listAliases(db, { namePattern: "outputs" });
 * ```
 */
export async function listAliases(
  db: Kysely<Database>,
  filter: PageOptions & { readonly namePattern?: string } = {},
): Promise<Page<AliasView>> {
  const query = db
    .selectFrom("asset_alias as al")
    .$if(filter.namePattern !== undefined, (q) =>
      q.where(containsIgnoringCase("al.name", filter.namePattern as string)),
    );
  const count = await query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirst();
  const rows = await query
    .selectAll("al")
    .orderBy("al.name")
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return { items: await withAliasRelations(db, rows), total: Number(count?.count ?? 0) };
}

/**
 * One alias with its relations, or undefined.
 *
 * @example
 * ```ts
 * const alias = await getAlias(db, "my-task-outputs");
 * ```
 */
export async function getAlias(db: Kysely<Database>, name: string): Promise<AliasView | undefined> {
  const rows = await db.selectFrom("asset_alias").selectAll().where("name", "=", name).execute();
  return (await withAliasRelations(db, rows))[0];
}

/** Filters of {@link listAssetEvents}. Times are epoch ms: `since` inclusive, `before` exclusive. */
export interface AssetEventFilter extends PageOptions {
  readonly uri?: string;
  readonly name?: string;
  readonly sourceDagId?: string;
  readonly sourceTaskId?: string;
  readonly sourceRunId?: string;
  readonly sourceMapIndex?: number;
  readonly since?: number;
  readonly before?: number;
  /** By timestamp then id: `"desc"` (newest first, the default) or `"asc"`. */
  readonly order?: "asc" | "desc";
}

/**
 * A page of asset events matching the filters.
 *
 * @example
 * ```ts
 * const { items } = await listAssetEvents(db, { uri: "s3://asset/example.csv", limit: 10 });
 * ```
 */
export async function listAssetEvents(
  db: Kysely<Database>,
  filter: AssetEventFilter = {},
): Promise<Page<AssetEventRecord>> {
  const query = eventQuery(db)
    .$if(filter.uri !== undefined, (q) => q.where("a.uri", "=", filter.uri as string))
    .$if(filter.name !== undefined, (q) => q.where("a.name", "=", filter.name as string))
    .$if(filter.sourceDagId !== undefined, (q) => q.where("e.source_dag_id", "=", filter.sourceDagId as string))
    .$if(filter.sourceTaskId !== undefined, (q) => q.where("e.source_task_id", "=", filter.sourceTaskId as string))
    .$if(filter.sourceRunId !== undefined, (q) => q.where("e.source_run_id", "=", filter.sourceRunId as string))
    .$if(filter.sourceMapIndex !== undefined, (q) =>
      q.where("e.source_map_index", "=", filter.sourceMapIndex as number),
    )
    .$if(filter.since !== undefined, (q) => q.where("e.timestamp", ">=", filter.since as number))
    .$if(filter.before !== undefined, (q) => q.where("e.timestamp", "<", filter.before as number));
  const count = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirst();
  const order = filter.order ?? "desc";
  const rows = await query
    .orderBy("e.timestamp", order)
    .orderBy("e.id", order)
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return { items: await withAliases(db, rows), total: Number(count?.count ?? 0) };
}

/** A registered DAG as users see it. */
export interface DagView {
  readonly dagId: string;
  readonly description: string | null;
  /** The DAG file it was loaded from, if known. */
  readonly fileloc: string | null;
  readonly isPaused: boolean;
  /** False once its file no longer defines it. */
  readonly isActive: boolean;
  readonly maxActiveRuns: number;
  readonly tags: string[];
  readonly schedule: ScheduleManifest;
  readonly params: JsonObject;
  readonly tasks: TaskManifest[];
  /** Epoch ms when its next time-based run is due, or null. */
  readonly nextRunAt: number | null;
  readonly registeredAt: number;
  readonly updatedAt: number;
}

/** Filters of {@link listDags}. */
export interface DagFilter extends PageOptions {
  /** Case-insensitive substring of the DAG id. */
  readonly dagIdPattern?: string;
  readonly paused?: boolean;
  /** Only DAGs some file still defines (default true). */
  readonly onlyActive?: boolean;
}

/**
 * A page of DAGs, by id.
 *
 * @example
 * ```ts
 * const { items } = await listDags(db, { paused: false });
 * ```
 */
export async function listDags(db: Kysely<Database>, filter: DagFilter = {}): Promise<Page<DagView>> {
  const query = db
    .selectFrom("dag")
    .$if(filter.onlyActive ?? true, (q) => q.where("is_active", "=", 1))
    .$if(filter.paused !== undefined, (q) => q.where("is_paused", "=", filter.paused ? 1 : 0))
    .$if(filter.dagIdPattern !== undefined, (q) =>
      q.where(containsIgnoringCase("dag_id", filter.dagIdPattern as string)),
    );
  const count = await query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirst();
  const rows = await query
    .selectAll()
    .orderBy("dag_id")
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return { items: rows.map(toDagView), total: Number(count?.count ?? 0) };
}

/**
 * One DAG (active or not), or undefined.
 *
 * @example
 * ```ts
 * const dag = await getDag(db, "consumer");
 * ```
 */
export async function getDag(db: Kysely<Database>, dagId: string): Promise<DagView | undefined> {
  const row = await db.selectFrom("dag").selectAll().where("dag_id", "=", dagId).executeTakeFirst();
  return row ? toDagView(row) : undefined;
}

/** Filters of {@link listDagRunsPage}. */
export interface DagRunFilter extends PageOptions {
  readonly state?: RunState;
  readonly runType?: RunKind;
  /** By creation: `"desc"` (newest first, the default) or `"asc"`. */
  readonly order?: "asc" | "desc";
}

/**
 * A page of a DAG's runs, each with its consumed events.
 *
 * @example
 * ```ts
 * const { items } = await listDagRunsPage(db, "consumer", { limit: 10 });
 * ```
 */
export async function listDagRunsPage(
  db: Kysely<Database>,
  dagId: string,
  filter: DagRunFilter = {},
): Promise<Page<DagRunView>> {
  const query = db
    .selectFrom("dag_run")
    .where("dag_id", "=", dagId)
    .$if(filter.state !== undefined, (q) => q.where("state", "=", filter.state as RunState))
    .$if(filter.runType !== undefined, (q) => q.where("run_type", "=", filter.runType as RunKind));
  const count = await query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirst();
  const rows = await query
    .selectAll()
    .orderBy("id", filter.order ?? "desc")
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  const runIds = rows.map((row) => row.run_id);
  const consumed = new Map<string, AssetEventRecord[]>();
  if (runIds.length > 0) {
    const eventRows = await eventQuery(db)
      .innerJoin("dag_run_consumed_event as c", "c.event_id", "e.id")
      .select("c.run_id as consumed_by")
      .where("c.dag_id", "=", dagId)
      .where("c.run_id", "in", runIds)
      .orderBy("e.timestamp")
      .orderBy("e.id")
      .execute();
    const events = await withAliases(db, eventRows);
    eventRows.forEach((row, index) => {
      const event = events[index];
      if (event) consumed.set(row.consumed_by, [...(consumed.get(row.consumed_by) ?? []), event]);
    });
  }
  const items = rows.map((row) => ({
    dagId: row.dag_id,
    runId: row.run_id,
    runType: row.run_type,
    state: row.state,
    logicalDate: nullableNumber(row.logical_date),
    dataIntervalStart: nullableNumber(row.data_interval_start),
    dataIntervalEnd: nullableNumber(row.data_interval_end),
    conf: JSON.parse(row.conf) as JsonObject,
    createdAt: Number(row.created_at),
    startDate: nullableNumber(row.start_date),
    endDate: nullableNumber(row.end_date),
    consumedEvents: consumed.get(row.run_id) ?? [],
  }));
  return { items, total: Number(count?.count ?? 0) };
}

/**
 * One task instance of a run, or undefined: the one with `mapIndex` when
 * given, else the task's first (an unmapped task has one, at map index -1).
 *
 * @example
 * ```ts
 * const ti = await getTaskInstance(db, "producer", runId, "producer");
 * ```
 */
export async function getTaskInstance(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
  taskId: string,
  mapIndex?: number,
): Promise<TaskInstanceView | undefined> {
  const all = await listTaskInstances(db, dagId, runId);
  return all
    .filter((ti) => ti.taskId === taskId && (mapIndex === undefined || ti.mapIndex === mapIndex))
    .sort((a, b) => a.mapIndex - b.mapIndex)[0];
}

/** A node of the asset graph. Ids: `asset:<id>`, `alias:<name>`, `dag:<dagId>`, `ref:name:<v>` / `ref:uri:<v>`. */
export type AssetGraphNode =
  | {
      readonly kind: "asset";
      readonly id: string;
      readonly assetId: number;
      readonly name: string;
      readonly uri: string;
      readonly group: string;
      readonly eventCount: number;
      readonly lastEventAt: number | null;
      /** Pending inbox entries of this asset, over all consumers. */
      readonly queuedEventCount: number;
    }
  | { readonly kind: "alias"; readonly id: string; readonly name: string }
  | {
      readonly kind: "dag";
      readonly id: string;
      readonly dagId: string;
      readonly isPaused: boolean;
      readonly scheduleKind: ScheduleManifest["kind"];
      /** The asset condition of its schedule (AND / OR of assets, aliases and references), or null. */
      readonly condition: ConditionNode | null;
      readonly lastRun: {
        readonly runId: string;
        readonly runType: RunKind;
        readonly state: RunState;
        readonly createdAt: number;
      } | null;
      /** Pending inbox entries of this consumer. */
      readonly queuedEventCount: number;
    }
  | { readonly kind: "ref"; readonly id: string; readonly refKind: "name" | "uri"; readonly value: string };

/**
 * An edge of the asset graph: `producer` from a DAG to the asset or alias its
 * tasks update (with the task ids), `consumer` from an asset, alias or
 * unresolved reference to the DAG scheduled on it, `alias` from an alias to an
 * asset it resolved to.
 */
export interface AssetGraphEdge {
  readonly kind: "producer" | "consumer" | "alias";
  readonly source: string;
  readonly target: string;
  readonly taskIds: string[];
}

/** The graph of the Assets view. */
export interface AssetGraph {
  readonly nodes: AssetGraphNode[];
  readonly edges: AssetGraphEdge[];
}

/**
 * The asset graph: every asset and alias, the active DAGs that produce or
 * consume them, and the edges between them, with live counts (events, queued
 * events, latest run).
 *
 * @example
 * ```ts
 * const { nodes, edges } = await loadAssetGraph(db);
 * ```
 */
export async function loadAssetGraph(db: Kysely<Database>): Promise<AssetGraph> {
  const [assets, aliases, dags, outlets, aliasLinks, scheduleAssets, scheduleAliases, scheduleRefs] = await Promise.all(
    [
      db.selectFrom("asset").select(["id", "name", "uri", "group_name"]).orderBy("uri").orderBy("name").execute(),
      db.selectFrom("asset_alias").select(["id", "name"]).orderBy("name").execute(),
      db
        .selectFrom("dag")
        .select(["dag_id", "is_paused", "manifest"])
        .where("is_active", "=", 1)
        .orderBy("dag_id")
        .execute(),
      db
        .selectFrom("task_asset_reference as r")
        .innerJoin("dag as d", "d.dag_id", "r.dag_id")
        .select(["r.dag_id", "r.task_id", "r.asset_id", "r.alias_id"])
        .where("r.direction", "=", "outlet")
        .where("d.is_active", "=", 1)
        .orderBy("r.dag_id")
        .orderBy("r.task_id")
        .execute(),
      db.selectFrom("asset_alias_asset").select(["alias_id", "asset_id"]).execute(),
      db.selectFrom("dag_schedule_asset").select(["dag_id", "asset_id"]).execute(),
      db.selectFrom("dag_schedule_alias").select(["dag_id", "alias_id"]).execute(),
      db.selectFrom("dag_schedule_ref").select(["dag_id", "ref_kind", "value"]).execute(),
    ],
  );
  const [eventStats, queuedByAsset, queuedByDag, lastRuns] = await Promise.all([
    db
      .selectFrom("asset_event")
      .select((eb) => ["asset_id", eb.fn.countAll<number>().as("count"), eb.fn.max("timestamp").as("last")])
      .groupBy("asset_id")
      .execute(),
    db
      .selectFrom("asset_event_inbox")
      .select((eb) => ["asset_id", eb.fn.countAll<number>().as("count")])
      .groupBy("asset_id")
      .execute(),
    db
      .selectFrom("asset_event_inbox")
      .select((eb) => ["dag_id", eb.fn.countAll<number>().as("count")])
      .groupBy("dag_id")
      .execute(),
    db
      .selectFrom("dag_run")
      .select(["dag_id", "run_id", "run_type", "state", "created_at"])
      .where(
        "id",
        "in",
        db
          .selectFrom("dag_run")
          .select((eb) => eb.fn.max("id").as("id"))
          .groupBy("dag_id"),
      )
      .execute(),
  ]);

  const aliasName = new Map(aliases.map((alias) => [Number(alias.id), alias.name]));
  const assetNodeId = (id: number | string) => `asset:${Number(id)}`;
  const aliasNodeId = (id: number | string) => `alias:${aliasName.get(Number(id)) ?? id}`;
  const edges = new Map<string, { kind: AssetGraphEdge["kind"]; source: string; target: string; taskIds: string[] }>();
  const addEdge = (kind: AssetGraphEdge["kind"], source: string, target: string, taskId?: string) => {
    const key = JSON.stringify([kind, source, target]);
    const edge = edges.get(key) ?? { kind, source, target, taskIds: [] };
    if (taskId !== undefined && !edge.taskIds.includes(taskId)) edge.taskIds.push(taskId);
    edges.set(key, edge);
  };
  const activeDags = new Set(dags.map((dag) => dag.dag_id));
  for (const outlet of outlets) {
    const target =
      outlet.asset_id !== null
        ? assetNodeId(outlet.asset_id)
        : outlet.alias_id !== null
          ? aliasNodeId(outlet.alias_id)
          : null;
    if (target) addEdge("producer", `dag:${outlet.dag_id}`, target, outlet.task_id);
  }
  for (const link of aliasLinks) addEdge("alias", aliasNodeId(link.alias_id), assetNodeId(link.asset_id));
  for (const row of scheduleAssets) {
    if (activeDags.has(row.dag_id)) addEdge("consumer", assetNodeId(row.asset_id), `dag:${row.dag_id}`);
  }
  for (const row of scheduleAliases) {
    if (activeDags.has(row.dag_id)) addEdge("consumer", aliasNodeId(row.alias_id), `dag:${row.dag_id}`);
  }
  const refNodes: AssetGraphNode[] = [];
  for (const ref of scheduleRefs) {
    if (!activeDags.has(ref.dag_id)) continue;
    const matches = assets.filter((asset) => (ref.ref_kind === "name" ? asset.name : asset.uri) === ref.value);
    if (matches.length > 0) {
      for (const asset of matches) addEdge("consumer", assetNodeId(asset.id), `dag:${ref.dag_id}`);
      continue;
    }
    const id = `ref:${ref.ref_kind}:${ref.value}`;
    if (!refNodes.some((node) => node.id === id))
      refNodes.push({ kind: "ref", id, refKind: ref.ref_kind, value: ref.value });
    addEdge("consumer", id, `dag:${ref.dag_id}`);
  }

  const stats = new Map(eventStats.map((row) => [Number(row.asset_id), row]));
  const queuedAsset = new Map(queuedByAsset.map((row) => [Number(row.asset_id), Number(row.count)]));
  const queuedDag = new Map(queuedByDag.map((row) => [row.dag_id, Number(row.count)]));
  const lastRun = new Map(lastRuns.map((row) => [row.dag_id, row]));
  const linkedDags = new Set(
    [...edges.values()].flatMap((edge) => [edge.source, edge.target]).filter((id) => id.startsWith("dag:")),
  );
  const nodes: AssetGraphNode[] = [
    ...assets.map((asset): AssetGraphNode => {
      const stat = stats.get(Number(asset.id));
      return {
        kind: "asset",
        id: assetNodeId(asset.id),
        assetId: Number(asset.id),
        name: asset.name,
        uri: asset.uri,
        group: asset.group_name,
        eventCount: Number(stat?.count ?? 0),
        lastEventAt: stat?.last == null ? null : Number(stat.last),
        queuedEventCount: queuedAsset.get(Number(asset.id)) ?? 0,
      };
    }),
    ...aliases.map((alias): AssetGraphNode => ({ kind: "alias", id: `alias:${alias.name}`, name: alias.name })),
    ...refNodes,
    ...dags
      .filter((dag) => linkedDags.has(`dag:${dag.dag_id}`))
      .map((dag): AssetGraphNode => {
        const run = lastRun.get(dag.dag_id);
        const { schedule } = JSON.parse(dag.manifest) as DagManifest;
        return {
          kind: "dag",
          id: `dag:${dag.dag_id}`,
          dagId: dag.dag_id,
          isPaused: dag.is_paused === 1,
          scheduleKind: schedule.kind,
          condition: schedule.kind === "assets" || schedule.kind === "assetOrTime" ? schedule.condition : null,
          lastRun: run
            ? { runId: run.run_id, runType: run.run_type, state: run.state, createdAt: Number(run.created_at) }
            : null,
          queuedEventCount: queuedDag.get(dag.dag_id) ?? 0,
        };
      }),
  ];
  return { nodes, edges: [...edges.values()] };
}

type AssetRow = Selectable<Database["asset"]>;

async function withAssetRelations(db: Kysely<Database>, rows: readonly AssetRow[]): Promise<AssetView[]> {
  const ids = rows.map((row) => Number(row.id));
  if (ids.length === 0) return [];
  const [direct, viaAlias, consumers, aliases, stats] = await Promise.all([
    db
      .selectFrom("task_asset_reference as r")
      .innerJoin("dag as d", "d.dag_id", "r.dag_id")
      .select(["r.asset_id", "r.dag_id", "r.task_id"])
      .where("r.direction", "=", "outlet")
      .where("d.is_active", "=", 1)
      .where("r.asset_id", "in", ids)
      .orderBy("r.dag_id")
      .orderBy("r.task_id")
      .execute(),
    db
      .selectFrom("task_asset_reference as r")
      .innerJoin("dag as d", "d.dag_id", "r.dag_id")
      .innerJoin("asset_alias_asset as aa", "aa.alias_id", "r.alias_id")
      .innerJoin("asset_alias as al", "al.id", "r.alias_id")
      .select(["aa.asset_id", "r.dag_id", "r.task_id", "al.name as alias"])
      .where("r.direction", "=", "outlet")
      .where("d.is_active", "=", 1)
      .where("aa.asset_id", "in", ids)
      .orderBy("r.dag_id")
      .orderBy("r.task_id")
      .execute(),
    consumersOfAssets(db, ids),
    db
      .selectFrom("asset_alias_asset as aa")
      .innerJoin("asset_alias as al", "al.id", "aa.alias_id")
      .select(["aa.asset_id", "al.name"])
      .where("aa.asset_id", "in", ids)
      .orderBy("al.name")
      .execute(),
    db
      .selectFrom("asset_event")
      .select((eb) => ["asset_id", eb.fn.countAll<number>().as("count"), eb.fn.max("timestamp").as("last")])
      .where("asset_id", "in", ids)
      .groupBy("asset_id")
      .execute(),
  ]);
  const group = <T>(items: Array<[number, T]>) => {
    const map = new Map<number, T[]>();
    for (const [id, item] of items) map.set(id, [...(map.get(id) ?? []), item]);
    return map;
  };
  const producers = group<ProducingTaskView>([
    ...direct.map((r): [number, ProducingTaskView] => [
      Number(r.asset_id),
      { dagId: r.dag_id, taskId: r.task_id, alias: null },
    ]),
    ...viaAlias.map((r): [number, ProducingTaskView] => [
      Number(r.asset_id),
      { dagId: r.dag_id, taskId: r.task_id, alias: r.alias },
    ]),
  ]);
  const aliasNames = group(aliases.map((r): [number, string] => [Number(r.asset_id), r.name]));
  const stat = new Map(stats.map((row) => [Number(row.asset_id), row]));
  return rows.map((row) => {
    const id = Number(row.id);
    const s = stat.get(id);
    return {
      id,
      name: row.name,
      uri: row.uri,
      group: row.group_name,
      extra: JSON.parse(row.extra) as JsonObject,
      createdAt: Number(row.created_at),
      producingTasks: producers.get(id) ?? [],
      consumingDags: [...(consumers.get(id) ?? [])].sort(),
      aliases: aliasNames.get(id) ?? [],
      eventCount: Number(s?.count ?? 0),
      lastEventAt: s?.last == null ? null : Number(s.last),
    };
  });
}

/** Active consumer DAG ids per asset id: through the schedule's assets, aliases, and name/URI references. */
async function consumersOfAssets(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, Set<string>>> {
  const [direct, viaAlias, viaRef] = await Promise.all([
    db
      .selectFrom("dag_schedule_asset as s")
      .innerJoin("dag as d", "d.dag_id", "s.dag_id")
      .select(["s.asset_id", "s.dag_id"])
      .where("d.is_active", "=", 1)
      .where("s.asset_id", "in", ids)
      .execute(),
    db
      .selectFrom("dag_schedule_alias as s")
      .innerJoin("dag as d", "d.dag_id", "s.dag_id")
      .innerJoin("asset_alias_asset as aa", "aa.alias_id", "s.alias_id")
      .select(["aa.asset_id", "s.dag_id"])
      .where("d.is_active", "=", 1)
      .where("aa.asset_id", "in", ids)
      .execute(),
    db
      .selectFrom("dag_schedule_ref as r")
      .innerJoin("dag as d", "d.dag_id", "r.dag_id")
      .innerJoin("asset as a", (join) =>
        join.on((eb) =>
          eb.or([
            eb.and([eb("r.ref_kind", "=", "name"), eb("a.name", "=", eb.ref("r.value"))]),
            eb.and([eb("r.ref_kind", "=", "uri"), eb("a.uri", "=", eb.ref("r.value"))]),
          ]),
        ),
      )
      .select(["a.id as asset_id", "r.dag_id"])
      .where("d.is_active", "=", 1)
      .where("a.id", "in", ids)
      .execute(),
  ]);
  const consumers = new Map<number, Set<string>>();
  for (const row of [...direct, ...viaAlias, ...viaRef]) {
    const id = Number(row.asset_id);
    consumers.set(id, (consumers.get(id) ?? new Set()).add(row.dag_id));
  }
  return consumers;
}

async function withAliasRelations(
  db: Kysely<Database>,
  rows: ReadonlyArray<{ id: number; name: string; group_name: string }>,
): Promise<AliasView[]> {
  const ids = rows.map((row) => Number(row.id));
  if (ids.length === 0) return [];
  const [assets, producers, consumers] = await Promise.all([
    db
      .selectFrom("asset_alias_asset as aa")
      .innerJoin("asset as a", "a.id", "aa.asset_id")
      .select(["aa.alias_id", "a.name", "a.uri"])
      .where("aa.alias_id", "in", ids)
      .orderBy("a.uri")
      .orderBy("a.name")
      .execute(),
    db
      .selectFrom("task_asset_reference as r")
      .innerJoin("dag as d", "d.dag_id", "r.dag_id")
      .select(["r.alias_id", "r.dag_id", "r.task_id"])
      .where("r.direction", "=", "outlet")
      .where("d.is_active", "=", 1)
      .where("r.alias_id", "in", ids)
      .orderBy("r.dag_id")
      .orderBy("r.task_id")
      .execute(),
    db
      .selectFrom("dag_schedule_alias as s")
      .innerJoin("dag as d", "d.dag_id", "s.dag_id")
      .select(["s.alias_id", "s.dag_id"])
      .where("d.is_active", "=", 1)
      .where("s.alias_id", "in", ids)
      .orderBy("s.dag_id")
      .execute(),
  ]);
  return rows.map((row) => {
    const id = Number(row.id);
    return {
      name: row.name,
      group: row.group_name,
      assets: assets.filter((a) => Number(a.alias_id) === id).map((a) => ({ name: a.name, uri: a.uri })),
      producingTasks: producers
        .filter((p) => Number(p.alias_id) === id)
        .map((p) => ({ dagId: p.dag_id, taskId: p.task_id })),
      consumingDags: consumers.filter((c) => Number(c.alias_id) === id).map((c) => c.dag_id),
    };
  });
}

/** Ids of the assets a DAG produces (directly or through aliases) or consumes. */
async function assetIdsOfDag(db: Kysely<Database>, dagId: string): Promise<number[]> {
  const [produced, viaAlias, consumed] = await Promise.all([
    db
      .selectFrom("task_asset_reference")
      .select("asset_id")
      .where("dag_id", "=", dagId)
      .where("direction", "=", "outlet")
      .where("asset_id", "is not", null)
      .execute(),
    db
      .selectFrom("task_asset_reference as r")
      .innerJoin("asset_alias_asset as aa", "aa.alias_id", "r.alias_id")
      .select("aa.asset_id")
      .where("r.dag_id", "=", dagId)
      .where("r.direction", "=", "outlet")
      .execute(),
    sql<{ asset_id: number }>`${consumedAssetIds(dagId)}`.execute(db),
  ]);
  return [...new Set([...produced, ...viaAlias, ...consumed.rows].map((row) => Number(row.asset_id)))].filter(
    (id) => Number.isFinite(id) && id > 0,
  );
}

/**
 * `lower(column) LIKE %text%`, with the LIKE wildcards of `text` escaped.
 *
 * @example
 * ```ts
 * query.where(containsIgnoringCase("dag_id", "orders"));
 * ```
 */
export function containsIgnoringCase(column: string, text: string): Expression<SqlBool> {
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${`%${escapeLike(text.toLowerCase())}%`} escape '!'`;
}

/** `text` with the LIKE wildcards escaped by `!`. */
function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (char) => `!${char}`);
}

/**
 * A DAG row as users see it (its manifest parsed).
 *
 * @example
 * ```ts
 * const dags = rows.map(toDagView);
 * ```
 */
export function toDagView(row: Database["dag"]): DagView {
  const manifest = JSON.parse(row.manifest) as DagManifest;
  return {
    dagId: row.dag_id,
    description: manifest.description,
    fileloc: row.fileloc,
    isPaused: row.is_paused === 1,
    isActive: row.is_active === 1,
    maxActiveRuns: Number(row.max_active_runs),
    tags: manifest.tags,
    schedule: manifest.schedule,
    params: manifest.params,
    tasks: manifest.tasks,
    nextRunAt: nullableNumber(row.next_run_at),
    registeredAt: Number(row.registered_at),
    updatedAt: Number(row.updated_at),
  };
}

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}

/**
 * One asset event by id, or undefined.
 *
 * @example
 * ```ts
 * const event = await getAssetEvent(db, recorded.eventId);
 * ```
 */
export async function getAssetEvent(db: Kysely<Database>, eventId: number): Promise<AssetEventRecord | undefined> {
  const rows = await eventQuery(db).where("e.id", "=", eventId).execute();
  return (await withAliases(db, rows))[0];
}

/**
 * The runs that consumed an event, by DAG then run id.
 *
 * @example
 * ```ts
 * const runs = await runsConsumingEvent(db, eventId); // [{ dagId: "consumer", runId: "asset_triggered__..." }]
 * ```
 */
export async function runsConsumingEvent(
  db: Kysely<Database>,
  eventId: number,
): Promise<Array<{ dagId: string; runId: string }>> {
  const rows = await db
    .selectFrom("dag_run_consumed_event")
    .select(["dag_id", "run_id"])
    .where("event_id", "=", eventId)
    .orderBy("dag_id")
    .orderBy("run_id")
    .execute();
  return rows.map((row) => ({ dagId: row.dag_id, runId: row.run_id }));
}
