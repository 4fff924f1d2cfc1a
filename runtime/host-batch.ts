/**
 * The batch a worker pool sends a task host in one IPC message: what the
 * tries of one run share (the DAG file, the log folder, the run's dates,
 * conf and triggering events) goes once per run, each try only with its own
 * fields. A claim's tries are mostly of a few runs, and a run request is a
 * few hundred bytes of JSON at least (much more for a run that consumed
 * many events): sent whole, each try's copy was written and parsed again.
 * `packBatch` and `unpackBatch` are each other's inverse.
 */
import type { TaskRunRequest } from "../scheduler/contracts.js";
import type { HostRequest, PackedTry, SharedRun } from "./task-host-protocol.js";

type RunMessage = Extract<HostRequest, { type: "run" }>;
type BatchItem = Extract<HostRequest, { type: "run" | "load" }>;
type Batch = Extract<HostRequest, { type: "batch" }>;

/**
 * The batch of `messages` (runs and loads, in this order), each run's shared
 * fields once. Two tries share an entry only when every shared field is the
 * same (the same value, or the same object: a claim builds one per run).
 *
 * @example
 * ```ts
 * host.send(packBatch([runMessage, otherRunMessage]));
 * ```
 */
export function packBatch(messages: readonly BatchItem[]): Batch {
  const runs: SharedRun[] = [];
  /** The latest shared entry of each run (by DAG and run id). */
  const latest = new Map<string, number>();
  const packed: Array<PackedTry | Extract<HostRequest, { type: "load" }>> = [];
  for (const message of messages) {
    if (message.type !== "run") {
      packed.push(message);
      continue;
    }
    const { request } = message;
    const { key } = request;
    const id = `${key.dagId}\u0000${key.runId}`;
    let index = latest.get(id);
    if (index === undefined || !sameRun(runs[index] as SharedRun, message)) {
      index = runs.length;
      runs.push(sharedRunOf(message));
      latest.set(id, index);
    }
    packed.push({
      type: "try",
      id: message.id,
      run: index,
      taskId: key.taskId,
      mapIndex: key.mapIndex,
      tryNumber: key.tryNumber,
      upstreamResults: request.upstreamResults,
      executionTimeoutMs: request.executionTimeoutMs,
    });
  }
  return { type: "batch", runs, messages: packed };
}

/**
 * The messages of a batch, each try's run request whole again (the tries of
 * one run share its conf and events objects: treat them as read-only).
 */
export function unpackBatch(batch: Batch): BatchItem[] {
  const runs = batch.runs ?? [];
  return batch.messages.map((message): BatchItem => {
    if (message.type !== "try") return message;
    const run = runs[message.run];
    if (run === undefined) throw new Error(`A task host batch names run ${message.run}, which it does not hold.`);
    const request: TaskRunRequest = {
      key: {
        dagId: run.dagId,
        runId: run.runId,
        taskId: message.taskId,
        mapIndex: message.mapIndex,
        tryNumber: message.tryNumber,
      },
      dagFile: run.dagFile,
      ...(run.uriSchemeFiles === undefined ? {} : { uriSchemeFiles: run.uriSchemeFiles }),
      runType: run.runType,
      logicalDate: run.logicalDate,
      dataIntervalStart: run.dataIntervalStart,
      dataIntervalEnd: run.dataIntervalEnd,
      conf: run.conf,
      upstreamResults: message.upstreamResults,
      triggeringEvents: run.triggeringEvents,
      triggeringAliases: run.triggeringAliases,
      triggeringCaptures: run.triggeringCaptures,
      executionTimeoutMs: message.executionTimeoutMs,
    };
    return { type: "run", id: message.id, file: run.file, request, logFolder: run.logFolder };
  });
}

function sharedRunOf({ file, logFolder, request }: RunMessage): SharedRun {
  return {
    file,
    logFolder,
    dagId: request.key.dagId,
    runId: request.key.runId,
    dagFile: request.dagFile,
    ...(request.uriSchemeFiles === undefined ? {} : { uriSchemeFiles: request.uriSchemeFiles }),
    runType: request.runType,
    logicalDate: request.logicalDate,
    dataIntervalStart: request.dataIntervalStart,
    dataIntervalEnd: request.dataIntervalEnd,
    conf: request.conf,
    triggeringEvents: request.triggeringEvents,
    triggeringAliases: request.triggeringAliases,
    triggeringCaptures: request.triggeringCaptures,
  };
}

/** True when `message`'s request has exactly the shared fields of `run` (same values, or the same objects). */
function sameRun(run: SharedRun, { file, logFolder, request }: RunMessage): boolean {
  return (
    run.file === file &&
    run.logFolder === logFolder &&
    run.dagFile === request.dagFile &&
    sameList(run.uriSchemeFiles, request.uriSchemeFiles) &&
    run.runType === request.runType &&
    run.logicalDate === request.logicalDate &&
    run.dataIntervalStart === request.dataIntervalStart &&
    run.dataIntervalEnd === request.dataIntervalEnd &&
    sameObject(run.conf, request.conf) &&
    (run.triggeringEvents === request.triggeringEvents ||
      (run.triggeringEvents.length === 0 && request.triggeringEvents.length === 0)) &&
    sameObject(run.triggeringAliases, request.triggeringAliases) &&
    sameObject(run.triggeringCaptures, request.triggeringCaptures)
  );
}

/** The same object, or two objects without keys. */
function sameObject(a: object, b: object): boolean {
  return a === b || (isEmpty(a) && isEmpty(b));
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return a.every((item, index) => item === b[index]);
}
