/**
 * End-to-end support: runs the built `assetflow` command as a user would —
 * `node dist/cli/main.js ...` on a temporary `ASSETFLOW_HOME` — and polls its
 * `--json` output with a deadline. Long-running commands (standalone,
 * scheduler, worker) are started in their own process group so that the
 * whole tree, worker processes included, can be ended afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { poll } from "../../support/poll.js";

/** The repository root. */
export const root = resolve(import.meta.dirname, "../../..");
/** The built CLI. */
export const cliEntry = join(root, "dist/cli/main.js");
/** The example DAGs of the seed. */
export const examplesFolder = join(root, "examples/functional");
/** The end-to-end fixture DAGs. */
export const fixtureDags = join(root, "test/fixtures/e2e/dags");

/** Fails early, with the fix, when the CLI is not built. */
export function requireBuiltCli(): void {
  if (!existsSync(cliEntry)) throw new Error(`${cliEntry} is missing: run \`npm run build\` before the e2e tests.`);
}

/** A temporary folder (a home, a DAG folder copy) removed by `remove()`. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `assetflow-e2e-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Copies the fixture DAGs (or some of them) into `target`. */
export function copyFixtureDags(target: string, files?: readonly string[]): void {
  if (!files) {
    cpSync(fixtureDags, target, { recursive: true });
    return;
  }
  for (const file of files) cpSync(join(fixtureDags, file), join(target, file));
}

/** The environment of a command: the home, the SQLite store in it, plus extras. */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ASSETFLOW_HOME: home, ...extra };
  delete env.ASSETFLOW_DATABASE_URL;
  return env;
}

/** How a command ended. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `assetflow <args>` to completion (killed after `timeoutMs`). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** Runs `assetflow <args> --json`, expects exit code 0, and parses stdout. */
export async function cliJson<T>(args: readonly string[], env: NodeJS.ProcessEnv): Promise<T> {
  const result = await runCli([...args, "--json"], env);
  if (result.code !== 0) {
    throw new Error(`assetflow ${args.join(" ")} --json exited ${result.code}: ${result.stderr || result.stdout}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** A long-running `assetflow` command started with `--json` (one JSON object per stdout line). */
export class Service {
  readonly child: ChildProcess;
  /** Every JSON line printed so far. */
  readonly lines: Array<Record<string, unknown>> = [];
  /** Everything on stderr (warnings, errors). */
  stderr = "";
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [cliEntry, ...args, "--json"], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let buffered = "";
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) {
        if (!line.trim()) continue;
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ kind: "text", line });
        }
      }
    });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolveExit) => {
      this.child.on("exit", (code) => {
        this.exitCode = code;
        resolveExit();
      });
    });
  }

  /** The process id of the command. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True while the command runs. */
  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Waits for a JSON line matching `match` (or fails when the command exits or time runs out). */
  async waitForLine(
    what: string,
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs = 60_000,
  ): Promise<Record<string, unknown>> {
    return poll(
      what,
      async () => {
        const line = this.lines.find(match);
        if (line) return line;
        if (!this.running)
          throw new Error(`the command exited (${this.exitCode}); stderr: ${this.stderr.slice(-2000)}`);
        return undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** Waits until the command printed that it started. */
  started(timeoutMs = 60_000): Promise<Record<string, unknown>> {
    return this.waitForLine("the command to start", (line) => line.kind === "started", timeoutMs);
  }

  /** SIGKILLs the command alone (its worker processes are left to notice). */
  kill(): Promise<void> {
    if (this.running) this.child.kill("SIGKILL");
    return this.exited;
  }

  /**
   * Stops the command with SIGTERM, waits up to `graceMs` for it to exit,
   * then kills what is left of its process group (worker processes included).
   */
  async stop(graceMs = 10_000): Promise<number | null | undefined> {
    if (this.running) {
      this.child.kill("SIGTERM");
      await Promise.race([this.exited, sleep(graceMs)]);
    }
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // The group is gone already.
    }
    await Promise.race([this.exited, sleep(5_000)]);
    return this.exitCode;
  }
}

/** A DAG run as `assetflow runs list --json` prints it. */
export interface RunJson {
  dagId: string;
  runId: string;
  runType: string;
  state: string;
  dataIntervalStart: number | null;
  dataIntervalEnd: number | null;
  conf: Record<string, unknown>;
  consumedEvents: EventJson[];
}

/** An asset event as the CLI prints it. */
export interface EventJson {
  id: number;
  assetName: string;
  assetUri: string;
  extra: Record<string, unknown>;
  timestamp: number;
  sourceDagId: string | null;
  sourceTaskId: string | null;
  sourceRunId: string | null;
  sourceAliases: string[];
  sourceRun: { dagId: string; runId: string; dataIntervalStart: number | null; dataIntervalEnd: number | null } | null;
}

/** A task instance as `assetflow tasks list --json` prints it. */
export interface TaskJson {
  taskId: string;
  state: string;
  tryNumber: number;
  maxTries: number;
  error: { message: string; code?: string } | null;
  result?: unknown;
}

/** A try's log as `assetflow tasks logs --json` prints it. */
export interface LogJson {
  tryNumber: number;
  text: string;
}

/** Final run states. */
export const FINAL_RUN_STATES = new Set(["success", "failed"]);

/** The runs of a DAG, through the CLI. */
export function listRuns(dagId: string, env: NodeJS.ProcessEnv): Promise<RunJson[]> {
  return cliJson<RunJson[]>(["runs", "list", dagId], env);
}

/** Waits until the runs of `dagId` satisfy `done` (which returns what the test needs, or undefined). */
export function waitForRuns<T>(
  dagId: string,
  env: NodeJS.ProcessEnv,
  done: (runs: RunJson[]) => T | undefined,
  timeoutMs = 45_000,
): Promise<T> {
  return poll(`runs of ${dagId}`, async () => done(await listRuns(dagId, env)), { timeoutMs, intervalMs: 500 });
}

/**
 * Waits until a JSON activity line of one of `services` matches (cheap: no
 * command runs while waiting).
 */
export function waitForActivity(
  services: readonly Service[],
  what: string,
  match: (line: Record<string, unknown>) => boolean,
  timeoutMs = 45_000,
): Promise<Record<string, unknown>> {
  return poll(
    what,
    async () => {
      for (const service of services) {
        const line = service.lines.find(match);
        if (line) return line;
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

/**
 * Waits until one run of `dagId` is final and returns it as `runs list --json`
 * shows it. The services' activity lines say when to look, so that the CLI
 * runs once rather than in a busy loop.
 */
export async function waitForRun(
  dagId: string,
  runId: string,
  env: NodeJS.ProcessEnv,
  services: readonly Service[],
  timeoutMs = 45_000,
): Promise<RunJson> {
  await waitForActivity(
    services,
    `run ${runId} of ${dagId} to finish`,
    (line) => line.kind === "run_finished" && line.dagId === dagId && line.runId === runId,
    timeoutMs,
  );
  return waitForRuns(
    dagId,
    env,
    (runs) => runs.find((run) => run.runId === runId && FINAL_RUN_STATES.has(run.state)),
    timeoutMs,
  );
}
