/**
 * The `files` watcher: an event per new or changed file of a directory whose
 * path (relative to it) matches a glob, with `{ path, name, size, mtimeMs }`.
 * A file is reported once its size and modification time held still for one
 * scan (so a file being written is reported when complete). Restart-safe: the
 * message key is the file's fingerprint (`name@size:mtimeMs`), so a file
 * already reported is not reported again after a restart.
 */
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import picomatch from "picomatch";
import type { FilesWatcher, WatcherContext, WatcherDefinition } from "../../sdk/watchers.js";
import { sleep } from "./sleep.js";

/** A file's fingerprint: what changes when its content is replaced. */
interface Fingerprint {
  readonly size: number;
  readonly mtimeMs: number;
}

const fingerprintText = (name: string, print: Fingerprint): string => `${name}@${print.size}:${print.mtimeMs}`;

/** Scans `dir` (recursively) for files whose relative path matches. */
async function scan(dir: string, matches: (name: string) => boolean): Promise<Map<string, Fingerprint>> {
  const found = new Map<string, Fingerprint>();
  let names: string[];
  try {
    names = (await readdir(dir, { recursive: true })) as string[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return found;
    throw error;
  }
  for (const name of names.sort()) {
    if (!matches(name)) continue;
    try {
      const stats = await stat(join(dir, name));
      if (stats.isFile()) found.set(name, { size: stats.size, mtimeMs: Math.trunc(stats.mtimeMs) });
    } catch {
      // Deleted between readdir and stat.
    }
  }
  return found;
}

/** The `files` watcher. */
export const filesWatcher: WatcherDefinition = {
  kind: "files",
  async start(ctx: WatcherContext) {
    const config = ctx.config as unknown as FilesWatcher;
    const dir = resolve(config.dir);
    const matches = config.glob ? picomatch(config.glob, { dot: false }) : () => true;
    const pollMs = config.pollMs ?? 200;
    // Files reported by this process (after a restart the keys dedupe the rest).
    const reported = new Map<string, string>();
    let previous = new Map<string, Fingerprint>();
    while (!ctx.signal.aborted) {
      const current = await scan(dir, matches);
      let pending = 0;
      for (const [name, print] of current) {
        const key = fingerprintText(name, print);
        if (reported.get(name) === key) continue;
        const before = previous.get(name);
        if (!before || before.size !== print.size || before.mtimeMs !== print.mtimeMs) {
          pending++;
          continue; // not settled yet: report at the next scan if unchanged
        }
        if (ctx.signal.aborted) return;
        await ctx.emit(
          { path: join(dir, name), name, size: print.size, mtimeMs: print.mtimeMs },
          { name, size: print.size, mtimeMs: print.mtimeMs },
          { key },
        );
        reported.set(name, key);
      }
      ctx.reportLag(pending);
      previous = current;
      await sleep(pollMs, ctx.signal);
    }
  },
};
