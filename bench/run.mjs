#!/usr/bin/env node
// Runs a benchmark written in TypeScript: `node bench/run.mjs <name> [args...]`
// bundles bench/<name>.ts with esbuild (TypeScript and decorators lowered for
// Node 20, npm packages left external) and runs the bundle in this process,
// so Node flags apply to the benchmark too:
//
//   node bench/run.mjs scheduler
//   node bench/run.mjs scheduler --quick
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/run.mjs scheduler --only=throughput
//
// The bundle is written under node_modules/.cache/assetflow-bench/ so that its
// external imports (better-sqlite3, kysely, zod, ...) resolve from this
// repository's node_modules.
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleForNode } from "./support/bundle.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, "..");
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(benchDir)
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
  .map((file) => file.slice(0, -3));

if (!name || name === "--help" || name === "-h") {
  console.log(`usage: node bench/run.mjs <name> [args...]\navailable: ${available.join(", ") || "(none)"}`);
  process.exit(name ? 0 : 2);
}
const entry = join(benchDir, `${name}.ts`);
if (!existsSync(entry)) {
  console.error(`No benchmark "${name}" (looked for ${entry}). Available: ${available.join(", ") || "(none)"}`);
  process.exit(2);
}

const outdir = join(root, "node_modules", ".cache", "assetflow-bench");
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, `${name}.mjs`);
await bundleForNode(entry, outfile, join(root, "tsconfig.json"), { sourcemap: "inline" });

// The benchmark reads its arguments from process.argv.slice(2).
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
