/**
 * assetflow's authoring API: assets, aliases, conditions, Metadata, DAGs and
 * tasks in two styles (functions and decorators), operators, schedules, the
 * manifest, and the error hierarchy. Pure: no IO.
 *
 * @packageDocumentation
 */
import "./decorators/symbol-metadata.js";

export {
  type AnyAsset,
  type AnyAssetPattern,
  Asset,
  AssetAlias,
  AssetAll,
  AssetAny,
  type AssetOptions,
  AssetPattern,
  AssetRef,
  all,
  any,
  assetKey,
  type CaptureNames,
  type Condition,
  type InletTarget,
  isAsset,
  isAssetAlias,
  isAssetAll,
  isAssetAny,
  isAssetPattern,
  isAssetRef,
  isCondition,
  type OutletTarget,
} from "./asset.js";
export {
  AssetDefinition,
  type AssetDefinitionOptions,
  type AssetFunction,
  type AssetTaskOptions,
  isAssetDefinition,
  type MultiAssetOptions,
} from "./asset-definition.js";
export { type AssetFactory, asset } from "./asset-function.js";
export { assets } from "./assets-template.js";
export {
  type CatchupOption,
  type ConsumePolicy,
  completeSetSize,
  type Duration,
  parseDuration,
  type WhilePaused,
} from "./consume.js";
export {
  type AssetEvent,
  type BashRequest,
  type BashResult,
  type InletEventSequence,
  type InletEvents,
  type OperatorServices,
  type OutletAliasAccessor,
  type OutletEventAccessor,
  type OutletEvents,
  RunType,
  type SourceDagRun,
  type SqlRequest,
  type SqlResult,
  type TaskContext,
  type TriggeringAssetEvents,
  type TriggeringKey,
} from "./context.js";
export { type DagOptions, dag } from "./dag.js";
export { DEFAULT_MAX_ACTIVE_RUNS } from "./dag-settings.js";
export type { AssetMethodDecorator } from "./decorators/asset-decorator.js";
export type { DagClassDecorator } from "./decorators/dag-decorator.js";
export { scanDagClass } from "./decorators/scanner.js";
export type { TaskMethodDecorator } from "./decorators/task-decorator.js";
export {
  Dag,
  type DagSettings,
  isDag,
  type OperatorLike,
  type TaskDefinition,
  type TaskRunner,
} from "./definitions.js";
export {
  AssetflowError,
  type AssetflowErrorOptions,
  AssetUriError,
  DefinitionError,
  ErrorCode,
  ExtraError,
  ExtraSchemaError,
  isAssetflowError,
  ManifestError,
} from "./errors.js";
export {
  checkExtra,
  EXTRA_JSON_SCHEMA_TARGET,
  type ExtraIssue,
  type ExtraSchema,
  type ExtraSubject,
  extraIssues,
  extraJsonSchema,
  extraSchemaError,
  isStandardSchema,
  type StandardJsonSchemaOptions,
  type StandardJsonSchemaV1,
  type StandardSchemaV1,
  type StandardSchemaV1Issue,
  type StandardSchemaV1Props,
  type StandardSchemaV1Result,
} from "./extra-schema.js";
export { assertJsonObject, findNonJson, type JsonObject, type JsonValue, stableStringify } from "./json.js";
export * from "./manifest/schema.js";
export { type DagLike, manifestToJson, resolveDag, serializeDags } from "./manifest/serialize.js";
export { isMetadata, Metadata, type MetadataOptions } from "./metadata.js";
export { BaseOperator, type BaseOperatorOptions } from "./operators/base-operator.js";
export { BashOperator, type BashOperatorOptions } from "./operators/bash-operator.js";
export {
  SQLExecuteQueryOperator,
  type SQLExecuteQueryOperatorOptions,
} from "./operators/sql-execute-query-operator.js";
export { collectDags, registerDag } from "./registry.js";
export {
  AssetOrTimeSchedule,
  type AssetOrTimeScheduleOptions,
  CRON_PRESETS,
  CronDataIntervalTimetable,
  type CronTimetableOptions,
  CronTriggerTimetable,
  isAssetOrTimeSchedule,
  isTimetable,
  normalizeSchedule,
  type Schedule,
  type Timetable,
} from "./schedule.js";
export { isTaskSkipped, TaskSkipped } from "./signals.js";
export {
  chain,
  DEFAULT_RETRY_DELAY_MS,
  isTaskHandle,
  type ResultsOf,
  type TaskDecoratorOptions,
  type TaskFunction,
  type TaskHandle,
  type TaskOptions,
  type TaskResult,
  task,
} from "./task.js";
export { matchUriPattern, type PatternSegment, parseUriPattern, type UriPattern } from "./uri/pattern.js";
export { type PatternMatch, UriPatternIndex } from "./uri/pattern-index.js";
export {
  looksLikePattern,
  type ParsedUri,
  registerUriScheme,
  type SanitizedUri,
  sanitizeUri,
  type UriSchemeRule,
} from "./uri/sanitize.js";
export { type AssetflowWarning, captureWarnings, emitAssetflowWarning } from "./warnings.js";
export {
  BUILT_IN_WATCHER_KINDS,
  type CustomWatcher,
  defineWatcher,
  type FilesWatcher,
  type NatsWatcher,
  normalizeWatchers,
  type PostgresWatcher,
  type RabbitMqWatcher,
  type RedisStreamWatcher,
  type WatcherBase,
  type WatcherConfig,
  type WatcherContext,
  type WatcherDefinition,
  type WatcherManifest,
  type WebhookWatcher,
  watcherDefinition,
} from "./watchers.js";
