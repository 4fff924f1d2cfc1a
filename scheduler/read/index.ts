/**
 * The read layer: every read of the store that the CLI, the REST API and
 * `assetflow/testing` make, one module per resource, each with typed filters
 * and paging. Callers get them bound to a store as `scheduler.read` and never
 * see a table.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";
import { aliasQueries } from "./aliases.js";
import { assetEventQueries } from "./asset-events.js";
import { assetQueries } from "./assets.js";
import { changeStamps } from "./changes.js";
import { type DagOverviewFilter, dagGrid, listDagOverview, listDagTags } from "./dag-overview.js";
import { listDagWarnings } from "./dag-warnings.js";
import { dagQueries } from "./dags.js";
import { graphQueries } from "./graph.js";
import { queuedEventQueries } from "./queued-events.js";
import { runQueries } from "./runs.js";
import { taskInstanceQueries } from "./task-instances.js";

export * from "./aliases.js";
export * from "./asset-events.js";
export * from "./asset-facets.js";
export * from "./assets.js";
export * from "./changes.js";
export * from "./dag-overview.js";
export * from "./dag-warnings.js";
export * from "./dags.js";
export * from "./graph.js";
export type { Page, PageOptions } from "./paging.js";
export * from "./queued-events.js";
export * from "./runs.js";
export * from "./task-instances.js";

/**
 * Every query of the read layer bound to one store, by resource.
 *
 * @example
 * ```ts
 * const read = createReadLayer(db);
 * const { items } = await read.dags.list({ paused: false });
 * ```
 */
export function createReadLayer(db: Kysely<Database>) {
  return {
    dags: {
      ...dagQueries(db),
      /** DAGs with their latest runs, filtered as the overview filters ({@link listDagOverview}). */
      overview: (filter?: DagOverviewFilter) => listDagOverview(db, filter),
      /** The tags in use ({@link listDagTags}). */
      tags: () => listDagTags(db),
      /** A DAG's recent runs with their task instances ({@link dagGrid}). */
      grid: (dagId: string, limit: number) => dagGrid(db, dagId, limit),
    },
    /** Warnings registration recorded about DAGs ({@link listDagWarnings}). */
    dagWarnings: { list: (filter?: Parameters<typeof listDagWarnings>[1]) => listDagWarnings(db, filter) },
    runs: runQueries(db),
    taskInstances: taskInstanceQueries(db),
    assets: assetQueries(db),
    assetEvents: assetEventQueries(db),
    queuedEvents: queuedEventQueries(db),
    aliases: aliasQueries(db),
    graph: graphQueries(db),
    /** The change stamps behind `GET /changes` ({@link changeStamps}). */
    changeStamps: () => changeStamps(db),
  };
}

/** The read layer over one store: see {@link createReadLayer}. */
export type ReadLayer = ReturnType<typeof createReadLayer>;
