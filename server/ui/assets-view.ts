/// <reference lib="dom" />
/**
 * The Assets view, in the browser: the graph of assets, aliases and DAGs
 * (laid out with dagre), and a side panel with the selected node's events,
 * queued events, runs and asset condition. It polls the API every two
 * seconds, so new events and runs appear without a reload.
 *
 * Safety: every value from the API reaches the page through `textContent`,
 * `setAttribute` or `dataset` — never through HTML parsing — and the page's
 * Content-Security-Policy allows no inline script. The token comes from the
 * URL fragment (`#token=...`, removed from the address bar at once) or from
 * the user, and is kept in `sessionStorage` (this tab only).
 *
 * Bundled with dagre by esbuild when the server first serves it.
 */
import { graphlib, layout } from "@dagrejs/dagre";
import type { z } from "zod";
import type {
  assetDetailSchema,
  assetEventSchema,
  assetGraphSchema,
  consumerStatusSchema,
  dagRunSchema,
  dagSchema,
  ExplainedConditionJson,
  queuedEventSchema,
} from "../schemas.js";

type AssetGraph = z.output<typeof assetGraphSchema>;
type GraphNode = AssetGraph["nodes"][number];
type GraphEdge = AssetGraph["edges"][number];
type AssetDetail = z.output<typeof assetDetailSchema>;
type AssetEvent = z.output<typeof assetEventSchema>;
type QueuedEvent = z.output<typeof queuedEventSchema>;
type ConsumerStatus = z.output<typeof consumerStatusSchema>;
type DagRun = z.output<typeof dagRunSchema>;
type Dag = z.output<typeof dagSchema>;

const API = "/api/v1";
const TOKEN_KEY = "assetflow.apiToken";
const POLL_MS = 2000;
const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_LABEL = 42;

// ------------------------------------------------------------------ DOM helpers

type Child = Node | string | number | null | undefined | false;

/** Creates an HTML element; strings become text nodes (never parsed as HTML). */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  append(element, children);
  return element;
}

/** Creates an SVG element. */
function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

function append(parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "number" ? String(child) : child);
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

function shorten(text: string, max = MAX_LABEL): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function time(iso: string | null): string {
  if (iso === null) return "–";
  const date = new Date(iso);
  return `${date.toLocaleDateString()} ${date.toLocaleTimeString()}`;
}

function json(value: unknown): HTMLPreElement {
  return h("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

// ------------------------------------------------------------------ the token and the API

/** The token was refused or is missing. */
class Unauthorized extends Error {}

function takeTokenFromFragment(): void {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = params.get("token");
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    // Keep the token out of the address bar and the history.
    history.replaceState(null, "", `${location.pathname}${location.search}`);
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new Unauthorized("No token yet.");
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const response = await fetch(`${API}${path}`, { ...init, headers, cache: "no-store" });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Unauthorized("The server refused the token.");
  }
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = (body as { detail?: unknown } | null)?.detail;
    throw new Error(typeof detail === "string" ? detail : `HTTP ${response.status}`);
  }
  return body as T;
}

function showLogin(message: string): void {
  byId("login").hidden = false;
  byId("login-message").textContent = message;
  byId<HTMLInputElement>("token-input").focus();
}

// ------------------------------------------------------------------ state

const state = {
  graph: null as AssetGraph | null,
  structure: "",
  selected: null as string | null,
  scale: 1,
  fitted: false,
  detailsKey: "",
  busy: false,
};

function setStatus(text: string, error = false): void {
  const status = byId("status");
  status.textContent = text;
  status.classList.toggle("error", error);
}

// ------------------------------------------------------------------ the graph

interface NodeBox {
  readonly node: GraphNode;
  readonly lines: string[];
  readonly kindLabel: string;
  readonly width: number;
  readonly height: number;
}

let measure: CanvasRenderingContext2D | null = null;

function textWidth(text: string, font: string): number {
  measure ??= document.createElement("canvas").getContext("2d");
  if (!measure) return text.length * 7.5;
  measure.font = font;
  return measure.measureText(text).width;
}

function nodeText(node: GraphNode): { kindLabel: string; lines: string[]; tooltip: string } {
  switch (node.kind) {
    case "asset":
      return {
        kindLabel: "asset",
        lines: node.name === node.uri ? [node.uri] : [node.name, node.uri],
        tooltip: `asset ${node.name}\n${node.uri}`,
      };
    case "alias":
      return { kindLabel: "alias", lines: [node.name], tooltip: `alias ${node.name}` };
    case "dag":
      return { kindLabel: node.isPaused ? "DAG · paused" : "DAG", lines: [node.dagId], tooltip: `DAG ${node.dagId}` };
    case "ref":
      return {
        kindLabel: `ref by ${node.refKind}`,
        lines: [node.value],
        tooltip: `reference by ${node.refKind}: ${node.value}`,
      };
  }
}

function boxOf(node: GraphNode): NodeBox {
  const { kindLabel, lines } = nodeText(node);
  const shown = lines.map((line) => shorten(line));
  const widest = Math.max(
    ...shown.map((line, index) => textWidth(line, index === 0 ? "13px system-ui" : "11px system-ui")),
    // The kind label and the "N queued" badge (assets and DAGs) share the first row.
    textWidth(kindLabel.toUpperCase(), "10px system-ui") +
      kindLabel.length * 0.4 +
      (node.kind === "asset" || node.kind === "dag" ? textWidth("99 queued", "bold 10px system-ui") + 16 : 8),
  );
  return { node, lines: shown, kindLabel, width: Math.ceil(widest) + 28, height: 22 + 17 * shown.length };
}

function structureKey(graph: AssetGraph): string {
  return JSON.stringify([
    graph.nodes.map((node) => [node.id, nodeText(node).lines, nodeText(node).kindLabel]),
    graph.edges.map((edge) => [edge.kind, edge.source, edge.target]),
  ]);
}

function edgePath(points: ReadonlyArray<{ x: number; y: number }>): string {
  const [first, ...rest] = points;
  if (!first) return "";
  if (rest.length === 0) return `M${first.x},${first.y}`;
  // A smooth curve through the points (Catmull-Rom as cubic Béziers).
  const all = [first, ...rest];
  let path = `M${first.x},${first.y}`;
  for (let index = 0; index < all.length - 1; index++) {
    const p0 = all[Math.max(0, index - 1)] ?? first;
    const p1 = all[index] ?? first;
    const p2 = all[index + 1] ?? p1;
    const p3 = all[Math.min(all.length - 1, index + 2)] ?? p2;
    const c1 = { x: p1.x + (p2.x - p0.x) / 6, y: p1.y + (p2.y - p0.y) / 6 };
    const c2 = { x: p2.x - (p3.x - p1.x) / 6, y: p2.y - (p3.y - p1.y) / 6 };
    path += ` C${c1.x},${c1.y} ${c2.x},${c2.y} ${p2.x},${p2.y}`;
  }
  return path;
}

function renderGraph(graph: AssetGraph): void {
  const container = byId("graph-scroll");
  container.replaceChildren();
  if (graph.nodes.length === 0) {
    container.append(
      h("p", { class: "empty" }, "No assets yet: DAGs with outlets or asset schedules appear here once registered."),
    );
    return;
  }
  const layoutGraph = new graphlib.Graph();
  layoutGraph.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 70, edgesep: 8, marginx: 20, marginy: 20 });
  layoutGraph.setDefaultEdgeLabel(() => ({}));
  const boxes = new Map(graph.nodes.map((node) => [node.id, boxOf(node)]));
  for (const box of boxes.values()) layoutGraph.setNode(box.node.id, { width: box.width, height: box.height });
  for (const edge of graph.edges) layoutGraph.setEdge(edge.source, edge.target);
  layout(layoutGraph);
  const size = layoutGraph.graph();
  const width = Math.ceil(size.width ?? 400);
  const height = Math.ceil(size.height ?? 300);

  const svg = s("svg", { id: "graph-svg", viewBox: `0 0 ${width} ${height}`, role: "group" });
  svg.dataset.width = String(width);
  svg.dataset.height = String(height);
  const defs = s("defs");
  for (const kind of ["producer", "consumer", "alias"] as const) {
    defs.append(
      s(
        "marker",
        {
          id: `arrow-${kind}`,
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto-start-reverse",
        },
        s("path", { d: "M0,0 L10,5 L0,10 z", class: kind }),
      ),
    );
  }
  svg.append(defs);

  const edgeLayer = s("g", { class: "edges" });
  for (const edge of graph.edges) {
    const laid = layoutGraph.edge({ v: edge.source, w: edge.target }) as { points?: Array<{ x: number; y: number }> };
    const path = s("path", {
      class: `edge ${edge.kind}`,
      d: edgePath(laid.points ?? []),
      "marker-end": `url(#arrow-${edge.kind})`,
    });
    path.dataset.kind = edge.kind;
    path.dataset.source = edge.source;
    path.dataset.target = edge.target;
    path.append(s("title", {}, edgeTitle(edge)));
    edgeLayer.append(path);
  }
  svg.append(edgeLayer);

  const nodeLayer = s("g", { class: "nodes" });
  for (const box of boxes.values()) {
    const laid = layoutGraph.node(box.node.id) as { x: number; y: number };
    nodeLayer.append(renderNode(box, laid.x - box.width / 2, laid.y - box.height / 2));
  }
  svg.append(nodeLayer);
  container.append(svg);
  applyScale();
  highlightSelection();
}

function edgeTitle(edge: GraphEdge): string {
  if (edge.kind === "producer") return `produced by task ${edge.taskIds.join(", ")}`;
  if (edge.kind === "alias") return "alias resolved to this asset";
  return "consumer schedule";
}

function renderNode(box: NodeBox, x: number, y: number): SVGGElement {
  const { node } = box;
  const { tooltip } = nodeText(node);
  const group = s("g", {
    class: `node ${node.kind}`,
    transform: `translate(${x},${y})`,
    tabindex: 0,
    role: "button",
    "aria-label": tooltip,
  });
  group.dataset.nodeId = node.id;
  group.dataset.kind = node.kind;
  if (node.kind === "asset") {
    group.dataset.uri = node.uri;
    group.dataset.name = node.name;
  }
  if (node.kind === "dag") group.dataset.dagId = node.dagId;
  group.append(s("title", {}, tooltip));
  group.append(s("rect", { width: box.width, height: box.height, rx: 7, ry: 7 }));
  group.append(s("text", { class: "kind", x: 12, y: 15 }, box.kindLabel));
  box.lines.forEach((line, index) => {
    group.append(s("text", { class: index === 0 ? "label" : "sub", x: 12, y: 32 + index * 16 }, line));
  });
  group.append(s("text", { class: "badge queued", x: box.width - 10, y: 15, "text-anchor": "end" }));
  if (node.kind === "dag") group.append(s("circle", { class: "state", cx: box.width - 12, cy: box.height - 12, r: 5 }));
  updateNode(group, node);
  group.addEventListener("click", () => select(node.id));
  group.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      select(node.id);
    }
  });
  return group;
}

/** Updates what changes between polls (counts, run state) without a new layout. */
function updateNode(group: Element, node: GraphNode): void {
  const badge = group.querySelector(".badge.queued");
  const queued = node.kind === "asset" || node.kind === "dag" ? node.queuedEventCount : 0;
  if (badge) badge.textContent = queued > 0 ? `${queued} queued` : "";
  if (node.kind === "dag") {
    group.classList.toggle("paused", node.isPaused);
    const dot = group.querySelector("circle.state");
    if (dot) {
      dot.setAttribute("class", `state ${node.lastRun?.state ?? "none"}`);
      dot.replaceChildren(s("title", {}, node.lastRun ? `last run: ${node.lastRun.state}` : "no runs yet"));
    }
  }
  if (node.kind === "asset") {
    group.setAttribute(
      "aria-label",
      `asset ${node.name} (${node.uri}), ${node.eventCount} events${queued ? `, ${queued} queued` : ""}`,
    );
  }
}

function updateGraphState(graph: AssetGraph): void {
  const groups = new Map<string, Element>();
  for (const group of document.querySelectorAll<SVGGElement>("#graph-svg g.node")) {
    if (group.dataset.nodeId) groups.set(group.dataset.nodeId, group);
  }
  for (const node of graph.nodes) {
    const group = groups.get(node.id);
    if (group) updateNode(group, node);
  }
}

function applyScale(): void {
  const svg = document.getElementById("graph-svg");
  if (!svg) return;
  const width = Number(svg.dataset.width);
  const height = Number(svg.dataset.height);
  if (!state.fitted) {
    state.fitted = true;
    fitScale(width, height);
  }
  svg.setAttribute("width", String(Math.round(width * state.scale)));
  svg.setAttribute("height", String(Math.round(height * state.scale)));
}

function fitScale(width: number, height: number): void {
  const container = byId("graph-scroll");
  const fit = Math.min((container.clientWidth - 8) / width, (container.clientHeight - 48) / height);
  state.scale = Math.max(0.45, Math.min(1.2, fit));
}

function zoom(factor: number | "fit"): void {
  const svg = document.getElementById("graph-svg");
  if (!svg) return;
  if (factor === "fit") fitScale(Number(svg.dataset.width), Number(svg.dataset.height));
  else state.scale = Math.max(0.2, Math.min(3, state.scale * factor));
  applyScale();
}

function highlightSelection(): void {
  const selected = state.selected;
  const related = new Set<string>();
  if (selected && state.graph) {
    related.add(selected);
    for (const edge of state.graph.edges) {
      if (edge.source === selected) related.add(edge.target);
      if (edge.target === selected) related.add(edge.source);
    }
  }
  for (const group of document.querySelectorAll<SVGGElement>("#graph-svg g.node")) {
    const id = group.dataset.nodeId ?? "";
    group.classList.toggle("selected", id === selected);
    group.classList.toggle("dim", selected !== null && !related.has(id));
  }
  for (const path of document.querySelectorAll<SVGPathElement>("#graph-svg path.edge")) {
    const touches = path.dataset.source === selected || path.dataset.target === selected;
    path.classList.toggle("dim", selected !== null && !touches);
  }
}

function select(id: string): void {
  state.selected = id;
  state.detailsKey = "";
  highlightSelection();
  void refreshDetails(true);
}

// ------------------------------------------------------------------ the details panel

async function refreshDetails(showLoading = false): Promise<void> {
  const panel = byId("details");
  const node = state.graph?.nodes.find((candidate) => candidate.id === state.selected);
  if (!node) return;
  if (showLoading) panel.replaceChildren(h("p", { class: "hint" }, "Loading…"));
  const [key, render] = await loadDetails(node);
  if (key === state.detailsKey && !showLoading) return;
  if (state.selected !== node.id) return;
  state.detailsKey = key;
  panel.replaceChildren();
  append(panel, render());
}

type Details = [key: string, render: () => Child[]];

async function loadDetails(node: GraphNode): Promise<Details> {
  switch (node.kind) {
    case "asset": {
      const uri = encodeURIComponent(node.uri);
      const [asset, events, queued] = await Promise.all([
        api<AssetDetail>(`/assets/${uri}?name=${encodeURIComponent(node.name)}`),
        api<{ assetEvents: AssetEvent[]; total: number }>(
          `/assets/events?uri=${uri}&name=${encodeURIComponent(node.name)}&limit=15`,
        ),
        api<{ queuedEvents: QueuedEvent[] }>(`/assets/queuedEvent/${uri}`),
      ]);
      return [JSON.stringify([asset, events, queued]), () => assetDetails(asset, events, queued.queuedEvents)];
    }
    case "dag": {
      const id = encodeURIComponent(node.dagId);
      const [dag, runs, status] = await Promise.all([
        api<Dag>(`/dags/${id}`),
        api<{ dagRuns: DagRun[]; total: number }>(`/dags/${id}/dagRuns?limit=10`),
        api<ConsumerStatus>(`/dags/${id}/assets/condition`),
      ]);
      return [JSON.stringify([dag, runs, status]), () => dagDetails(dag, runs, status)];
    }
    case "alias":
    case "ref": {
      const edges = state.graph?.edges ?? [];
      const label = (id: string) => {
        const other = state.graph?.nodes.find((candidate) => candidate.id === id);
        return other ? (nodeText(other).lines[0] ?? id) : id;
      };
      const into = edges.filter((edge) => edge.target === node.id).map((edge) => label(edge.source));
      const out = edges.filter((edge) => edge.source === node.id);
      const key = JSON.stringify([node, into, out]);
      return [
        key,
        () => [
          h("p", { class: "kind" }, node.kind === "alias" ? "asset alias" : `reference by ${node.refKind}`),
          h("h2", {}, node.kind === "alias" ? node.name : node.value),
          node.kind === "ref" ? h("p", { class: "hint" }, "No registered asset matches this reference yet.") : null,
          h("h3", {}, "Produced by"),
          list(into, "No task emits through it."),
          node.kind === "alias" ? h("h3", {}, "Resolved to") : null,
          node.kind === "alias"
            ? list(
                out.filter((edge) => edge.kind === "alias").map((edge) => label(edge.target)),
                "Nothing yet: it resolves when a task adds an asset to it.",
              )
            : null,
          h("h3", {}, "Consumed by"),
          list(
            out.filter((edge) => edge.kind === "consumer").map((edge) => label(edge.target)),
            "No DAG is scheduled on it.",
          ),
        ],
      ];
    }
  }
}

function list(items: readonly string[], empty: string): HTMLElement {
  if (items.length === 0) return h("p", { class: "none" }, empty);
  return h("ul", { class: "plain" }, ...items.map((item) => h("li", {}, item)));
}

function assetDetails(asset: AssetDetail, events: { assetEvents: AssetEvent[]; total: number }, queued: QueuedEvent[]) {
  return [
    h("p", { class: "kind" }, "asset"),
    h("h2", { class: "title" }, asset.name),
    h(
      "dl",
      {},
      h("dt", {}, "URI"),
      h("dd", {}, asset.uri),
      h("dt", {}, "Group"),
      h("dd", {}, asset.group),
      h("dt", {}, "Events"),
      h("dd", {}, String(asset.eventCount)),
      h("dt", {}, "Last event"),
      h("dd", {}, time(asset.lastEventAt)),
    ),
    Object.keys(asset.extra).length > 0 ? h("div", {}, h("h3", {}, "Extra (declared)"), json(asset.extra)) : null,
    h("h3", {}, "Produced by"),
    list(
      asset.producingTasks.map(
        (task) => `${task.dagId} › ${task.taskId}${task.alias ? ` (through alias ${task.alias})` : ""}`,
      ),
      "No task declares it as outlet.",
    ),
    h("h3", {}, "Consumed by"),
    list(asset.consumingDags, "No DAG is scheduled on it."),
    asset.aliases.length > 0 ? h("div", {}, h("h3", {}, "Aliases"), list(asset.aliases, "")) : null,
    h("h3", {}, "Queued events"),
    queuedTable(queued, "dag"),
    h("h3", {}, `Recent events (${events.total})`),
    events.assetEvents.length === 0
      ? h("p", { class: "none" }, "No events yet.")
      : h("div", { class: "events" }, ...events.assetEvents.map(eventItem)),
  ];
}

function queuedTable(queued: QueuedEvent[], by: "dag" | "uri"): HTMLElement {
  if (queued.length === 0) return h("p", { class: "none" }, "Nothing queued.");
  return h(
    "table",
    { class: "queued" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, by === "dag" ? "Consumer DAG" : "Asset URI"),
        h("th", {}, "First queued"),
        h("th", {}, "Count"),
      ),
    ),
    h(
      "tbody",
      {},
      ...queued.map((item) =>
        h(
          "tr",
          {},
          h("td", {}, by === "dag" ? item.dagId : item.uri),
          h("td", {}, time(item.createdAt)),
          h("td", {}, String(item.count)),
        ),
      ),
    ),
  );
}

function eventItem(event: AssetEvent): HTMLElement {
  const source = event.sourceDagId
    ? `${event.sourceDagId} › ${event.sourceTaskId ?? "?"}${event.sourceRunId ? ` · ${event.sourceRunId}` : ""}`
    : "external (API)";
  const item = h(
    "div",
    { class: "item event" },
    h("div", { class: "head" }, h("span", { class: "time" }, time(event.timestamp)), h("span", {}, source)),
    event.assetName !== event.assetUri ? h("div", { class: "time" }, `${event.assetName} · ${event.assetUri}`) : null,
    event.sourceAliases.length > 0
      ? h("div", { class: "time" }, `through alias ${event.sourceAliases.join(", ")}`)
      : null,
    Object.keys(event.extra).length > 0 ? json(event.extra) : null,
  );
  item.dataset.eventId = String(event.id);
  return item;
}

function dagDetails(dag: Dag, runs: { dagRuns: DagRun[]; total: number }, status: ConsumerStatus) {
  const trigger = h("button", { type: "button", class: "trigger" }, "Trigger run");
  trigger.addEventListener(
    "click",
    () => void act(() => api(`/dags/${encodeURIComponent(dag.dagId)}/dagRuns`, { method: "POST", body: "{}" })),
  );
  const pause = h("button", { type: "button", class: "pause" }, dag.isPaused ? "Unpause" : "Pause");
  pause.addEventListener(
    "click",
    () =>
      void act(() =>
        api(`/dags/${encodeURIComponent(dag.dagId)}`, {
          method: "PATCH",
          body: JSON.stringify({ isPaused: !dag.isPaused }),
        }),
      ),
  );
  return [
    h("p", { class: "kind" }, "DAG"),
    h("h2", { class: "title" }, dag.dagId),
    dag.description ? h("p", {}, dag.description) : null,
    h(
      "dl",
      {},
      h("dt", {}, "Schedule"),
      h("dd", {}, scheduleText(dag.schedule)),
      h("dt", {}, "State"),
      h("dd", {}, dag.isPaused ? "paused" : "active"),
      h("dt", {}, "Next run"),
      h("dd", {}, time(dag.nextRunAt)),
    ),
    h("div", { class: "actions" }, trigger, pause),
    status.condition ? conditionSection(status) : null,
    h("h3", {}, `Runs (${runs.total})`),
    runs.dagRuns.length === 0
      ? h("p", { class: "none" }, "No runs yet.")
      : h("div", { class: "runs" }, ...runs.dagRuns.map(runItem)),
  ];
}

function scheduleText(schedule: Dag["schedule"]): string {
  const extra = schedule as Record<string, unknown>;
  switch (schedule.kind) {
    case "none":
      return "none (triggered by hand)";
    case "once":
      return "once";
    case "cron":
    case "cronTrigger":
      return `${schedule.kind} ${String(extra.expression)} (${String(extra.timezone)})`;
    case "assets":
      return "on assets";
    case "assetOrTime":
      return `on assets, or ${String((extra.timetable as { expression?: string } | undefined)?.expression ?? "time")}`;
  }
}

function conditionSection(status: ConsumerStatus): HTMLElement {
  const condition = status.condition as ExplainedConditionJson;
  const summary = condition.satisfied
    ? status.isPaused
      ? "The condition holds; the DAG is paused."
      : "The condition holds: a run starts when a run slot is free."
    : status.waiting
      ? "Waiting: some of its assets have not been updated yet."
      : "Nothing queued: waiting for the first event.";
  return h(
    "section",
    { class: "condition-section" },
    h("h3", {}, "Asset condition"),
    h(
      "p",
      {},
      h(
        "span",
        { class: `pill ${condition.satisfied ? "success" : "waiting"}` },
        condition.satisfied ? "ready" : "waiting",
      ),
      " ",
      summary,
    ),
    h("ul", { class: "condition" }, conditionNode(condition)),
    h("h3", {}, "Queued events"),
    queuedTable(status.queuedEvents, "uri"),
  );
}

function conditionNode(node: ExplainedConditionJson): HTMLElement {
  const label =
    node.kind === "all"
      ? "all of"
      : node.kind === "any"
        ? "any of"
        : node.kind === "asset"
          ? `asset ${node.name === node.uri ? (node.uri ?? "") : `${node.name} (${node.uri})`}`
          : node.kind === "alias"
            ? `alias ${node.name ?? ""}`
            : `asset with ${node.name !== undefined ? `name ${node.name}` : `URI ${node.uri ?? ""}`}`;
  const item = h(
    "li",
    { class: node.satisfied ? "yes" : "no" },
    h(
      "span",
      { class: "mark", "aria-label": node.satisfied ? "satisfied" : "not satisfied" },
      node.satisfied ? "✓" : "✗",
    ),
    label,
  );
  item.dataset.satisfied = String(node.satisfied);
  item.dataset.kind = node.kind;
  if (node.uri !== undefined) item.dataset.uri = node.uri;
  if (node.name !== undefined) item.dataset.name = node.name;
  if (node.conditions) item.append(h("ul", {}, ...node.conditions.map(conditionNode)));
  return item;
}

function runItem(run: DagRun): HTMLElement {
  const item = h(
    "div",
    { class: "item run" },
    h(
      "div",
      { class: "head" },
      h("span", { class: `pill ${run.state}` }, run.state),
      h("span", {}, run.runType.replace("_", " ")),
      h("span", { class: "time" }, time(run.createdAt)),
    ),
    h("div", { class: "time" }, run.runId),
    Object.keys(run.conf).length > 0 ? json(run.conf) : null,
    run.consumedEvents.length > 0
      ? h(
          "div",
          { class: "consumed" },
          h("div", { class: "time" }, "Triggered by:"),
          h(
            "ul",
            { class: "plain" },
            ...run.consumedEvents.map((event) =>
              h(
                "li",
                {},
                `${event.assetUri} · ${time(event.timestamp)} · ${event.sourceDagId ? `${event.sourceDagId} › ${event.sourceTaskId ?? "?"}` : "external"}`,
              ),
            ),
          ),
        )
      : null,
  );
  item.dataset.runId = run.runId;
  item.dataset.runType = run.runType;
  item.dataset.state = run.state;
  return item;
}

async function act(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
    await poll();
  } catch (error) {
    handleError(error);
  }
}

// ------------------------------------------------------------------ polling

function handleError(error: unknown): void {
  if (error instanceof Unauthorized) {
    setStatus("Not signed in", true);
    showLogin(error.message);
    return;
  }
  setStatus(`Cannot update: ${error instanceof Error ? error.message : String(error)}`, true);
}

async function poll(): Promise<void> {
  if (state.busy || !byId("login").hidden) return;
  state.busy = true;
  try {
    const graph = await api<AssetGraph>("/graph");
    state.graph = graph;
    const key = structureKey(graph);
    if (key !== state.structure) {
      state.structure = key;
      renderGraph(graph);
    } else {
      updateGraphState(graph);
    }
    if (state.selected && !graph.nodes.some((node) => node.id === state.selected)) state.selected = null;
    if (state.selected) await refreshDetails();
    const assets = graph.nodes.filter((node) => node.kind === "asset").length;
    const dags = graph.nodes.filter((node) => node.kind === "dag").length;
    setStatus(`Live · ${assets} assets, ${dags} DAGs · updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    handleError(error);
  } finally {
    state.busy = false;
  }
}

function start(): void {
  takeTokenFromFragment();
  byId("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>("token-input");
    const token = input.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    input.value = "";
    byId("login").hidden = true;
    void poll();
  });
  byId("change-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin("");
  });
  byId("zoom-in").addEventListener("click", () => zoom(1.2));
  byId("zoom-out").addEventListener("click", () => zoom(1 / 1.2));
  byId("zoom-fit").addEventListener("click", () => zoom("fit"));
  if (!sessionStorage.getItem(TOKEN_KEY)) showLogin("");
  else void poll();
  setInterval(() => void poll(), POLL_MS);
}

start();
