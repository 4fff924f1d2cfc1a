/**
 * DAG manifests written as plain objects, for benches and tests that register
 * DAGs without SDK code: every field a manifest needs, with the SDK's defaults
 * for what the caller leaves out.
 */
import type { DagManifest, TaskManifest } from "../../sdk/manifest/schema.js";

/** A task with no dependencies, retries or timeout, producing `outlets`. */
export function taskManifest(taskId: string, outlets: TaskManifest["outlets"] = []): TaskManifest {
  return {
    taskId,
    operator: "task",
    outlets,
    inlets: [],
    upstream: [],
    retries: 0,
    retryDelayMs: 0,
    executionTimeoutMs: null,
  };
}

/** A DAG of `tasks` on `schedule` (no start date, no catch-up, no tags or params). */
export function dagManifest(
  dagId: string,
  schedule: DagManifest["schedule"],
  tasks: TaskManifest[],
  maxActiveRuns = 16,
): DagManifest {
  return {
    dagId,
    description: null,
    schedule,
    startDate: null,
    catchup: false,
    maxActiveRuns,
    tags: [],
    params: {},
    tasks,
  };
}
