/**
 * `assetflow init [dir]`: writes a new project that works as it is. The files
 * come from `templates/init/` of the package (the same files the repository's
 * tests run), plus a `package.json` whose versions are this package's own pins.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { printValue } from "../output.js";
import { CliError, CliErrorCode } from "./common.js";

/** Options of `assetflow init`. */
export interface InitOptions {
  name?: string;
  force?: boolean;
  json?: boolean;
}

/** What `assetflow init --json` prints. */
export interface InitResult {
  readonly directory: string;
  readonly name: string;
  readonly files: string[];
}

/** Template files that npm would not pack under their real name. */
const RENAMED: Readonly<Record<string, string>> = { gitignore: ".gitignore" };

/** Registers `assetflow init`. */
export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "Create a project: package.json, tsconfig.json, vitest.config.ts, assets and two DAGs (one per style), a test, .gitignore. Then: npm install && npm test && npm run dev",
    )
    .argument("[dir]", "the folder of the project (created if missing)", ".")
    .option("--name <name>", "the package name (default: the folder's name)")
    .option("--force", "overwrite files of the same name")
    .option("--json", "print what was written as JSON")
    .action((dir: string, options: InitOptions) => {
      const result = initProject(dir, options);
      const nearby = relative(process.cwd(), result.directory) || ".";
      const shown = nearby.startsWith("..") ? result.directory : nearby;
      printValue(result, options, () =>
        [
          `created ${result.name} in ${result.directory}:`,
          ...result.files.map((file) => `  ${file}`),
          "",
          "next:",
          ...(shown === "." ? [] : [`  cd ${shown}`]),
          "  npm install",
          "  npm test            # the DAGs' wiring, in-process",
          "  npm run dev         # scheduler, workers, REST API and the web UI, reloading on change",
        ].join("\n"),
      );
    });
}

/**
 * Writes the starter project into `dir`. Refuses (unless `force`) when a file
 * it would write exists; other files are left alone.
 *
 * @example
 * ```ts
 * initProject("my-pipelines", {}); // { directory: "/.../my-pipelines", name: "my-pipelines", files: [...] }
 * ```
 */
export function initProject(dir: string, options: InitOptions = {}): InitResult {
  const directory = resolve(dir);
  if (existsSync(directory) && !statSync(directory).isDirectory()) {
    throw new CliError(CliErrorCode.invalidOption, `${directory} is a file: give the folder of the new project.`);
  }
  const name = packageName(options.name ?? basename(directory));
  const root = packageRoot();
  const templates = join(root, "templates", "init");
  const files = new Map<string, string>();
  for (const file of listFiles(templates)) {
    const target = RENAMED[file] ?? file;
    files.set(target, readFileSync(join(templates, file), "utf8"));
  }
  files.set("package.json", `${JSON.stringify(projectPackageJson(name, root), null, 2)}\n`);
  const existing = [...files.keys()].filter((file) => existsSync(join(directory, file)));
  if (existing.length > 0 && !options.force) {
    throw new CliError(
      CliErrorCode.invalidOption,
      `${directory} already has ${existing.join(", ")}: choose an empty folder (assetflow init my-project), or pass --force to overwrite them.`,
    );
  }
  for (const [file, text] of files) {
    mkdirSync(dirname(join(directory, file)), { recursive: true });
    writeFileSync(join(directory, file), text);
  }
  return { directory, name, files: [...files.keys()].sort() };
}

/** The package.json of a new project: ESM, the scripts, assetflow's own pins, and the install scripts to allow. */
function projectPackageJson(name: string, root: string): Record<string, unknown> {
  const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    version: string;
    engines: { node: string };
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    allowScripts: Record<string, boolean>;
  };
  const pin = (pkg: string): string => {
    const version = own.dependencies[pkg] ?? own.devDependencies[pkg];
    if (version === undefined) throw new Error(`assetflow's package.json has no pin for ${pkg}`);
    return version;
  };
  return {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: own.engines.node },
    scripts: {
      dev: "assetflow dev --dags dags",
      compile: "assetflow compile dags --check",
      test: "vitest run",
      typecheck: "tsc",
    },
    dependencies: { assetflow: `^${own.version}`, zod: pin("zod") },
    devDependencies: {
      "@types/node": pin("@types/node"),
      typescript: pin("typescript"),
      // Vitest 5 needs Node 22; any Vite it brings (7 or 8) works with assetflow/vitest.
      vitest: pin("vitest"),
    },
    // The two dependencies whose install scripts must run (a native SQLite driver, esbuild's binary).
    allowScripts: own.allowScripts,
  };
}

/** A valid npm package name from a folder name. */
function packageName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._-]+/, "")
    .slice(0, 214);
  if (name === "") {
    throw new CliError(
      CliErrorCode.invalidOption,
      `"${raw}" cannot be made an npm package name: pass one with --name my-pipelines.`,
    );
  }
  return name;
}

/** The root of the installed assetflow package (where its package.json and templates are). */
function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, "package.json");
    if (
      existsSync(candidate) &&
      (JSON.parse(readFileSync(candidate, "utf8")) as { name?: string }).name === "assetflow"
    )
      return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error("assetflow init cannot find the package.json of assetflow above its code");
    folder = parent;
  }
}

function listFiles(folder: string, prefix = ""): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(folder, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}
