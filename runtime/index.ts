/**
 * assetflow's task runtime: runs one try of a task in-process with its full
 * context (outlet, inlet and triggering asset events, templates, operator
 * services) and reports a plain-data `TaskOutcome`. The worker pool and the
 * in-process test runner build on it.
 *
 * @packageDocumentation
 */
export { DAG_FILE_EXTENSIONS, DagFileLoader, type ImportError, type LoadedDagFile, listDagFiles } from "./dag-files.js";
export { type DagFileSink, DagProcessor } from "./dag-processor.js";
export { RuntimeErrorCode, TaskRuntimeError } from "./errors.js";
export { toAssetEvent } from "./events.js";
export { createInletEventSequence, INLET_PAGE_SIZE } from "./inlet-events.js";
export { MemoryAssetEventReader } from "./memory-event-reader.js";
export { type RunTaskDeps, runTask } from "./run-task.js";
export {
  BASH_OUTPUT_TAIL_LINES,
  createOperatorServices,
  type OperatorServicesOptions,
  resolveConnection,
  runBash,
  runSql,
  type SqlConnection,
} from "./services.js";
export { TaskExecutor, type TaskExecutorOptions } from "./task-executor.js";
export { appendTaskLog, openTaskLog, readTaskLogs, type TaskLogWriter, taskLogPath } from "./task-logs.js";
export {
  createTemplateContext,
  renderTemplate,
  renderTemplateFields,
  type TemplateAssetEvent,
  type TemplateContext,
  type TemplateSourceDagRun,
  type TemplateTriggeringAssetEvents,
  type TemplateTriggeringKey,
} from "./templates.js";
export { createTriggeringAssetEvents } from "./triggering-events.js";
export { taskHostEntry, WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
