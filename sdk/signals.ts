import { AssetflowError } from "./errors.js";

/**
 * Throw it from a task to end the try as *skipped*: no asset event is
 * recorded and downstream tasks are skipped too (Airflow's skip exception).
 *
 * @example
 * ```ts
 * task({ taskId: "maybe", outlets: [report] }, () => {
 *   if (isHoliday()) throw new TaskSkipped("no report on holidays");
 * });
 * ```
 */
export class TaskSkipped extends AssetflowError {
  constructor(reason = "skipped by the task") {
    super("TASK_SKIPPED", reason);
  }
}

/** True for a {@link TaskSkipped} from any copy of the package. */
export function isTaskSkipped(value: unknown): value is TaskSkipped {
  return value instanceof AssetflowError
    ? value.code === "TASK_SKIPPED"
    : (value as { code?: unknown })?.code === "TASK_SKIPPED" && (value as { name?: unknown }).name === "TaskSkipped";
}
