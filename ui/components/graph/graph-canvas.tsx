/**
 * A pannable, zoomable graph (React Flow) of boxes laid out left to right:
 * the task graph of a DAG and the lineage of assets use it. Labels are drawn
 * at {@link LABEL_FONT_PX}; below the zoom where they would be smaller than
 * {@link MIN_LABEL_PX} on screen they are hidden (the boxes stay, and the
 * name is in each box's tooltip and in the side panel). Only the boxes in
 * view are rendered, so graphs of thousands of nodes stay interactive.
 */
import {
  Background,
  Controls,
  type Edge,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Viewport,
} from "@xyflow/react";
import { type KeyboardEvent, memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { GraphEdgeSpec, GraphNodeSpec } from "../../model/graph-spec.js";
import type { LayoutResult } from "../../model/layered-layout.js";
import { labelsVisible, MIN_LABEL_ZOOM } from "../../model/lineage.js";
import { CanvasMiniMap } from "./canvas-minimap.js";
import { useLayoutEngine } from "./layout.js";

/** Props of {@link GraphCanvas}. */
export interface GraphCanvasProps {
  readonly nodes: readonly GraphNodeSpec[];
  readonly edges: readonly GraphEdgeSpec[];
  readonly selected: string | null;
  /** Nodes drawn faded (outside the focus of a selection). */
  readonly dimmed?: ReadonlySet<string>;
  /** A click (or Space) on a box. */
  readonly onSelect?: (id: string | null) => void;
  /** A double click (or Enter) on a box. */
  readonly onOpen?: (id: string) => void;
  readonly ariaLabel: string;
  /** Show a minimap when the graph does not fit the view at a readable zoom (default true). */
  readonly minimap?: boolean;
  /** Called once the layout is drawn, with its size (benchmarks and tests wait for it). */
  readonly onLaidOut?: (layout: LayoutResult) => void;
  /** Centers the view on a node each time `seq` changes (a search result was picked). */
  readonly center?: { readonly id: string; readonly seq: number } | null;
}

interface BoxData extends Record<string, unknown> {
  readonly spec: GraphNodeSpec;
  readonly selected: boolean;
  readonly dimmed: boolean;
}

const Box = memo(function Box({ data }: NodeProps<Node<BoxData>>) {
  const { spec, selected, dimmed } = data;
  const attributes = Object.fromEntries(Object.entries(spec.data ?? {}).map(([key, value]) => [`data-${key}`, value]));
  return (
    <div
      className={`box kind-${spec.kind}${spec.state ? ` state-${spec.state.replace(/_/g, "-")}` : ""}${selected ? " selected" : ""}${dimmed ? " dimmed" : ""}`}
      title={spec.title}
      data-node-id={spec.id}
      data-kind={spec.kind}
      {...attributes}
      style={{ width: spec.width, height: spec.height }}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="box-label">
        {spec.lines.map((line, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of one label never reorder
          <span key={index} className="line">
            {line}
          </span>
        ))}
        {spec.detail !== null && <span className="detail">{spec.detail}</span>}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const NODE_TYPES = { box: Box };

/**
 * The graph.
 *
 * @example
 * ```tsx
 * <GraphCanvas nodes={nodes} edges={edges} selected={null} ariaLabel="Task graph" />
 * ```
 */
export function GraphCanvas(props: GraphCanvasProps) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}

function Canvas({
  nodes,
  edges,
  selected,
  dimmed,
  onSelect,
  onOpen,
  ariaLabel,
  minimap,
  onLaidOut,
  center,
}: GraphCanvasProps) {
  const layout = useLayoutEngine();
  const flow = useReactFlow();
  const [laid, setLaid] = useState<{ key: string; result: LayoutResult } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showLabels, setShowLabels] = useState(true);
  const [overflows, setOverflows] = useState(false);
  const container = useRef<HTMLElement>(null);
  const structure = useMemo(
    () =>
      JSON.stringify([
        nodes.map((node) => [node.id, node.width, node.height]),
        edges.map((edge) => [edge.source, edge.target]),
      ]),
    [nodes, edges],
  );

  const latest = useRef({ nodes, edges });
  latest.current = { nodes, edges };
  useEffect(() => {
    let cancelled = false;
    layout(latest.current.nodes, latest.current.edges).then(
      (result) => {
        if (!cancelled) setLaid({ key: structure, result });
      },
      (failure: unknown) => {
        if (!cancelled) setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
    return () => {
      cancelled = true;
    };
    // The layout depends on the structure only (the nodes are read through a ref): states and labels change
    // without a new layout.
  }, [structure, layout]);

  const flowNodes = useMemo((): Array<Node<BoxData>> => {
    if (!laid) return [];
    return nodes.map((spec) => ({
      id: spec.id,
      type: "box",
      position: laid.result.positions.get(spec.id) ?? { x: 0, y: 0 },
      width: spec.width,
      height: spec.height,
      // Handles given up front: React Flow otherwise renders every node once to measure them (seconds for thousands).
      handles: [
        { type: "target", position: Position.Left, x: 0, y: spec.height / 2 },
        { type: "source", position: Position.Right, x: spec.width, y: spec.height / 2 },
      ],
      data: { spec, selected: spec.id === selected, dimmed: dimmed?.has(spec.id) ?? false },
      selectable: true,
      draggable: false,
      connectable: false,
      ariaLabel: spec.title,
    }));
  }, [laid, nodes, selected, dimmed]);

  const flowEdges = useMemo(
    (): Edge[] =>
      edges.map((edge) => ({
        id: edge.id,
        source: edge.source,
        target: edge.target,
        className: `edge-${edge.kind}${dimmed && (dimmed.has(edge.source) || dimmed.has(edge.target)) ? " dimmed" : ""}${selected !== null && (edge.source === selected || edge.target === selected) ? " near" : ""}`,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        focusable: false,
        selectable: false,
        ...(edge.title ? { ariaLabel: edge.title } : {}),
        data: { kind: edge.kind },
      })),
    [edges, dimmed, selected],
  );

  // The first view: the whole graph when its labels stay readable, else readable labels around the selection
  // (or the top-left of the graph), with the minimap for the rest.
  const viewed = useRef<string | null>(null);
  useEffect(() => {
    if (!laid || laid.key !== structure || viewed.current === structure) return;
    viewed.current = structure;
    const box = container.current?.getBoundingClientRect();
    const width = box?.width || 1000;
    const height = box?.height || 600;
    const fitZoom = Math.min(width / (laid.result.width + 80), height / (laid.result.height + 80), 1.2);
    const focus = selected === null ? undefined : laid.result.positions.get(selected);
    setOverflows(fitZoom < MIN_LABEL_ZOOM);
    if (focus && fitZoom < MIN_LABEL_ZOOM) {
      const spec = nodes.find((node) => node.id === selected);
      void flow.setCenter(focus.x + (spec?.width ?? 0) / 2, focus.y + (spec?.height ?? 0) / 2, { zoom: 1 });
    } else if (fitZoom >= MIN_LABEL_ZOOM) {
      void flow.setViewport({
        x: (width - laid.result.width * fitZoom) / 2,
        y: (height - laid.result.height * fitZoom) / 2,
        zoom: fitZoom,
      });
    } else {
      void flow.setViewport({ x: 24, y: 24, zoom: 1 });
    }
    setShowLabels(true);
    onLaidOut?.(laid.result);
  }, [laid, structure, selected, nodes, flow, onLaidOut]);

  const laidRef = useRef(laid);
  laidRef.current = laid;
  // Only a new request moves the view (the layout and nodes are read through refs).
  useEffect(() => {
    const result = laidRef.current?.result;
    if (!center || !result) return;
    const position = result.positions.get(center.id);
    const spec = latest.current.nodes.find((node) => node.id === center.id);
    if (!position || !spec) return;
    const zoom = Math.max(flow.getZoom(), 1);
    void flow.setCenter(position.x + spec.width / 2, position.y + spec.height / 2, { zoom, duration: 200 });
  }, [center, flow]);

  const onMove = useCallback((_event: unknown, viewport: Viewport) => {
    setShowLabels(labelsVisible(viewport.zoom));
  }, []);

  // A focused box (React Flow makes each focusable): Enter opens it, Space selects it.
  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const id = (event.target as HTMLElement).closest<HTMLElement>(".react-flow__node")?.dataset.id;
    if (!id) return;
    if (event.key === "Enter") onOpen?.(id);
    else if (event.key === " ") {
      event.preventDefault();
      onSelect?.(id);
    }
  };

  if (error) return <p className="error">The graph could not be laid out: {error}</p>;
  return (
    <section
      ref={container}
      className={`graph-canvas${showLabels ? "" : " labels-hidden"}`}
      aria-label={ariaLabel}
      onKeyDown={onKeyDown}
      data-laid-out={laid && laid.key === structure ? "true" : "false"}
      data-node-count={nodes.length}
    >
      <ReactFlow
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={NODE_TYPES}
        onNodeClick={(_event, node) => onSelect?.(node.id)}
        onNodeDoubleClick={(_event, node) => onOpen?.(node.id)}
        onPaneClick={() => onSelect?.(null)}
        onMove={onMove}
        onlyRenderVisibleElements
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        minZoom={0.05}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
        deleteKeyCode={null}
        selectionKeyCode={null}
        multiSelectionKeyCode={null}
      >
        <Background gap={24} size={1} />
        <Controls showInteractive={false} />
        {(minimap ?? true) && overflows && laid && <CanvasMiniMap nodes={nodes} layout={laid.result} />}
      </ReactFlow>
      {!showLabels && <p className="zoom-hint">Zoom in to read the labels (or pick a node from the search).</p>}
    </section>
  );
}
