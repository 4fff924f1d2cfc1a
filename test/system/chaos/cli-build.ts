/**
 * A private build of the `assetflow` command for tests that run it as real
 * child processes (the chaos tests, `assetflow db`). Every source file of the
 * published folders is compiled on its own with esbuild (no bundling), so the
 * output keeps the layout of `dist/`: the worker pool finds its task host
 * beside itself and DAG bundles find the SDK at `../sdk/index.js`, exactly as
 * in an installed package. The build goes under `node_modules/.cache` so that
 * its imports of npm packages resolve from this repository, and it never
 * touches `dist/` (other work may be building it at the same time).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

/** The repository (this file's grandparent; the working directory when this file runs bundled elsewhere). */
const here = resolve(import.meta.dirname, "../../..");
const root = existsSync(join(here, "sdk")) ? here : process.cwd();
/** The folders the published package is built from (and `compiler`, `server` as they arrive). */
const FOLDERS = ["sdk", "scheduler", "runtime", "testing", "cli", "server", "compiler"];

/** A private build; `remove()` deletes it. */
export interface CliBuild {
  /** The build's root (holds `cli/`, `runtime/`, `sdk/`, ...). */
  readonly dir: string;
  /** `cli/main.js`: run it with `node`. */
  readonly main: string;
  remove(): void;
}

function sources(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...sources(full));
    else if (
      entry.name.endsWith(".ts") &&
      !entry.name.endsWith(".d.ts") &&
      !entry.name.endsWith(".test.ts") &&
      entry.name !== "test-support.ts"
    ) {
      files.push(full);
    }
  }
  return files;
}

/**
 * Compiles the CLI and everything it loads into a fresh folder.
 *
 * @example
 * ```ts
 * const cli = await buildCli("chaos");
 * spawn(process.execPath, [cli.main, "db", "check"]);
 * cli.remove();
 * ```
 */
export async function buildCli(label: string): Promise<CliBuild> {
  const dir = join(
    root,
    "node_modules",
    ".cache",
    `assetflow-${label}-${process.pid}-${randomBytes(3).toString("hex")}`,
  );
  mkdirSync(dir, { recursive: true });
  const entryPoints = FOLDERS.filter((folder) => existsSync(join(root, folder))).flatMap((folder) =>
    sources(join(root, folder)),
  );
  await build({
    entryPoints,
    outdir: dir,
    outbase: root,
    bundle: false,
    platform: "node",
    format: "esm",
    target: "node20",
    tsconfig: join(root, "tsconfig.json"),
    logLevel: "warning",
  });
  // Node looks for "type" in the nearest package.json but stops at node_modules: give the build its own.
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ type: "module", private: true })}\n`);
  const main = join(dir, "cli", "main.js");
  return {
    dir,
    main,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
