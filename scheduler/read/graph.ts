/**
 * The asset graph of the Assets view: assets, aliases, unresolved references
 * and the active DAGs around them, with live counts.
 */
import type { Kysely } from "kysely";
import type { ConditionNode, DagManifest, ScheduleManifest } from "../../sdk/manifest/schema.js";
import type { RunKind, RunState } from "../contracts.js";
import type { Database } from "../store/schema.js";

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

/**
 * The graph queries over one store.
 *
 * @example
 * ```ts
 * const { nodes } = await graphQueries(db).assets();
 * ```
 */
export function graphQueries(db: Kysely<Database>) {
  return {
    /** The asset graph ({@link loadAssetGraph}). */
    assets: () => loadAssetGraph(db),
  };
}
