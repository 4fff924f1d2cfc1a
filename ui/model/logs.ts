/**
 * A try's log as the run page keeps it while it grows: the text read so
 * far, where to read next, and whether the start was left out (a large log
 * is tailed: only its end is fetched, and what the page keeps is capped).
 */

/** The most log text the page keeps per try, in characters (older text is dropped). */
export const MAX_KEPT_LOG_CHARS = 2 * 1024 * 1024;

/** A log being followed. */
export interface FollowedLog {
  readonly text: string;
  /** Where the next read starts (byte offset in the file), or null when unknown. */
  readonly nextOffset: number | null;
  /** True when the start of the log is not shown. */
  readonly truncated: boolean;
}

/** An empty log. */
export const EMPTY_LOG: FollowedLog = { text: "", nextOffset: null, truncated: false };

/** One read of a log: text from `offset` (or the end, when tailed) up to `nextOffset`. */
export interface LogChunk {
  readonly text: string;
  /** Where this chunk starts in the file. */
  readonly offset: number;
  /** Where the next read starts. */
  readonly nextOffset: number;
  /** True when text before `offset` exists but was not sent. */
  readonly truncated: boolean;
}

/**
 * The log after a chunk: appended when it continues where the log ended,
 * replaced otherwise (a first read, or a file that was rotated); capped at
 * {@link MAX_KEPT_LOG_CHARS}.
 *
 * @example
 * ```ts
 * appendChunk(EMPTY_LOG, { text: "a\n", offset: 0, nextOffset: 2, truncated: false }).text; // "a\n"
 * ```
 */
export function appendChunk(log: FollowedLog, chunk: LogChunk, maxChars = MAX_KEPT_LOG_CHARS): FollowedLog {
  const continues = log.nextOffset !== null && chunk.offset === log.nextOffset;
  const text = continues ? log.text + chunk.text : chunk.text;
  const truncated = (continues ? log.truncated : chunk.truncated) || text.length > maxChars;
  return {
    text: text.length > maxChars ? dropPartialFirstLine(text.slice(text.length - maxChars)) : text,
    nextOffset: chunk.nextOffset,
    truncated,
  };
}

/**
 * Log text split into lines for display (a trailing newline adds no empty line).
 *
 * @example
 * ```ts
 * logLines("a\nb\n"); // ["a", "b"]
 * ```
 */
export function logLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function dropPartialFirstLine(text: string): string {
  const newline = text.indexOf("\n");
  return newline === -1 ? text : text.slice(newline + 1);
}
