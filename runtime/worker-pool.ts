/**
 * A warm pool of task hosts (child processes). The pool owns no user code:
 * it hands a try to a free host, enforces the try's `executionTimeout` by
 * killing the host, turns a host that dies mid-task into a failed try, and
 * replaces dead hosts. Hosts also load DAG files for the DAG processor.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { AssetEventReader, TaskOutcome, TaskRunRequest } from "../scheduler/contracts.js";
import { secretValuesOf } from "../sdk/masking.js";
import { packBatch } from "./host-batch.js";
import { killProcessGroup } from "./process-groups.js";
import { splitTaskEnvironment } from "./task-environment.js";
import type { HostMessage, HostRequest, LoadResult } from "./task-host-protocol.js";

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** How many task hosts run at once (default 2). */
  size?: number;
  /** The home hosts put bundles in (passed as their argument: tasks never see ASSETFLOW_HOME). */
  home: string;
  /** Answers hosts' reads of past events. */
  reader: AssetEventReader;
  /** Heap limit of a host in MB (default 1024): a leaking task fails instead of eating the machine. */
  maxOldSpaceMb?: number;
  /**
   * A host is replaced after this many tries (default {@link DEFAULT_MAX_TASKS_PER_HOST}), so slow leaks
   * never pile up. Its replacement starts at once, while it finishes the tries it was sent.
   */
  maxTasksPerHost?: number;
  /** The task host script (default: {@link taskHostEntry}). */
  hostEntry?: string;
  /**
   * Secret values masked in task logs beyond the ones this process's environment holds
   * (`secretValuesOf(process.env)`): the API token a server generated or read, for instance.
   */
  secrets?: readonly string[];
}

/**
 * What running a try in the pool gives: its outcome, or `not_started` when
 * the pool stopped before any host started it (the try never ran, so it
 * should go back to the queue rather than count as a failed try).
 */
export type PoolRunResult = TaskOutcome | { readonly state: "not_started"; readonly reason: string };

interface Job {
  readonly message: Extract<HostRequest, { type: "run" | "load" }>;
  readonly timeoutMs: number | null;
  readonly settle: (result: PoolRunResult | LoadResult) => void;
  /** Told when the host began the job (epoch ms), before it settles. */
  readonly onStarted?: (startedAt: number) => void;
}

interface Host {
  readonly child: ChildProcess;
  ready: boolean;
  /** Jobs sent to the host, in order: the host runs `jobs[0]`, the others wait in its queue. */
  readonly jobs: Job[];
  /** The executionTimeout timer of `jobs[0]`. */
  timer: NodeJS.Timeout | null;
  /** When `jobs[0]` started (performance.now()). */
  startedAt: number;
  /** Jobs ever sent to this host (it is replaced after {@link WorkerPoolOptions.maxTasksPerHost}). */
  sent: number;
  /** Set once the host was sent its last job: its replacement runs already. */
  retiring: boolean;
  timedOut: boolean;
  /** Process groups the host's running commands live in: killed with the host. */
  readonly groups: Set<number>;
}

/**
 * Jobs sent ahead to one host: it starts the next as soon as one finishes,
 * without waiting for this process to answer, and its results arrive in
 * batches when this process is busy. As many as a worker holds per host slot
 * for short tries (`MAX_PREFETCH` in task-executor.ts): the hosts keep running
 * while this process's thread waits for a commit's sync, and the next report
 * carries what they finished meanwhile (fewer, larger commits). Long tries
 * are claimed one per free slot, so they never queue behind each other here.
 */
const HOST_QUEUE_DEPTH = 32;

/** Tries a host runs before it is replaced, unless {@link WorkerPoolOptions.maxTasksPerHost} says otherwise. */
export const DEFAULT_MAX_TASKS_PER_HOST = 5000;

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
 * const outcome = await pool.run("dags/etl.ts", request, taskLogPath(logDir, request.key));
 * await pool.stop();
 * ```
 */
export class WorkerPool {
  private readonly hosts = new Set<Host>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private averageTryMs = Number.POSITIVE_INFINITY;
  private stopped = false;
  /** A dispatch is scheduled for the end of this turn (see {@link enqueue}). */
  private dispatchPending = false;
  private readonly size: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = Math.max(1, options.size ?? 2);
    for (let index = 0; index < this.size; index++) this.spawn();
  }

  /** The pool's size. */
  get capacity(): number {
    return this.size;
  }

  /**
   * How long recent tries took in their hosts, ms (a moving average; Infinity
   * before the first): a worker claims ahead only while tries are short.
   */
  get recentTryMs(): number {
    return this.averageTryMs;
  }

  /** Process ids of the hosts (for tests and the CLI). */
  get pids(): number[] {
    return [...this.hosts].map((host) => host.child.pid ?? 0);
  }

  /**
   * Runs one try of a task from `file` in a host, which writes the try's log to
   * `logFile`. Never rejects: problems are failed outcomes. `cancel` takes the
   * try back (see {@link cancel}).
   */
  run(
    file: string,
    request: TaskRunRequest,
    logFile: string,
    onStarted?: (startedAt: number) => void,
    cancel?: AbortSignal,
  ): Promise<PoolRunResult> {
    return new Promise((resolve) => this.runThen(file, request, logFile, resolve, onStarted, cancel));
  }

  /**
   * {@link run} with a callback instead of a promise (a worker runs many short
   * tries: no promise per try). `onResult` is called once, possibly before
   * this returns (a stopped pool).
   */
  runThen(
    file: string,
    request: TaskRunRequest,
    logFile: string,
    onResult: (result: PoolRunResult) => void,
    onStarted?: (startedAt: number) => void,
    cancel?: AbortSignal,
  ): void {
    const job: Job = {
      message: { type: "run", id: this.nextId++, file, request, logFolder: dirname(logFile) },
      timeoutMs: request.executionTimeoutMs,
      settle: cancel
        ? (result) => {
            cancel.removeEventListener("abort", onCancel);
            onResult(result as PoolRunResult);
          }
        : (onResult as (result: PoolRunResult | LoadResult) => void),
      ...(onStarted === undefined ? {} : { onStarted }),
    };
    const onCancel = () => this.cancel(job);
    cancel?.addEventListener("abort", onCancel, { once: true });
    this.enqueue(job);
  }

  /**
   * Takes back a try sent with {@link run}: one no host has yet settles
   * `not_started` at once; a host that has it drops it if it has not begun it
   * (`not_started` too), and ends if it runs it (a failed outcome, as any host
   * that dies mid-try; its other tries run in another host).
   */
  private cancel(job: Job): void {
    const index = this.queue.indexOf(job);
    if (index >= 0) {
      this.queue.splice(index, 1);
      job.settle(notStarted(job, "the try was cancelled before it started"));
      return;
    }
    for (const host of this.hosts) {
      if (host.jobs.includes(job) && host.child.connected) host.child.send({ type: "cancel", id: job.message.id });
    }
  }

  /**
   * Loads a DAG file in a host and returns its manifest or import error.
   * `uriSchemeFiles`: the DAG files before it whose URI scheme rules apply to
   * it, loaded first (see `DagFileLoader.load`).
   */
  load(file: string, uriSchemeFiles?: readonly string[]): Promise<LoadResult> {
    return new Promise((resolve) => {
      this.enqueue({
        message: {
          type: "load",
          id: this.nextId++,
          file,
          ...(uriSchemeFiles === undefined ? {} : { uriSchemeFiles }),
        },
        timeoutMs: 60_000,
        settle: (result) => resolve(result as LoadResult),
      });
    });
  }

  /** Stops every host: running tries settle as failed, tries no host started as `not_started`. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.queue.splice(0))
      job.settle(notStarted(job, "the worker pool stopped before the try started"));
    const exits = [...this.hosts].map(
      (host) =>
        new Promise<void>((resolve) => {
          if (host.child.exitCode !== null || host.child.signalCode !== null) return resolve();
          host.child.once("exit", () => resolve());
          killHostTree(host);
        }),
    );
    await Promise.all(exits);
  }

  private enqueue(job: Job): void {
    if (this.stopped) {
      job.settle(notStarted(job, "the worker pool is stopped"));
      return;
    }
    this.queue.push(job);
    // Jobs enqueued in one turn (a worker launching the tries of a claim) are dispatched together.
    if (this.dispatchPending) return;
    this.dispatchPending = true;
    queueMicrotask(() => {
      this.dispatchPending = false;
      this.dispatch();
    });
  }

  /**
   * Sends queued jobs to hosts, each to the least busy host that has room (up
   * to its queue depth): an idle host always gets the next job before one
   * that runs something, so a short try never waits behind a long one while
   * a host sits idle.
   */
  private dispatch(): void {
    const maxTasks = this.options.maxTasksPerHost ?? DEFAULT_MAX_TASKS_PER_HOST;
    // The jobs each host gets now go in one message (one write to its channel, not one per job).
    const outgoing = new Map<Host, Job["message"][]>();
    while (this.queue.length > 0) {
      let host: Host | undefined;
      for (const candidate of this.hosts) {
        if (!candidate.ready || candidate.retiring || candidate.jobs.length >= HOST_QUEUE_DEPTH) continue;
        if (!host || candidate.jobs.length < host.jobs.length) host = candidate;
      }
      if (!host) break;
      const job = this.queue.shift() as Job;
      host.jobs.push(job);
      host.sent++;
      const messages = outgoing.get(host);
      if (messages) messages.push(job.message);
      else outgoing.set(host, [job.message]);
      if (host.jobs.length === 1) this.startTimer(host);
      if (host.sent >= maxTasks) this.retire(host);
    }
    for (const [host, messages] of outgoing) {
      host.child.send(messages.length === 1 ? (messages[0] as Job["message"]) : packBatch(messages));
    }
  }

  private recordTryTime(ms: number): void {
    this.averageTryMs = Number.isFinite(this.averageTryMs) ? this.averageTryMs * 0.8 + ms * 0.2 : ms;
  }

  /** Starts the replacement of a host that was sent its last job; the host stops once that job is done. */
  private retire(host: Host): void {
    host.retiring = true;
    if (!this.stopped) this.spawn();
  }

  /** Enforces the executionTimeout of the job the host runs now by killing the host. */
  private startTimer(host: Host): void {
    const job = host.jobs[0];
    host.timedOut = false;
    host.startedAt = performance.now();
    if (!job || job.timeoutMs === null) return;
    host.timer = setTimeout(() => {
      host.timedOut = true;
      killHostTree(host);
    }, job.timeoutMs);
  }

  private spawn(): void {
    // Tasks get an explicit environment: no assetflow internals; connections and the values to mask travel
    // over the IPC channel, so they are not in the host's environment (nor in /proc/<pid>/environ).
    const { env, connections } = splitTaskEnvironment(process.env);
    const child = fork(this.options.hostEntry ?? taskHostEntry(), [this.options.home], {
      env,
      execArgv: [`--max-old-space-size=${this.options.maxOldSpaceMb ?? 1024}`, "--enable-source-maps"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // A process group of its own, so that everything a task starts is killed with the host.
      detached: true,
    });
    child.send({
      type: "init",
      connections,
      secrets: [...secretValuesOf(process.env), ...(this.options.secrets ?? [])],
    } satisfies HostRequest);
    const host: Host = {
      child,
      ready: false,
      jobs: [],
      timer: null,
      startedAt: 0,
      sent: 0,
      retiring: false,
      timedOut: false,
      groups: new Set(),
    };
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
      case "processGroup":
        if (message.open) host.groups.add(message.pgid);
        else host.groups.delete(message.pgid);
        return;
      case "read":
        void this.answerRead(host, message);
        return;
      case "result":
      case "dropped":
      case "loaded": {
        const job = host.jobs[0];
        if (!job || job.message.id !== message.id) return;
        this.clearTimer(host);
        host.jobs.shift();
        if (message.type === "result") {
          this.recordTryTime(performance.now() - host.startedAt);
          job.onStarted?.(message.startedAt ?? startedAtOf(host));
        }
        job.settle(
          message.type === "result"
            ? message.outcome
            : message.type === "loaded"
              ? message.result
              : notStarted(job, "the try was cancelled before it started"),
        );
        // The host starts its next queued job now.
        if (host.jobs.length > 0) this.startTimer(host);
        else if (host.retiring) host.child.kill("SIGTERM");
        this.dispatch();
        return;
      }
    }
  }

  private async answerRead(host: Host, message: Extract<HostMessage, { type: "read" }>): Promise<void> {
    let reply: HostRequest;
    const { reader } = this.options;
    try {
      reply =
        message.op === "resolve"
          ? { type: "readResult", id: message.id, assets: await reader.resolveRef(message.ref) }
          : message.op === "count"
            ? { type: "readResult", id: message.id, count: await reader.countEvents(message.subject) }
            : {
                type: "readResult",
                id: message.id,
                events: await reader.listEvents(message.subject, message.offset ?? 0, message.limit ?? 100),
              };
    } catch (error) {
      reply = { type: "readResult", id: message.id, error: (error as Error).message };
    }
    if (host.child.connected) host.child.send(reply);
  }

  private onExit(host: Host, code: number | null, signal: NodeJS.Signals | null): void {
    this.clearTimer(host);
    // Whatever the host's tasks started dies with it: its own process group, and its commands' groups.
    killHostTree(host);
    this.hosts.delete(host);
    const [running, ...waiting] = host.jobs.splice(0);
    if (running) {
      running.onStarted?.(startedAtOf(host));
      const reason = host.timedOut
        ? `timed out after ${running.timeoutMs} ms (executionTimeout); the worker process running it was killed`
        : `failed: the worker process running it exited (${signal ? `signal ${signal}` : `exit code ${code}`}) before the task finished`;
      running.settle(failure(running, reason));
    }
    if (this.stopped) {
      for (const job of waiting) job.settle(notStarted(job, "the worker pool stopped before the try started"));
      return;
    }
    // The jobs queued behind the one that ran never started: another host runs them.
    this.queue.unshift(...waiting);
    if (!host.retiring) this.spawn();
    this.dispatch();
  }

  private clearTimer(host: Host): void {
    if (host.timer) clearTimeout(host.timer);
    host.timer = null;
  }
}

/**
 * SIGKILLs a host's process group (the host and any process a task started
 * beside it) and the process groups of its commands (see
 * `runtime/services.ts`).
 */
function killHostTree(host: Host): void {
  const pid = host.child.pid;
  for (const pgid of [...(pid === undefined ? [] : [pid]), ...host.groups]) killProcessGroup(pgid);
  host.groups.clear();
  if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill("SIGKILL");
}

/** When the host began its current job, as epoch ms (the pool times jobs with `performance.now()`). */
function startedAtOf(host: Host): number {
  return Math.round(Date.now() - (performance.now() - host.startedAt));
}

/** The result of a job no host started. */
function notStarted(job: Job, reason: string): PoolRunResult | LoadResult {
  return job.message.type === "load" ? failure(job, reason) : { state: "not_started", reason };
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
