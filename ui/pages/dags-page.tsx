/**
 * The DAGs page: every DAG with its schedule in words, paused toggle, last
 * run, next run or what it waits for, and tags; search and filters in the
 * URL; import errors and DAG warnings at the top.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi, useDagList, useDagTags, useDagWarnings, useImportErrors } from "../api/hooks.js";
import type { DagListItem } from "../api/types.js";
import { Empty, ErrorBox, Loading, Pager, StateBadge } from "../components/common.js";
import { DebouncedSearch } from "../components/debounced-search.js";
import { Link, useRouter } from "../components/router.js";
import { moveBetweenRows } from "../components/table-keys.js";
import { DAG_PAGE_SIZE, dagListQuery, dagRow, pageCount } from "../model/dag-list.js";
import { plural } from "../model/format.js";
import {
  type DagListFilter,
  LAST_RUN_STATES,
  PAUSED_FILTERS,
  runRoute,
  SCHEDULE_KINDS,
  type ScheduleKindFilter,
} from "../model/routes.js";

const KIND_LABELS: Record<ScheduleKindFilter, string> = {
  all: "Any schedule",
  time: "Time (cron)",
  assets: "Assets",
  assetOrTime: "Assets or time",
  manual: "Manual only",
};

/**
 * The DAGs page.
 *
 * @example
 * ```tsx
 * <DagsPage filter={DEFAULT_DAG_FILTER} />
 * ```
 */
export function DagsPage({ filter }: { filter: DagListFilter }) {
  const { navigate } = useRouter();
  const list = useDagList(dagListQuery(filter));
  const [tagsWanted, setTagsWanted] = useState(filter.tag !== null);
  const tags = useDagTags(tagsWanted);
  const setFilter = (change: Partial<DagListFilter>) =>
    navigate({ page: "dags", filter: { ...filter, page: 1, ...change } }, { replace: true });
  const now = Date.now();
  const total = list.data?.total ?? 0;

  return (
    <section className="page" aria-labelledby="dags-title">
      <header className="page-head">
        <h1 id="dags-title">DAGs</h1>
        {list.data && <span className="count">{plural(total, "DAG")}</span>}
      </header>
      <Problems />
      <search className="filters">
        <DebouncedSearch
          value={filter.search}
          label="Search DAGs"
          placeholder="Search DAG id, description or tag  ( / )"
          onChange={(search) => setFilter({ search })}
        />
        <label>
          <span>Last run</span>
          <select
            value={filter.lastRunState}
            onChange={(event) => setFilter({ lastRunState: event.target.value as DagListFilter["lastRunState"] })}
          >
            <option value="all">Any</option>
            {LAST_RUN_STATES.map((state) => (
              <option key={state} value={state}>
                {state === "none" ? "Never ran" : state}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Tag</span>
          <select
            value={filter.tag ?? ""}
            onFocus={() => setTagsWanted(true)}
            onPointerDown={() => setTagsWanted(true)}
            onChange={(event) => setFilter({ tag: event.target.value || null })}
          >
            <option value="">Any</option>
            {(tags.data?.tags ?? (filter.tag ? [filter.tag] : [])).map((tag) => (
              <option key={tag} value={tag}>
                {tag}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Schedule</span>
          <select
            value={filter.scheduleKind}
            onChange={(event) => setFilter({ scheduleKind: event.target.value as ScheduleKindFilter })}
          >
            {(["all", ...SCHEDULE_KINDS] as const).map((kind) => (
              <option key={kind} value={kind}>
                {KIND_LABELS[kind]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Paused</span>
          <select
            value={filter.paused}
            onChange={(event) => setFilter({ paused: event.target.value as DagListFilter["paused"] })}
          >
            {PAUSED_FILTERS.map((value) => (
              <option key={value} value={value}>
                {value === "all" ? "Any" : value === "active" ? "Active" : "Paused"}
              </option>
            ))}
          </select>
        </label>
      </search>
      {list.isError ? (
        <ErrorBox error={list.error} />
      ) : !list.data ? (
        <Loading what="DAGs" />
      ) : list.data.dags.length === 0 ? (
        <Empty>No DAG matches these filters.</Empty>
      ) : (
        <table className="list dags" aria-label="DAGs">
          <thead>
            <tr>
              <th scope="col" className="narrow">
                Active
              </th>
              <th scope="col">DAG</th>
              <th scope="col">Schedule</th>
              <th scope="col">Last run</th>
              <th scope="col">Next run</th>
              <th scope="col">Tags</th>
            </tr>
          </thead>
          <tbody onKeyDown={moveBetweenRows}>
            {list.data.dags.map((dag) => (
              <DagRowView key={dag.dagId} dag={dag} now={now} onTag={(tag) => setFilter({ tag })} />
            ))}
          </tbody>
        </table>
      )}
      <Pager
        page={filter.page}
        pages={pageCount(total, DAG_PAGE_SIZE)}
        label="DAG pages"
        onPage={(page) => navigate({ page: "dags", filter: { ...filter, page } })}
      />
    </section>
  );
}

function DagRowView({ dag, now, onTag }: { dag: DagListItem; now: number; onTag: (tag: string) => void }) {
  const row = dagRow(dag, now);
  return (
    <tr data-dag-id={row.dagId} className={row.isPaused ? "paused" : ""}>
      <td className="narrow">
        <PauseToggle dagId={row.dagId} isPaused={row.isPaused} />
      </td>
      <td>
        <Link to={{ page: "dag", dagId: row.dagId }} className="strong">
          {row.dagId}
        </Link>
        {row.description && <div className="muted small">{row.description}</div>}
      </td>
      <td>
        <span className={`schedule kind-${row.schedule.kind}`}>{row.schedule.text}</span>
      </td>
      <td>
        {row.lastRun ? (
          <Link to={runRoute(row.dagId, row.lastRun.runId)} title={row.lastRun.runId} className="run-link">
            <StateBadge state={row.lastRun.state} /> <span className="muted small">{row.lastRun.when}</span>
          </Link>
        ) : (
          <span className="muted">Never ran</span>
        )}
      </td>
      <td className={`next next-${row.next.kind}`}>{row.next.text}</td>
      <td>
        {row.tags.map((tag) => (
          <button type="button" key={tag} className="tag" onClick={() => onTag(tag)} title={`Only DAGs tagged ${tag}`}>
            {tag}
          </button>
        ))}
      </td>
    </tr>
  );
}

/**
 * A switch that pauses or unpauses a DAG through the API.
 *
 * @example
 * ```tsx
 * <PauseToggle dagId="consumer" isPaused={false} />
 * ```
 */
export function PauseToggle({ dagId, isPaused }: { dagId: string; isPaused: boolean }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: (paused: boolean) => api.setPaused(dagId, paused),
    onSuccess: async () => {
      setError(null);
      await queryClient.invalidateQueries({
        predicate: (query) => ["dagList", "dag", "graph", "condition"].includes(String(query.queryKey[0])),
      });
    },
    onError: (failure: Error) => setError(failure.message),
  });
  const paused = mutation.isPending && mutation.variables !== undefined ? mutation.variables : isPaused;
  return (
    <span className="toggle-wrap">
      <button
        type="button"
        role="switch"
        aria-checked={!paused}
        aria-label={`${dagId}: ${paused ? "paused" : "active"}`}
        className={`switch ${paused ? "off" : "on"}`}
        disabled={mutation.isPending}
        onClick={() => mutation.mutate(!isPaused)}
        title={paused ? "Paused: click to unpause" : "Active: click to pause"}
      >
        <span className="knob" />
      </button>
      {error && (
        <span className="error small" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

function Problems() {
  const errors = useImportErrors();
  const warnings = useDagWarnings();
  const importErrors = errors.data?.importErrors ?? [];
  const dagWarnings = warnings.data?.dagWarnings ?? [];
  if (importErrors.length === 0 && dagWarnings.length === 0) return null;
  return (
    <div className="problems">
      {importErrors.length > 0 && (
        <details className="problem import-errors" open={importErrors.length <= 3}>
          <summary>
            <strong>{plural(importErrors.length, "import error")}</strong>: these DAG files failed to load
          </summary>
          <ul>
            {importErrors.map((error) => (
              <li key={error.file}>
                <code>{error.file}</code>
                <pre className="message">{error.message}</pre>
              </li>
            ))}
          </ul>
        </details>
      )}
      {dagWarnings.length > 0 && (
        <details className="problem dag-warnings" open={dagWarnings.length <= 3}>
          <summary>
            <strong>{plural(dagWarnings.length, "DAG warning")}</strong>
          </summary>
          <ul>
            {dagWarnings.map((warning) => (
              <li key={`${warning.dagId}\n${warning.warningType}`}>
                <Link to={{ page: "dag", dagId: warning.dagId }}>{warning.dagId}</Link>: {warning.message}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
