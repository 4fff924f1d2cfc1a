/**
 * The peers bench's other processes: the bench's own bundle forked with
 * `--role=<name>`, talking over IPC. {@link forkRole} starts one and waits for
 * its "ready"; {@link RoleProcess.next} takes its next message of a type.
 */
import { type ChildProcess, fork } from "node:child_process";

/** Epoch milliseconds with sub-millisecond precision, comparable between processes of one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

/** A message between the bench and a role process. */
export interface RoleMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A forked role process. */
export interface RoleProcess {
  send(message: RoleMessage): void;
  /** The next message of `type` (messages of other types before it are dropped). */
  next<T extends RoleMessage>(type: string, timeoutMs?: number): Promise<T>;
  /** Disconnects and waits for the process to exit. */
  close(): Promise<void>;
}

/** Forks this bench's bundle as `role` with `--name=value` arguments and waits for its "ready" message. */
export async function forkRole(role: string, args: Record<string, string>): Promise<RoleProcess> {
  const script = process.argv[1] as string;
  const argv = [`--role=${role}`, ...Object.entries(args).map(([key, value]) => `--${key}=${value}`)];
  const child: ChildProcess = fork(script, argv, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const inbox: RoleMessage[] = [];
  let wake: (() => void) | null = null;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      wake?.();
      resolve();
    }),
  );
  child.on("message", (message: RoleMessage) => {
    inbox.push(message);
    wake?.();
  });
  const next = async <T extends RoleMessage>(type: string, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = inbox.findIndex((message) => message.type === type);
      if (index >= 0) return inbox.splice(0, index + 1).at(-1) as T;
      const error = inbox.find((message) => message.type === "error");
      if (error) throw new Error(`${role} process failed: ${String(error.message)}`);
      if (exited) throw new Error(`${role} process exited before sending "${type}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${role} process sent no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  };
  await next("ready", 120_000);
  return {
    send: (message) => child.send(message),
    next,
    close: async () => {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** In a role process: sends a message to the bench. */
export function toBench(message: RoleMessage): void {
  if (process.connected) process.send?.(message);
}

/** In a role process: resolves when the bench disconnects. */
export function benchGone(): Promise<void> {
  return new Promise((resolve) => process.once("disconnect", () => resolve()));
}
