/**
 * Multi-row INSERTs of many rows without the query builder. Kysely parses
 * every value of a multi-row `values()` and compiles the statement anew each
 * time: for a fan-out's thousand runs or a registration's thousand DAGs that
 * cost more than running the statement. Here the SQL text of a chunk is built
 * once per table, columns and row count, and the rows go as a flat list of
 * parameters (one prepared statement per text: the stores cache them).
 */
import { CompiledQuery } from "kysely";
import type { DialectName } from "../store/migrations.js";
import type { Database } from "../store/schema.js";
import type { Executor } from "./context.js";

/** Parameters per statement at most (SQLite allows 32,766, PostgreSQL 65,535). */
const MAX_PARAMETERS = 30_000;
/** Rows per statement at most. */
const MAX_ROWS = 1000;

const texts = new Map<string, string>();

function insertText(
  dialect: DialectName,
  table: string,
  columns: readonly string[],
  rowCount: number,
  tail: string,
): string {
  const key = `${dialect}\u0000${table}\u0000${columns.join(",")}\u0000${rowCount}\u0000${tail}`;
  let text = texts.get(key);
  if (text === undefined) {
    const rows: string[] = [];
    let next = 1;
    for (let row = 0; row < rowCount; row++) {
      const values: string[] = [];
      for (let column = 0; column < columns.length; column++) values.push(dialect === "sqlite" ? "?" : `$${next++}`);
      rows.push(`(${values.join(", ")})`);
    }
    const names = columns.map((column) => `"${column}"`).join(", ");
    text = `INSERT INTO "${table}" (${names}) VALUES ${rows.join(", ")}${tail === "" ? "" : ` ${tail}`}`;
    // Chunks of the same shape come back: keep their texts (a few dozen shapes in all).
    if (texts.size > 500) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/**
 * Inserts `rows` (each an array of values in the order of `columns`) into
 * `table` with as few statements as the parameter limit allows. `tail` is
 * appended to each statement (`ON CONFLICT ... DO NOTHING`, `RETURNING ...`);
 * the rows it returns are returned in statement order.
 *
 * @example
 * ```ts
 * await insertRows(ctx.dialect, trx, "dag_schedule_asset", ["dag_id", "asset_id"], [["etl", 1], ["report", 1]]);
 * ```
 */
export async function insertRows<Table extends keyof Database & string, Row = never>(
  dialect: DialectName,
  db: Executor,
  table: Table,
  columns: readonly (keyof Database[Table] & string)[],
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  tail = "",
): Promise<Row[]> {
  const returned: Row[] = [];
  const perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
  for (let first = 0; first < rows.length; first += perStatement) {
    const count = Math.min(perStatement, rows.length - first);
    const parameters: unknown[] = [];
    for (let index = first; index < first + count; index++) {
      const row = rows[index] as ReadonlyArray<unknown>;
      if (row.length !== columns.length) {
        throw new Error(`insertRows: a row of "${table}" has ${row.length} values for ${columns.length} columns.`);
      }
      for (const value of row) parameters.push(value);
    }
    const result = await db.executeQuery<Row>(
      CompiledQuery.raw(insertText(dialect, table, columns, count, tail), parameters),
    );
    for (const row of result.rows) returned.push(row);
  }
  return returned;
}
