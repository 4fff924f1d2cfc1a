/**
 * Reads of assets: a filtered page of assets and the assets of one URI, each
 * with the tasks that produce it, the DAGs that consume it, its aliases and
 * its event statistics.
 */
import { type Kysely, type Selectable, type SqlBool, sql } from "kysely";
import type { JsonObject } from "../../sdk/json.js";
import type { AssetRefSubject, ResolvedAsset } from "../contracts.js";
import { consumedAssetIds } from "../engine/consumed-assets.js";
import type { Database } from "../store/schema.js";
import { assetFacets } from "./asset-facets.js";
import { containsIgnoringCase, escapeLike, type Page, type PageOptions } from "./paging.js";

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

/**
 * The assets a reference by name or by URI names (what `Asset.ref` in a
 * task's inlets resolves to when the task runs), by URI then name, each with
 * the extra schema the store keeps for it: none when the store knows no such
 * asset.
 *
 * @example
 * ```ts
 * await assetsByRef(db, { kind: "ref", name: "orders" }); // [{ name: "orders", uri: "s3://warehouse/orders.parquet", schema: null }]
 * ```
 */
export async function assetsByRef(db: Kysely<Database>, ref: AssetRefSubject): Promise<ResolvedAsset[]> {
  const rows = await db
    .selectFrom("asset")
    .select(["name", "uri", "schema"])
    .$if("name" in ref, (q) => q.where("name", "=", (ref as { name: string }).name))
    .$if("uri" in ref, (q) => q.where("uri", "=", (ref as { uri: string }).uri))
    .orderBy("uri")
    .orderBy("name")
    .execute();
  return rows.map((row) => ({ name: row.name, uri: row.uri, schema: row.schema }));
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
 * The asset queries over one store.
 *
 * @example
 * ```ts
 * const { items } = await assetQueries(db).list({ search: "orders" });
 * ```
 */
export function assetQueries(db: Kysely<Database>) {
  return {
    /** A filtered page of assets ({@link listAssets}). */
    list: (filter?: AssetFilter) => listAssets(db, filter),
    /** The assets with this URI ({@link getAssetsByUri}). */
    byUri: (uri: string) => getAssetsByUri(db, uri),
    /** The assets a name or URI reference names ({@link assetsByRef}). */
    byRef: (ref: AssetRefSubject) => assetsByRef(db, ref),
    /** Asset groups and URI schemes with their counts ({@link assetFacets}). */
    facets: () => assetFacets(db),
  };
}
