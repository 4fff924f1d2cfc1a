/**
 * A warm pool of task hosts (child processes). The pool owns no user code:
 * it hands a try to a free host, enforces the try's `executionTimeout` by
 * killing the host, turns a host that dies mid-task into a failed try, and
 * replaces dead hosts. Hosts also load DAG files for the DAG processor.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AssetEventReader, TaskOutcome, TaskRunRequest } from "../scheduler/contracts.js";
import type { HostMessage, HostRequest, LoadResult } from "./task-host-protocol.js";

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** How many task hosts run at once (default 2). */
  size?: number;
  /** Passed to hosts as ASSETFLOW_HOME (bundles go there). */
  home: string;
  /** Answers hosts' reads of past events. */
  reader: AssetEventReader;
  /** Heap limit of a host in MB (default 1024): a leaking task fails instead of eating the machine. */
  maxOldSpaceMb?: number;
  /** A host is replaced after this many tries (default 500), so slow leaks never pile up. */
  maxTasksPerHost?: number;
  /** The task host script (default: {@link taskHostEntry}). */
  hostEntry?: string;
}

interface Job {
  readonly message: Extract<HostRequest, { type: "run" | "load" }>;
  readonly timeoutMs: number | null;
  readonly onLog: (line: string) => void;
  readonly settle: (result: TaskOutcome | LoadResult) => void;
}

interface Host {
  readonly child: ChildProcess;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  tasksRun: number;
  timedOut: boolean;
}

/** The task host entry: beside this file when built, else the built copy (tests run the sources). */
export function taskHostEntry(): string {
  const sibling = fileURLToPath(new URL("./task-host-main.js", import.meta.url));
  if (existsSync(sibling)) return sibling;
  const built = fileURLToPath(new URL("../dist/runtime/task-host-main.js", import.meta.url));
  if (existsSync(built)) return built;
  throw new Error("The task host is not built: run `npm run build` first.");
}

/**
 * Runs tries in warm child processes.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ size: 2, home: ".assetflow", reader: scheduler.eventReader() });
 * const outcome = await pool.run("dags/etl.ts", request, (line) => console.log(line));
 * await pool.stop();
 * ```
 */
export class WorkerPool {
  private readonly hosts = new Set<Host>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private stopped = false;
  private readonly size: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = Math.max(1, options.size ?? 2);
    for (let index = 0; index < this.size; index++) this.spawn();
  }

  /** How many more tries could start right now. */
  get freeSlots(): number {
    const idle = [...this.hosts].filter((host) => host.job === null).length;
    return Math.max(0, idle - this.queue.length);
  }

  /** The pool's size. */
  get capacity(): number {
    return this.size;
  }

  /** Process ids of the hosts (for tests and the CLI). */
  get pids(): number[] {
    return [...this.hosts].map((host) => host.child.pid ?? 0);
  }

  /** Runs one try of a task from `file` in a host. Never rejects: problems are failed outcomes. */
  run(file: string, request: TaskRunRequest, onLog: (line: string) => void = () => undefined): Promise<TaskOutcome> {
    return new Promise((resolve) => {
      this.enqueue({
        message: { type: "run", id: this.nextId++, file, request },
        timeoutMs: request.executionTimeoutMs,
        onLog,
        settle: (result) => resolve(result as TaskOutcome),
      });
    });
  }

  /** Loads a DAG file in a host and returns its manifest or import error. */
  load(file: string): Promise<LoadResult> {
    return new Promise((resolve) => {
      this.enqueue({
        message: { type: "load", id: this.nextId++, file },
        timeoutMs: 60_000,
        onLog: () => undefined,
        settle: (result) => resolve(result as LoadResult),
      });
    });
  }

  /** Stops every host; queued and running work settles as failed. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.queue.splice(0)) job.settle(failure(job, "the worker pool stopped before the try started"));
    const exits = [...this.hosts].map(
      (host) =>
        new Promise<void>((resolve) => {
          if (host.child.exitCode !== null || host.child.signalCode !== null) return resolve();
          host.child.once("exit", () => resolve());
          host.child.kill("SIGKILL");
        }),
    );
    await Promise.all(exits);
  }

  private enqueue(job: Job): void {
    if (this.stopped) {
      job.settle(failure(job, "the worker pool is stopped"));
      return;
    }
    this.queue.push(job);
    this.dispatch();
  }

  private dispatch(): void {
    for (const host of this.hosts) {
      if (this.queue.length === 0) return;
      if (!host.ready || host.job) continue;
      const job = this.queue.shift() as Job;
      host.job = job;
      host.timedOut = false;
      if (job.timeoutMs !== null) {
        host.timer = setTimeout(() => {
          host.timedOut = true;
          host.child.kill("SIGKILL");
        }, job.timeoutMs);
      }
      host.child.send(job.message);
    }
  }

  private spawn(): void {
    const child = fork(this.options.hostEntry ?? taskHostEntry(), [], {
      env: { ...process.env, ASSETFLOW_HOME: this.options.home },
      execArgv: [`--max-old-space-size=${this.options.maxOldSpaceMb ?? 1024}`, "--enable-source-maps"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const host: Host = { child, ready: false, job: null, timer: null, tasksRun: 0, timedOut: false };
    this.hosts.add(host);
    child.on("message", (message: HostMessage) => this.onMessage(host, message));
    child.on("exit", (code, signal) => this.onExit(host, code, signal));
    child.on("error", () => undefined);
  }

  private onMessage(host: Host, message: HostMessage): void {
    switch (message.type) {
      case "ready":
        host.ready = true;
        this.dispatch();
        return;
      case "log":
        host.job?.onLog(message.line);
        return;
      case "read":
        void this.answerRead(host, message);
        return;
      case "result":
      case "loaded": {
        const job = host.job;
        if (!job || job.message.id !== message.id) return;
        this.finish(host);
        job.settle(message.type === "result" ? message.outcome : message.result);
        host.tasksRun++;
        if (host.tasksRun >= (this.options.maxTasksPerHost ?? 500)) host.child.kill("SIGTERM");
        else this.dispatch();
        return;
      }
    }
  }

  private async answerRead(host: Host, message: Extract<HostMessage, { type: "read" }>): Promise<void> {
    let reply: HostRequest;
    try {
      reply =
        message.op === "count"
          ? { type: "readResult", id: message.id, count: await this.options.reader.countEvents(message.subject) }
          : {
              type: "readResult",
              id: message.id,
              events: await this.options.reader.listEvents(message.subject, message.offset ?? 0, message.limit ?? 100),
            };
    } catch (error) {
      reply = { type: "readResult", id: message.id, error: (error as Error).message };
    }
    if (host.child.connected) host.child.send(reply);
  }

  private onExit(host: Host, code: number | null, signal: NodeJS.Signals | null): void {
    const job = host.job;
    this.finish(host);
    this.hosts.delete(host);
    if (job) {
      const reason = host.timedOut
        ? `timed out after ${job.timeoutMs} ms (executionTimeout); the worker process running it was killed`
        : `failed: the worker process running it exited (${signal ? `signal ${signal}` : `exit code ${code}`}) before the task finished`;
      job.settle(failure(job, reason));
    }
    if (!this.stopped) {
      this.spawn();
      this.dispatch();
    }
  }

  private finish(host: Host): void {
    if (host.timer) clearTimeout(host.timer);
    host.timer = null;
    host.job = null;
  }
}

function failure(job: Job, reason: string): TaskOutcome | LoadResult {
  if (job.message.type === "load") {
    return {
      ok: false,
      file: job.message.file,
      error: { file: job.message.file, message: reason, line: null, column: null },
    };
  }
  const code = reason.startsWith("timed out") ? "TASK_TIMEOUT" : "WORKER_EXITED";
  return { state: "failed", error: { code, message: `Task "${job.message.request.key.taskId}" ${reason}.` } };
}
