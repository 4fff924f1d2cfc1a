/**
 * What a graph view draws: boxes with wrapped labels and sizes, and edges,
 * each with a CSS kind. The task graph and the lineage produce these; the
 * graph component lays them out and draws them.
 */

/** A box of a graph. */
export interface GraphNodeSpec {
  readonly id: string;
  /** CSS kind (`asset`, `dag`, `task`, `and`, `or`, ...). */
  readonly kind: string;
  readonly lines: readonly string[];
  readonly detail: string | null;
  readonly width: number;
  readonly height: number;
  /** Tooltip and accessible name: the full name and what the box is. */
  readonly title: string;
  /** A run or task state colouring the box, if any. */
  readonly state?: string | null;
  /** Data attributes for tests and styling (`uri`, `dag-id`, ...), without the `data-` prefix. */
  readonly data?: Readonly<Record<string, string>>;
}

/** An edge of a graph. */
export interface GraphEdgeSpec {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** CSS kind (`producer`, `consumer`, `alias`, `gate`, `task`, `outlet`). */
  readonly kind: string;
  readonly title?: string;
}
