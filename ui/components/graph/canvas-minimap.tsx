/**
 * An overview of a large graph on one `<canvas>`: every box as a small
 * rectangle in its kind's colour and the part in view as a frame; a click or
 * drag moves the view there. One element for any number of nodes (React
 * Flow's own minimap renders an SVG element per node, seconds for thousands).
 */
import { useReactFlow, useStore } from "@xyflow/react";
import { type PointerEvent, useEffect, useMemo, useRef } from "react";
import type { GraphNodeSpec } from "../../model/graph-spec.js";
import type { LayoutResult } from "../../model/layered-layout.js";

/** Fill colours by box kind (the graph's palette, lightened). */
const FILLS: Record<string, string> = {
  asset: "#93c5fd",
  alias: "#c4b5fd",
  dag: "#94a3b8",
  task: "#94a3b8",
  ref: "#cbd5e1",
  and: "#5eead4",
  or: "#fcd34d",
};

const WIDTH = 220;
const HEIGHT = 150;

/**
 * The overview, inside a `<ReactFlow>`.
 *
 * @example
 * ```tsx
 * <CanvasMiniMap nodes={nodes} layout={layout} />
 * ```
 */
export function CanvasMiniMap({ nodes, layout }: { nodes: readonly GraphNodeSpec[]; layout: LayoutResult }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const flow = useReactFlow();
  const [x, y, zoom] = useStore((state) => state.transform);
  const viewWidth = useStore((state) => state.width);
  const viewHeight = useStore((state) => state.height);
  const scale = Math.min(WIDTH / Math.max(1, layout.width), HEIGHT / Math.max(1, layout.height));
  const boxes = useMemo(
    () =>
      nodes.map((node) => {
        const position = layout.positions.get(node.id) ?? { x: 0, y: 0 };
        return {
          x: position.x,
          y: position.y,
          width: node.width,
          height: node.height,
          fill: FILLS[node.kind] ?? "#94a3b8",
        };
      }),
    [nodes, layout],
  );

  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context) return;
    context.clearRect(0, 0, WIDTH, HEIGHT);
    for (const box of boxes) {
      context.fillStyle = box.fill;
      context.fillRect(box.x * scale, box.y * scale, Math.max(1, box.width * scale), Math.max(1, box.height * scale));
    }
    context.strokeStyle = "#1d4ed8";
    context.lineWidth = 2;
    context.strokeRect(
      (-x / zoom) * scale,
      (-y / zoom) * scale,
      (viewWidth / zoom) * scale,
      (viewHeight / zoom) * scale,
    );
  }, [boxes, scale, x, y, zoom, viewWidth, viewHeight]);

  const moveTo = (event: PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    void flow.setCenter((event.clientX - rect.left) / scale, (event.clientY - rect.top) / scale, { zoom });
  };
  return (
    <canvas
      ref={canvas}
      className="canvas-minimap"
      width={WIDTH}
      height={HEIGHT}
      aria-label="Overview of the whole graph: click to move the view there"
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture(event.pointerId);
        moveTo(event);
      }}
      onPointerMove={(event) => {
        if (event.buttons === 1) moveTo(event);
      }}
    />
  );
}
