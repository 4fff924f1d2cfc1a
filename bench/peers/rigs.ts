/** What each side of the peers bench provides, so that rounds interleave the same way for all of them. */

/** One hop across processes; `hop()` returns milliseconds. */
export interface HopRig {
  hop(): Promise<number>;
  close(): Promise<void>;
}

/** A chain of steps; `chain()` returns milliseconds from trigger to the last step done. */
export interface ChainRig {
  chain(): Promise<number>;
  close(): Promise<void>;
}

/** No-op units of work; `noop(count)` returns units per second. */
export interface NoopRig {
  noop(count: number): Promise<number>;
  close(): Promise<void>;
}
