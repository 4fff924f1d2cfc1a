import { describe, expect, it } from "vitest";
import { layeredLayout } from "./layered-layout.js";

const box = (id: string) => ({ id, width: 100, height: 40 });
const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }, size = { width: 100, height: 40 }) =>
  a.x < b.x + size.width && b.x < a.x + size.width && a.y < b.y + size.height && b.y < a.y + size.height;

describe("the layered layout", () => {
  it("puts every target right of its sources, and no two nodes on each other", () => {
    const nodes = ["a", "b", "c", "d", "e"].map(box);
    const edges = [
      { source: "a", target: "b" },
      { source: "b", target: "c" },
      { source: "a", target: "d" },
      { source: "d", target: "c" },
      { source: "e", target: "c" },
    ];
    const { positions } = layeredLayout(nodes, edges);
    for (const edge of edges) {
      expect(positions.get(edge.target)!.x).toBeGreaterThan(positions.get(edge.source)!.x);
    }
    const all = [...positions.values()];
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i]!, all[j]!)).toBe(false);
    }
    // A source feeding only the last layer sits right before it, not in the first column.
    expect(positions.get("e")!.x).toBe(positions.get("b")!.x);
  });

  it("survives cycles and self loops, and places disconnected components apart", () => {
    const nodes = ["a", "b", "c", "x", "y"].map(box);
    const { positions, width, height } = layeredLayout(nodes, [
      { source: "a", target: "b" },
      { source: "b", target: "c" },
      { source: "c", target: "a" },
      { source: "a", target: "a" },
      { source: "x", target: "y" },
      { source: "x", target: "missing" },
    ]);
    expect(positions.size).toBe(5);
    const all = [...positions.values()];
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i]!, all[j]!)).toBe(false);
    }
    expect(width).toBeGreaterThan(0);
    expect(height).toBeGreaterThan(0);
  });

  it("lays out 3,000 nodes", () => {
    const nodes = Array.from({ length: 3000 }, (_, i) => box(`n${i}`));
    const edges = Array.from({ length: 2999 }, (_, i) => ({ source: `n${Math.floor(i / 3)}`, target: `n${i + 1}` }));
    const { positions } = layeredLayout(nodes, edges);
    expect(positions.size).toBe(3000);
    expect(Number.isFinite(positions.get("n2999")!.x)).toBe(true);
  });

  it("gives an empty graph an empty layout", () => {
    expect(layeredLayout([], [])).toMatchObject({ width: 0, height: 0 });
  });
});
