/**
 * Issue 11: disk full is a failed try (or a failed request), not a dead
 * process. A real full file system: a small tmpfs (this needs root, as the
 * CI's container runs), filled to its last byte by a filler file.
 *
 * - Logs on a full disk: `assetflow standalone` with its logs folder on the
 *   tmpfs. A try whose log cannot be written fails with `ENOSPC` in its error,
 *   the process lives, and once the filler is removed the next run succeeds.
 * - The store on a full disk: the whole home (SQLite store and its WAL) on the
 *   tmpfs. Events POSTed through the API answer `201`/`200` or `507` with code
 *   `STORE_FULL` (never a 500, never a stack trace); the process lives; a key
 *   answered `507` had recorded nothing (after space is freed the same key
 *   records a new event, once); a new event then triggers its consumer, whose
 *   run succeeds.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import { cliEnv, cliJson, requireBuiltCli, Service, tempDir } from "../e2e/support.js";

const TOKEN = "disk-full-test-token";
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Mounts a tmpfs of `size` on `dir` (root only: the error says so). */
function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    throw new Error(
      `This test needs a real full file system: it mounts a tmpfs, which needs root (uid ${process.getuid?.()}): ${(error as Error).message}`,
    );
  }
  cleanups.push(() => {
    execFileSync("umount", ["-l", dir]);
  });
}

/** Writes a filler file into `dir` until the file system says ENOSPC; returns its path. */
function fillUp(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) {
      try {
        if (writeSync(fd, chunk) < chunk.length) continue;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
        throw error;
      }
    }
    // The last partial blocks: one byte at a time until nothing fits.
    const byte = Buffer.alloc(1, 1);
    for (;;) {
      try {
        writeSync(fd, byte);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
        throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Starts `assetflow standalone` over `home` with one DAG file; returns it and its API address. */
async function startStandalone(home: string, source: string) {
  requireBuiltCli();
  const dags = tempDir("disk-full-dags");
  cleanups.push(() => dags.remove());
  const dagFile = join(dags.path, "disk.ts");
  execFileSync("sh", ["-c", 'cat > "$0"', dagFile], { input: source });
  const env = cliEnv(home, { ASSETFLOW_API_TOKEN: TOKEN });
  const standalone = new Service(
    ["standalone", "--dags", dags.path, "--workers", "1", "--port", "0", "--grace", "0"],
    env,
  );
  cleanups.push(async () => {
    await standalone.stop();
  });
  const started = await standalone.started();
  const api = (started.api as { api: string }).api;
  return { standalone, env, api };
}

async function health(api: string): Promise<number> {
  return (await fetch(`${api.replace(/\/api\/v1$/, "")}/health`)).status;
}

interface TaskJson {
  state: string;
  error: { message: string; code?: string } | null;
}

async function taskOf(env: NodeJS.ProcessEnv, dagId: string, runId: string): Promise<TaskJson | undefined> {
  const [task] = await cliJson<TaskJson[]>(["tasks", "list", dagId, runId], env);
  return task;
}

describe("a full disk", () => {
  it("fails a try whose log cannot be written with ENOSPC; the process lives; the next run succeeds", async () => {
    const home = tempDir("disk-full-logs");
    cleanups.push(() => home.remove());
    const logs = join(home.path, "logs");
    mountTmpfs(logs, "256k");
    const { standalone, env, api } = await startStandalone(
      home.path,
      `import { BashOperator, dag } from "assetflow";

export const logged = dag({ dagId: "logged", schedule: null }, () => {
  new BashOperator({ taskId: "says", bashCommand: "echo hello from the task" });
});
`,
    );
    const filler = fillUp(logs);

    const first = await cliJson<{ runId: string }>(["dags", "trigger", "logged"], env);
    const failed = await poll(
      "the try on a full disk to fail",
      async () => {
        const task = await taskOf(env, "logged", first.runId);
        return task?.state === "failed" ? task : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(failed.error?.code).toBe("TASK_LOG_WRITE_FAILED");
    expect(failed.error?.message).toMatch(/could not write its log: ENOSPC: no space left on device/);
    expect(standalone.running).toBe(true);
    expect(await health(api)).toBe(200);

    rmSync(filler);
    const second = await cliJson<{ runId: string }>(["dags", "trigger", "logged"], env);
    await poll(
      "the try after space was freed to succeed",
      async () => ((await taskOf(env, "logged", second.runId))?.state === "success" ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const log = await cliJson<Array<{ text: string }>>(["tasks", "logs", "logged", second.runId, "says"], env);
    expect(log.map((entry) => entry.text).join("")).toContain("hello from the task");
    expect(standalone.running).toBe(true);
    expect(standalone.stderr).not.toMatch(/Unhandled|uncaught/i);
  }, 180_000);

  it("answers 507 STORE_FULL to events the store cannot hold; the process lives; space freed, events record and trigger", async () => {
    const home = tempDir("disk-full-store");
    cleanups.push(() => home.remove());
    mountTmpfs(home.path, "48m");
    const { standalone, api } = await startStandalone(
      home.path,
      `import { Asset, BashOperator, dag } from "assetflow";

export const incoming = new Asset("s3://disk/incoming");

export const consumer = dag({ dagId: "consumer", schedule: [incoming] }, () => {
  new BashOperator({ taskId: "reads", bashCommand: "echo consumed" });
});
`,
    );
    const post = (key: string, extra: Record<string, unknown>) =>
      fetch(`${api}/assets/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ uri: "s3://disk/incoming", extra }),
      });
    const filler = fillUp(home.path);

    // Events with large extras until the store has no room (the WAL has some left at first).
    const padding = "p".repeat(200_000);
    const refused: string[] = [];
    const answers: number[] = [];
    for (let index = 0; index < 300 && refused.length < 3; index++) {
      const key = `full-${index}`;
      const response = await post(key, { index, padding });
      answers.push(response.status);
      const body = (await response.json()) as Record<string, unknown>;
      if (response.status === 507) {
        expect(body).toMatchObject({ status: 507, code: "STORE_FULL" });
        expect(String(body.detail)).toMatch(/^The store is full \(SQLITE_FULL: database or disk is full\)/);
        expect(String(body.detail)).not.toMatch(/\n\s+at |node_modules/);
        refused.push(key);
      }
    }
    expect(answers.filter((status) => status !== 201 && status !== 507)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    expect(standalone.running).toBe(true);
    expect(await health(api)).toBe(200);

    rmSync(filler);
    // A refused key recorded nothing: now it records a new event (201), and a retry replays it (200).
    const retried = await post(refused[0] as string, { retried: true });
    expect(retried.status).toBe(201);
    const retriedEvent = (await retried.json()) as { assetEvent: { id: number } };
    const again = await post(refused[0] as string, { retried: true });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { assetEvent: { id: number } }).assetEvent.id).toBe(retriedEvent.assetEvent.id);

    // Work continues: the consumer runs on the new event and succeeds.
    await poll(
      "a consumer run that succeeds after space was freed",
      async () => {
        const response = await fetch(`${api}/dags/consumer/dagRuns?limit=1000`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const page = (await response.json()) as { dagRuns: Array<{ state: string }> };
        return page.dagRuns.some((run) => run.state === "success") ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(standalone.running).toBe(true);
    expect(standalone.stderr).not.toMatch(/Unhandled|uncaught|cannot rollback/i);
  }, 240_000);
});
