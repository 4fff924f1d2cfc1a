/**
 * `assetflow dev`: standalone for local development. It reloads DAGs when any
 * source file of the project changes (the DAG folder and the modules it
 * imports), prints the URL and API token in a box at the end of its start-up
 * (and again on `t` + Enter, or with `assetflow token`), prints one
 * timestamped line per run and per failure (`--verbose`: per try as well), and
 * keeps a token that stays the same from one start to the next.
 */
import { existsSync, type FSWatcher, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { extname, join, relative, resolve, sep } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { DagFileResult } from "../../scheduler/contracts.js";
import { stableStringify } from "../../sdk/json.js";
import { homePaths } from "../open.js";
import { CliError, CliErrorCode, createPrinter, stopSignal } from "./common.js";
import { countDags, type StandaloneOptions, startStandalone } from "./standalone.js";

/** Options of `assetflow dev`. */
export interface DevOptions extends Omit<StandaloneOptions, "triggerProducers"> {
  verbose?: boolean;
}

/** What a running `assetflow dev` records in its home, for `assetflow token`. */
export interface DevState {
  readonly pid: number;
  readonly api: string;
  readonly view: string;
  readonly startedAt: string;
}

/** The file of {@link DevState} under `$ASSETFLOW_HOME`. */
export const DEV_STATE_FILE = "dev.json";

/** Files whose change reloads the DAGs: sources DAG files may import. */
const SOURCE_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"]);
/** Folders never watched: dependencies, state, build output, version control. */
const IGNORED_FOLDERS = new Set(["node_modules", ".assetflow", ".git", "dist", "coverage"]);

/** Registers `assetflow dev` and `assetflow token`. */
export function registerDev(program: Command): void {
  program
    .command("dev")
    .description(
      "Run everything for local development (standalone on SQLite): reloads DAGs when project files change, shows the URL and API token at the end of start-up",
    )
    .option("--dags <dir>", "folder (or file) of DAG files", "dags")
    .option("--workers <n>", "number of worker processes", "2")
    .option("--grace <seconds>", "on SIGTERM, how long running tries may finish before they are killed", "10")
    .option("--port <n>", "port of the REST API and the web UI (0: any free port)", "8080")
    .option("--host <host>", "address the API listens on", "127.0.0.1")
    .option("--verbose", "print every try (by default: runs, failures and reloads only)")
    .option("--json", "print activity as JSON lines")
    .action(async (options: DevOptions) => {
      await runDev(options);
    });

  program
    .command("token")
    .description("Print the URL of the web UI and the API token of `assetflow dev` (of this $ASSETFLOW_HOME)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const shown = await readDevAccess();
      if (options.json) process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      else process.stdout.write(`${devBox(shown)}\n`);
    });
}

/** Runs `assetflow dev` until SIGINT/SIGTERM. */
export async function runDev(options: DevOptions): Promise<void> {
  const paths = homePaths();
  // Loaded here, not at start-up, so that short commands stay fast.
  const { resolveDevToken } = await import("../../server/auth.js");
  const devToken = resolveDevToken({ home: paths.home });
  const print = createPrinter(options.json);
  const files = new DagFileLines(process.cwd());
  const standalone = await startStandalone(
    { ...options, ...(devToken ? { apiToken: devToken.token } : {}) },
    {
      onDagFile: (result) => {
        const line = files.describe(result);
        if (line !== null) print(line, { kind: result.ok ? "dag_file" : "import_error", ...summarize(result) });
      },
      onActivity: (line, activity) => {
        const perTry =
          activity.kind === "task_finished" && (activity.state === "success" || activity.state === "skipped");
        if (!perTry || options.verbose) print(line, { ...activity });
      },
    },
  );
  files.startupDone();
  const { api, scheduler, pool, results, dagsFolder } = standalone;
  const access: DevAccess = {
    running: true,
    view: api.viewUrl,
    api: api.apiUrl,
    token: api.token,
    tokenSource: api.tokenSource === "env" ? "env" : "dev",
  };
  const state: DevState = { pid: process.pid, api: api.apiUrl, view: api.viewUrl, startedAt: new Date().toISOString() };
  writeFileSync(join(paths.home, DEV_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });

  const watchers = watchSources([process.cwd(), dagsFolder], () => {
    void standalone.processor.processAll().catch((error: unknown) => {
      print(`reload failed: ${(error as Error).message}`, { kind: "reload_failed", message: (error as Error).message });
    });
  });
  print(
    `assetflow dev\n  store    ${scheduler.store.location}\n  dags     ${relative(process.cwd(), dagsFolder) || dagsFolder} (${countDags(results)} DAGs, ${results.filter((r) => !r.ok).length} import errors; reloading on change)\n  workers  ${pool.capacity} processes`,
    {
      kind: "started",
      store: scheduler.store.location,
      dags: dagsFolder,
      dagCount: countDags(results),
      workers: pool.capacity,
      pid: process.pid,
      pids: pool.pids,
      ...access,
    },
  );
  if (!options.json) process.stdout.write(`${devBox(access)}\n`);
  const keys = listenForKeys(() => process.stdout.write(`${devBox(access)}\n`));

  await stopSignal();
  keys?.close();
  for (const watcher of watchers) watcher.close();
  print("stopping", { kind: "stopping", running: standalone.executor.activeCount });
  rmSync(join(paths.home, DEV_STATE_FILE), { force: true });
  await standalone.stop();
}

/** The URL and token `assetflow dev` serves with, as its box and `assetflow token` show them. */
export interface DevAccess {
  /** False when no `assetflow dev` runs on this home now (the token is still the one it will use). */
  readonly running: boolean;
  readonly view: string | null;
  readonly api: string | null;
  readonly token: string | null;
  readonly tokenSource: "env" | "dev";
}

/**
 * What `assetflow token` shows: the token of `assetflow dev` for this home,
 * and the URLs of the one running now (if any).
 */
export async function readDevAccess(env: NodeJS.ProcessEnv = process.env): Promise<DevAccess> {
  const { API_TOKEN_FILE, DEV_TOKEN_FILE } = await import("../../server/auth.js");
  const paths = homePaths(env);
  const fromEnv = env.ASSETFLOW_API_TOKEN;
  let token: string | null = fromEnv !== undefined && fromEnv !== "" ? fromEnv : null;
  if (token === null) {
    const file = join(paths.home, DEV_TOKEN_FILE);
    if (existsSync(file)) token = readFileSync(file, "utf8").trim();
  }
  if (token === null) {
    throw new CliError(
      CliErrorCode.invalidOption,
      `There is no dev token in ${paths.home}: \`assetflow dev\` creates one at its first start. (A home used by \`assetflow standalone\` or \`api-server\` keeps only the hash of its token, printed once at its first start: delete ${join(paths.home, API_TOKEN_FILE)} for a new one, or set ASSETFLOW_API_TOKEN.)`,
    );
  }
  const state = readDevState(paths.home);
  return {
    running: state !== null,
    view: state?.view ?? null,
    api: state?.api ?? null,
    token,
    tokenSource: fromEnv !== undefined && fromEnv !== "" ? "env" : "dev",
  };
}

/** The state file of a live `assetflow dev` on this home, or null (none, or its process is gone). */
function readDevState(home: string): DevState | null {
  const file = join(home, DEV_STATE_FILE);
  if (!existsSync(file)) return null;
  try {
    const state = JSON.parse(readFileSync(file, "utf8")) as DevState;
    process.kill(state.pid, 0);
    return state;
  } catch {
    return null;
  }
}

/**
 * The box with the URL and the token: the last thing `assetflow dev` prints
 * when it starts, and what `t` + Enter and `assetflow token` print again.
 *
 * @example
 * ```ts
 * devBox({ running: true, view: "http://127.0.0.1:8080/ui/#token=abc", api: "http://127.0.0.1:8080/api/v1", token: "abc", tokenSource: "dev" });
 * ```
 */
export function devBox(access: DevAccess): string {
  const lines = [
    access.running ? "assetflow dev is running" : "assetflow dev is not running (start it with `assetflow dev`)",
    "",
    ...(access.view ? [`Web UI     ${access.view}`] : []),
    ...(access.api ? [`REST API   ${access.api}`] : []),
    `API token  ${access.token ?? "-"}${access.tokenSource === "env" ? " (ASSETFLOW_API_TOKEN)" : ""}`,
    ...(access.api && access.token
      ? [`           curl -H "Authorization: Bearer ${access.token}" ${access.api}/dags`]
      : []),
    "",
    access.running
      ? "t + Enter (or `assetflow token`) shows this again; Ctrl-C stops."
      : "`assetflow token` shows this.",
  ];
  const width = Math.max(...lines.map((line) => line.length));
  return [
    `┌${"─".repeat(width + 2)}┐`,
    ...lines.map((line) => `│ ${line.padEnd(width)} │`),
    `└${"─".repeat(width + 2)}┘`,
  ].join("\n");
}

/**
 * The line to print for a loaded DAG file, or null when nothing changed since
 * the last time it was loaded (a reload of every file prints only the files
 * whose DAGs, or whose import error, changed).
 */
export class DagFileLines {
  private readonly seen = new Map<string, string>();
  private started = false;

  constructor(private readonly cwd: string) {}

  /** Marks the end of the first load: later lines say "reloaded". */
  startupDone(): void {
    this.started = true;
  }

  describe(result: DagFileResult): string | null {
    const signature = result.ok
      ? `${result.hash ?? ""} ${stableStringify(result.manifest, 0)}`
      : `error ${result.error.message}`;
    if (this.seen.get(result.file) === signature) return null;
    this.seen.set(result.file, signature);
    const file = relative(this.cwd, result.file) || result.file;
    if (!result.ok) return `import error ${file}: ${result.error.message}`;
    const dags = result.manifest.dags.map((dag) => dag.dagId).join(", ") || "(no DAGs)";
    return `${this.started ? "reloaded  " : "dag file  "} ${file}: ${dags}`;
  }
}

function summarize(result: DagFileResult): Record<string, unknown> {
  return result.ok
    ? { file: result.file, dags: result.manifest.dags.map((dag) => dag.dagId) }
    : { file: result.file, ...result.error };
}

/**
 * Watches folders (recursively, without dependencies and state) and calls
 * `onChange` once per burst of changes to source files.
 */
function watchSources(folders: readonly string[], onChange: () => void): FSWatcher[] {
  const roots = [...new Set(folders.map((folder) => resolve(folder)))].filter(
    (folder, _index, all) =>
      existsSync(folder) && !all.some((other) => other !== folder && folder.startsWith(other + sep)),
  );
  let timer: NodeJS.Timeout | undefined;
  return roots.map((root) =>
    watch(root, { recursive: true }, (_event, name) => {
      if (!name) return;
      const parts = name.split(sep);
      if (parts.some((part) => IGNORED_FOLDERS.has(part) || (part.startsWith(".") && part.length > 1))) return;
      if (!SOURCE_EXTENSIONS.has(extname(name))) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, 150);
    }),
  );
}

/** On a terminal, `t` + Enter calls `onToken`. */
function listenForKeys(onToken: () => void): { close(): void } | null {
  if (!process.stdin.isTTY) return null;
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim().toLowerCase() === "t") onToken();
  });
  return { close: () => lines.close() };
}
