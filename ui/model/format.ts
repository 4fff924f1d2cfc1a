/**
 * Times, durations and counts as the pages show them. Pure: the current
 * time is passed in, so tests fix it.
 */

/**
 * A duration in ms as `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`, `3d 4h`.
 *
 * @example
 * ```ts
 * formatDuration(245_000); // "4m 05s"
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const totalSeconds = Math.round(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes}m ${pad(totalSeconds % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${pad(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * How long something took: end - start, or until `now` while it runs; null when it has not started.
 *
 * @example
 * ```ts
 * elapsedMs("2025-01-01T00:00:00Z", null, Date.parse("2025-01-01T00:00:05Z")); // 5000
 * ```
 */
export function elapsedMs(start: string | null, end: string | null, now: number): number | null {
  if (start === null) return null;
  const from = Date.parse(start);
  const to = end === null ? now : Date.parse(end);
  return Number.isNaN(from) || Number.isNaN(to) ? null : Math.max(0, to - from);
}

/**
 * A time relative to now: `12 s ago`, `in 4m 05s`, `just now`.
 *
 * @example
 * ```ts
 * relativeTime("2025-01-01T00:00:00Z", Date.parse("2025-01-01T00:01:00Z")); // "1m 00s ago"
 * ```
 */
export function relativeTime(iso: string | null, now: number): string {
  if (iso === null) return "–";
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "–";
  const delta = time - now;
  if (Math.abs(delta) < 1000) return "just now";
  const text = formatDuration(Math.abs(delta)).replace(/\.\d s$/, " s");
  return delta < 0 ? `${text} ago` : `in ${text}`;
}

/**
 * A time as `2025-01-31 14:05:09` in the given zone (UTC by default).
 *
 * @example
 * ```ts
 * formatTime("2025-01-31T14:05:09.120Z"); // "2025-01-31 14:05:09"
 * ```
 */
export function formatTime(iso: string | null, timeZone = "UTC"): string {
  if (iso === null) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "–";
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}:${part("second")}`;
}

/**
 * A count with its noun: `1 event`, `3 events`, `1,204 DAGs`.
 *
 * @example
 * ```ts
 * plural(3, "event"); // "3 events"
 * ```
 */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? noun : pluralNoun}`;
}

/**
 * A JSON value as indented text, for `<pre>` (always text, never HTML).
 *
 * @example
 * ```ts
 * jsonText({ a: 1 }); // "{\n  \"a\": 1\n}"
 * ```
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
