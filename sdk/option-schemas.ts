/**
 * Strict schemas of the options users pass to `dag`, `task`, the decorators and
 * operators. Unknown keys are errors; `parseOptions` turns problems into
 * messages that name the option and the fix.
 */
import { z } from "zod";
import { type AnyAsset, type AssetAlias, type InletTarget, isAsset, isAssetAlias, isAssetRef } from "./asset.js";
import { findNonJson, type JsonObject } from "./json.js";

/** dag and task ids: letters, digits, `_`, `-` and `.`, at most 250 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,250}$/;

const id = (what: string) =>
  z.string({ error: `${what} must be a string` }).regex(ID_PATTERN, {
    error: `${what} may only contain letters, digits, "_", "-" and "." (1 to 250 characters)`,
  });

const assetOrAlias = z.custom<AnyAsset | AssetAlias>((value) => isAsset(value) || isAssetAlias(value), {
  error: "must be an Asset or an AssetAlias (wrap a URI string in new Asset(...))",
});

/** An inlet or an outlet: an asset, an alias, or `Asset.ref(...)` (resolved when the task runs). */
const taskTarget = z.custom<InletTarget>((value) => isAsset(value) || isAssetAlias(value) || isAssetRef(value), {
  error: "must be an Asset, an AssetAlias or an Asset.ref({ name } or { uri }) (wrap a URI string in new Asset(...))",
});

const milliseconds = (what: string) =>
  z.number({ error: `${what} must be a number of milliseconds` }).int({ error: `${what} must be whole milliseconds` });

const jsonObject = z.custom<JsonObject>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value) && findNonJson(value) === undefined,
  { error: "must be a plain JSON object" },
);

const dateLike = z.union([z.date(), z.string()]).refine((value) => !Number.isNaN(new Date(value).getTime()), {
  error: 'must be a Date or an ISO date string such as "2024-01-01T00:00:00Z"',
});

/** Options shared by every kind of task (functions, methods, operators). */
export const taskCommonShape = {
  outlets: z.array(taskTarget).optional(),
  inlets: z.array(taskTarget).optional(),
  retries: z.number().int().nonnegative({ error: "retries must be a whole number >= 0" }).optional(),
  retryDelay: milliseconds("retryDelay").nonnegative().optional(),
  executionTimeout: milliseconds("executionTimeout").positive().optional(),
};

/** Options of the DAG, for both styles (`dagId` is optional only for `@dag`). */
export const dagOptionsShape = {
  dagId: id("dagId"),
  schedule: z.unknown().optional(),
  description: z.string().optional(),
  startDate: dateLike.optional(),
  // catchup, consume and whilePaused are checked against the schedule by makeDagSettings.
  catchup: z.unknown().optional(),
  consume: z.unknown().optional(),
  whilePaused: z.unknown().optional(),
  maxActiveRuns: z.number().int().positive({ error: "maxActiveRuns must be a whole number >= 1" }).optional(),
  tags: z.array(z.string()).optional(),
  params: jsonObject.optional(),
};

/** Schema of `dag(options, build)`. */
export const dagOptionsSchema = z.strictObject(dagOptionsShape);
/** Schema of `@dag(options)`. */
export const dagDecoratorOptionsSchema = z.strictObject({ ...dagOptionsShape, dagId: id("dagId").optional() });

/** Schema of `task(options, fn)`. */
export const taskOptionsSchema = z.strictObject({
  taskId: id("taskId").optional(),
  ...taskCommonShape,
  after: z.array(z.unknown()).optional(),
  args: z.array(z.unknown()).optional(),
});

/** Schema of `@task(options)`: `after` and `args` name other tasks of the class. */
export const taskDecoratorOptionsSchema = z.strictObject({
  taskId: id("taskId").optional(),
  ...taskCommonShape,
  after: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
});

/** Schema of the options every operator takes. */
export const baseOperatorOptionsSchema = z.strictObject({
  taskId: id("taskId"),
  ...taskCommonShape,
  after: z.array(z.unknown()).optional(),
});

/** The options of the one task of an asset function (`asset`, `asset.multi`): no id, outlets or dependencies. */
const assetTaskShape = {
  inlets: taskCommonShape.inlets,
  retries: taskCommonShape.retries,
  retryDelay: taskCommonShape.retryDelay,
  executionTimeout: taskCommonShape.executionTimeout,
};

/** Schema of `asset(options, fn)` and `@asset(options)`: the asset's options (checked by `Asset`), the DAG's and the task's. */
export const assetDefinitionOptionsSchema = z.strictObject({
  uri: z.string({ error: "uri must be a string" }).optional(),
  name: z.string({ error: "name must be a string" }).optional(),
  group: z.string({ error: "group must be a string" }).optional(),
  extra: jsonObject.optional(),
  schema: z.unknown().optional(),
  // Checked by the Asset constructor.
  watchers: z.unknown().optional(),
  ...dagOptionsShape,
  dagId: id("dagId").optional(),
  ...assetTaskShape,
});

/** Schema of `asset.multi(options, fn)` and `@asset.multi(options)`. */
export const multiAssetOptionsSchema = z.strictObject({
  outlets: z.array(assetOrAlias, { error: "outlets must be a list of assets" }),
  ...dagOptionsShape,
  dagId: id("dagId").optional(),
  ...assetTaskShape,
});
