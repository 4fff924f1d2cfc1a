/**
 * The DAG processor: finds DAG files in a folder, has a worker pool load each
 * one (user code never runs in the caller's process), and registers the
 * result. With `watch`, changed, added and deleted files are picked up
 * without a restart.
 *
 * URI scheme rules (`registerUriScheme`) are the project's, as Airflow's
 * providers register theirs globally: each file is loaded with the rules the
 * files before it (in load order, the sorted paths) registered, in whichever
 * host, and its DAGs' manifests name those files (`uriSchemeFiles`) so that
 * the task host that runs one of its tasks applies them too. A file whose
 * rules change makes the files after it load again.
 */
import { existsSync, type FSWatcher, statSync, watch } from "node:fs";
import { extname, resolve } from "node:path";
import type { DagFileResult } from "../scheduler/contracts.js";
import type { Manifest } from "../sdk/manifest/schema.js";
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
  /** The files whose loading registered URI scheme rules. */
  private readonly schemeFiles = new Set<string>();
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
    /** The scheme files before the current one, in load order. */
    const schemeFiles: string[] = [];
    // A scheme file loaded again may have changed its rules: the files after it load again.
    let rulesChanged = false;
    for (const file of files) {
      const mtime = statSync(file).mtimeMs;
      if (!all && !rulesChanged && this.known.get(file) === mtime) {
        if (this.schemeFiles.has(file)) schemeFiles.push(file);
        continue;
      }
      this.known.set(file, mtime);
      const before = [...schemeFiles];
      const loaded = await this.pool.load(file, before);
      if (loaded.ok) {
        if (loaded.registersUriSchemes || this.schemeFiles.has(file)) rulesChanged = true;
        if (loaded.registersUriSchemes) this.schemeFiles.add(file);
        else this.schemeFiles.delete(file);
      }
      if (this.schemeFiles.has(file)) schemeFiles.push(file);
      const result: DagFileResult = loaded.ok
        ? { ok: true, file: loaded.file, manifest: withUriSchemeFiles(loaded.manifest, before), hash: loaded.hash }
        : { ok: false, file: loaded.file, error: loaded.error };
      await this.sink.registerDagFile(result);
      this.onProcessed(result);
      results.push(result);
    }
    for (const file of [...this.known.keys()]) {
      if (!files.includes(file)) {
        this.known.delete(file);
        this.schemeFiles.delete(file);
        await this.sink.forgetDagFile(file);
      }
    }
    return results;
  }
}

/** The manifest with `uriSchemeFiles` on each DAG (unchanged when there are none). */
function withUriSchemeFiles(manifest: Manifest, uriSchemeFiles: readonly string[]): Manifest {
  if (uriSchemeFiles.length === 0) return manifest;
  return { ...manifest, dags: manifest.dags.map((dag) => ({ ...dag, uriSchemeFiles: [...uriSchemeFiles] })) };
}
