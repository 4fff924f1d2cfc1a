/**
 * A private Redis for the BullMQ side of the peers bench: Debian's
 * `redis-server`, started on a free port with nothing persisted, stopped by
 * its process id. Never the machine's shared Redis, whose keys belong to others.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

/** A running private Redis. */
export interface PrivateRedis {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The `redis-server` on PATH, or null. */
export function findRedisServer(): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "redis-server");
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Starts `redis-server` on a free port (no RDB, no AOF) and resolves once it accepts connections. */
export async function startRedis(binary: string): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    const check = () => {
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${child.exitCode}):\n${output}`));
      } else setTimeout(check, 20);
    };
    check();
  });
  const pid = child.pid as number;
  return {
    port,
    pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGTERM");
      await exited;
    },
  };
}
