/**
 * Messages between a worker pool and its task hosts (child processes that
 * load DAG files and run tasks). Plain JSON over the IPC channel.
 */
import type {
  AssetEventRecord,
  AssetRefSubject,
  EventSubject,
  ResolvedAsset,
  TaskOutcome,
  TaskRunRequest,
} from "../scheduler/contracts.js";
import type { Manifest } from "../sdk/manifest/schema.js";
import type { ImportError } from "./dag-files.js";

/** Parent → host. */
export type HostRequest =
  | {
      /** The first message: the connections tasks may use and the secret values masked in task logs. */
      readonly type: "init";
      readonly connections: Readonly<Record<string, string>>;
      readonly secrets: readonly string[];
    }
  | {
      readonly type: "run";
      readonly id: number;
      readonly file: string;
      readonly request: TaskRunRequest;
      /** The folder of the try's own log file (`taskLogPath`): the host writes the try's lines to its segment there. */
      readonly logFolder: string;
    }
  | {
      readonly type: "load";
      readonly id: number;
      readonly file: string;
      /** The DAG files before `file` whose URI scheme rules apply to it (see `DagFileLoader.load`); absent: the rules as they are. */
      readonly uriSchemeFiles?: readonly string[];
    }
  /**
  /**
   * The pool takes back a run it sent (its claim did not commit): the host
   * answers `dropped` if it had not begun it, and ends itself (its commands'
   * process groups with it) if it is running it.
   */
  | { readonly type: "cancel"; readonly id: number }
  /**
   * Several runs and loads sent together, handled as if sent one by one in
   * this order; a run is sent as a {@link PackedTry} of one of `runs` (see host-batch.ts).
   */
  | {
      readonly type: "batch";
      readonly runs?: readonly SharedRun[];
      readonly messages: readonly (PackedTry | Extract<HostRequest, { type: "load" }>)[];
    }
  | {
      readonly type: "readResult";
      readonly id: number;
      readonly count?: number;
      readonly events?: AssetEventRecord[];
      /** The answer to a `resolve` read. */
      readonly assets?: ResolvedAsset[];
      readonly error?: string;
    };

/** What the tries of one run in a batch share: the fields of their run messages and requests that are not a try's own. */
export interface SharedRun {
  readonly file: string;
  readonly logFolder: string;
  readonly dagId: string;
  readonly runId: string;
  readonly dagFile: TaskRunRequest["dagFile"];
  readonly uriSchemeFiles?: TaskRunRequest["uriSchemeFiles"];
  readonly runType: TaskRunRequest["runType"];
  readonly logicalDate: TaskRunRequest["logicalDate"];
  readonly dataIntervalStart: TaskRunRequest["dataIntervalStart"];
  readonly dataIntervalEnd: TaskRunRequest["dataIntervalEnd"];
  readonly conf: TaskRunRequest["conf"];
  readonly triggeringEvents: TaskRunRequest["triggeringEvents"];
  readonly triggeringAliases: TaskRunRequest["triggeringAliases"];
  readonly triggeringCaptures: TaskRunRequest["triggeringCaptures"];
}

/** A run message in a batch: the try's own fields, and its run's entry in the batch's `runs`. */
export interface PackedTry {
  readonly type: "try";
  readonly id: number;
  /** The index of the try's {@link SharedRun} in the batch. */
  readonly run: number;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly tryNumber: number;
  readonly upstreamResults: TaskRunRequest["upstreamResults"];
  readonly executionTimeoutMs: TaskRunRequest["executionTimeoutMs"];
}

/** The result of loading one file: its manifest (only its own DAGs) or an import error. */
export type LoadResult =
  | {
      readonly ok: true;
      readonly file: string;
      readonly manifest: Manifest;
      readonly hash: string;
      /** True when loading the file registered URI scheme rules (`registerUriScheme`). */
      readonly registersUriSchemes: boolean;
    }
  | { readonly ok: false; readonly file: string; readonly error: ImportError };

/** Host → parent. */
export type HostMessage =
  | { readonly type: "ready" }
  /** A command of a task started (`open`) or ended in its own process group: the pool kills the open ones with the host. */
  | { readonly type: "processGroup"; readonly pgid: number; readonly open: boolean }
  /** A try's outcome; `startedAt`: when this host began it (epoch ms). */
  | { readonly type: "result"; readonly id: number; readonly outcome: TaskOutcome; readonly startedAt?: number }
  /** A run the pool cancelled before this host began it: it never ran. */
  | { readonly type: "dropped"; readonly id: number }
  | { readonly type: "loaded"; readonly id: number; readonly result: LoadResult }
  | {
      readonly type: "read";
      readonly id: number;
      readonly op: "count" | "list";
      readonly subject: EventSubject;
      readonly offset?: number;
      readonly limit?: number;
    }
  /** Which assets an `Asset.ref` inlet names (`AssetEventReader.resolveRef`). */
  | { readonly type: "read"; readonly id: number; readonly op: "resolve"; readonly ref: AssetRefSubject };
