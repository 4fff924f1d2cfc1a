import { z } from "zod";
import type { TaskContext } from "../context.js";
import { parseOptions } from "../options.js";
import { BaseOperator, type BaseOperatorOptions, splitOperatorOptions } from "./base-operator.js";

/** Options of {@link SQLExecuteQueryOperator}. */
export interface SQLExecuteQueryOperatorOptions extends BaseOperatorOptions {
  /** Connection id, resolved from the environment variable `ASSETFLOW_CONN_<ID>` (a postgres:// or sqlite:// URI). */
  connId: string;
  /** One statement or several, run in order; templates (Jinja syntax). */
  sql: string | readonly string[];
  /** Bind parameters: positional (a list) or named (an object). */
  parameters?: readonly unknown[] | Record<string, unknown>;
}

const SQL_ERROR = "sql must be a non-empty statement or a non-empty list of statements";

/** The own options of `SQLExecuteQueryOperator` (the compiler reads its keys). */
export const sqlOwnSchema = z.strictObject({
  connId: z.string().regex(/^[A-Za-z0-9_]+$/, { error: "connId may only contain letters, digits and _" }),
  sql: z.union(
    [
      z.string().min(1, { error: SQL_ERROR }),
      z.array(z.string().min(1, { error: SQL_ERROR })).min(1, { error: SQL_ERROR }),
    ],
    {
      error: SQL_ERROR,
    },
  ),
  parameters: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
});

/**
 * Runs SQL on a PostgreSQL or SQLite connection. The result is the rows of the
 * last statement.
 *
 * @example
 * ```ts
 * new SQLExecuteQueryOperator({
 *   taskId: "query",
 *   connId: "warehouse",
 *   sql: "SELECT * FROM orders WHERE updated_at >= '{{ data_interval_start }}'",
 * });
 * ```
 */
export class SQLExecuteQueryOperator extends BaseOperator {
  static override readonly templateFields: readonly string[] = ["sql", "parameters"];
  readonly connId: string;
  readonly sql: string | readonly string[];
  readonly parameters: readonly unknown[] | Readonly<Record<string, unknown>> | undefined;

  constructor(options: SQLExecuteQueryOperatorOptions) {
    const keys = ["connId", "sql", "parameters"] as const;
    const { base, own, where } = splitOperatorOptions(options, keys, "SQLExecuteQueryOperator");
    const parsed = parseOptions(sqlOwnSchema, own, where);
    super(base);
    this.connId = parsed.connId;
    this.sql = parsed.sql;
    this.parameters = parsed.parameters;
  }

  override async execute(ctx: TaskContext): Promise<readonly Record<string, unknown>[]> {
    const result = await ctx.services.runSql({ connId: this.connId, sql: this.sql, parameters: this.parameters });
    return result.rows;
  }
}
