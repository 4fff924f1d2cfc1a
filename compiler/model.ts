/**
 * The compiler's model of DAGs and tasks found in source: what the manifest
 * is built from, plus what the lint rules need (source sites, the assets a
 * task adds through aliases at run time).
 */

import type { TaskDefinition } from "../sdk/definitions.js";
import type { DagManifestSettings } from "../sdk/manifest/assemble.js";
import type { DagManifest } from "../sdk/manifest/schema.js";
import type { AliasValue, AssetValue, ConditionValue, InletValue, Location } from "./values.js";

/**
 * A task as found in source: the SDK's task settings ({@link TaskDefinition}),
 * with the compiler's values for its assets in place of the SDK's objects.
 */
export interface TaskModel
  extends Pick<TaskDefinition, "taskId" | "operator" | "retries" | "retryDelayMs" | "executionTimeoutMs"> {
  /** Assets, aliases and `Asset.ref`s (resolved when the task runs). */
  readonly outlets: readonly InletValue[];
  readonly inlets: readonly InletValue[];
  /** Where the task is defined. */
  readonly site: Location;
  /** Assets the task adds through its alias outlets when it runs (`outletEvents.get(alias).add`, `Metadata` with `alias`). */
  addedThroughAliases: readonly AssetValue[];
}

/** DAG settings after validation and defaults: the SDK's (what the manifest is made of), and what the lint rules read. */
export interface DagSettingsModel extends DagManifestSettings {
  /** The assets and aliases the schedule names, as declared (the first declaration wins group and extra). */
  readonly scheduleLeaves: readonly (AssetValue | AliasValue)[];
  /** The schedule's condition, when it has one (for the lint rules). */
  readonly condition: ConditionValue | undefined;
}

/** A DAG as found in source. */
export interface DagModel extends DagSettingsModel {
  /** Unique per DAG definition within one compilation. */
  readonly key: number;
  readonly tasks: Map<string, TaskModel>;
  /** Upstream task ids of the tasks that have some, sorted. */
  readonly upstream: ReadonlyMap<string, readonly string[]>;
  /** Where the DAG is defined. */
  readonly site: Location;
  /** The `schedule` option, or the DAG's options when it has none. */
  readonly scheduleSite: Location;
  /** Its manifest entry, once built (reused while the DAG's module does not change). */
  manifest?: { readonly sources: boolean; readonly manifest: DagManifest };
}
