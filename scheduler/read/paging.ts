/**
 * Paging and text filters shared by the read modules: a page of rows with the
 * total that matches, and case-insensitive substring matches.
 */
import { type Expression, type SqlBool, sql } from "kysely";

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
export function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (char) => `!${char}`);
}

export function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}
