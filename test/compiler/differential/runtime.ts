/**
 * Loads a generated project the way the runtime does: each entry file is
 * compiled with esbuild (TypeScript and decorators lowered) and run with its
 * imports, each entry on its own (as the runtime bundles each DAG file), and
 * the DAGs it defines are collected with the SDK's `collectDags`.
 *
 * Files are kept in memory: `require("./x.js")` of one project file loads
 * `x.ts`; `require("assetflow")` is the SDK this process runs.
 */
import * as sdk from "assetflow";
import { transformSync } from "esbuild";

/** What loading one entry gave: its DAGs, or the error it threw. */
export type LoadedEntry =
  | { readonly ok: true; readonly dags: readonly sdk.Dag[] }
  | { readonly ok: false; readonly error: string };

/** Compiles project files to CommonJS once; loads entries from them. */
export class ProjectRuntime {
  private readonly compiled = new Map<string, string>();

  constructor(private readonly files: Readonly<Record<string, string>>) {}

  /** Runs one entry file (and what it imports, fresh) and collects the DAGs it defines. */
  async load(entry: string): Promise<LoadedEntry> {
    try {
      const { dags } = await sdk.collectDags(() => {
        this.run(entry, new Map());
      });
      return { ok: true, dags };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }

  private code(file: string): string {
    let code = this.compiled.get(file);
    if (code === undefined) {
      const source = this.files[file];
      if (source === undefined) throw new Error(`no file ${file} in the project`);
      code = transformSync(source, {
        loader: "ts",
        format: "cjs",
        target: "node20",
        keepNames: true,
        sourcefile: file,
      }).code;
      this.compiled.set(file, code);
    }
    return code;
  }

  private run(file: string, modules: Map<string, { exports: unknown }>): unknown {
    const loaded = modules.get(file);
    if (loaded) return loaded.exports;
    const module = { exports: {} as unknown };
    modules.set(file, module);
    const require = (specifier: string): unknown => {
      if (specifier === "assetflow" || specifier === "assetflow/sdk") return sdk;
      if (specifier.startsWith("./")) return this.run(specifier.slice(2).replace(/\.js$/, ".ts"), modules);
      throw new Error(`cannot load ${specifier} in a generated project`);
    };
    new Function("require", "module", "exports", this.code(file))(require, module, module.exports);
    return module.exports;
  }
}
