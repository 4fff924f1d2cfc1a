/**
 * A fast left-to-right layered layout (the Sugiyama scheme, kept linear in
 * the graph's size) for lineage graphs too large for ELK to lay out while a
 * user waits: ELK's layered algorithm took 4-13 s for 3,000 nodes on the
 * 2-core machine (BENCHMARKS.md), this takes tens of milliseconds. Small
 * graphs still go to ELK (`elk-layout.ts`), whose crossing minimization is
 * better.
 *
 * Steps: break cycles (reverse DFS back edges), layer by longest path (with
 * sources pulled next to their first consumer), order each layer by a few
 * barycenter sweeps, place nodes in columns, then pack connected components
 * into rows so the whole graph has a screen-like shape.
 */

/** A node to place: its size in pixels. */
export interface LayoutNodeInput {
  readonly id: string;
  readonly width: number;
  readonly height: number;
}

/** An edge: source before target. */
export interface LayoutEdgeInput {
  readonly source: string;
  readonly target: string;
}

/** Where each node goes (top-left corners) and the size of the whole. */
export interface LayoutResult {
  readonly positions: ReadonlyMap<string, { readonly x: number; readonly y: number }>;
  readonly width: number;
  readonly height: number;
}

/** Spacing of the layout, in pixels. */
export interface LayeredLayoutOptions {
  /** Between columns (default 80). */
  readonly layerGap?: number;
  /** Between nodes of a column (default 16). */
  readonly nodeGap?: number;
  /** Between packed components (default 48). */
  readonly componentGap?: number;
  /** Barycenter sweeps (default 4). */
  readonly sweeps?: number;
  /** Width over height the component packing aims for (default 1.6). */
  readonly aspectRatio?: number;
}

/**
 * Lays out a directed graph left to right.
 *
 * @example
 * ```ts
 * const { positions } = layeredLayout([{ id: "a", width: 100, height: 40 }, { id: "b", width: 100, height: 40 }], [{ source: "a", target: "b" }]);
 * positions.get("b")!.x > positions.get("a")!.x; // true
 * ```
 */
export function layeredLayout(
  nodes: readonly LayoutNodeInput[],
  edges: readonly LayoutEdgeInput[],
  options: LayeredLayoutOptions = {},
): LayoutResult {
  const layerGap = options.layerGap ?? 80;
  const nodeGap = options.nodeGap ?? 16;
  const componentGap = options.componentGap ?? 48;
  const sweeps = options.sweeps ?? 4;
  const aspectRatio = options.aspectRatio ?? 1.6;

  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const succ: number[][] = nodes.map(() => []);
  const pred: number[][] = nodes.map(() => []);
  for (const edge of edges) {
    const s = index.get(edge.source);
    const t = index.get(edge.target);
    if (s === undefined || t === undefined || s === t) continue;
    succ[s]?.push(t);
    pred[t]?.push(s);
  }
  const components = connectedComponents(nodes.length, succ, pred);
  const laid = components.map((members) => layoutComponent(members, nodes, succ, pred, { layerGap, nodeGap, sweeps }));
  return packComponents(laid, componentGap, aspectRatio, nodes);
}

interface ComponentLayout {
  readonly members: readonly number[];
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly width: number;
  readonly height: number;
}

function connectedComponents(count: number, succ: number[][], pred: number[][]): number[][] {
  const component = new Int32Array(count).fill(-1);
  const result: number[][] = [];
  for (let start = 0; start < count; start++) {
    if (component[start] !== -1) continue;
    const id = result.length;
    const members: number[] = [];
    const stack = [start];
    component[start] = id;
    while (stack.length > 0) {
      const v = stack.pop() as number;
      members.push(v);
      for (const w of [...(succ[v] ?? []), ...(pred[v] ?? [])]) {
        if (component[w] === -1) {
          component[w] = id;
          stack.push(w);
        }
      }
    }
    result.push(members.sort((a, b) => a - b));
  }
  // Largest first, then by first node, so the layout is stable.
  return result.sort((a, b) => b.length - a.length || (a[0] ?? 0) - (b[0] ?? 0));
}

function layoutComponent(
  members: readonly number[],
  nodes: readonly LayoutNodeInput[],
  succAll: number[][],
  predAll: number[][],
  options: { layerGap: number; nodeGap: number; sweeps: number },
): ComponentLayout {
  const n = members.length;
  const local = new Map(members.map((v, i) => [v, i]));
  const succ: number[][] = members.map((v) => (succAll[v] ?? []).map((w) => local.get(w) as number));
  const pred: number[][] = members.map((v) => (predAll[v] ?? []).map((w) => local.get(w) as number));
  removeCycles(n, succ, pred);

  // Longest-path layering from the sources.
  const layer = new Int32Array(n);
  const order = topologicalOrder(n, succ, pred);
  for (const v of order) for (const w of succ[v] ?? []) layer[w] = Math.max(layer[w] ?? 0, (layer[v] ?? 0) + 1);
  // Sources sit just before their nearest consumer (a producer next to what it feeds).
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i] as number;
    if ((pred[v] ?? []).length > 0 || (succ[v] ?? []).length === 0) continue;
    layer[v] = Math.min(...(succ[v] ?? []).map((w) => layer[w] ?? 0)) - 1;
  }
  const layerCount = n === 0 ? 0 : Math.max(...layer) + 1;
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  for (const v of order) layers[layer[v] ?? 0]?.push(v);

  // Barycenter sweeps over neighbours in any layer, by their position in their own layer.
  const position = new Float64Array(n);
  const normalize = () => {
    for (const nodesOfLayer of layers) {
      nodesOfLayer.forEach((v, i) => {
        position[v] = nodesOfLayer.length === 1 ? 0.5 : i / (nodesOfLayer.length - 1);
      });
    }
  };
  normalize();
  const barycenter = (v: number, neighbours: number[]) => {
    if (neighbours.length === 0) return position[v] ?? 0;
    let sum = 0;
    for (const w of neighbours) sum += position[w] ?? 0;
    return sum / neighbours.length;
  };
  for (let sweep = 0; sweep < options.sweeps; sweep++) {
    const downward = sweep % 2 === 0;
    const sequence = downward ? layers : [...layers].reverse();
    for (const nodesOfLayer of sequence) {
      const keys = new Map(
        nodesOfLayer.map((v) => [v, barycenter(v, downward ? (pred[v] ?? []) : (succ[v] ?? []))] as const),
      );
      nodesOfLayer.sort((a, b) => (keys.get(a) ?? 0) - (keys.get(b) ?? 0) || a - b);
      nodesOfLayer.forEach((v, i) => {
        position[v] = nodesOfLayer.length === 1 ? 0.5 : i / (nodesOfLayer.length - 1);
      });
    }
  }

  // Columns: x by layer widths; y stacked, then pulled towards neighbours without overlapping.
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let left = 0;
  for (const nodesOfLayer of layers) {
    const width = Math.max(0, ...nodesOfLayer.map((v) => nodes[members[v] as number]?.width ?? 0));
    for (const v of nodesOfLayer) x[v] = left + (width - (nodes[members[v] as number]?.width ?? 0)) / 2;
    left += width + options.layerGap;
  }
  const height = (v: number) => nodes[members[v] as number]?.height ?? 0;
  for (const nodesOfLayer of layers) {
    let top = 0;
    for (const v of nodesOfLayer) {
      y[v] = top;
      top += height(v) + options.nodeGap;
    }
  }
  const center = (v: number) => (y[v] ?? 0) + height(v) / 2;
  for (let pass = 0; pass < 4; pass++) {
    const downward = pass % 2 === 0;
    for (const nodesOfLayer of downward ? layers : [...layers].reverse()) {
      const wanted = nodesOfLayer.map((v) => {
        const neighbours = [...(pred[v] ?? []), ...(succ[v] ?? [])];
        if (neighbours.length === 0) return center(v);
        let sum = 0;
        for (const w of neighbours) sum += center(w);
        return sum / neighbours.length;
      });
      placeInOrder(nodesOfLayer, wanted, height, options.nodeGap, y);
    }
  }
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < n; v++) {
    minY = Math.min(minY, y[v] ?? 0);
    maxY = Math.max(maxY, (y[v] ?? 0) + height(v));
  }
  for (let v = 0; v < n; v++) y[v] = (y[v] ?? 0) - minY;
  return { members, x, y, width: Math.max(0, left - options.layerGap), height: n === 0 ? 0 : maxY - minY };
}

/** Places a column's nodes as near their wanted centers as their order and gaps allow. */
function placeInOrder(
  column: readonly number[],
  wanted: readonly number[],
  height: (v: number) => number,
  gap: number,
  y: Float64Array,
): void {
  // Forward: no node above its wanted top, none overlapping the previous one.
  let bottom = Number.NEGATIVE_INFINITY;
  const tops = column.map((v, i) => {
    const top = Math.max((wanted[i] ?? 0) - height(v) / 2, bottom);
    bottom = top + height(v) + gap;
    return top;
  });
  // Backward: pull nodes that were pushed down back up towards their wish, keeping order.
  let limit = Number.POSITIVE_INFINITY;
  for (let i = column.length - 1; i >= 0; i--) {
    const v = column[i] as number;
    const top = Math.min(tops[i] ?? 0, limit - height(v) - gap);
    tops[i] = Math.max(
      top,
      i === 0 ? Number.NEGATIVE_INFINITY : (tops[i - 1] ?? 0) + height(column[i - 1] as number) + gap,
    );
    limit = tops[i] ?? 0;
  }
  column.forEach((v, i) => {
    y[v] = tops[i] ?? 0;
  });
}

/** Reverses the edges DFS finds going back, so the graph is acyclic. */
function removeCycles(n: number, succ: number[][], pred: number[][]): void {
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  for (let start = 0; start < n; start++) {
    if (state[start] !== 0) continue;
    const stack: Array<[number, number]> = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as [number, number];
      const [v, i] = frame;
      const out = succ[v] ?? [];
      if (i >= out.length) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      frame[1] = i + 1;
      const w = out[i] as number;
      if (state[w] === 1) {
        // Back edge v -> w: reverse it.
        out.splice(i, 1);
        frame[1] = i;
        const back = pred[w] ?? [];
        back.splice(back.indexOf(v), 1);
        (succ[w] ?? []).push(v);
        (pred[v] ?? []).push(w);
      } else if (state[w] === 0) {
        state[w] = 1;
        stack.push([w, 0]);
      }
    }
  }
}

function topologicalOrder(n: number, succ: number[][], pred: number[][]): number[] {
  const indegree = new Int32Array(n);
  for (let v = 0; v < n; v++) indegree[v] = (pred[v] ?? []).length;
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue.push(v);
  const order: number[] = [];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as number;
    order.push(v);
    for (const w of succ[v] ?? []) {
      indegree[w] = (indegree[w] ?? 0) - 1;
      if (indegree[w] === 0) queue.push(w);
    }
  }
  return order;
}

/** Packs component layouts into rows about `aspectRatio` times wider than tall. */
function packComponents(
  laid: readonly ComponentLayout[],
  gap: number,
  aspectRatio: number,
  nodes: readonly LayoutNodeInput[],
): LayoutResult {
  const area = laid.reduce((sum, c) => sum + (c.width + gap) * (c.height + gap), 0);
  const rowWidth = Math.max(laid[0]?.width ?? 0, Math.sqrt(area * aspectRatio));
  const positions = new Map<string, { x: number; y: number }>();
  let cursorX = 0;
  let cursorY = 0;
  let rowHeight = 0;
  let width = 0;
  for (const component of laid) {
    if (cursorX > 0 && cursorX + component.width > rowWidth) {
      cursorX = 0;
      cursorY += rowHeight + gap;
      rowHeight = 0;
    }
    component.members.forEach((v, i) => {
      const node = nodes[v];
      if (node) positions.set(node.id, { x: cursorX + (component.x[i] ?? 0), y: cursorY + (component.y[i] ?? 0) });
    });
    cursorX += component.width + gap;
    width = Math.max(width, cursorX - gap);
    rowHeight = Math.max(rowHeight, component.height);
  }
  return { positions, width, height: laid.length === 0 ? 0 : cursorY + rowHeight };
}
