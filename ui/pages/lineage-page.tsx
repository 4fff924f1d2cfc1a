/**
 * Lineage: assets, aliases and DAGs with producer and consumer edges, each
 * consumer's condition drawn as AND / OR gates; pan and zoom; a search that
 * jumps to a node; the upstream and downstream of the selected node
 * highlighted or shown alone; the selection and focus in the URL.
 */
import { useMemo, useState } from "react";
import { useGraph } from "../api/hooks.js";
import { Empty, ErrorBox, Loading } from "../components/common.js";
import { GraphCanvas } from "../components/graph/graph-canvas.js";
import { Link, useRouter } from "../components/router.js";
import {
  buildLineage,
  focusNodes,
  type LineageEdge,
  type LineageGraph,
  type LineageNode,
  searchNodes,
  subgraph,
} from "../model/lineage.js";
import { assetRoute, LINEAGE_FOCUS, type LineageFocus, type Route } from "../model/routes.js";

type LineageRoute = Extract<Route, { page: "lineage" }>;

const FOCUS_LABELS: Record<LineageFocus, string> = {
  all: "Whole graph",
  upstream: "Upstream only",
  downstream: "Downstream only",
  both: "Upstream and downstream",
};

/**
 * The Lineage page.
 *
 * @example
 * ```tsx
 * <LineagePage route={{ page: "lineage", selected: "dag:consumer", focus: "both" }} />
 * ```
 */
export function LineagePage({ route }: { route: LineageRoute }) {
  const { navigate } = useRouter();
  const graph = useGraph();
  const lineage = useMemo(() => (graph.data ? buildLineage(graph.data) : null), [graph.data]);
  const [center, setCenter] = useState<{ id: string; seq: number } | null>(null);

  const shown = useMemo(() => {
    if (!lineage) return null;
    return subgraph(lineage, focusNodes(lineage, route.selected, route.focus));
  }, [lineage, route.selected, route.focus]);
  const dimmed = useMemo(() => {
    if (!lineage || !shown || route.selected === null || route.focus !== "all") return undefined;
    const related = focusNodes(lineage, route.selected, "both");
    return new Set(lineage.nodes.filter((node) => !related.has(node.id)).map((node) => node.id));
  }, [lineage, shown, route.selected, route.focus]);

  const select = (id: string | null) => navigate({ ...route, selected: id }, { replace: true });
  const open = (id: string) => {
    const target = pageOf(lineage?.nodes.find((node) => node.id === id) ?? null);
    if (target) navigate(target);
  };

  if (graph.isError) return <ErrorBox error={graph.error} />;
  if (!lineage || !shown) return <Loading what="the lineage graph" />;
  const selectedNode = lineage.nodes.find((node) => node.id === route.selected) ?? null;

  return (
    <section className="page lineage-page" aria-labelledby="lineage-title">
      <header className="page-head">
        <h1 id="lineage-title">Lineage</h1>
        <span className="count">
          {lineage.nodes.filter((node) => node.source !== null).length.toLocaleString("en-US")} nodes
          {shown !== lineage
            ? ` · ${shown.nodes.filter((node) => node.source !== null).length.toLocaleString("en-US")} shown`
            : ""}
        </span>
      </header>
      <div className="filters">
        <NodeSearch
          graph={lineage}
          onPick={(node) => {
            navigate({ ...route, selected: node.id }, { replace: true });
            setCenter((old) => ({ id: node.id, seq: (old?.seq ?? 0) + 1 }));
          }}
        />
        <label>
          <span>Show</span>
          <select
            value={route.focus}
            onChange={(event) => navigate({ ...route, focus: event.target.value as LineageFocus }, { replace: true })}
            disabled={route.selected === null && route.focus === "all"}
            title={route.selected === null ? "Select a node first" : undefined}
          >
            {LINEAGE_FOCUS.map((focus) => (
              <option key={focus} value={focus}>
                {FOCUS_LABELS[focus]}
              </option>
            ))}
          </select>
        </label>
        <Legend />
      </div>
      {lineage.nodes.length === 0 ? (
        <Empty>No assets yet: DAGs with outlets or asset schedules appear here once registered.</Empty>
      ) : (
        <div className="lineage-layout">
          <div className="graph-box big-graph">
            <GraphCanvas
              nodes={shown.nodes}
              edges={shown.edges}
              selected={route.selected}
              {...(dimmed ? { dimmed } : {})}
              onSelect={select}
              onOpen={open}
              ariaLabel="Lineage graph"
              center={center}
            />
          </div>
          <aside className="side" aria-label="Selection" aria-live="polite">
            {selectedNode ? (
              <Selection node={selectedNode} graph={lineage} route={route} />
            ) : (
              <p className="muted">
                Click a node (or pick one from the search) to see what feeds it and what it feeds. Double-click, or
                press Enter on a focused node, to open its page.
              </p>
            )}
          </aside>
        </div>
      )}
    </section>
  );
}

function NodeSearch({ graph, onPick }: { graph: LineageGraph; onPick: (node: LineageNode) => void }) {
  const [text, setText] = useState("");
  const found = useMemo(() => searchNodes(graph, text), [graph, text]);
  return (
    <div className="node-search">
      <input
        type="search"
        className="search"
        data-search=""
        aria-label="Find a node"
        placeholder="Find an asset or DAG  ( / )"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && found[0]) {
            onPick(found[0]);
            setText("");
          }
        }}
      />
      {found.length > 0 && (
        <ul className="search-results" aria-label="Matching nodes">
          {found.map((node) => (
            <li key={node.id}>
              <button
                type="button"
                onClick={() => {
                  onPick(node);
                  setText("");
                }}
              >
                <span className={`kind-chip kind-${node.kind}`}>{node.kind}</span> {node.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Selection({ node, graph, route }: { node: LineageNode; graph: LineageGraph; route: LineageRoute }) {
  const incoming = graph.edges.filter((edge) => edge.target === node.id);
  const outgoing = graph.edges.filter((edge) => edge.source === node.id);
  const byId = new Map(graph.nodes.map((item) => [item.id, item]));
  const target = pageOf(node);
  return (
    <div className="selection" data-node-id={node.id}>
      <p className="kind-line">
        <span className={`kind-chip kind-${node.kind}`}>{node.kind}</span>
      </p>
      <h2 className="break">{node.label}</h2>
      {node.detail && <p className="muted break">{node.detail}</p>}
      {target && (
        <p>
          <Link to={target} className="button">
            Open {node.kind === "dag" ? "DAG" : node.kind} page
          </Link>
        </p>
      )}
      <fieldset className="focus-buttons">
        <legend className="visually-hidden">Show around the selection</legend>
        {LINEAGE_FOCUS.map((focus) => (
          <Link
            key={focus}
            to={{ ...route, focus }}
            replace
            className={`button small${route.focus === focus ? " current" : ""}`}
            aria-current={route.focus === focus ? "page" : undefined}
          >
            {FOCUS_LABELS[focus]}
          </Link>
        ))}
      </fieldset>
      <Neighbours title="Fed by" edges={incoming} end="source" byId={byId} route={route} />
      <Neighbours title="Feeds" edges={outgoing} end="target" byId={byId} route={route} />
    </div>
  );
}

function Neighbours({
  title,
  edges,
  end,
  byId,
  route,
}: {
  title: string;
  edges: readonly LineageEdge[];
  end: "source" | "target";
  byId: Map<string, LineageNode>;
  route: LineageRoute;
}) {
  if (edges.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul className="plain neighbours">
        {edges.map((edge) => {
          const other = byId.get(edge[end]);
          if (!other) return null;
          return (
            <li key={edge.id} data-node-id={other.id}>
              <Link to={{ ...route, selected: other.id }} replace>
                <span className={`kind-chip kind-${other.kind}`}>{other.kind}</span> {other.label}
              </Link>
              {edge.taskIds.length > 0 && <span className="muted small"> · task {edge.taskIds.join(", ")}</span>}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li>
        <span className="swatch kind-asset" /> asset
      </li>
      <li>
        <span className="swatch kind-alias" /> alias
      </li>
      <li>
        <span className="swatch kind-dag" /> DAG
      </li>
      <li>
        <span className="swatch kind-and">AND</span> all inputs
      </li>
      <li>
        <span className="swatch kind-or">OR</span> any input
      </li>
    </ul>
  );
}

function pageOf(node: LineageNode | null): Route | null {
  const source = node?.source;
  if (!source) return null;
  switch (source.kind) {
    case "asset":
      return assetRoute(source.uri, source.name);
    case "dag":
      return { page: "dag", dagId: source.dagId };
    case "alias":
    case "ref":
      return null;
  }
}
