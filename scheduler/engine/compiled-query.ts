/**
 * Queries built with Kysely once per dialect, then run as compiled SQL with
 * new values. Building and compiling a Kysely query costs more than running
 * the statement in SQLite; the statements every try runs (claim, finish, the
 * run's progress) skip that cost this way and keep Kysely's typed builders.
 */
import { type Compilable, CompiledQuery, type QueryResult, type RawBuilder } from "kysely";
import type { DialectName } from "../store/migrations.js";
import { NextStatement } from "../store/next-statement.js";
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
): CompiledQueryRunner<Args, Row> {
  const compiled = new Map<DialectName, { sql: string; slots: Slot[] }>();
  const statement = (dialect: DialectName, db: Executor, ...args: Args): CompiledQuery<Row> => {
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
    return CompiledQuery.raw(query.sql, values) as CompiledQuery<Row>;
  };
  const run = (dialect: DialectName, db: Executor, ...args: Args) =>
    db.executeQuery(statement(dialect, db, ...args)) as Promise<QueryResult<Row>>;
  return Object.assign(run, { statement });
}

/** A {@link compiledQuery}: runs it with these values, or gives the statement without running it. */
export interface CompiledQueryRunner<Args extends unknown[], Row> {
  (dialect: DialectName, db: Executor, ...args: Args): Promise<QueryResult<Row>>;
  /** The statement with these values, not run (for {@link executeWithNext}). */
  statement(dialect: DialectName, db: Executor, ...args: Args): CompiledQuery<Row>;
}

/**
 * Runs `statement`, telling a PostgreSQL connection that `next` is the
 * statement this transaction runs right after it (see {@link NextStatement}:
 * only a statement that always runs next, or a read). SQLite, or no `next`:
 * runs `statement` alone.
 */
export function executeWithNext<Row>(
  dialect: DialectName,
  db: Executor,
  statement: CompiledQuery<Row>,
  next: CompiledQuery | null,
): Promise<QueryResult<Row>> {
  return db.executeQuery(withNext(dialect, statement, next));
}

/**
 * `statement` with `next` attached as the statement its transaction runs
 * right after it (see {@link executeWithNext}); `next` may carry its own
 * (a chain: each statement of it must be the one that runs next). SQLite, or
 * no `next`: `statement` as it is.
 */
export function withNext<Row>(
  dialect: DialectName,
  statement: CompiledQuery<Row>,
  next: CompiledQuery | null,
): CompiledQuery<Row> {
  if (dialect !== "postgres" || next === null) return statement;
  return CompiledQuery.raw(statement.sql, [
    ...statement.parameters,
    new NextStatement(next.sql, next.parameters),
  ]) as CompiledQuery<Row>;
}
