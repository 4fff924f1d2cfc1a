/**
 * Child processes for the multi-process tests: spawn, read their output line
 * by line (JSON lines parsed), wait for a line with a deadline, SIGKILL, and
 * make sure nothing outlives the test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "../../..");

/** A spawned process and what it printed. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Lines printed on stdout (all of them). */
  readonly lines: string[];
  /** stdout lines that parsed as JSON objects. */
  readonly messages: Record<string, unknown>[];
  /** When each of `messages` arrived (epoch ms). */
  readonly messageTimes: number[];
  /** stderr, as received. */
  readonly stderr: string[];
  /** Resolves when the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedYet(): boolean;
  /** Resolves with the first JSON message (already printed or to come) that `match`es; rejects after `timeoutMs` or if the process exits first. */
  waitFor(match: (message: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  /** Writes one line to stdin. */
  send(message: unknown): void;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
}

const live = new Set<Child>();

/** Spawns `node <args>` and tracks it until it exits. */
export function spawnNode(name: string, args: string[], env: NodeJS.ProcessEnv, withStdin = false): Child {
  const child = spawn(process.execPath, args, {
    env,
    stdio: [withStdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const messages: Record<string, unknown>[] = [];
  const messageTimes: number[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{
    match: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }>();
  let exited = false;
  let buffered = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (!line.startsWith("{")) continue;
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      messages.push(message);
      messageTimes.push(Date.now());
      for (const waiter of [...waiters]) {
        if (waiter.match(message)) {
          waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on("exit", (code, signal) => {
      exited = true;
      live.delete(handle);
      resolveExit({ code, signal });
    });
  });
  const handle: Child = {
    name,
    process: child,
    lines,
    messages,
    messageTimes,
    stderr,
    exited: exitedPromise,
    exitedYet: () => exited,
    waitFor(match, timeoutMs) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolveWait, rejectWait) => {
        const waiter = {
          match,
          resolve: (message: Record<string, unknown>) => {
            clearTimeout(timer);
            resolveWait(message);
          },
        };
        const fail = (why: string) => {
          waiters.delete(waiter);
          rejectWait(
            new Error(
              `${name}: ${why}\nlast output: ${lines.slice(-5).join("\n")}\nstderr: ${stderr.join("").slice(-2000)}`,
            ),
          );
        };
        const timer = setTimeout(() => fail(`no matching message within ${timeoutMs} ms`), timeoutMs);
        waiters.add(waiter);
        void exitedPromise.then((exit) => {
          if (waiters.has(waiter)) {
            clearTimeout(timer);
            fail(`exited (${exit.signal ?? exit.code}) before the expected message`);
          }
        });
      });
    },
    send(message) {
      child.stdin?.write(`${JSON.stringify(message)}\n`);
    },
    async kill() {
      if (!exited) child.kill("SIGKILL");
      await exitedPromise;
    },
  };
  live.add(handle);
  return handle;
}

/**
 * Starts `assetflow scheduler` on `dagsDir` and one `assetflow worker`
 * (concurrency 1) as child processes, each with its own environment, and
 * waits until both print that they started.
 */
export async function startSchedulerAndWorker(options: {
  main: string;
  dagsDir: string;
  workerId: string;
  env: (role: "scheduler" | "worker") => NodeJS.ProcessEnv;
}): Promise<[scheduler: Child, worker: Child]> {
  const { main, dagsDir, workerId, env } = options;
  const scheduler = spawnNode("scheduler", [main, "scheduler", "--dags", dagsDir, "--json"], env("scheduler"));
  const worker = spawnNode(
    "worker",
    [main, "worker", "--worker-id", workerId, "--concurrency", "1", "--json"],
    env("worker"),
  );
  await Promise.all([scheduler, worker].map((child) => child.waitFor((m) => m.kind === "started", 120_000)));
  return [scheduler, worker];
}

/**
 * Runs every clean-up step even when one fails (a process still writing into a
 * folder being removed, a schema already gone), then throws the first error.
 */
export async function cleanUp(steps: readonly (() => unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}

/** SIGKILLs every child still running (for `afterAll`). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.kill()));
}

/**
 * Bundles a driver `.ts` (its npm imports left external, `assetflow/*` mapped
 * to the sources) into an `.mjs` under node_modules/.cache, where its imports
 * resolve; returns its path and a remover.
 */
export async function bundleDriver(entry: string, label: string): Promise<{ file: string; remove(): void }> {
  const dir = join(root, "node_modules", ".cache", `assetflow-${label}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `driver-${process.pid}-${randomBytes(4).toString("hex")}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
    alias: {
      assetflow: join(root, "sdk/index.ts"),
      "assetflow/runtime": join(root, "runtime/index.ts"),
      "assetflow/scheduler": join(root, "scheduler/index.ts"),
    },
  });
  return { file, remove: () => rmSync(file, { force: true }) };
}
