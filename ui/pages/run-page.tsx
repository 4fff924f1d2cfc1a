/**
 * A run: its task instances (state, try, start, duration), the log of each
 * try (followed while it runs), the asset events it consumed with the runs
 * they came from, and the events its tasks emitted with their extras.
 */
import { useEffect, useState } from "react";
import { useDag, useRun, useRunEvents, useTaskInstances } from "../api/hooks.js";
import type { AssetEvent, TaskInstance } from "../api/types.js";
import { Empty, ErrorBox, JsonView, Loading, StateBadge, TimeText } from "../components/common.js";
import { LogView } from "../components/log-view.js";
import { Link, useRouter } from "../components/router.js";
import { moveBetweenRows } from "../components/table-keys.js";
import { elapsedMs, formatDuration } from "../model/format.js";
import { orderTasks } from "../model/grid.js";
import { assetRoute, type Route, runRoute } from "../model/routes.js";

type RunRoute = Extract<Route, { page: "run" }>;

/**
 * Re-renders every `ms` while `active`, for running durations.
 *
 * @example
 * ```ts
 * const now = useNow(1000, running);
 * ```
 */
export function useNow(ms: number, active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
  return active ? now : Date.now();
}

/**
 * The page of one run.
 *
 * @example
 * ```tsx
 * <RunPage route={{ page: "run", dagId, runId, taskId: null, tryNumber: null }} />
 * ```
 */
export function RunPage({ route }: { route: RunRoute }) {
  const { dagId, runId } = route;
  const { navigate } = useRouter();
  const dag = useDag(dagId);
  const run = useRun(dagId, runId);
  const instances = useTaskInstances(dagId, runId);
  const emitted = useRunEvents(dagId, runId);
  const running = run.data ? run.data.state === "queued" || run.data.state === "running" : false;
  const now = useNow(1000, running);

  if (run.isError) return <ErrorBox error={run.error} />;
  if (!run.data) return <Loading what={`run ${runId}`} />;
  const tis = sortInstances(instances.data?.taskInstances ?? [], dag.data?.tasks ?? []);
  // The task whose log is open: the one in the address, else the first that failed or runs, else the first.
  const selected =
    tis.find((ti) => ti.taskId === route.taskId) ??
    tis.find((ti) => ti.state === "failed" || ti.state === "running") ??
    tis[0] ??
    null;
  const runMs = elapsedMs(run.data.startDate, run.data.endDate, now);

  return (
    <section className="page run-page" aria-labelledby="run-title" data-run-id={runId} data-state={run.data.state}>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={{ page: "dag", dagId }}>{dagId}</Link> <span aria-hidden="true">›</span> run
      </nav>
      <header className="page-head">
        <h1 id="run-title">{runId}</h1>
        <StateBadge state={run.data.state} />
      </header>
      <dl className="facts">
        <dt>Type</dt>
        <dd>{run.data.runType.replace("_", " ")}</dd>
        <dt>Created</dt>
        <dd>
          <TimeText iso={run.data.createdAt} now={now} />
        </dd>
        <dt>Started</dt>
        <dd>
          <TimeText iso={run.data.startDate} now={now} />
        </dd>
        <dt>Duration</dt>
        <dd>{runMs === null ? "–" : `${formatDuration(runMs)}${run.data.endDate === null ? " (running)" : ""}`}</dd>
        {run.data.logicalDate && (
          <>
            <dt>Logical date</dt>
            <dd>
              <TimeText iso={run.data.logicalDate} now={now} />
            </dd>
          </>
        )}
        {run.data.dataIntervalStart && (
          <>
            <dt>Data interval</dt>
            <dd>
              <TimeText iso={run.data.dataIntervalStart} now={now} /> →{" "}
              <TimeText iso={run.data.dataIntervalEnd} now={now} />
            </dd>
          </>
        )}
      </dl>
      {Object.keys(run.data.conf).length > 0 && (
        <details className="panel">
          <summary>Conf</summary>
          <JsonView value={run.data.conf} />
        </details>
      )}

      <div className="run-columns">
        <section className="panel" aria-labelledby="tasks-title">
          <h2 id="tasks-title">Task instances</h2>
          {instances.isError ? (
            <ErrorBox error={instances.error} />
          ) : !instances.data ? (
            <Loading what="task instances" />
          ) : (
            <table className="list tasks" aria-label="Task instances">
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">State</th>
                  <th scope="col">Try</th>
                  <th scope="col">Started</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody onKeyDown={moveBetweenRows}>
                {tis.map((ti) => {
                  const took = elapsedMs(ti.startDate, ti.endDate, now);
                  return (
                    <tr
                      key={`${ti.taskId}\n${ti.mapIndex}`}
                      data-task-id={ti.taskId}
                      data-state={ti.state}
                      className={ti === selected ? "selected" : ""}
                    >
                      <td>
                        <Link
                          to={runRoute(dagId, runId, ti.taskId, ti.tryNumber || null)}
                          replace
                          aria-current={ti === selected ? "page" : undefined}
                        >
                          {ti.taskId}
                          {ti.mapIndex >= 0 ? ` [${ti.mapIndex}]` : ""}
                        </Link>
                      </td>
                      <td>
                        <StateBadge state={ti.state} />
                      </td>
                      <td title={`${ti.maxTries + 1} ${ti.maxTries === 0 ? "try" : "tries"} allowed`}>
                        {ti.tryNumber}
                      </td>
                      <td>
                        <TimeText iso={ti.startDate} now={now} />
                      </td>
                      <td>{took === null ? "–" : formatDuration(took)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
        <section className="panel log-panel" aria-labelledby="log-title">
          <h2 id="log-title">{selected ? `Log of ${selected.taskId}` : "Log"}</h2>
          {selected ? (
            <TryLogs
              dagId={dagId}
              runId={runId}
              ti={selected}
              tryNumber={selected.taskId === route.taskId ? route.tryNumber : null}
              onTry={(tryNumber) => navigate(runRoute(dagId, runId, selected.taskId, tryNumber), { replace: true })}
            />
          ) : (
            <Empty>Pick a task to read its log.</Empty>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="consumed-title">
        <h2 id="consumed-title">Consumed asset events ({run.data.consumedEvents.length})</h2>
        {run.data.consumedEvents.length === 0 ? (
          <Empty>
            {run.data.runType === "asset_triggered" ? "None." : "None: this run was not triggered by assets."}
          </Empty>
        ) : (
          <EventList events={run.data.consumedEvents} now={now} showSource />
        )}
      </section>
      <section className="panel" aria-labelledby="emitted-title">
        <h2 id="emitted-title">Emitted asset events{emitted.data ? ` (${emitted.data.total})` : ""}</h2>
        {emitted.isError ? (
          <ErrorBox error={emitted.error} />
        ) : !emitted.data ? (
          <Loading what="events" />
        ) : emitted.data.assetEvents.length === 0 ? (
          <Empty>{running ? "None yet." : "None."}</Empty>
        ) : (
          <EventList events={emitted.data.assetEvents} now={now} showSource={false} />
        )}
      </section>
    </section>
  );
}

function TryLogs({
  dagId,
  runId,
  ti,
  tryNumber,
  onTry,
}: {
  dagId: string;
  runId: string;
  ti: TaskInstance;
  tryNumber: number | null;
  onTry: (tryNumber: number) => void;
}) {
  if (ti.tryNumber === 0) return <Empty>Not started yet: its log appears when it starts.</Empty>;
  const shown = tryNumber !== null && tryNumber >= 1 && tryNumber <= ti.tryNumber ? tryNumber : ti.tryNumber;
  const tries = Array.from({ length: ti.tryNumber }, (_, index) => index + 1);
  return (
    <>
      {tries.length > 1 && (
        <div className="tabs" role="tablist" aria-label="Tries">
          {tries.map((number) => (
            <button
              key={number}
              type="button"
              role="tab"
              aria-selected={number === shown}
              className={number === shown ? "current" : ""}
              onClick={() => onTry(number)}
            >
              Try {number}
            </button>
          ))}
        </div>
      )}
      <LogView
        dagId={dagId}
        runId={runId}
        taskId={ti.taskId}
        tryNumber={shown}
        running={shown === ti.tryNumber && (ti.state === "running" || ti.state === "queued")}
      />
      {ti.error && shown === ti.tryNumber && (
        <p className="error">
          {ti.error.code ? <code>{ti.error.code}</code> : null} {ti.error.message}
        </p>
      )}
    </>
  );
}

/**
 * Asset events with their asset, time, source (the run that emitted it) and extra.
 *
 * @example
 * ```tsx
 * <EventList events={run.consumedEvents} now={Date.now()} showSource />
 * ```
 */
export function EventList({
  events,
  now,
  showSource,
}: {
  events: readonly AssetEvent[];
  now: number;
  showSource: boolean;
}) {
  return (
    <ul className="events">
      {events.map((event) => (
        <li key={event.id} className="event" data-event-id={event.id} data-uri={event.assetUri}>
          <div className="event-head">
            <Link to={assetRoute(event.assetUri, event.assetName)} className="strong">
              {event.assetName === event.assetUri ? event.assetUri : event.assetName}
            </Link>
            {event.assetName !== event.assetUri && <span className="muted small">{event.assetUri}</span>}
            <TimeText iso={event.timestamp} now={now} />
            {event.sourceAliases.length > 0 && (
              <span className="muted small">via alias {event.sourceAliases.join(", ")}</span>
            )}
            {showSource &&
              (event.sourceDagId && event.sourceRunId ? (
                <span className="source">
                  from{" "}
                  <Link to={runRoute(event.sourceDagId, event.sourceRunId, event.sourceTaskId)}>
                    {event.sourceDagId} › {event.sourceRunId}
                  </Link>
                  {event.sourceTaskId ? ` · ${event.sourceTaskId}` : ""}
                </span>
              ) : (
                <span className="muted small">external event (API or CLI)</span>
              ))}
          </div>
          {Object.keys(event.extra).length > 0 && <JsonView value={event.extra} className="extra" />}
        </li>
      ))}
    </ul>
  );
}

/** Task instances in the DAG's dependency order (stable while the run advances). */
function sortInstances(
  tis: readonly TaskInstance[],
  tasks: ReadonlyArray<{ taskId: string; upstream: string[] }>,
): TaskInstance[] {
  const order = new Map(orderTasks(tasks).map((task, index) => [task.taskId, index]));
  return [...tis].sort(
    (a, b) =>
      (order.get(a.taskId) ?? order.size) - (order.get(b.taskId) ?? order.size) ||
      a.taskId.localeCompare(b.taskId) ||
      a.mapIndex - b.mapIndex,
  );
}
