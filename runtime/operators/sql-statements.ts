/**
 * What both SQL modules share: the parameters a request binds, the error of
 * a failing statement, and rows made JSON.
 */
import type { SqlRequest } from "../../sdk/index.js";

/** The parameters of a SQL request: a list (positional) or an object (by name, SQLite only). */
export type SqlParameters = SqlRequest["parameters"];

/**
 * The driver's error with the failing statement's position, and a hint when several statements share parameters.
 *
 * @example
 * ```ts
 * throw statementError(error, 1, 3); // "SQL statement 2 of 3 failed: ..."
 * ```
 */
export function statementError(error: unknown, index: number, count: number): unknown {
  if (!(error instanceof Error) || count === 1) return error;
  error.message = `SQL statement ${index + 1} of ${count} failed: ${error.message}`;
  if (/parameter/i.test(error.message)) {
    error.message += " (parameters bind to every statement: run statements that take none in a separate task or query)";
  }
  return error;
}

/**
 * A row with its values made JSON: Dates as ISO strings, bigints as numbers (strings beyond 2^53), binary data as base64.
 *
 * @example
 * ```ts
 * toJsonRow({ at: new Date(0) }); // { at: "1970-01-01T00:00:00.000Z" }
 * ```
 */
export function toJsonRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toJsonCell(value)]));
}

function toJsonCell(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return value;
}
