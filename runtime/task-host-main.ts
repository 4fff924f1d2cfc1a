/**
 * A task host: a child process of a worker pool. It loads DAG files and runs
 * one task at a time with `runTask` (the others it was sent wait their turn), writing the try's log itself (to its
 * segment of the run's log folder: see task-log-segments.ts) and
 * reading past events through its parent.
 * If a task kills or hangs this process, only this process dies.
 */
import { join } from "node:path";
import type { AssetEventReader } from "../scheduler/contracts.js";
import { serializeDags } from "../sdk/index.js";
import { createTextMasker } from "../sdk/masking.js";
import { DagFileLoader } from "./dag-files.js";
import { RuntimeErrorCode } from "./errors.js";
import { unpackBatch } from "./host-batch.js";
import { killProcessGroup } from "./process-groups.js";
import { runTask } from "./run-task.js";
import { createOperatorServices } from "./services.js";
import type { HostMessage, HostRequest } from "./task-host-protocol.js";
import { TaskLogSegments } from "./task-log-segments.js";
import { type TaskLogWriter, taskLogFailureMessage } from "./task-logs.js";

// The pool passes the home as the argument (tasks never see ASSETFLOW_HOME), then sends "init".
const home = process.argv[2] ?? process.env.ASSETFLOW_HOME ?? ".assetflow";
let connections: Readonly<Record<string, string>> = {};
let mask: (text: string) => string = (text) => text;
const loader = new DagFileLoader(join(home, "bundles"));
let nextReadId = 1;
const pendingReads = new Map<number, (message: Extract<HostRequest, { type: "readResult" }>) => void>();
/** This host's log segments (see task-log-segments.ts). */
const segments = new TaskLogSegments();

/** Process groups of the commands running now (see {@link killProcessGroup}). */
const groups = new Set<number>();
function onProcessGroup(pgid: number, open: boolean): void {
  if (open) groups.add(pgid);
  else groups.delete(pgid);
  send({ type: "processGroup", pgid, open });
}

function send(message: HostMessage): void {
  process.send?.(message);
}

type ReadMessage = Extract<HostMessage, { type: "read" }>;

function read(message: ReadMessage extends infer M ? (M extends ReadMessage ? Omit<M, "id" | "type"> : never) : never) {
  const id = nextReadId++;
  return new Promise<Extract<HostRequest, { type: "readResult" }>>((resolve, reject) => {
    pendingReads.set(id, (result) => (result.error ? reject(new Error(result.error)) : resolve(result)));
    send({ type: "read", id, ...message } as ReadMessage);
  });
}

const reader: AssetEventReader = {
  countEvents: async (subject) => (await read({ op: "count", subject })).count ?? 0,
  listEvents: async (subject, offset, limit) => (await read({ op: "list", subject, offset, limit })).events ?? [],
  resolveRef: async (ref) => (await read({ op: "resolve", ref })).assets ?? [],
};

async function handle(message: Exclude<HostRequest, { type: "batch" | "cancel" }>): Promise<void> {
  if (message.type === "readResult") {
    pendingReads.get(message.id)?.(message);
    pendingReads.delete(message.id);
    return;
  }
  if (message.type === "init") {
    connections = message.connections;
    mask = createTextMasker(message.secrets);
    return;
  }
  if (message.type === "load") {
    const loaded = await loader.load(message.file, message.uriSchemeFiles);
    send({
      type: "loaded",
      id: message.id,
      result: loaded.ok
        ? {
            ok: true,
            file: loaded.file,
            manifest: serializeDags(loaded.dags),
            hash: loaded.hash,
            registersUriSchemes: loaded.registersUriSchemes,
          }
        : { ok: false, file: loaded.file, error: loaded.error },
    });
    return;
  }
  queued.delete(message.id);
  if (cancelled.delete(message.id)) {
    send({ type: "dropped", id: message.id });
    return;
  }
  running = message.id;
  try {
    await runTry(message);
  } finally {
    running = undefined;
  }
}

async function runTry(message: Extract<HostRequest, { type: "run" }>): Promise<void> {
  const startedAt = Date.now();
  let outcome: Awaited<ReturnType<typeof runTask>>;
  const taskId = message.request.key.taskId;
  let log: TaskLogWriter;
  try {
    log = segments.start(message.logFolder, message.request.key);
  } catch (error) {
    // The try cannot have a log (a full disk, a folder that cannot be made): it fails with that cause, unrun.
    const text = taskLogFailureMessage(taskId, error as Error);
    send({
      type: "result",
      id: message.id,
      outcome: { state: "failed", error: { code: RuntimeErrorCode.logWriteFailed, message: text } },
      startedAt,
    });
    return;
  }
  try {
    const write = log.write;
    const maskedLog = (line: string) => write(mask(line));
    // The scheme rules in force when the DAG processor loaded the file apply here too (none: none).
    const dag = await loader.getDag(message.file, message.request.key.dagId, message.request.uriSchemeFiles ?? []);
    const services = createOperatorServices({ log: maskedLog, env: connections, onProcessGroup });
    outcome = await runTask(dag, message.request, { reader, log: maskedLog, services });
  } catch (error) {
    outcome = {
      state: "failed",
      error: { message: (error as Error)?.message ?? String(error), code: "DAG_LOAD_FAILED" },
    };
  } finally {
    log.close();
  }
  // A log that could not be written fails the try with that cause (what the task did is not on record).
  if (log.failure) {
    const text = taskLogFailureMessage(taskId, log.failure);
    outcome = {
      state: "failed",
      error:
        outcome.state === "failed"
          ? { ...outcome.error, message: `${outcome.error.message} (and: ${text})` }
          : { code: RuntimeErrorCode.logWriteFailed, message: text },
    };
  }
  // A failing command's output tail is in the error: it is shown like the log, so it is masked like it.
  if (outcome.state === "failed") {
    const { message: text, stack } = outcome.error;
    outcome = {
      ...outcome,
      error: { ...outcome.error, message: mask(text), ...(stack === undefined ? {} : { stack: mask(stack) }) },
    };
  }
  send({ type: "result", id: message.id, outcome, startedAt });
}

// Tries and loads run one at a time, in the order they arrive (the pool sends
// a few ahead); answers to this host's reads are handled at once.
let work: Promise<void> = Promise.resolve();
let waiting = 0;
/** The runs sent to this host that it has not begun, the ones of them the pool cancelled, and the one it runs. */
const queued = new Set<number>();
const cancelled = new Set<number>();
let running: number | undefined;
process.on("message", (message: HostRequest) => {
  if (message.type === "batch") {
    for (const each of unpackBatch(message)) receive(each);
    return;
  }
  receive(message);
});

function receive(message: Exclude<HostRequest, { type: "batch" }>): void {
  if (message.type === "readResult" || message.type === "init") {
    void handle(message);
    return;
  }
  if (message.type === "cancel") {
    // A try that began cannot be taken back: this host ends with it (the pool replaces it).
    if (message.id === running) endHost(1);
    else if (queued.has(message.id)) cancelled.add(message.id);
    return;
  }
  if (message.type === "run") queued.add(message.id);
  waiting++;
  work = work.then(() => handle(message)).finally(() => waiting--);
}
// The pool is gone (its process was killed): the commands' process groups go too, then this host.
process.on("disconnect", () => endHost(0));

/** Ends this host and the process groups of its commands. */
function endHost(code: number): never {
  for (const pgid of groups) killProcessGroup(pgid);
  process.exit(code);
}
send({ type: "ready" });
