/**
 * Reads of DAG warnings: problems registration found in active DAGs (a DAG
 * scheduled on its own outlet), by DAG id and type.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";
import type { Page, PageOptions } from "./paging.js";

/** A DAG warning as users see it. */
export interface DagWarningView {
  readonly dagId: string;
  /** What kind of problem: `self-triggering`. */
  readonly warningType: string;
  readonly message: string;
  /** When the registration that found it ran (epoch ms). */
  readonly createdAt: number;
}

/**
 * A page of DAG warnings, by DAG id then type, optionally of one DAG.
 *
 * @example
 * ```ts
 * const { items, total } = await listDagWarnings(db, { dagId: "loop" });
 * ```
 */
export async function listDagWarnings(
  db: Kysely<Database>,
  filter: PageOptions & { readonly dagId?: string } = {},
): Promise<Page<DagWarningView>> {
  const query = db
    .selectFrom("dag_warning")
    .$if(filter.dagId !== undefined, (q) => q.where("dag_id", "=", filter.dagId as string));
  const count = await query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirst();
  const rows = await query
    .selectAll()
    .orderBy("dag_id")
    .orderBy("warning_type")
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return {
    items: rows.map((row) => ({
      dagId: row.dag_id,
      warningType: row.warning_type,
      message: row.message,
      createdAt: Number(row.created_at),
    })),
    total: Number(count?.count ?? 0),
  };
}
