/**
 * Runs the watchers this process holds the lease of: claims (and renews)
 * leases every `leaseMs / 3`, starts the watchers it got, stops the ones it
 * lost, and restarts a failing one after a back-off from its last committed
 * position. Every message goes through {@link WatcherStore.recordWatcherMessage}:
 * the event, the message's key and the position commit in one transaction.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { WatcherMessage, WatcherRecord } from "../../scheduler/contracts.js";
import { isAssetflowError } from "../../sdk/errors.js";
import type { JsonObject, JsonValue } from "../../sdk/json.js";
import { stableStringify } from "../../sdk/json.js";
import { type WatcherContext, type WatcherDefinition, watcherDefinition } from "../../sdk/watchers.js";
import { BUILT_IN_WATCHERS } from "./built-ins.js";
import { sleep } from "./sleep.js";

/** The store operations the runner needs (the `Scheduler` has them). */
export interface WatcherStore {
  claimWatchers(owner: string, ttlMs: number): Promise<WatcherRecord[]>;
  getWatcher(watcherId: string): Promise<WatcherRecord | undefined>;
  releaseWatchers(owner: string): Promise<void>;
  recordWatcherMessage(message: WatcherMessage): Promise<{ readonly recorded: boolean }>;
  reportWatcherState(watcherId: string, state: { error?: string | null; lag?: number | null }): Promise<void>;
}

/** Options of {@link WatcherRunner}. */
export interface WatcherRunnerOptions {
  /** This process's name in leases (default `<host>:<pid>:<random>`). */
  owner?: string;
  /**
   * How long a lease lasts without renewal, ms (default 6000): a watcher whose
   * process died runs in another one at most this long (plus one renewal
   * period, `leaseMs / 3`) later.
   */
  leaseMs?: number;
  /** Loads the DAG files, so that kinds made with `defineWatcher` are known (called when one is missing). */
  loadDefinitions?: () => Promise<void>;
  /** Told when a watcher starts, stops or fails (the CLI prints it). */
  onChange?: (line: string, change: WatcherChange) => void;
}

/** Something that happened to a watcher of this process. */
export interface WatcherChange {
  readonly kind: "watcher_started" | "watcher_stopped" | "watcher_moved" | "watcher_failed" | "lease_error";
  readonly watcherId?: string;
  readonly error?: string;
}

/** Default lease duration, ms: the takeover time documented in docs/watchers.md. */
export const DEFAULT_WATCHER_LEASE_MS = 6000;

interface Running {
  record: WatcherRecord;
  controller: AbortController;
  done: Promise<void>;
}

/** The watchers of one process. */
export class WatcherRunner {
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private cycle: Promise<void> | undefined;

  constructor(
    private readonly store: WatcherStore,
    private readonly options: WatcherRunnerOptions = {},
  ) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.leaseMs = options.leaseMs ?? DEFAULT_WATCHER_LEASE_MS;
  }

  /** The watchers running here now, by id. */
  get watcherIds(): string[] {
    return [...this.running.keys()].sort();
  }

  /** Claims leases now and then every `leaseMs / 3`. */
  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      this.cycle = this.claim().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, Math.max(50, Math.floor(this.leaseMs / 3)));
      });
    };
    loop();
  }

  /** Claims once (leases are renewed, new ones started, lost ones stopped). */
  async claim(): Promise<void> {
    let held: WatcherRecord[];
    try {
      held = await this.store.claimWatchers(this.owner, this.leaseMs);
    } catch (error) {
      // The store is unreachable: keep what runs (its records fail if the lease moved) and try again.
      const message = (error as Error).message;
      this.options.onChange?.(`watchers  could not renew leases: ${message}`, { kind: "lease_error", error: message });
      return;
    }
    if (this.stopped) return;
    const ids = new Set(held.map((record) => record.watcherId));
    const lost = [...this.running].filter(([id]) => !ids.has(id));
    for (const [id, running] of lost) {
      running.controller.abort();
      this.running.delete(id);
    }
    for (const [id] of lost) await this.reportLost(id);
    if (this.stopped) return;
    for (const record of held) {
      const current = this.running.get(record.watcherId);
      if (current && JSON.stringify(current.record.config) === JSON.stringify(record.config)) continue;
      if (current) current.controller.abort();
      this.launch(record);
    }
  }

  /** Says why a watcher stopped here: no DAG file declares it any more, or another process holds it. */
  private async reportLost(id: string): Promise<void> {
    const record = await this.store.getWatcher(id).catch(() => null);
    if (record === undefined || (record !== null && record.removedAt !== null)) {
      this.options.onChange?.(`watcher   ${id} stopped: no DAG file declares it any more`, {
        kind: "watcher_stopped",
        watcherId: id,
      });
    } else {
      // Or the store could not say (the lease was not renewed in time; another process may hold it).
      this.options.onChange?.(`watcher   ${id} moved to another process`, { kind: "watcher_moved", watcherId: id });
    }
  }

  /** Stops every watcher, waits for them, and releases the leases so another process takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.cycle;
    const done = [...this.running.values()].map((running) => {
      running.controller.abort();
      return running.done;
    });
    this.running.clear();
    await Promise.allSettled(done);
    await this.store.releaseWatchers(this.owner).catch(() => undefined);
  }

  private launch(record: WatcherRecord): void {
    const controller = new AbortController();
    const running: Running = { record, controller, done: Promise.resolve() };
    running.done = this.supervise(record, controller.signal);
    this.running.set(record.watcherId, running);
    this.options.onChange?.(`watcher   ${record.watcherId} started (${record.kind})`, {
      kind: "watcher_started",
      watcherId: record.watcherId,
    });
  }

  /** Runs a watcher until aborted, restarting it after failures (1 s back-off, doubling up to 30 s). */
  private async supervise(record: WatcherRecord, signal: AbortSignal): Promise<void> {
    let position = record.position;
    let delay = 1000;
    let failing = record.lastError !== null;
    while (!signal.aborted) {
      try {
        const definition = await this.definitionOf(record.kind);
        await definition.start(
          this.context(record, signal, position, (next) => {
            position = next;
            if (failing) {
              failing = false;
              void this.store.reportWatcherState(record.watcherId, { error: null }).catch(() => undefined);
            }
            delay = 1000;
          }),
        );
        if (signal.aborted) return;
        throw new Error("the watcher returned before it was stopped");
      } catch (error) {
        if (signal.aborted) return;
        // Another process holds it now, or no DAG file declares it: the next claim says which.
        if (isAssetflowError(error) && (error.code === "WATCHER_LEASE_LOST" || error.code === "WATCHER_REMOVED"))
          return;
        failing = true;
        const message = (error as Error)?.message ?? String(error);
        this.options.onChange?.(`watcher   ${record.watcherId} failed (retry in ${delay / 1000} s): ${message}`, {
          kind: "watcher_failed",
          watcherId: record.watcherId,
          error: message,
        });
        await this.store.reportWatcherState(record.watcherId, { error: message }).catch(() => undefined);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  private async definitionOf(kind: string): Promise<WatcherDefinition> {
    const builtIn = BUILT_IN_WATCHERS[kind];
    if (builtIn) return builtIn;
    let definition = watcherDefinition(kind);
    if (!definition && this.options.loadDefinitions) {
      await this.options.loadDefinitions();
      definition = watcherDefinition(kind);
    }
    if (!definition) {
      throw new Error(
        `No watcher kind "${kind}": define it with defineWatcher({ kind: "${kind}", start }) in a DAG file this process loads.`,
      );
    }
    return definition;
  }

  private context(
    record: WatcherRecord,
    signal: AbortSignal,
    position: JsonValue | null,
    committed: (position: JsonValue) => void,
  ): WatcherContext {
    const store = this.store;
    const owner = this.owner;
    return {
      asset: record.asset,
      config: record.config,
      position,
      signal,
      stopped: new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener("abort", () => resolve(), { once: true });
      }),
      async emit(extra: JsonObject, next: JsonValue, options: { key?: string } = {}) {
        const outcome = await store.recordWatcherMessage({
          watcherId: record.watcherId,
          owner,
          key: options.key ?? stableStringify(next, 0),
          position: next,
          extra,
        });
        committed(next);
        return { recorded: outcome.recorded };
      },
      reportLag(lag: number | null) {
        void store.reportWatcherState(record.watcherId, { lag }).catch(() => undefined);
      },
    };
  }
}
