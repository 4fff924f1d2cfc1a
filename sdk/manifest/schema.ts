/**
 * The manifest: the serialized asset graph of a project. The compiler writes
 * it from source, `serializeDags` writes it from loaded DAG objects, and the
 * scheduler reads it. One zod schema; every type derives from it.
 */
import { z } from "zod";
import { ManifestError } from "../errors.js";
import type { JsonObject } from "../json.js";
import { segmentPattern } from "../uri/pattern.js";

/** The manifest format version. Bump it with a migration note when the shape changes. */
export const MANIFEST_SCHEMA_VERSION = 1;

const jsonValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, "must be a finite number"),
    z.boolean(),
    z.null(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);

/** A JSON object (extras, params). */
export const jsonObjectSchema = z.record(z.string(), jsonValueSchema) as unknown as z.ZodType<JsonObject>;

/** A reference to a concrete asset by identity. */
export const assetNodeSchema = z.strictObject({ kind: z.literal("asset"), name: z.string(), uri: z.string() });
/** A reference to an alias. */
export const aliasNodeSchema = z.strictObject({ kind: z.literal("alias"), name: z.string() });
/** A reference resolved by the scheduler: by name or by URI. */
export const refNodeSchema = z.union([
  z.strictObject({ kind: z.literal("ref"), name: z.string() }),
  z.strictObject({ kind: z.literal("ref"), uri: z.string() }),
]);

/** A URI pattern (normalized text, see `Asset.pattern`): every asset whose URI matches. */
export const patternNodeSchema = z.strictObject({
  kind: z.literal("pattern"),
  pattern: z.string().superRefine((value, ctx) => {
    const segmented = segmentPattern(value);
    if (typeof segmented === "string") ctx.addIssue({ code: "custom", message: segmented });
  }),
});

/** A node of a serialized condition tree. */
export type ConditionNode =
  | z.output<typeof assetNodeSchema>
  | z.output<typeof aliasNodeSchema>
  | z.output<typeof refNodeSchema>
  | z.output<typeof patternNodeSchema>
  | { kind: "all"; conditions: ConditionNode[] }
  | { kind: "any"; conditions: ConditionNode[] };

/** Schema of a serialized condition tree. */
export const conditionNodeSchema: z.ZodType<ConditionNode> = z.lazy(() =>
  z.union([
    assetNodeSchema,
    aliasNodeSchema,
    refNodeSchema,
    patternNodeSchema,
    z.strictObject({ kind: z.literal("all"), conditions: z.array(conditionNodeSchema).min(1) }),
    z.strictObject({ kind: z.literal("any"), conditions: z.array(conditionNodeSchema).min(1) }),
  ]),
);

/** A cron timetable: runs cover the interval from the previous tick to the tick, and start at its end. */
export const cronTimetableSchema = z.strictObject({
  kind: z.literal("cron"),
  expression: z.string(),
  timezone: z.string(),
});

/** A cron trigger timetable: a run starts at each tick, with an empty data interval. */
export const cronTriggerTimetableSchema = z.strictObject({
  kind: z.literal("cronTrigger"),
  expression: z.string(),
  timezone: z.string(),
});

/** A time-based timetable. */
export const timetableSchema = z.discriminatedUnion("kind", [cronTimetableSchema, cronTriggerTimetableSchema]);

/** A DAG's schedule. */
export const scheduleSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("none") }),
  z.strictObject({ kind: z.literal("once") }),
  cronTimetableSchema,
  cronTriggerTimetableSchema,
  z.strictObject({ kind: z.literal("assets"), condition: conditionNodeSchema }),
  z.strictObject({ kind: z.literal("assetOrTime"), timetable: timetableSchema, condition: conditionNodeSchema }),
]);

const positiveInt = z.number().int().positive();

/**
 * How an asset-triggered run takes its pending events (omitted: `all-pending`,
 * one run consumes every pending event). Durations are milliseconds.
 */
export const consumeSchema = z.discriminatedUnion("kind", [
  /** One run per event (per complete set of an AND condition), oldest first. */
  z.strictObject({ kind: z.literal("each") }),
  /** At most `maxEvents` events per run; the rest wait for the next run. */
  z.strictObject({ kind: z.literal("maxEvents"), maxEvents: positiveInt }),
  /** A run once no event arrived for `debounceMs`, or once the oldest pending one waited `maxWaitMs`. */
  z.strictObject({ kind: z.literal("debounce"), debounceMs: positiveInt, maxWaitMs: positiveInt.nullable() }),
  /** Fixed windows of `windowMs` (aligned to the Unix epoch): a run per window once it ends, with at least `minEvents`. */
  z.strictObject({ kind: z.literal("window"), windowMs: positiveInt, minEvents: positiveInt }),
]);

/**
 * What an asset-scheduled DAG takes of the events recorded before it was
 * registered or (with `whilePaused: "catchup"`) while it was paused (omitted:
 * nothing).
 */
export const assetCatchupSchema = z.discriminatedUnion("kind", [
  /** The last event of each asset the schedule needs. */
  z.strictObject({ kind: z.literal("latest") }),
  /** Every event since `since` (ISO time), or since each asset's first event when null. */
  z.strictObject({ kind: z.literal("all"), since: z.string().nullable() }),
]);

/** An asset or an alias a task names. */
export const taskAssetSchema = z.union([assetNodeSchema, aliasNodeSchema]);

/**
 * A task's inlet or outlet: an asset, an alias, or a reference by name or URI
 * (resolved when the task runs; it declares no asset).
 */
export const taskInletSchema = z.union([assetNodeSchema, aliasNodeSchema, refNodeSchema]);

/** Where a definition stands in source (filled by the compiler). */
export const sourceLocationSchema = z.strictObject({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
});

/** A task of a DAG. */
export const taskSchema = z.strictObject({
  taskId: z.string(),
  /** `"task"` for task functions and methods; the class name for operators. */
  operator: z.string(),
  outlets: z.array(taskInletSchema),
  inlets: z.array(taskInletSchema),
  /** Task ids this task waits for, sorted. */
  upstream: z.array(z.string()),
  retries: z.number().int().nonnegative(),
  retryDelayMs: z.number().int().nonnegative(),
  executionTimeoutMs: z.number().int().positive().nullable(),
  source: sourceLocationSchema.optional(),
});

/** A DAG. */
export const dagSchema = z.strictObject({
  dagId: z.string(),
  description: z.string().nullable(),
  schedule: scheduleSchema,
  startDate: z.string().nullable(),
  catchup: z.boolean(),
  /** Asset-triggered runs: how a run takes pending events (omitted: all of them). */
  consume: consumeSchema.optional(),
  /** Asset schedules: events recorded before registration (or during a pause) to take (omitted: none). */
  assetCatchup: assetCatchupSchema.optional(),
  /** Asset schedules: `"catchup"` queues nothing while paused and applies `assetCatchup` on unpause (omitted: events keep queuing). */
  whilePaused: z.literal("catchup").optional(),
  maxActiveRuns: z.number().int().positive(),
  tags: z.array(z.string()),
  params: jsonObjectSchema,
  tasks: z.array(taskSchema),
  source: sourceLocationSchema.optional(),
  /**
   * The DAG files, in load order, loaded before this DAG's file whose URI
   * scheme rules (`registerUriScheme`) were in force when the DAG processor
   * loaded it: a task host applies them before it loads the file, as every
   * process does (omitted: none). Only manifests of the DAG processor have it.
   */
  uriSchemeFiles: z.array(z.string()).min(1).optional(),
});

/** An asset as declared (first declaration in manifest order wins for `group`, `extra` and `schema`). */
export const assetSchema = z.strictObject({
  name: z.string(),
  uri: z.string(),
  group: z.string(),
  extra: jsonObjectSchema,
  /**
   * The JSON Schema (draft 2020-12) that the extras of the asset's events must
   * match, written by the asset's validator. Only manifests made by loading the
   * DAG files have it: `assetflow compile` does not run validators.
   */
  schema: jsonObjectSchema.optional(),
  /**
   * Its watchers (`new Asset(uri, { watchers })`): plain JSON, each with a
   * `kind` and a `name` unique on the asset. Absent without any.
   */
  watchers: z.array(z.looseObject({ kind: z.string(), name: z.string() })).optional(),
});

/** An alias as declared. */
export const aliasSchema = z.strictObject({ name: z.string(), group: z.string() });

/** The whole manifest. */
export const manifestSchema = z.strictObject({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  assets: z.array(assetSchema),
  aliases: z.array(aliasSchema),
  dags: z.array(dagSchema),
});

/** A whole manifest. */
export type Manifest = z.output<typeof manifestSchema>;
/** A DAG in a manifest. */
export type DagManifest = z.output<typeof dagSchema>;
/** A task in a manifest. */
export type TaskManifest = z.output<typeof taskSchema>;
/** A schedule in a manifest. */
export type ScheduleManifest = z.output<typeof scheduleSchema>;
/** A time-based timetable in a manifest. */
export type TimetableManifest = z.output<typeof timetableSchema>;
/** An asset in a manifest. */
export type AssetManifest = z.output<typeof assetSchema>;
/** An alias in a manifest. */
export type AliasManifest = z.output<typeof aliasSchema>;
/** A consumption policy in a manifest. */
export type ConsumeManifest = z.output<typeof consumeSchema>;
/** An asset catch-up in a manifest. */
export type AssetCatchupManifest = z.output<typeof assetCatchupSchema>;
/** An outlet or inlet in a manifest. */
export type TaskAssetNode = z.output<typeof taskAssetSchema>;
/** A task's inlet or outlet in the manifest: an asset, an alias or a name/URI reference. */
export type TaskInletNode = z.output<typeof taskInletSchema>;
/** A source location in a manifest. */
export type SourceLocation = z.output<typeof sourceLocationSchema>;

/**
 * Validates unknown data (for example a parsed `manifest.json`) as a
 * manifest, or throws a {@link ManifestError} listing every problem with its
 * path.
 *
 * @example
 * ```ts
 * const manifest = parseManifest(JSON.parse(readFileSync("manifest.json", "utf8")));
 * ```
 */
export function parseManifest(data: unknown): Manifest {
  const result = manifestSchema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 10)
    .map((issue) => `  - at ${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("\n");
  throw new ManifestError(
    `The manifest is not valid (schemaVersion ${MANIFEST_SCHEMA_VERSION} expected):\n${problems}\nRegenerate it with \`assetflow compile\` or serializeDags().`,
    { details: { issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) } },
  );
}
