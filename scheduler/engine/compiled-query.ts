/**
 * Queries built with Kysely once per dialect, then run as compiled SQL with
 * new values. Building and compiling a Kysely query costs more than running
 * the statement in SQLite; the statements every try runs (claim, finish, the
 * run's progress) skip that cost this way and keep Kysely's typed builders.
 */
import { type Compilable, CompiledQuery, type QueryResult, type RawBuilder } from "kysely";
import type { DialectName } from "../store/migrations.js";
import type { Executor } from "./context.js";

const PLACEHOLDER_PREFIX = "\u0000assetflow-argument:";

/** Where a compiled parameter's value comes from: an argument (by index) or a constant of the query. */
type Slot = { readonly argument: number } | { readonly constant: unknown };

/**
 * Wraps a query builder (or a `sql` template) so that it is built and compiled once per dialect.
 * `build` receives placeholders for its arguments: use each where a value
 * goes (comparisons, `set`, `values`, `limit`), never in a list (`in`), in
 * JavaScript logic, or to choose the query's shape.
 *
 * @example
 * ```ts
 * const runState = compiledQuery((db, dagId: string, runId: string) =>
 *   db.selectFrom("dag_run").select("state").where("dag_id", "=", dagId).where("run_id", "=", runId),
 * );
 * const { rows } = await runState(ctx.dialect, trx, "etl", "manual__1");
 * ```
 */
export function compiledQuery<Args extends unknown[], Row>(
  build: (db: Executor, ...args: Args) => Compilable<Row> | RawBuilder<Row>,
): (dialect: DialectName, db: Executor, ...args: Args) => Promise<QueryResult<Row>> {
  const compiled = new Map<DialectName, { sql: string; slots: Slot[] }>();
  return (dialect, db, ...args) => {
    let query = compiled.get(dialect);
    if (!query) {
      const placeholders = args.map((_, index) => `${PLACEHOLDER_PREFIX}${index}`) as Args;
      const built = build(db, ...placeholders);
      const { sql, parameters } = "isRawBuilder" in built ? built.compile(db) : built.compile();
      const slots = parameters.map((parameter): Slot => {
        if (typeof parameter === "string" && parameter.startsWith(PLACEHOLDER_PREFIX)) {
          return { argument: Number(parameter.slice(PLACEHOLDER_PREFIX.length)) };
        }
        return { constant: parameter };
      });
      query = { sql, slots };
      compiled.set(dialect, query);
    }
    const values = query.slots.map((slot) => ("argument" in slot ? args[slot.argument] : slot.constant));
    return db.executeQuery(CompiledQuery.raw(query.sql, values)) as Promise<QueryResult<Row>>;
  };
}
