/**
 * How the CLI prints: human tables by default, JSON with `--json`, errors as
 * one clear line (JSON with `--json`) and a meaningful exit code.
 */
import { isAssetflowError } from "../sdk/errors.js";

/** Exit codes the CLI uses. */
export const ExitCode = {
  ok: 0,
  /** A command failed: bad input, unknown DAG, failed run, compile errors. */
  failure: 1,
  /** Wrong usage (unknown command or option); commander's own code. */
  usage: 2,
} as const;

/** Options every command understands. */
export interface OutputOptions {
  json?: boolean;
}

/**
 * Keys whose numbers are times (epoch milliseconds) in the data the commands
 * read: `--json` writes them as ISO 8601 strings, as the REST API does.
 */
const TIME_KEYS = new Set([
  "timestamp",
  "createdAt",
  "updatedAt",
  "registeredAt",
  "lastEventAt",
  "nextRunAt",
  "logicalDate",
  "dataIntervalStart",
  "dataIntervalEnd",
  "startDate",
  "endDate",
  "queuedAt",
  "heartbeatAt",
  "nextRetryAt",
]);

/** Keys that hold the user's own data (extras, conf, params, task results): written as they are. */
const USER_DATA_KEYS = new Set(["extra", "conf", "params", "result"]);

/**
 * A value as `--json` writes it: times (numbers under a time key) become ISO
 * 8601 strings, as in the REST API; the user's own data is left alone.
 *
 * @example
 * ```ts
 * toJsonOutput({ dagId: "d", nextRunAt: 0, extra: { createdAt: 1 } });
 * // { dagId: "d", nextRunAt: "1970-01-01T00:00:00.000Z", extra: { createdAt: 1 } }
 * ```
 */
export function toJsonOutput(value: unknown, key?: string): unknown {
  if (typeof value === "number" && key !== undefined && TIME_KEYS.has(key) && Number.isFinite(value)) {
    return new Date(value).toISOString();
  }
  if (Array.isArray(value)) return value.map((item) => toJsonOutput(item));
  if (typeof value !== "object" || value === null || (key !== undefined && USER_DATA_KEYS.has(key))) return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, toJsonOutput(item, name)]));
}

/** Prints rows as a table (or as JSON). */
export function printTable(rows: readonly Record<string, unknown>[], options: OutputOptions, columns?: string[]): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(toJsonOutput(rows), null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write("(none)\n");
    return;
  }
  const keys = columns ?? Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => keys.map((key) => formatCell(row[key])));
  const widths = keys.map((key, index) => Math.max(key.length, ...cells.map((row) => (row[index] ?? "").length)));
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(keys)}\n${line(widths.map((w) => "-".repeat(w)))}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

/** Prints one value (an object as JSON, with ISO times; a string as is). */
export function printValue(value: unknown, options: OutputOptions, human?: () => string): void {
  if (options.json || !human) process.stdout.write(`${JSON.stringify(toJsonOutput(value), null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "number" && value > 1e12 && value < 1e14) return new Date(value).toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Prints an error the way users should see it and returns the exit code. */
export function reportError(error: unknown, options: OutputOptions): number {
  const payload = isAssetflowError(error)
    ? { error: error.code, message: error.message }
    : { error: "ERROR", message: (error as Error)?.message ?? String(error) };
  if (options.json) process.stderr.write(`${JSON.stringify(payload)}\n`);
  else process.stderr.write(`error: ${payload.message}${payload.error !== "ERROR" ? ` [${payload.error}]` : ""}\n`);
  return ExitCode.failure;
}

/** Formats an epoch-ms time for people. */
export function formatTime(time: number | null | undefined): string {
  return time === null || time === undefined ? "-" : new Date(time).toISOString();
}
