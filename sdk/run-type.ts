/**
 * How a run came to be: the one list of run types, shared by the SDK's task
 * context, the scheduler (which stores them) and the API's schemas.
 */

/** How a run came to be. */
export const RunType = {
  manual: "manual",
  scheduled: "scheduled",
  assetTriggered: "asset_triggered",
} as const;

/** One of {@link RunType}. */
export type RunType = (typeof RunType)[keyof typeof RunType];

/**
 * Every {@link RunType}, in declaration order (for `z.enum(RUN_TYPES)` and filters).
 *
 * @example
 * ```ts
 * RUN_TYPES.includes(value as RunType);
 * ```
 */
export const RUN_TYPES = Object.values(RunType) as [RunType, ...RunType[]];
