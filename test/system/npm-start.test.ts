/**
 * `npm start` as the README tells users to run it, in a copy of the
 * repository: stopping it by the PID of `npm start` (what a supervisor or
 * `kill <pid>` does) stops the standalone it runs, workers included. The script
 * must `exec` node, or the shell between npm and node dies and leaves
 * standalone running on its port.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { poll } from "../support/poll.js";
import { cliEnv, root, tempDir } from "./e2e/support.js";

const work = tempDir("npm-start");
let npm: ChildProcess | undefined;
const pids: number[] = [];

afterAll(async () => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already, as it should be.
    }
  }
  if (npm?.pid !== undefined) {
    try {
      process.kill(-npm.pid, "SIGKILL");
    } catch {
      // The group is gone.
    }
  }
  work.remove();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A copy of the repository's tracked files, sharing node_modules. */
function copyRepository(target: string): void {
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    mkdirSync(join(target, file, ".."), { recursive: true });
    cpSync(join(root, file), join(target, file));
  }
  symlinkSync(join(root, "node_modules"), join(target, "node_modules"), "dir");
}

describe("npm start", () => {
  it("stops standalone and its workers when npm start's own process is sent SIGTERM", async () => {
    const repo = join(work.path, "repo");
    copyRepository(repo);
    npm = spawn("npm", ["start", "--", "--port", "0", "--json"], {
      cwd: repo,
      env: cliEnv(join(work.path, "home")),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    npm.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    npm.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const npmExited = new Promise<void>((resolve) => npm?.on("exit", () => resolve()));
    const started = await poll(
      "npm start to build and start standalone",
      async () => {
        const line = stdout.split("\n").find((text) => text.includes('"kind":"started"'));
        if (line) return JSON.parse(line) as { pid: number; pids: number[] };
        if (npm?.exitCode !== null) throw new Error(`npm start exited: ${stderr.slice(-2000)}`);
        return undefined;
      },
      { timeoutMs: 240_000, intervalMs: 200 },
    );
    pids.push(started.pid, ...started.pids);
    expect(alive(started.pid)).toBe(true);

    process.kill(npm.pid as number, "SIGTERM");
    await Promise.race([npmExited, sleep(30_000)]);
    await poll(
      "standalone and its task hosts to exit",
      async () => ([started.pid, ...started.pids].some(alive) ? undefined : true),
      { timeoutMs: 30_000 },
    );
    expect([started.pid, ...started.pids].filter(alive)).toEqual([]);
  }, 330_000);
});
