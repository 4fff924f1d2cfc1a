// Bundles a TypeScript entry for Node with esbuild, as the benchmarks run it:
// TypeScript and decorators lowered for Node 20, npm packages left external
// (they resolve from the node_modules next to the output).

/**
 * Bundles `entry` into the ES module `outfile`.
 *
 * @example
 * await bundleForNode("bench/compile.ts", "node_modules/.cache/x/compile.mjs", "tsconfig.json", { sourcemap: "inline" });
 */
export async function bundleForNode(entry, outfile, tsconfig, extra = {}) {
  const { build } = await import("esbuild");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    tsconfig,
    logLevel: "warning",
    ...extra,
  });
}
