/**
 * Watch mode: a compilation kept in memory and updated when files change.
 * Only the changed files are parsed again, and only the modules that import
 * them (directly or not) run again; the answer says what changed in the graph.
 */
import { type FSWatcher, watch as watchFiles } from "node:fs";
import path from "node:path";
import { diffManifests, type GraphChanges } from "./graph.js";
import { type CompileOptions, type CompileResult, CompilerProgram, normalizePath } from "./program.js";
import { sourceExtension } from "./source.js";

/** The outcome of one recompilation. */
export interface WatchUpdate {
  readonly result: CompileResult;
  /** What changed in the asset graph since the previous compilation. */
  readonly changes: GraphChanges;
  /** The files whose modules ran again, relative to `result.baseDir`. */
  readonly recompiled: readonly string[];
  /** How long the recompilation took, in milliseconds. */
  readonly durationMs: number;
}

/** A stop handle. */
export interface WatchHandle {
  close(): void;
}

/** A compilation that stays in memory and recompiles what changed. */
export interface WatchCompiler {
  /** The latest result. */
  readonly result: CompileResult;
  /**
   * Recompiles after files changed, were created or were deleted (paths
   * absolute or relative to `cwd`). With a ts-morph project, edit its source
   * files first, then pass their paths.
   */
  update(paths: readonly string[]): WatchUpdate;
  /**
   * Watches the files on disk (the root folder, and files outside it that are
   * imported) and calls `listener` after each batch of changes.
   */
  watch(listener: (update: WatchUpdate) => void, options?: { debounceMs?: number }): WatchHandle;
}

/**
 * Creates a watch compiler and compiles once.
 *
 * @example
 * ```ts
 * const compiler = createWatchCompiler({ root: "dags" });
 * const handle = compiler.watch(({ changes, durationMs }) => {
 *   console.log(`recompiled in ${durationMs.toFixed(0)} ms; changed DAGs: ${changes.dagsChanged.join(", ")}`);
 * });
 * ```
 */
export function createWatchCompiler(options: CompileOptions = {}): WatchCompiler {
  const program = new CompilerProgram(options, { incremental: true });
  let result = program.build().result;
  const cwd = options.cwd ?? process.cwd();
  const update = (paths: readonly string[]): WatchUpdate => {
    const started = performance.now();
    const previous = result;
    const built = program.update(paths);
    result = built.result;
    const durationMs = performance.now() - started;
    return { result, changes: diffManifests(previous.manifest, result.manifest), recompiled: built.ran, durationMs };
  };
  return {
    get result() {
      return result;
    },
    update,
    watch(listener, watchOptions = {}) {
      if (options.project) throw new Error("watch() reads files on disk; with a ts-morph project, call update(paths).");
      const debounceMs = watchOptions.debounceMs ?? 50;
      const pending = new Set<string>();
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        timer = undefined;
        const paths = [...pending];
        pending.clear();
        if (paths.length > 0) listener(update(paths));
      };
      const changed = (file: string) => {
        const normalized = normalizePath(file, cwd);
        // Only source files matter; skip dependencies and hidden folders under the root (.git, editors' files).
        if (!sourceExtension(normalized)) return;
        const parts = path.relative(result.baseDir, normalized).split(/[\\/]/);
        const outside = parts[0] === "..";
        if (!outside && parts.some((part) => part === "node_modules" || part.startsWith("."))) return;
        pending.add(normalized);
        if (timer) clearTimeout(timer);
        timer = setTimeout(flush, debounceMs);
      };
      const watchers: FSWatcher[] = [];
      const base = result.baseDir;
      watchers.push(
        watchFiles(base, { recursive: true }, (_event, name) => {
          if (name) changed(path.join(base, name.toString()));
        }),
      );
      for (const file of result.files) {
        if (!file.startsWith("../")) continue;
        const absolute = path.resolve(base, file);
        watchers.push(watchFiles(absolute, () => changed(absolute)));
      }
      return {
        close() {
          if (timer) clearTimeout(timer);
          for (const watcher of watchers) watcher.close();
        },
      };
    },
  };
}
