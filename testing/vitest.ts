/**
 * `assetflow/vitest`: a Vite plugin that makes `@dag`/`@task` classes
 * testable with Vitest whatever Vite version the project has. Vite 7
 * transformed TypeScript with esbuild, which lowers decorators; Vite 8
 * transforms it with Oxc, which does not, and a decorated DAG then fails with
 * a bare `SyntaxError: Invalid or unexpected token`. This plugin lowers
 * decorators itself, before Vite's own transform, with esbuild (the same
 * compiler that bundles DAG files for the workers), following the project's
 * tsconfig: standard decorators by default, legacy ones with
 * `experimentalDecorators`. Source maps keep stack traces on your lines.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * import { assetflow } from "assetflow/vitest";
 * import { defineConfig } from "vitest/config";
 *
 * export default defineConfig({ plugins: [assetflow()] });
 * ```
 *
 * @packageDocumentation
 */
import { dirname } from "node:path";
import { type TsconfigRaw, transform } from "esbuild";
import { ts } from "ts-morph";

/** Options of {@link assetflow}. */
export interface AssetflowVitestOptions {
  /** The tsconfig to follow (default: the nearest `tsconfig.json` above each file). */
  readonly tsconfig?: string;
}

/** The shape of the plugin: a Vite plugin (typed structurally, so that any Vite version accepts it). */
export interface AssetflowVitePlugin {
  readonly name: string;
  readonly enforce: "pre";
  transform(code: string, id: string): Promise<{ code: string; map: string } | null>;
}

/** TypeScript files (a query such as `?v=123` aside), outside node_modules. */
const TYPESCRIPT_FILE = /^[^?]*\.(m|c)?tsx?(\?.*)?$/;

/**
 * The Vite plugin that lowers decorators in your TypeScript files before Vite
 * (7 or 8) transforms them. Add it to `plugins` in `vitest.config.ts`.
 *
 * @example
 * ```ts
 * export default defineConfig({ plugins: [assetflow()] });
 * ```
 */
export function assetflow(options: AssetflowVitestOptions = {}): AssetflowVitePlugin {
  const settings = new Map<string, TsconfigRaw>();
  return {
    name: "assetflow:decorators",
    enforce: "pre",
    async transform(code, id) {
      if (!TYPESCRIPT_FILE.test(id) || id.includes("/node_modules/") || id.startsWith("\0")) return null;
      // Only files that may hold a decorator: everything else is left to Vite as it is.
      if (!/@[A-Za-z_$]/.test(code)) return null;
      const file = id.replace(/\?.*$/, "");
      const tsconfig = options.tsconfig ?? ts.findConfigFile(dirname(file), ts.sys.fileExists) ?? "";
      let tsconfigRaw = settings.get(tsconfig);
      if (!tsconfigRaw) {
        tsconfigRaw = readTsconfig(tsconfig);
        settings.set(tsconfig, tsconfigRaw);
      }
      const result = await transform(code, {
        loader: /\.(m|c)?tsx$/.test(file) ? "tsx" : "ts",
        format: "esm",
        target: "node20",
        sourcemap: "external",
        sourcefile: file,
        tsconfigRaw,
      });
      return { code: result.code, map: result.map };
    },
  };
}

/** The compiler options esbuild needs from a tsconfig (and the ones it extends); none without a tsconfig. */
function readTsconfig(file: string): TsconfigRaw {
  if (file === "") return { compilerOptions: {} };
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) {
    throw new Error(
      `assetflow/vitest cannot read ${file}: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`,
    );
  }
  // No file listing: only the compiler options matter here.
  const host: ts.ParseConfigHost = { ...ts.sys, readDirectory: () => [] };
  const parsed = ts.parseJsonConfigFileContent(read.config, host, dirname(file), undefined, file);
  const compiler = parsed.options;
  return {
    compilerOptions: {
      ...(compiler.experimentalDecorators === undefined
        ? {}
        : { experimentalDecorators: compiler.experimentalDecorators }),
      ...(compiler.useDefineForClassFields === undefined
        ? {}
        : { useDefineForClassFields: compiler.useDefineForClassFields }),
      ...(compiler.verbatimModuleSyntax === undefined ? {} : { verbatimModuleSyntax: compiler.verbatimModuleSyntax }),
    },
  };
}
