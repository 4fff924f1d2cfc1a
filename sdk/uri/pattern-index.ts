/**
 * An index of URI patterns over their segments (a trie), so that finding the
 * patterns a URI matches costs about the same with 10,000 patterns as with
 * 10: a URI walks one path per matching branch, never the list of patterns.
 */
import { templateSource, type UriPattern } from "./pattern.js";

interface TemplateEdge<T> {
  readonly regExp: RegExp;
  readonly node: TrieNode<T>;
}

interface Terminal<T> {
  readonly value: T;
  /** Capture names, in the order the walk collects their values. */
  readonly names: readonly string[];
}

interface TrieNode<T> {
  /** Children by a literal segment's exact text. */
  readonly literal: Map<string, TrieNode<T>>;
  /** Template children by shape (`orders_{}.csv`), grouped by their literal prefix. */
  readonly templates: Map<string, Map<string, TemplateEdge<T>>>;
  /** The distinct lengths of those prefixes, to look a segment's prefixes up directly. */
  readonly prefixLengths: Set<number>;
  /** The child after a `{**name}` segment. */
  rest: TrieNode<T> | undefined;
  readonly terminals: Terminal<T>[];
}

/** A pattern a URI matched, with what it captured. */
export interface PatternMatch<T> {
  readonly value: T;
  readonly captures: Record<string, string>;
}

function newNode<T>(): TrieNode<T> {
  return { literal: new Map(), templates: new Map(), prefixLengths: new Set(), rest: undefined, terminals: [] };
}

/**
 * Patterns, each with a value (a pattern id), looked up by URI.
 *
 * @example
 * ```ts
 * const index = new UriPatternIndex<number>();
 * index.add(pattern, 7);
 * index.match("s3://landing/2025-01-01/orders_1.csv"); // [{ value: 7, captures: { date: "2025-01-01", part: "1" } }]
 * ```
 */
export class UriPatternIndex<T> {
  private readonly root: TrieNode<T> = newNode();
  private count = 0;

  /** How many patterns were added. */
  get size(): number {
    return this.count;
  }

  /** Adds a pattern with its value. */
  add(pattern: UriPattern, value: T): void {
    let node = this.root;
    for (const segment of pattern.segments) {
      if (segment.kind === "literal") {
        let child = node.literal.get(segment.text);
        if (!child) {
          child = newNode();
          node.literal.set(segment.text, child);
        }
        node = child;
      } else if (segment.kind === "rest") {
        node.rest ??= newNode();
        node = node.rest;
      } else {
        let byShape = node.templates.get(segment.prefix);
        if (!byShape) {
          byShape = new Map();
          node.templates.set(segment.prefix, byShape);
          node.prefixLengths.add(segment.prefix.length);
        }
        let edge = byShape.get(segment.shape);
        if (!edge) {
          edge = { regExp: new RegExp(`^${templateSource(segment.parts)}$`), node: newNode() };
          byShape.set(segment.shape, edge);
        }
        node = edge.node;
      }
    }
    node.terminals.push({ value, names: pattern.captures });
    this.count++;
  }

  /** Every pattern `uri` matches, with its captures. */
  match(uri: string): PatternMatch<T>[] {
    const matches: PatternMatch<T>[] = [];
    walk(this.root, uri.split("/"), 0, [], matches);
    return matches;
  }
}

function walk<T>(
  node: TrieNode<T>,
  segments: readonly string[],
  position: number,
  values: readonly string[],
  into: PatternMatch<T>[],
): void {
  if (position === segments.length) {
    for (const terminal of node.terminals) {
      const captures: Record<string, string> = {};
      terminal.names.forEach((name, index) => {
        captures[name] = values[index] as string;
      });
      into.push({ value: terminal.value, captures });
    }
    return;
  }
  const segment = segments[position] as string;
  const literal = node.literal.get(segment);
  if (literal) walk(literal, segments, position + 1, values, into);
  for (const length of node.prefixLengths) {
    if (length > segment.length) continue;
    const byShape = node.templates.get(segment.slice(0, length));
    if (!byShape) continue;
    for (const edge of byShape.values()) {
      const match = edge.regExp.exec(segment);
      if (match) walk(edge.node, segments, position + 1, [...values, ...match.slice(1)], into);
    }
  }
  if (node.rest && segment !== "") {
    // A pattern has one {**...} at most, so what follows it has a fixed number
    // of segments: of these splits at most one matches each pattern.
    for (let end = segments.length; end > position; end--) {
      const taken = segments.slice(position, end);
      if (taken.includes("")) continue;
      walk(node.rest, segments, end, [...values, taken.join("/")], into);
    }
  }
}
