/**
 * The DAG processor: finds DAG files in a folder, has a worker pool load each
 * one (user code never runs in the caller's process), and registers the
 * result. With `watch`, changed, added and deleted files are picked up
 * without a restart.
 */
import { existsSync, type FSWatcher, statSync, watch } from "node:fs";
import { extname, resolve } from "node:path";
import type { DagFileResult } from "../scheduler/contracts.js";
import { DAG_FILE_EXTENSIONS, listDagFiles } from "./dag-files.js";
import type { WorkerPool } from "./worker-pool.js";

/** Where processed files go: the scheduler. */
export interface DagFileSink {
  registerDagFile(result: DagFileResult): Promise<unknown>;
  forgetDagFile(file: string): Promise<unknown>;
}

/**
 * Loads and registers the DAG files of a folder.
 *
 * @example
 * ```ts
 * const processor = new DagProcessor("dags", pool, scheduler);
 * const results = await processor.processAll();
 * processor.watch();
 * ```
 */
export class DagProcessor {
  private readonly known = new Map<string, number>();
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly folder: string,
    private readonly pool: WorkerPool,
    private readonly sink: DagFileSink,
    private readonly onProcessed: (result: DagFileResult) => void = () => undefined,
  ) {}

  /** Loads every DAG file now and forgets files that disappeared. */
  processAll(): Promise<DagFileResult[]> {
    const run = this.chain.then(() => this.scan(true));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Watches the folder and reprocesses changed files. */
  watch(): void {
    if (this.watcher || !existsSync(this.folder)) return;
    this.watcher = watch(resolve(this.folder), { recursive: true }, (_event, name) => {
      if (name && !(DAG_FILE_EXTENSIONS as readonly string[]).includes(extname(name))) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.chain = this.chain.then(() => this.scan(false)).catch(() => undefined);
      }, 100);
    });
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async scan(all: boolean): Promise<DagFileResult[]> {
    const files = listDagFiles(this.folder);
    const results: DagFileResult[] = [];
    for (const file of files) {
      const mtime = statSync(file).mtimeMs;
      if (!all && this.known.get(file) === mtime) continue;
      this.known.set(file, mtime);
      const loaded = await this.pool.load(file);
      const result: DagFileResult = loaded.ok
        ? { ok: true, file: loaded.file, manifest: loaded.manifest, hash: loaded.hash }
        : { ok: false, file: loaded.file, error: loaded.error };
      await this.sink.registerDagFile(result);
      this.onProcessed(result);
      results.push(result);
    }
    for (const file of [...this.known.keys()]) {
      if (!files.includes(file)) {
        this.known.delete(file);
        await this.sink.forgetDagFile(file);
      }
    }
    return results;
  }
}
