/**
 * assetflow's scheduler: the store, asset events, per-consumer inboxes,
 * condition evaluation, runs and timetables.
 *
 * @packageDocumentation
 */
export * from "./condition-evaluator.js";
export type { ConsumePolicyNode, ConsumerWait } from "./consumption-plan.js";
export * from "./contracts.js";
export { type Clock, systemClock } from "./engine/context.js";
export type { RegistrationResult, RegistrationScope } from "./engine/registration.js";
export {
  type WatcherDeclarationChanges,
  type WatcherMessage,
  type WatcherOutcome,
  type WatcherRecord,
  watcherIdOf,
} from "./engine/watchers.js";
export {
  type Materialization,
  MaterializeErrorCode,
  type MaterializeRequest,
  materializeAsset,
} from "./materialize.js";
export type * from "./read/index.js";
export {
  type ActivityListener,
  IDEMPOTENCY_KEY_PATTERN,
  Scheduler,
  type SchedulerActivity,
  SchedulerError,
  type SchedulerOptions,
  type WorkListener,
} from "./scheduler.js";
export type { DialectName } from "./store/migrations.js";
export { assetflowHome, type OpenStoreOptions, type StoreInfo } from "./store/open-store.js";
export { retryWhileConnectionLost } from "./store/store-unavailable.js";
export * from "./timetable.js";
export {
  PASSIVE_WATCHER_KINDS,
  WATCHER_STATES,
  type WatcherState,
  watcherHeld,
  watcherState,
} from "./watcher-state.js";
