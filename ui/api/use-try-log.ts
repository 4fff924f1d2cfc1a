/**
 * Following one try's log: the end of the log first (a large log is
 * tailed), then, while the try runs, what was appended since the last read,
 * by byte offset.
 */
import { useEffect, useState } from "react";
import { appendChunk, EMPTY_LOG, type FollowedLog } from "../model/logs.js";
import { useApi } from "./hooks.js";

/** Lines read at first (the rest of a large log is left out). */
export const TAIL_LINES = 2000;
/** How often a running try's log is read again, in ms. */
export const LOG_POLL_MS = 1000;

/**
 * The log of a try, followed while `following` is true.
 *
 * @example
 * ```ts
 * const { log, error } = useTryLog(dagId, runId, taskId, 1, ti.state === "running");
 * ```
 */
export function useTryLog(
  dagId: string,
  runId: string,
  taskId: string,
  tryNumber: number,
  following: boolean,
): { log: FollowedLog; error: string | null; loaded: boolean } {
  const api = useApi();
  const [state, setState] = useState<{ log: FollowedLog; error: string | null; loaded: boolean }>({
    log: EMPTY_LOG,
    error: null,
    loaded: false,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new try starts a new log
  useEffect(() => setState({ log: EMPTY_LOG, error: null, loaded: false }), [dagId, runId, taskId, tryNumber]);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current: FollowedLog | null = null;
    const read = async () => {
      try {
        const query =
          current === null || current.nextOffset === null
            ? { tryNumber, tail: TAIL_LINES }
            : { tryNumber, offset: current.nextOffset };
        const { logs } = await api.tryLog(dagId, runId, taskId, query);
        const chunk = logs.find((log) => log.tryNumber === tryNumber);
        if (stopped) return;
        const previous: FollowedLog = current ?? EMPTY_LOG;
        current = chunk
          ? chunk.nextOffset === undefined
            ? { text: chunk.text, nextOffset: null, truncated: chunk.truncated }
            : appendChunk(previous, chunk)
          : previous;
        setState({ log: current, error: null, loaded: true });
      } catch (error) {
        if (stopped) return;
        setState((old) => ({ ...old, error: error instanceof Error ? error.message : String(error), loaded: true }));
      }
      if (!stopped && following) timer = setTimeout(read, LOG_POLL_MS);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, dagId, runId, taskId, tryNumber, following]);
  return state;
}
