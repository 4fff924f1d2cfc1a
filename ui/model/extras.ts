/**
 * Numeric extras of an asset's events as series over time (Dagster plots
 * asset metadata the same way): every key whose values are numbers becomes
 * a series, nested keys by their dotted path (`stats.rows`); events without
 * a number are left out.
 */
import type { AssetEvent } from "../api/types.js";

/** Series of numeric extras, aligned on the events' times. */
export interface ExtraSeries {
  /** Event times in seconds since the epoch, ascending (what uPlot takes). */
  readonly times: readonly number[];
  readonly series: ReadonlyArray<{ readonly key: string; readonly values: ReadonlyArray<number | null> }>;
}

/** The most series plotted; keys beyond it (by how often they occur) are left out. */
export const MAX_SERIES = 8;

/**
 * The numeric extras of `events` (any order) as series over time.
 *
 * @example
 * ```ts
 * numericExtraSeries(events).series.map((s) => s.key); // ["rowCount", "stats.bytes"]
 * ```
 */
export function numericExtraSeries(events: readonly Pick<AssetEvent, "timestamp" | "extra" | "id">[]): ExtraSeries {
  // Only events with a number in their extra: the time axis spans what is plotted.
  const sorted = [...events]
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.id - b.id)
    .map((event) => ({ event, leaves: numericLeaves(event.extra) }))
    .filter(({ leaves }) => leaves.size > 0);
  const rows = sorted.map(({ leaves }) => leaves);
  const counts = new Map<string, number>();
  for (const row of rows) for (const key of row.keys()) counts.set(key, (counts.get(key) ?? 0) + 1);
  const keys = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_SERIES)
    .map(([key]) => key)
    .sort();
  return {
    times: sorted.map(({ event }) => Date.parse(event.timestamp) / 1000),
    series: keys.map((key) => ({ key, values: rows.map((row) => row.get(key) ?? null) })),
  };
}

/**
 * The numeric leaves of a JSON value by dotted path (arrays by index), at most 6 levels deep.
 *
 * @example
 * ```ts
 * numericLeaves({ rows: 3, stats: { bytes: 10 }, note: "x" }); // Map { "rows" => 3, "stats.bytes" => 10 }
 * ```
 */
export function numericLeaves(
  value: unknown,
  prefix = "",
  depth = 0,
  out = new Map<string, number>(),
): Map<string, number> {
  if (typeof value === "number" && Number.isFinite(value)) {
    out.set(prefix, value);
  } else if (value !== null && typeof value === "object" && depth < 6) {
    for (const [key, item] of Object.entries(value)) {
      numericLeaves(item, prefix === "" ? key : `${prefix}.${key}`, depth + 1, out);
    }
  }
  return out;
}
