/**
 * Loading DAG files: each file is bundled with esbuild (TypeScript, both
 * decorator styles) into `$ASSETFLOW_HOME/bundles`, imported, and the DAGs it
 * defines are collected. Runs only in worker processes, never in the
 * scheduler's event loop. A file that fails to build or throws at import is an
 * {@link ImportError}, not a crash.
 *
 * URI scheme rules (`registerUriScheme`) are the project's, as Airflow's
 * providers register theirs in every process: a DAG file is loaded with the
 * rules of the DAG files before it in load order (the DAG processor names
 * them), whichever process loads it, and its tasks run with them.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { extname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Message } from "esbuild";
import { makePrivateDir } from "../scheduler/store/home.js";
import { collectDags, type Dag, isAssetflowError } from "../sdk/index.js";
import { registeredUriSchemes, replaceRegisteredUriSchemes, type UriSchemeRule } from "../sdk/uri/sanitize.js";

/** File endings the DAG folder scan picks up. */
export const DAG_FILE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"] as const;

/** A DAG file that could not be loaded. */
export interface ImportError {
  readonly file: string;
  readonly message: string;
  readonly line: number | null;
  readonly column: number | null;
}

/** The result of loading one file. */
export type LoadedDagFile =
  | {
      readonly ok: true;
      readonly file: string;
      readonly dags: readonly Dag[];
      /** The hash of the bundle: it changes with the file or anything it imports. */
      readonly hash: string;
      /** True when loading the file registered URI scheme rules (`registerUriScheme`). */
      readonly registersUriSchemes: boolean;
    }
  | { readonly ok: false; readonly file: string; readonly error: ImportError };

/**
 * The DAG files of a folder (recursively), sorted; `node_modules`, dot folders,
 * declaration files and tests are skipped. A file path is returned as is.
 *
 * @example
 * ```ts
 * listDagFiles("examples/functional"); // [".../alias-consumers.ts", ...]
 * ```
 */
export function listDagFiles(path: string): string[] {
  const absolute = resolve(path);
  if (!existsSync(absolute)) return [];
  if (statSync(absolute).isFile()) return [absolute];
  const files: string[] = [];
  for (const entry of readdirSync(absolute, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = join(absolute, entry.name);
    if (entry.isDirectory()) files.push(...listDagFiles(full));
    else if (
      (DAG_FILE_EXTENSIONS as readonly string[]).includes(extname(entry.name)) &&
      !entry.name.endsWith(".d.ts") &&
      !/\.(test|spec)\.[mc]?[jt]s$/.test(entry.name)
    ) {
      files.push(full);
    }
  }
  return files.sort();
}

/** The SDK entry DAG bundles import as "assetflow": the copy this runtime runs with. */
function sdkEntry(): string {
  const built = fileURLToPath(new URL("../sdk/index.js", import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL("../sdk/index.ts", import.meta.url));
}

const SDK_SUBPATHS: Record<string, string> = { assetflow: "sdk", "assetflow/sdk": "sdk" };

/** Gives bundles a `require` for the CommonJS code they contain. */
const REQUIRE_BANNER =
  'import { createRequire as __assetflowCreateRequire } from "node:module"; const require = __assetflowCreateRequire(import.meta.url);';

/** URI scheme rules by lower-case scheme. */
type SchemeRules = ReadonlyMap<string, UriSchemeRule>;

/** A file this process loaded. */
interface CachedFile {
  readonly hash: string;
  readonly loaded: LoadedDagFile;
  readonly inputs: Map<string, number>;
  /** The scheme files applied before it and their hashes ("" when the rules were left as they were). */
  readonly preload: string;
  /** The scheme rules its loading registered. */
  readonly registered: SchemeRules;
  /** The scheme rules in force once it loaded: its tasks run with them. */
  readonly rules: SchemeRules;
}

/**
 * Loads DAG files into this process, caching each by path and content hash:
 * a changed file is bundled and imported again.
 */
export class DagFileLoader {
  private readonly cache = new Map<string, CachedFile>();
  /** How many times this process imported each bundle file. */
  private readonly imported = new Map<string, number>();

  /** @param bundleDir where bundles are written (e.g. `$ASSETFLOW_HOME/bundles`) */
  constructor(private readonly bundleDir: string) {
    makePrivateDir(bundleDir);
  }

  /**
   * Loads a file (or returns the cached result while it, the files it imports
   * and the scheme files applied before it are unchanged).
   *
   * @param uriSchemeFiles the DAG files before `file`, in load order, whose
   *   URI scheme rules apply to it: they are loaded first (each with the
   *   scheme files before it), and `file` is loaded with exactly the rules
   *   they registered, later ones replacing earlier ones. Undefined: with the
   *   rules this process has registered so far.
   */
  async load(file: string, uriSchemeFiles?: readonly string[]): Promise<LoadedDagFile> {
    const absolute = resolve(file);
    const before = uriSchemeFiles === undefined ? undefined : await this.schemeRulesBefore(absolute, uriSchemeFiles);
    const preload = before?.key ?? "";
    const fresh = this.cache.get(absolute);
    if (fresh && fresh.preload === preload && unchanged(fresh.inputs)) return fresh.loaded;
    let bundle: { code: string; hash: string; inputs: Map<string, number> };
    try {
      bundle = await this.bundle(absolute);
    } catch (error) {
      return { ok: false, file: absolute, error: buildError(absolute, error) };
    }
    const cached = this.cache.get(absolute);
    if (cached && cached.hash === bundle.hash && cached.preload === preload) {
      this.cache.set(absolute, { ...cached, inputs: bundle.inputs });
      return cached.loaded;
    }
    if (before) replaceRegisteredUriSchemes(before.rules);
    const start = registeredUriSchemes();
    const loaded = await this.importBundle(absolute, bundle);
    const rules = registeredUriSchemes();
    const registered = new Map([...rules].filter(([scheme, rule]) => start.get(scheme) !== rule));
    const result: LoadedDagFile = loaded.ok ? { ...loaded, registersUriSchemes: registered.size > 0 } : loaded;
    this.cache.set(absolute, { hash: bundle.hash, loaded: result, inputs: bundle.inputs, preload, registered, rules });
    return result;
  }

  /**
   * The DAG `dagId` from `file`, loading it if needed. With `uriSchemeFiles`
   * (see {@link load}), the scheme rules in force once the file loaded are
   * this process's from then on: the task runs with them.
   */
  async getDag(file: string, dagId: string, uriSchemeFiles?: readonly string[]): Promise<Dag> {
    const loaded = await this.load(file, uriSchemeFiles);
    const rules = this.cache.get(resolve(file))?.rules;
    if (uriSchemeFiles !== undefined && rules !== undefined) replaceRegisteredUriSchemes(rules);
    if (!loaded.ok) throw new Error(`DAG file ${loaded.file} failed to load: ${loaded.error.message}`);
    const dag = loaded.dags.find((candidate) => candidate.dagId === dagId);
    if (!dag) {
      throw new Error(
        `DAG "${dagId}" is no longer defined in ${file} (it defines: ${loaded.dags.map((d) => d.dagId).join(", ") || "no DAGs"}).`,
      );
    }
    return dag;
  }

  /**
   * Loads the scheme files before `file` and returns the rules they
   * registered, in order, with a key that changes when one of them changes.
   */
  private async schemeRulesBefore(
    file: string,
    uriSchemeFiles: readonly string[],
  ): Promise<{ key: string; rules: SchemeRules }> {
    const rules = new Map<string, UriSchemeRule>();
    const key: string[] = [];
    for (const [index, each] of uriSchemeFiles.entries()) {
      const path = resolve(each);
      if (path === file) break;
      await this.load(path, uriSchemeFiles.slice(0, index));
      const entry = this.cache.get(path);
      if (entry === undefined) continue;
      key.push(`${path}#${entry.hash}`);
      for (const [scheme, rule] of entry.registered) rules.set(scheme, rule);
    }
    return { key: key.join("\n"), rules };
  }

  private async bundle(file: string): Promise<{ code: string; hash: string; inputs: Map<string, number> }> {
    const entry = sdkEntry();
    const result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: "node",
      format: "esm",
      target: "node20",
      keepNames: true,
      // CommonJS packages a DAG file imports (mqtt, ...) require Node's modules at run time, which an
      // ES module bundle cannot do without a `require` (esbuild renames a user's own top-level one).
      banner: { js: REQUIRE_BANNER },
      sourcemap: "inline",
      sourcesContent: false,
      // The bundle is written elsewhere ($ASSETFLOW_HOME/bundles): sources must resolve to the user's files,
      // so that stack traces (with source maps enabled, as in task hosts) point at them.
      sourceRoot: `${pathToFileURL(process.cwd()).href}/`,
      logLevel: "silent",
      metafile: true,
      absWorkingDir: process.cwd(),
      plugins: [
        {
          name: "assetflow-sdk",
          setup(pluginBuild) {
            pluginBuild.onResolve({ filter: /^assetflow(\/sdk)?$/ }, (args) => {
              if (!(args.path in SDK_SUBPATHS)) return undefined;
              return { path: pathToFileURL(entry).href, external: true };
            });
          },
        },
      ],
    });
    const code = result.outputFiles?.[0]?.text ?? "";
    const inputs = new Map<string, number>();
    for (const input of Object.keys(result.metafile?.inputs ?? {})) {
      const path = resolve(process.cwd(), input);
      if (existsSync(path)) inputs.set(path, statSync(path).mtimeMs);
    }
    inputs.set(file, statSync(file).mtimeMs);
    return { code, hash: createHash("sha256").update(code).digest("hex").slice(0, 16), inputs };
  }

  private async importBundle(file: string, bundle: { code: string; hash: string }): Promise<LoadedDagFile> {
    const { writeFileSync } = await import("node:fs");
    const target = join(this.bundleDir, `${bundleName(file)}-${bundle.hash}.mjs`);
    if (!existsSync(target)) writeFileSync(target, bundle.code);
    // A file changed back to an earlier content has that content's bundle, which this process
    // imported before: the module cache would hand back the module without running it (no DAGs).
    const times = (this.imported.get(target) ?? 0) + 1;
    this.imported.set(target, times);
    const href = pathToFileURL(target).href + (times === 1 ? "" : `?load=${times}`);
    try {
      const { dags } = await collectDags(() => import(href));
      return { ok: true, file, dags, hash: bundle.hash, registersUriSchemes: false };
    } catch (error) {
      return { ok: false, file, error: runtimeImportError(file, error) };
    }
  }
}

/** True while every file a bundle was built from keeps its modification time. */
function unchanged(inputs: ReadonlyMap<string, number>): boolean {
  for (const [path, mtime] of inputs) {
    try {
      if (statSync(path).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function bundleName(file: string): string {
  return relative(process.cwd(), file)
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .slice(-80);
}

function buildError(file: string, error: unknown): ImportError {
  const messages = (error as { errors?: Message[] }).errors;
  const first = messages?.[0];
  if (first) {
    return {
      file,
      message: `${first.text}${first.location ? ` (${first.location.file}:${first.location.line}:${first.location.column + 1})` : ""}`,
      line: first.location?.line ?? null,
      column: first.location ? first.location.column + 1 : null,
    };
  }
  return { file, message: (error as Error)?.message ?? String(error), line: null, column: null };
}

function runtimeImportError(file: string, error: unknown): ImportError {
  const message = isAssetflowError(error)
    ? `${error.code}: ${error.message}`
    : `${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? String(error)}`;
  // With source maps enabled the stack names the user's file; without, the bundle.
  const stack = (error as Error)?.stack ?? "";
  const location = new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`).exec(stack) ?? /\.mjs:(\d+):(\d+)/.exec(stack);
  return {
    file,
    message,
    line: location?.[1] ? Number(location[1]) : null,
    column: location?.[2] ? Number(location[2]) : null,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
