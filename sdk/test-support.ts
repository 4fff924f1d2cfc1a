/**
 * Helpers shared by the SDK's tests (not part of the package: the build
 * leaves out `test-support.ts` files).
 */
import { expect } from "vitest";
import type { AssetEvent, OperatorServices, TaskContext, TriggeringKey } from "./context.js";
import { RunType } from "./context.js";
import type { Dag } from "./definitions.js";
import { DefinitionError } from "./errors.js";

/** Runs `fn` and returns the DefinitionError it throws (failing the test if it throws nothing or something else). */
export function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return error as DefinitionError;
  }
  throw new Error("expected a DefinitionError, but nothing was thrown");
}

/** Fails loudly when a test reaches something it does not expect to use. */
export function notUsed(what: string): never {
  throw new Error(`${what} is not used by this test`);
}

/**
 * A complete task context whose asset accessors are not expected to be
 * called; services fail unless given.
 */
export function makeContext(
  options: { services?: OperatorServices; dagId?: string; taskId?: string } = {},
): TaskContext {
  const noEvents = new Map<TriggeringKey, readonly AssetEvent[]>();
  return {
    dagId: options.dagId ?? "d",
    taskId: options.taskId ?? "t",
    runId: "manual__2024-01-01",
    runType: RunType.manual,
    tryNumber: 1,
    mapIndex: -1,
    logicalDate: null,
    dataIntervalStart: null,
    dataIntervalEnd: null,
    params: {},
    conf: {},
    outletEvents: { get: () => notUsed("outletEvents") },
    inletEvents: { get: () => notUsed("inletEvents") },
    triggeringAssetEvents: {
      get: () => [],
      has: () => false,
      keys: () => noEvents.keys(),
      values: () => noEvents.values(),
      entries: () => noEvents.entries(),
      size: 0,
      [Symbol.iterator]: () => noEvents.entries(),
    },
    log: () => {},
    services: options.services ?? { runBash: () => notUsed("runBash"), runSql: () => notUsed("runSql") },
  };
}

/** The upstream task ids of a task, sorted. */
export function upstreamOf(definition: Dag, taskId: string): string[] {
  return [...(definition.upstream.get(taskId) ?? [])].sort();
}
