/**
 * How a manifest is assembled, written once for the SDK (`serializeDags`,
 * from loaded DAGs) and the compiler (from DAGs found in source): DAGs by id,
 * tasks by id, upstream ids and tags sorted, values copied, assets and
 * aliases sorted, and the first declaration of an asset or alias wins its
 * `group` and `extra` (callers declare DAGs by id, then tasks by id with
 * outlets before inlets, then the schedule).
 */
import type { DagSettings } from "../definitions.js";
import { cloneJson } from "../json.js";
import {
  type AliasManifest,
  type AssetManifest,
  type DagManifest,
  MANIFEST_SCHEMA_VERSION,
  type Manifest,
  type TaskInletNode,
  type TaskManifest,
} from "./schema.js";

/** The settings a DAG's manifest entry is made of. */
export type DagManifestSettings = Omit<DagSettings, "scheduleAssets">;

/** What a task's manifest entry is made of. */
export interface TaskManifestInput {
  readonly taskId: string;
  readonly operator: string;
  readonly outlets: readonly TaskInletNode[];
  readonly inlets: readonly TaskInletNode[];
  readonly upstream: Iterable<string>;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly executionTimeoutMs: number | null;
}

/**
 * A task's manifest entry (upstream ids sorted).
 *
 * @example
 * ```ts
 * taskManifestOf({ taskId: "t", operator: "task", outlets: [], inlets: [], upstream: ["b", "a"], retries: 0, retryDelayMs: 300_000, executionTimeoutMs: null }).upstream; // ["a", "b"]
 * ```
 */
export function taskManifestOf(task: TaskManifestInput): TaskManifest {
  return {
    taskId: task.taskId,
    operator: task.operator,
    outlets: task.outlets.map(cloneJson),
    inlets: task.inlets.map(cloneJson),
    upstream: sortedCopy([...task.upstream], compare),
    retries: task.retries,
    retryDelayMs: task.retryDelayMs,
    executionTimeoutMs: task.executionTimeoutMs,
  };
}

/**
 * A DAG's manifest entry from its settings and its tasks' entries (tasks by
 * id, tags sorted, values copied).
 *
 * @example
 * ```ts
 * const entry = dagManifestOf(dag.settings, tasks.map(taskManifestOf));
 * ```
 */
export function dagManifestOf(settings: DagManifestSettings, tasks: readonly TaskManifest[]): DagManifest {
  return {
    dagId: settings.dagId,
    description: settings.description,
    schedule: cloneJson(settings.schedule),
    startDate: settings.startDate,
    catchup: settings.catchup,
    ...(settings.consume === undefined ? {} : { consume: cloneJson(settings.consume) }),
    ...(settings.assetCatchup === undefined ? {} : { assetCatchup: cloneJson(settings.assetCatchup) }),
    ...(settings.whilePaused === undefined ? {} : { whilePaused: settings.whilePaused }),
    maxActiveRuns: settings.maxActiveRuns,
    tags: sortedCopy([...settings.tags], compare),
    params: cloneJson(settings.params),
    tasks: sortedCopy([...tasks], byTaskId),
  };
}

/** The assets and aliases of a manifest, the first declaration of each winning. */
export class ManifestDeclarations {
  private readonly assets = new Map<string, AssetManifest>();
  private readonly aliases = new Map<string, AliasManifest>();

  /** Declares an asset by its identity key; `entry` is made only for the first declaration. */
  asset(key: string, entry: () => AssetManifest): void {
    if (!this.assets.has(key)) this.assets.set(key, entry());
  }

  /** Declares an alias. */
  alias(name: string, group: string): void {
    if (!this.aliases.has(name)) this.aliases.set(name, { name, group });
  }

  /**
   * The manifest of these declarations and `dags` (in DAG id order): assets
   * by name then URI, aliases by name, values copied.
   */
  manifest(dags: readonly DagManifest[]): Manifest {
    return {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      assets: [...this.assets.values()]
        .sort((a, b) => compare(a.name, b.name) || compare(a.uri, b.uri))
        .map((asset) => cloneJson(asset)),
      aliases: [...this.aliases.values()].sort((a, b) => compare(a.name, b.name)),
      dags: [...dags],
    };
  }
}

const byTaskId = (a: TaskManifest, b: TaskManifest): number => compare(a.taskId, b.taskId);

/** Sorts a fresh copy in place; lists that come sorted (tasks, most tags) skip `sort` and its scratch space. */
function sortedCopy<T>(copy: T[], order: (a: T, b: T) => number): T[] {
  for (let index = 1; index < copy.length; index++) {
    if (order(copy[index - 1] as T, copy[index] as T) > 0) return copy.sort(order);
  }
  return copy;
}

/** Code-point order, the same on every machine and locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
