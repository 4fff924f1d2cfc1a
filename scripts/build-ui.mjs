/**
 * Builds the web UI (`ui/`) into `dist/ui/static/`: the script (React,
 * TanStack Query and the view modules) with chunks for the pages loaded on
 * first use (@xyflow/react, elkjs, uPlot), the boot script that starts the
 * first API request while the app loads, one style sheet, and the ELK layout
 * worker. `npm run build` runs it after tsc; the
 * server only serves these files (nothing is bundled on a request).
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/ui/static");
const require = createRequire(import.meta.url);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: { app: "ui/main.tsx" },
  outdir: out,
  bundle: true,
  format: "esm",
  // The graph and chart pages are loaded on first use (ui/pages/lazy-pages.ts): their code goes to chunks.
  splitting: true,
  chunkNames: "chunk-[hash]",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  minify: process.env.UI_MINIFY !== "0",
  sourcemap: "linked",
  legalComments: "linked",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
  metafile: false,
});
// The boot script stands alone (no shared chunk): it must start before the app's script has loaded.
await build({
  absWorkingDir: root,
  entryPoints: { boot: "ui/boot.ts" },
  outdir: out,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox110", "safari16"],
  minify: process.env.UI_MINIFY !== "0",
  sourcemap: "linked",
  logLevel: "warning",
});
copyFileSync(require.resolve("elkjs/lib/elk-worker.min.js"), join(out, "elk-worker.js"));
console.log(`ui: built dist/ui/static in ${Date.now() - started} ms`);
