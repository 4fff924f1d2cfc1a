/**
 * A DAG: its schedule, paused toggle and trigger (with conf); the grid of
 * its recent runs by task; its task graph coloured by the latest run; and,
 * for an asset-scheduled DAG, its condition tree with what is satisfied.
 */
import { useMemo, useState } from "react";
import { useCondition, useDag, useGrid } from "../api/hooks.js";
import type { ConsumerStatus } from "../api/types.js";
import { ErrorBox, JsonView, Loading, StateBadge } from "../components/common.js";
import { ConditionTree } from "../components/condition-tree.js";
import { GraphCanvas } from "../components/graph/graph-canvas.js";
import { GridView } from "../components/grid-view.js";
import { Link, useRouter } from "../components/router.js";
import { TriggerForm } from "../components/trigger-form.js";
import { policyInWords, waitInWords } from "../model/consume.js";
import { formatDuration, formatTime, plural, relativeTime } from "../model/format.js";
import { buildGrid, GRID_RUNS } from "../model/grid.js";
import { assetRoute, runRoute } from "../model/routes.js";
import { scheduleCondition, summarizeSchedule } from "../model/schedule.js";
import { taskGraph } from "../model/task-graph.js";
import { PauseToggle } from "./dags-page.js";

/**
 * The page of one DAG.
 *
 * @example
 * ```tsx
 * <DagPage dagId="consumer" />
 * ```
 */
export function DagPage({ dagId }: { dagId: string }) {
  const { navigate } = useRouter();
  const dag = useDag(dagId);
  const grid = useGrid(dagId, GRID_RUNS);
  const assetScheduled = dag.data ? scheduleCondition(dag.data.schedule) !== null : false;
  const condition = useCondition(dagId, assetScheduled);
  const [triggering, setTriggering] = useState(false);
  const now = Date.now();

  const gridModel = useMemo(() => {
    if (!dag.data || !grid.data) return null;
    const instances = new Map<string, typeof grid.data.taskInstances>();
    for (const ti of grid.data.taskInstances) instances.set(ti.runId, [...(instances.get(ti.runId) ?? []), ti]);
    return buildGrid(dag.data.tasks, grid.data.dagRuns, instances);
  }, [dag.data, grid.data]);
  const latest = gridModel?.columns[gridModel.columns.length - 1] ?? null;
  const graph = useMemo(() => {
    if (!dag.data) return null;
    const states = new Map<string, string>();
    if (latest && grid.data) {
      for (const ti of grid.data.taskInstances) if (ti.runId === latest.runId) states.set(ti.taskId, ti.state);
    }
    return taskGraph(dag.data.tasks, states);
  }, [dag.data, grid.data, latest]);

  if (dag.isError) return <ErrorBox error={dag.error} />;
  if (!dag.data) return <Loading what={`DAG ${dagId}`} />;
  const summary = summarizeSchedule(dag.data.schedule);

  return (
    <section className="page dag-page" aria-labelledby="dag-title" data-dag-id={dagId}>
      <header className="page-head">
        <PauseToggle dagId={dagId} isPaused={dag.data.isPaused} />
        <h1 id="dag-title">{dagId}</h1>
        {dag.data.isPaused && <span className="badge state-paused">paused</span>}
        <span className="spacer" />
        <button
          type="button"
          className="primary"
          onClick={() => setTriggering((open) => !open)}
          aria-expanded={triggering}
        >
          ▶ Trigger
        </button>
      </header>
      {dag.data.description && <p className="lead">{dag.data.description}</p>}
      {triggering && (
        <TriggerForm
          dagId={dagId}
          params={dag.data.params}
          onCancel={() => setTriggering(false)}
          onTriggered={(run) => {
            setTriggering(false);
            navigate(runRoute(dagId, run.runId));
          }}
        />
      )}
      <dl className="facts">
        <dt>Schedule</dt>
        <dd className={`schedule kind-${summary.kind}`}>{summary.text}</dd>
        <dt>Next run</dt>
        <dd>
          {dag.data.nextRunAt ? (
            <span title={`${formatTime(dag.data.nextRunAt)} UTC`}>{relativeTime(dag.data.nextRunAt, now)}</span>
          ) : summary.kind === "assets" ? (
            "When its assets update"
          ) : (
            "–"
          )}
        </dd>
        <dt>Tags</dt>
        <dd>
          {dag.data.tags.length === 0
            ? "–"
            : dag.data.tags.map((tag) => (
                <span key={tag} className="tag">
                  {tag}
                </span>
              ))}
        </dd>
        <dt>File</dt>
        <dd>
          <code>{dag.data.fileloc ?? "–"}</code>
        </dd>
        <dt>Max active runs</dt>
        <dd>{dag.data.maxActiveRuns}</dd>
        {latest && (
          <>
            <dt>Latest run</dt>
            <dd>
              <StateBadge state={latest.state} /> <Link to={runRoute(dagId, latest.runId)}>{latest.runId}</Link>{" "}
              <span className="muted small">
                {latest.startDate
                  ? formatDuration((latest.endDate ? Date.parse(latest.endDate) : now) - Date.parse(latest.startDate))
                  : "not started"}
              </span>
            </dd>
          </>
        )}
      </dl>

      {assetScheduled && (
        <section className="panel" aria-labelledby="condition-title">
          <h2 id="condition-title">Asset condition</h2>
          <ConditionPanel status={condition.data} error={condition.error} />
        </section>
      )}

      <div className="dag-columns">
        <section className="panel" aria-labelledby="grid-title">
          <h2 id="grid-title">Recent runs{grid.data ? ` (${grid.data.dagRuns.length})` : ""}</h2>
          {grid.isError ? (
            <ErrorBox error={grid.error} />
          ) : !gridModel ? (
            <Loading what="runs" />
          ) : (
            <GridView dagId={dagId} grid={gridModel} now={now} />
          )}
        </section>
        <section className="panel graph-panel" aria-labelledby="graph-title">
          <h2 id="graph-title">
            Task graph{latest ? <span className="muted small"> · states of run {latest.runId}</span> : null}
          </h2>
          {graph && (
            <div className="graph-box small-graph">
              <GraphCanvas
                nodes={graph.nodes}
                edges={graph.edges}
                selected={null}
                ariaLabel={`Tasks of ${dagId}`}
                onOpen={(id) => {
                  if (id.startsWith("task:") && latest) navigate(runRoute(dagId, latest.runId, id.slice(5)));
                  const node = graph.nodes.find((item) => item.id === id);
                  if (node?.kind === "asset" && node.data?.uri)
                    navigate(assetRoute(node.data.uri, node.data.name ?? null));
                }}
              />
            </div>
          )}
        </section>
      </div>

      {Object.keys(dag.data.params).length > 0 && (
        <section className="panel">
          <h2>Params</h2>
          <JsonView value={dag.data.params} />
        </section>
      )}
    </section>
  );
}

function ConditionPanel({ status, error }: { status: ConsumerStatus | undefined; error: unknown }) {
  if (error) return <ErrorBox error={error} />;
  if (!status) return <Loading what="the condition" />;
  if (!status.condition) return <p className="muted">This DAG is not scheduled on assets.</p>;
  const queued = new Map(status.queuedEvents.map((event) => [event.uri, event]));
  return (
    <>
      {status.consume && (
        <p className="small" data-testid="consume-policy">
          Consumption: {policyInWords(status.consume)}
        </p>
      )}
      <p className="small" data-testid="waiting-on">
        {waitInWords(status.waitingOn ?? null) ??
          (status.condition.satisfied
            ? "The condition holds: a run starts now (or when a running one ends)."
            : `${plural(
                status.queuedEvents.reduce((sum, event) => sum + event.count, 0),
                "event",
              )} queued; ✗ marks what is still missing.`)}
      </p>
      <ConditionTree
        condition={status.condition}
        renderDetail={(node) => {
          const entry = node.uri ? queued.get(node.uri) : undefined;
          return entry ? (
            <span className="queued-note">
              {" "}
              · {plural(entry.count, "event")} queued since {formatTime(entry.createdAt)}
            </span>
          ) : null;
        }}
      />
    </>
  );
}
