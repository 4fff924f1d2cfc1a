/**
 * The Assets view's script: `assets-view.ts` (compiled to `assets-view.js` in
 * `dist/`) bundled with dagre by esbuild on first request, then kept in memory.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

let bundled: Promise<string> | undefined;

/**
 * The browser script of the Assets view (an IIFE with dagre inside).
 *
 * @example
 * ```ts
 * reply.type("text/javascript").send(await assetsViewScript());
 * ```
 */
export function assetsViewScript(): Promise<string> {
  bundled ??= bundle().catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
  return bundled;
}

async function bundle(): Promise<string> {
  const compiled = fileURLToPath(new URL("./assets-view.js", import.meta.url));
  const source = fileURLToPath(new URL("./assets-view.ts", import.meta.url));
  const entry = [compiled, source].find((path) => existsSync(path));
  if (!entry) {
    throw new Error(
      `The Assets view script is missing: neither ${compiled} nor ${source} exists. Build with "server" in tsconfig.build.json's include.`,
    );
  }
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error("esbuild produced no output for the Assets view");
  return output.text;
}
