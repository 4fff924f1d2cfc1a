/**
 * Reads of asset aliases: a page of aliases and one alias, with the assets
 * they resolved to, the tasks that emit through them and the DAGs scheduled
 * on them.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";
import { containsIgnoringCase, type Page, type PageOptions } from "./paging.js";

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

/**
 * The alias queries over one store.
 *
 * @example
 * ```ts
 * const alias = await aliasQueries(db).get("my-task-outputs");
 * ```
 */
export function aliasQueries(db: Kysely<Database>) {
  return {
    /** A page of aliases by name ({@link listAliases}). */
    list: (filter?: PageOptions & { readonly namePattern?: string }) => listAliases(db, filter),
    /** One alias, or undefined ({@link getAlias}). */
    get: (name: string) => getAlias(db, name),
  };
}
