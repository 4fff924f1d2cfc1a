/**
 * Graph layout for the task graph and the lineage: ELK's layered algorithm
 * (run in a Web Worker, so the page stays responsive) for graphs up to
 * {@link ELK_MAX_NODES} nodes, the linear-time layered layout of
 * `model/layered-layout.ts` above that (ELK needs seconds there).
 */
import ElkApi from "elkjs/lib/elk-api.js";
import { createContext, useContext } from "react";
import {
  type LayoutEdgeInput,
  type LayoutNodeInput,
  type LayoutResult,
  layeredLayout,
} from "../../model/layered-layout.js";

/** Lays out a graph left to right. */
export type LayoutEngine = (
  nodes: readonly LayoutNodeInput[],
  edges: readonly LayoutEdgeInput[],
) => Promise<LayoutResult>;

/** Graphs with more nodes than this are laid out without ELK. */
export const ELK_MAX_NODES = 150;

/** Where the server serves ELK's worker script. */
export const ELK_WORKER_URL = "/ui/static/elk-worker.js";

/** ELK options: layered, left to right, spacing for readable labels. */
const ELK_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.layered.spacing.nodeNodeBetweenLayers": "70",
  "elk.spacing.nodeNode": "18",
  "elk.spacing.componentComponent": "40",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.edgeRouting": "SPLINES",
};

/**
 * The layout engine of the browser: ELK in a worker for small graphs, the
 * fast layered layout for large ones (and when workers are unavailable).
 *
 * @example
 * ```ts
 * const layout = createBrowserLayout();
 * const { positions } = await layout(nodes, edges);
 * ```
 */
export function createBrowserLayout(workerUrl = ELK_WORKER_URL): LayoutEngine {
  let elk: { layout: (graph: ElkGraph) => Promise<ElkGraph> } | null = null;
  return async (nodes, edges) => {
    if (nodes.length > ELK_MAX_NODES || typeof Worker === "undefined") return layeredLayout(nodes, edges);
    // A CommonJS module: its types put the constructor on `default` (which it also sets at run time).
    elk ??= new ElkApi.default({ workerFactory: () => new Worker(workerUrl) }) as unknown as typeof elk & object;
    const engine = elk;
    const ids = new Set(nodes.map((node) => node.id));
    const result = await engine.layout({
      id: "root",
      layoutOptions: ELK_OPTIONS,
      children: nodes.map((node) => ({ id: node.id, width: node.width, height: node.height })),
      edges: edges
        .filter((edge) => ids.has(edge.source) && ids.has(edge.target) && edge.source !== edge.target)
        .map((edge, index) => ({ id: `e${index}`, sources: [edge.source], targets: [edge.target] })),
    });
    const positions = new Map<string, { x: number; y: number }>();
    for (const child of result.children ?? []) positions.set(child.id, { x: child.x ?? 0, y: child.y ?? 0 });
    return { positions, width: result.width ?? 0, height: result.height ?? 0 };
  };
}

/**
 * The layout engine of the fast layered layout only (tests, and pages without workers).
 *
 * @example
 * ```ts
 * <LayoutContext.Provider value={layeredEngine}>...</LayoutContext.Provider>
 * ```
 */
export const layeredEngine: LayoutEngine = async (nodes, edges) => layeredLayout(nodes, edges);

interface ElkGraph {
  id: string;
  layoutOptions?: Record<string, string>;
  children?: Array<{ id: string; width?: number; height?: number; x?: number; y?: number }>;
  edges?: Array<{ id: string; sources: string[]; targets: string[] }>;
  width?: number;
  height?: number;
}

/** The layout engine of the page. */
export const LayoutContext = createContext<LayoutEngine>(layeredEngine);

/**
 * The layout engine of the page.
 *
 * @example
 * ```ts
 * const layout = useLayoutEngine();
 * ```
 */
export function useLayoutEngine(): LayoutEngine {
  return useContext(LayoutContext);
}
