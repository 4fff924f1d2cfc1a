/**
 * A try's log: plain text lines with numbers, kept scrolled to the end
 * while the try runs (unless the reader scrolled up).
 */
import { useEffect, useRef } from "react";
import { useTryLog } from "../api/use-try-log.js";
import { logLines } from "../model/logs.js";

/**
 * The log of one try.
 *
 * @example
 * ```tsx
 * <LogView dagId="producer" runId={runId} taskId="load" tryNumber={1} running={false} />
 * ```
 */
export function LogView({
  dagId,
  runId,
  taskId,
  tryNumber,
  running,
}: {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  running: boolean;
}) {
  const { log, error, loaded } = useTryLog(dagId, runId, taskId, tryNumber, running);
  const box = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);
  const lines = logLines(log.text);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the text grows
  useEffect(() => {
    const element = box.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [log.text]);
  return (
    <div className="log" data-try={tryNumber} data-following={String(running)}>
      <div className="log-head">
        <span>
          Try {tryNumber}
          {running ? " · following (live)" : ""}
        </span>
        {log.truncated && <span className="muted small">Showing the end of a large log.</span>}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <pre
        ref={box}
        className="log-text"
        role="log"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
        tabIndex={0}
        aria-label={`Log of ${taskId}, try ${tryNumber}`}
        onScroll={(event) => {
          const element = event.currentTarget;
          pinned.current = element.scrollTop + element.clientHeight >= element.scrollHeight - 8;
        }}
      >
        {!loaded ? "Loading…" : lines.length === 0 ? "(no log lines yet)" : log.text}
      </pre>
    </div>
  );
}
