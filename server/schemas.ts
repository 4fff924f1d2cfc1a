/**
 * The API's schemas: one zod schema per request and response shape. Fastify
 * validates requests and responses with them, and the OpenAPI document is
 * generated from them. Times are ISO 8601 strings (UTC); the store's epoch
 * milliseconds are converted by the `to*` functions below, which also mask
 * secret-looking keys in extras, conf, params and results.
 */
import { z } from "zod";
import type { ConsumePolicyNode, ConsumerWait } from "../scheduler/consumption-plan.js";
import type { AssetEventRecord } from "../scheduler/contracts.js";
import { CHANGE_RESOURCES } from "../scheduler/read/changes.js";
import type { DagOverviewView, RunSummaryView } from "../scheduler/read/dag-overview.js";
import type {
  AliasView,
  AssetGraph,
  AssetView,
  DagRunView,
  DagView,
  QueuedEventView,
  TaskInstanceView,
} from "../scheduler/read/index.js";
import { describeNonJson, findNonJsonValueAt, type JsonObject } from "../sdk/json.js";
import { maskSecrets } from "../sdk/masking.js";

/** Schemas that become named components of the OpenAPI document. */
export const apiSchemaRegistry = z.registry<{ id?: string; description?: string }>();

function component<T extends z.ZodType>(id: string, description: string, schema: T): T {
  apiSchemaRegistry.add(schema, { id, description });
  return schema;
}

// ---------------------------------------------------------------- building blocks

/** Deepest nesting accepted in request JSON objects (extra, conf). */
export const MAX_JSON_DEPTH = 32;

/**
 * A JSON object from a request: any JSON, nested at most {@link MAX_JSON_DEPTH} levels, kept exactly or
 * refused: a number beyond a double (`1e400`, parsed as Infinity) or a lone surrogate (`"\ud800"`) is a 400
 * naming the key, never a `null` or a U+FFFD in the store.
 */
export const jsonObjectInput = z
  .record(z.string(), z.unknown())
  .refine((value) => jsonDepth(value) <= MAX_JSON_DEPTH, `must not nest deeper than ${MAX_JSON_DEPTH} levels`)
  .superRefine((value, ctx) => {
    const found = findNonJsonValueAt(value);
    if (found !== undefined) {
      ctx.addIssue({ code: "custom", message: `key "${found.path}" holds ${describeNonJson(found.value)}` });
    }
  });

/** A JSON object in a response (secret-looking keys already masked). */
const jsonObjectOutput = z.record(z.string(), z.unknown());

const isoTime = z.iso.datetime();
const nullableTime = isoTime.nullable();

/** Paging query parameters. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe("Rows per page (1-1000, default 100)."),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0).describe("Rows to skip (default 0)."),
};

/** A boolean query parameter: `true` or `false`. */
export const booleanQuery = z.enum(["true", "false"]).transform((value) => value === "true");

/** An ISO 8601 time in a query, with `Z` or an offset, as epoch ms. */
export const timeQuery = z.iso
  .datetime({ offset: true })
  .describe("ISO 8601 time with Z or an offset, e.g. 2025-01-01T00:00:00Z.");

/** The body of every error response. */
export const problemSchema = component(
  "Problem",
  "An error: the HTTP status, its phrase, what went wrong and, for assetflow's own errors, their stable code.",
  z.object({ status: z.number().int(), title: z.string(), detail: z.string(), code: z.string().optional() }),
);

/**
 * Error responses by status, for route schemas.
 *
 * @example
 * ```ts
 * const response = { 200: dagSchema, ...problems(400, 401, 404) };
 * ```
 */
export function problems(...statuses: Array<400 | 401 | 404 | 409 | 413 | 415>) {
  return Object.fromEntries(statuses.map((status) => [status, problemSchema])) as Record<number, typeof problemSchema>;
}

// ---------------------------------------------------------------- assets and events

const sourceRunSchema = z.object({
  dagId: z.string(),
  runId: z.string(),
  runType: z.enum(["manual", "scheduled", "asset_triggered"]),
  logicalDate: nullableTime,
  dataIntervalStart: nullableTime,
  dataIntervalEnd: nullableTime,
});

/** An asset event. */
export const assetEventSchema = component(
  "AssetEvent",
  "An asset event: which asset, its extra, when, and where it came from (null source fields for external events).",
  z.object({
    id: z.number().int(),
    assetName: z.string(),
    assetUri: z.string(),
    extra: jsonObjectOutput,
    timestamp: isoTime,
    sourceDagId: z.string().nullable(),
    sourceTaskId: z.string().nullable(),
    sourceRunId: z.string().nullable(),
    sourceMapIndex: z.number().int().nullable(),
    sourceAliases: z.array(z.string()),
    sourceRun: sourceRunSchema.nullable(),
  }),
);

/** An asset with the DAGs around it. */
export const assetSchema = component(
  "Asset",
  "An asset: identity (name, uri), declared extra, producing tasks, consuming DAGs, aliases and event counts.",
  z.object({
    id: z.number().int(),
    name: z.string(),
    uri: z.string(),
    group: z.string(),
    extra: jsonObjectOutput,
    createdAt: isoTime,
    producingTasks: z.array(z.object({ dagId: z.string(), taskId: z.string(), alias: z.string().nullable() })),
    consumingDags: z.array(z.string()),
    aliases: z.array(z.string()),
    eventCount: z.number().int(),
    lastEventAt: nullableTime,
  }),
);

/** One asset with its latest event. */
export const assetDetailSchema = component(
  "AssetDetail",
  "An asset with its latest event.",
  assetSchema.extend({ lastEvent: assetEventSchema.nullable() }),
);

/** An alias. */
export const aliasSchema = component(
  "AssetAlias",
  "An asset alias: the assets it resolved to, the tasks that emit through it, and the DAGs scheduled on it.",
  z.object({
    name: z.string(),
    group: z.string(),
    assets: z.array(z.object({ name: z.string(), uri: z.string() })),
    producingTasks: z.array(z.object({ dagId: z.string(), taskId: z.string() })),
    consumingDags: z.array(z.string()),
  }),
);

/** A queued event: pending events of one consumer for one asset URI. */
export const queuedEventSchema = component(
  "QueuedEvent",
  "Events of an asset a consumer DAG has received but not consumed yet: when the first was queued, and how many.",
  z.object({ dagId: z.string(), uri: z.string(), createdAt: isoTime, count: z.number().int() }),
);

/** Body of `POST /assets/events`. */
export const createAssetEventBody = z.strictObject({
  uri: z.string().min(1).max(4000).describe("The asset URI; sanitized like the SDK does (a password is dropped)."),
  name: z.string().min(1).max(1500).optional().describe("The asset name, when several assets share the URI."),
  extra: jsonObjectInput.optional().describe("The event's extra (JSON object)."),
  createIfMissing: z
    .boolean()
    .optional()
    .describe("Record the event even if no DAG declares the asset (default false: 404)."),
});

/** Answer of `POST /assets/events`. */
export const createdAssetEventSchema = component(
  "CreatedAssetEvent",
  "The recorded event, the consumers it was queued for, the runs it triggered at once, and URI warnings.",
  z.object({
    assetEvent: assetEventSchema,
    queuedFor: z.array(z.string()),
    triggeredDagRuns: z.array(z.object({ dagId: z.string(), runId: z.string() })),
    warnings: z.array(z.string()),
  }),
);

// ---------------------------------------------------------------- DAGs, runs, tasks

const scheduleSchema = z
  .looseObject({ kind: z.enum(["none", "once", "cron", "cronTrigger", "assets", "assetOrTime"]) })
  .describe("The schedule as in the manifest: kind, then expression/timezone or the asset condition.");

const taskAssetSchema = z
  .object({ kind: z.enum(["asset", "alias"]), name: z.string(), uri: z.string().optional() })
  .describe("An outlet or inlet: an asset (name, uri) or an alias (name).");

/** A DAG. */
export const dagSchema = component(
  "Dag",
  "A registered DAG.",
  z.object({
    dagId: z.string(),
    description: z.string().nullable(),
    fileloc: z.string().nullable(),
    isPaused: z.boolean(),
    isActive: z.boolean(),
    maxActiveRuns: z.number().int(),
    tags: z.array(z.string()),
    schedule: scheduleSchema,
    params: jsonObjectOutput,
    tasks: z.array(
      z.object({
        taskId: z.string(),
        operator: z.string(),
        upstream: z.array(z.string()),
        outlets: z.array(taskAssetSchema),
        inlets: z.array(taskAssetSchema),
        retries: z.number().int(),
        retryDelayMs: z.number().int(),
        executionTimeoutMs: z.number().int().nullable(),
      }),
    ),
    nextRunAt: nullableTime,
  }),
);

/** Body of `PATCH /dags/{dagId}`. */
export const patchDagBody = z.strictObject({ isPaused: z.boolean().describe("Pause (true) or unpause (false).") });

/** A node of an explained condition. */
export interface ExplainedConditionJson {
  kind: "asset" | "alias" | "ref" | "pattern" | "all" | "any";
  satisfied: boolean;
  name?: string | undefined;
  uri?: string | undefined;
  pattern?: string | undefined;
  conditions?: ExplainedConditionJson[] | undefined;
}

/** A consumer's condition with each node marked satisfied or not. */
export const explainedConditionSchema: z.ZodType<ExplainedConditionJson> = component(
  "ExplainedCondition",
  "A node of a consumer's asset condition, marked satisfied or not by its queued events; all/any nodes hold conditions.",
  z.object({
    kind: z.enum(["asset", "alias", "ref", "pattern", "all", "any"]),
    satisfied: z.boolean(),
    name: z.string().optional(),
    uri: z.string().optional(),
    pattern: z.string().optional().describe("A URI pattern such as s3://landing/{date}/orders.csv (kind pattern)."),
    get conditions() {
      return z.array(explainedConditionSchema).optional();
    },
  }),
);

/** A node of a schedule's asset condition. */
export interface AssetConditionJson {
  kind: "asset" | "alias" | "ref" | "pattern" | "all" | "any";
  name?: string | undefined;
  uri?: string | undefined;
  pattern?: string | undefined;
  conditions?: AssetConditionJson[] | undefined;
}

/** A schedule's asset condition: assets, aliases and references combined by all (AND) and any (OR). */
export const assetConditionSchema: z.ZodType<AssetConditionJson> = component(
  "AssetCondition",
  "A node of a schedule's asset condition: an asset (name, uri), an alias (name), a reference by name or uri, a URI pattern (pattern), or all/any of conditions.",
  z.object({
    kind: z.enum(["asset", "alias", "ref", "pattern", "all", "any"]),
    name: z.string().optional(),
    uri: z.string().optional(),
    pattern: z.string().optional().describe("A URI pattern such as s3://landing/{date}/orders.csv (kind pattern)."),
    get conditions() {
      return z.array(assetConditionSchema).optional();
    },
  }),
);

/** How an asset-scheduled DAG takes its pending events (its `consume` option). */
export const consumePolicySchema = component(
  "ConsumePolicy",
  "How a consumer takes its pending events: all-pending (one run takes all), each (one run per event or complete set), maxEvents, debounce (durations in ms) or window.",
  z.object({
    kind: z.enum(["all-pending", "each", "maxEvents", "debounce", "window"]),
    maxEvents: z.number().int().optional().describe("At most this many events per run (maxEvents)."),
    debounceMs: z.number().int().optional().describe("The quiet period before a run (debounce)."),
    maxWaitMs: z
      .number()
      .int()
      .nullable()
      .optional()
      .describe("The longest the oldest event waits under a steady trickle (debounce)."),
    windowMs: z.number().int().optional().describe("The length of the fixed windows (window)."),
    minEvents: z.number().int().optional().describe("Events a window needs to get its own run (window)."),
  }),
);

/** Which rule holds a consumer back, and until when. */
export const consumerWaitSchema = component(
  "ConsumerWait",
  "Which rule a consumer waits on: events (nothing pending), paused, condition (the asset condition does not hold), maxActiveRuns (no free run slot), debounce (quiet period), window (the window has not ended) or minEvents (too few events in the window); until is when that rule lets a run start, if time decides it.",
  z.object({
    rule: z.enum(["events", "paused", "condition", "maxActiveRuns", "debounce", "window", "minEvents"]),
    until: nullableTime.describe("When the rule stops holding the run back (debounce, window, minEvents), else null."),
    activeRuns: z.number().int().optional().describe("Queued or running runs (maxActiveRuns)."),
    maxActiveRuns: z.number().int().optional(),
    events: z.number().int().optional().describe("Events in the current window (minEvents)."),
    minEvents: z.number().int().optional(),
    windowStart: isoTime.optional().describe("Start of the window the pending events fall in (window)."),
  }),
);

/** Why a consumer has (not) run. */
export const consumerStatusSchema = component(
  "ConsumerStatus",
  "A DAG's asset condition with each leaf marked by its queued events (null when it is not asset-scheduled), its consumption policy, and the rule it waits on.",
  z.object({
    dagId: z.string(),
    isPaused: z.boolean(),
    waiting: z.boolean().describe("True when events are queued but the condition does not hold yet."),
    condition: explainedConditionSchema.nullable(),
    consume: consumePolicySchema.nullable().describe("Null when the DAG is not asset-scheduled."),
    waitingOn: consumerWaitSchema
      .nullable()
      .describe(
        "The rule the consumer waits on and until when; null when a run is due now or it is not asset-scheduled.",
      ),
    queuedEvents: z.array(queuedEventSchema),
  }),
);

/** A consumption policy as the API shows it. */
export function toConsumePolicy(policy: ConsumePolicyNode): z.output<typeof consumePolicySchema> {
  switch (policy.kind) {
    case "all-pending":
    case "each":
      return { kind: policy.kind };
    case "maxEvents":
      return { kind: "maxEvents", maxEvents: policy.maxEvents };
    case "debounce":
      return { kind: "debounce", debounceMs: policy.debounceMs, maxWaitMs: policy.maxWaitMs };
    case "window":
      return { kind: "window", windowMs: policy.windowMs, minEvents: policy.minEvents };
  }
}

/** The rule a consumer waits on, as the API shows it (times as ISO strings). */
export function toConsumerWait(wait: ConsumerWait): z.output<typeof consumerWaitSchema> {
  switch (wait.rule) {
    case "events":
    case "paused":
    case "condition":
      return { rule: wait.rule, until: null };
    case "maxActiveRuns":
      return { rule: wait.rule, until: null, activeRuns: wait.activeRuns, maxActiveRuns: wait.maxActiveRuns };
    case "debounce":
      return { rule: wait.rule, until: iso(wait.until) };
    case "window":
      return { rule: wait.rule, until: iso(wait.until), windowStart: iso(wait.windowStart) };
    case "minEvents":
      return { rule: wait.rule, until: iso(wait.until), events: wait.events, minEvents: wait.minEvents };
  }
}

const runState = z.enum(["queued", "running", "success", "failed"]);
const runType = z.enum(["manual", "scheduled", "asset_triggered"]);

/** A DAG run. */
export const dagRunSchema = component(
  "DagRun",
  "A DAG run, with the asset events it consumed (asset-triggered runs).",
  z.object({
    dagId: z.string(),
    runId: z.string(),
    runType,
    state: runState,
    logicalDate: nullableTime,
    dataIntervalStart: nullableTime,
    dataIntervalEnd: nullableTime,
    conf: jsonObjectOutput,
    createdAt: isoTime,
    startDate: nullableTime,
    endDate: nullableTime,
    consumedEvents: z.array(assetEventSchema),
  }),
);

/** A run without its consumed events (the DAG list and the grid). */
export const dagRunSummarySchema = component(
  "DagRunSummary",
  "A DAG run's identity, type, state and times.",
  z.object({
    runId: z.string(),
    runType,
    state: runState,
    createdAt: isoTime,
    startDate: nullableTime,
    endDate: nullableTime,
  }),
);

/** A DAG as the DAG list gives it. */
export const dagListItemSchema = component(
  "DagListItem",
  "A DAG with its latest run and, when it is scheduled on assets, its condition marked by the events queued for it.",
  dagSchema.extend({
    lastRun: dagRunSummarySchema.nullable(),
    assetCondition: explainedConditionSchema.nullable(),
  }),
);

/** Query filters of the run list. */
export const dagRunQuery = z.strictObject({
  ...pageQuery,
  state: runState.optional(),
  runType: runType.optional(),
  order: z.enum(["asc", "desc"]).default("desc").describe("By creation; newest first by default."),
});

/** Body of `POST /dags/{dagId}/dagRuns`. */
export const triggerDagRunBody = z.strictObject({
  conf: jsonObjectInput.optional().describe("The run's conf (JSON object)."),
  dagRunId: z
    .string()
    .min(1)
    .max(250)
    .regex(/^[A-Za-z0-9_.:+~-]+$/, "may hold letters, digits and _ . : + ~ - only")
    .optional()
    .describe("The run id (default: generated)."),
});

/** The body of POST /assets/{uri}/materialize (every field optional; the body may be absent). */
export const materializeAssetBody = z
  .strictObject({
    name: z.string().min(1).max(1500).optional().describe("The asset's name, when several assets share the URI."),
    dagId: z.string().min(1).max(250).optional().describe("The producing DAG to run, when several DAGs produce it."),
    conf: jsonObjectInput.optional().describe("The run's conf (JSON object)."),
  })
  .nullish();

/** The answer of POST /assets/{uri}/materialize. */
export const materializationSchema = component(
  "Materialization",
  "The run started to materialize an asset: the asset, the producing DAG's new run and the tasks that update the asset.",
  z.object({
    asset: z.object({ name: z.string(), uri: z.string() }),
    dagRun: dagRunSchema,
    taskIds: z.array(z.string()),
  }),
);

/** A task instance. */
export const taskInstanceSchema = component(
  "TaskInstance",
  "A task of a run: state, tries, and the error or result of the last try.",
  z.object({
    dagId: z.string(),
    runId: z.string(),
    taskId: z.string(),
    mapIndex: z.number().int(),
    state: z.string(),
    tryNumber: z.number().int(),
    maxTries: z.number().int(),
    startDate: nullableTime,
    endDate: nullableTime,
    error: z.object({ message: z.string(), code: z.string().optional() }).nullable(),
    result: z.unknown().optional(),
  }),
);

/** Logs of a task instance. */
export const taskLogsSchema = component(
  "TaskLogs",
  "Log text of each try of a task instance: from a byte offset, or the last lines (at most 1 MiB per try).",
  z.object({
    dagId: z.string(),
    runId: z.string(),
    taskId: z.string(),
    logs: z.array(
      z.object({
        tryNumber: z.number().int(),
        text: z.string(),
        offset: z.number().int().describe("Byte offset in the log file where `text` starts."),
        nextOffset: z.number().int().describe("Byte offset to read from next (`?offset=`) to follow the log."),
        truncated: z.boolean().describe("True when text before `offset` exists but was not sent."),
      }),
    ),
  }),
);

/** The grid of a DAG. */
export const dagGridSchema = component(
  "DagGrid",
  "A DAG's most recent runs (newest first) and all their task instances.",
  z.object({ dagRuns: z.array(dagRunSummarySchema), taskInstances: z.array(taskInstanceSchema) }),
);

/** What changed since a cursor. */
export const changesSchema = component(
  "Changes",
  "The resources that changed since the cursor given as `since` (all of them without one), and the cursor to pass next time.",
  z.object({
    cursor: z.string(),
    changed: z.array(z.enum(CHANGE_RESOURCES)),
  }),
);

/** Groups and schemes of the asset catalog. */
export const assetFacetsSchema = component(
  "AssetFacets",
  "The asset groups and URI schemes in use, each with its number of assets.",
  z.object({
    total: z.number().int(),
    groups: z.array(z.object({ value: z.string(), count: z.number().int() })),
    schemes: z.array(z.object({ value: z.string(), count: z.number().int() })),
  }),
);

/** An import error. */
export const importErrorSchema = component(
  "ImportError",
  "A DAG file that failed to load.",
  z.object({ file: z.string(), message: z.string(), createdAt: isoTime }),
);

/** A DAG warning. */
export const dagWarningSchema = component(
  "DagWarning",
  "A problem registration found in an active DAG that does not stop it from running: `self-triggering` when the DAG is scheduled on its own outlet (each run triggers the next), `asset-cycle` when it triggers itself through other DAGs. Replaced at each registration of the DAG; gone once the DAG is fixed.",
  z.object({ dagId: z.string(), warningType: z.string(), message: z.string(), createdAt: isoTime }),
);

// ---------------------------------------------------------------- the asset graph

const lastRunSchema = z.object({ runId: z.string(), runType, state: runState, createdAt: isoTime }).nullable();

/** The asset graph (the Lineage page). */
export const assetGraphSchema = component(
  "AssetGraph",
  "Assets, aliases and the DAGs that produce or consume them, with producer (DAG → asset/alias), consumer (asset/alias → DAG) and alias (alias → asset) edges.",
  z.object({
    nodes: z.array(
      z.discriminatedUnion("kind", [
        z.object({
          kind: z.literal("asset"),
          id: z.string(),
          assetId: z.number().int(),
          name: z.string(),
          uri: z.string(),
          group: z.string(),
          eventCount: z.number().int(),
          lastEventAt: nullableTime,
          queuedEventCount: z.number().int(),
        }),
        z.object({ kind: z.literal("alias"), id: z.string(), name: z.string() }),
        z.object({
          kind: z.literal("dag"),
          id: z.string(),
          dagId: z.string(),
          isPaused: z.boolean(),
          scheduleKind: z.string(),
          condition: assetConditionSchema.nullable(),
          lastRun: lastRunSchema,
          queuedEventCount: z.number().int(),
        }),
        z.object({ kind: z.literal("ref"), id: z.string(), refKind: z.enum(["name", "uri"]), value: z.string() }),
      ]),
    ),
    edges: z.array(
      z.object({
        kind: z.enum(["producer", "consumer", "alias"]),
        source: z.string(),
        target: z.string(),
        taskIds: z.array(z.string()),
      }),
    ),
  }),
);

// ---------------------------------------------------------------- conversions

/**
 * Epoch ms as ISO 8601.
 *
 * @example
 * ```ts
 * iso(0); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function iso(time: number): string {
  return new Date(time).toISOString();
}

/**
 * Nullable epoch ms as ISO 8601.
 *
 * @example
 * ```ts
 * isoOrNull(null); // null
 * ```
 */
export function isoOrNull(time: number | null): string | null {
  return time === null ? null : iso(time);
}

/**
 * An event as the API shows it.
 *
 * @example
 * ```ts
 * const events = page.items.map(toAssetEvent);
 * ```
 */
export function toAssetEvent(event: AssetEventRecord): z.output<typeof assetEventSchema> {
  return {
    id: event.id,
    assetName: event.assetName,
    assetUri: event.assetUri,
    extra: maskSecrets(event.extra),
    timestamp: iso(event.timestamp),
    sourceDagId: event.sourceDagId,
    sourceTaskId: event.sourceTaskId,
    sourceRunId: event.sourceRunId,
    sourceMapIndex: event.sourceMapIndex,
    sourceAliases: [...event.sourceAliases],
    sourceRun: event.sourceRun
      ? {
          dagId: event.sourceRun.dagId,
          runId: event.sourceRun.runId,
          runType: event.sourceRun.runType,
          logicalDate: isoOrNull(event.sourceRun.logicalDate),
          dataIntervalStart: isoOrNull(event.sourceRun.dataIntervalStart),
          dataIntervalEnd: isoOrNull(event.sourceRun.dataIntervalEnd),
        }
      : null,
  };
}

/**
 * An asset as the API shows it.
 *
 * @example
 * ```ts
 * const assets = page.items.map(toAsset);
 * ```
 */
export function toAsset(asset: AssetView): z.output<typeof assetSchema> {
  return {
    id: asset.id,
    name: asset.name,
    uri: asset.uri,
    group: asset.group,
    extra: maskSecrets(asset.extra),
    createdAt: iso(asset.createdAt),
    producingTasks: asset.producingTasks.map((task) => ({ ...task })),
    consumingDags: [...asset.consumingDags],
    aliases: [...asset.aliases],
    eventCount: asset.eventCount,
    lastEventAt: isoOrNull(asset.lastEventAt),
  };
}

/**
 * An alias as the API shows it.
 *
 * @example
 * ```ts
 * const aliases = page.items.map(toAlias);
 * ```
 */
export function toAlias(alias: AliasView): z.output<typeof aliasSchema> {
  return {
    name: alias.name,
    group: alias.group,
    assets: alias.assets.map((asset) => ({ ...asset })),
    producingTasks: alias.producingTasks.map((task) => ({ ...task })),
    consumingDags: [...alias.consumingDags],
  };
}

/**
 * Queued events as the API shows them: one per consumer and asset URI (assets
 * sharing a URI are summed, keeping the earliest queue time).
 *
 * @example
 * ```ts
 * toQueuedEvents(await listQueuedEvents(db, { dagId })); // [{ dagId, uri, createdAt, count }]
 * ```
 */
export function toQueuedEvents(views: readonly QueuedEventView[]): Array<z.output<typeof queuedEventSchema>> {
  const merged = new Map<string, { dagId: string; uri: string; createdAt: number; count: number }>();
  for (const view of views) {
    const key = JSON.stringify([view.dagId, view.uri]);
    const existing = merged.get(key);
    merged.set(
      key,
      existing
        ? { ...existing, createdAt: Math.min(existing.createdAt, view.createdAt), count: existing.count + view.count }
        : { dagId: view.dagId, uri: view.uri, createdAt: view.createdAt, count: view.count },
    );
  }
  return [...merged.values()].map((item) => ({ ...item, createdAt: iso(item.createdAt) }));
}

/**
 * A DAG as the API shows it.
 *
 * @example
 * ```ts
 * const dags = page.items.map(toDag);
 * ```
 */
export function toDag(dag: DagView): z.output<typeof dagSchema> {
  return {
    dagId: dag.dagId,
    description: dag.description,
    fileloc: dag.fileloc,
    isPaused: dag.isPaused,
    isActive: dag.isActive,
    maxActiveRuns: dag.maxActiveRuns,
    tags: [...dag.tags],
    schedule: { ...dag.schedule },
    params: maskSecrets(dag.params),
    tasks: dag.tasks.map((task) => ({
      taskId: task.taskId,
      operator: task.operator,
      upstream: [...task.upstream],
      outlets: task.outlets.map((item) => ({ ...item })),
      inlets: task.inlets.map((item) => ({ ...item })),
      retries: task.retries,
      retryDelayMs: task.retryDelayMs,
      executionTimeoutMs: task.executionTimeoutMs,
    })),
    nextRunAt: isoOrNull(dag.nextRunAt),
  };
}

/**
 * A run summary as the API shows it.
 *
 * @example
 * ```ts
 * const runs = grid.runs.map(toRunSummary);
 * ```
 */
export function toRunSummary(run: RunSummaryView): z.output<typeof dagRunSummarySchema> {
  return {
    runId: run.runId,
    runType: run.runType,
    state: run.state,
    createdAt: iso(run.createdAt),
    startDate: isoOrNull(run.startDate),
    endDate: isoOrNull(run.endDate),
  };
}

/**
 * A DAG of the DAG list as the API shows it, with its explained condition (or null).
 *
 * @example
 * ```ts
 * const item = toDagListItem(view, await scheduler.explainConsumer(view.dagId));
 * ```
 */
export function toDagListItem(
  dag: DagOverviewView,
  condition: ExplainedConditionJson | null,
): z.output<typeof dagListItemSchema> {
  return { ...toDag(dag), lastRun: dag.lastRun ? toRunSummary(dag.lastRun) : null, assetCondition: condition };
}

/**
 * A run as the API shows it.
 *
 * @example
 * ```ts
 * const runs = page.items.map(toDagRun);
 * ```
 */
export function toDagRun(run: DagRunView): z.output<typeof dagRunSchema> {
  return {
    dagId: run.dagId,
    runId: run.runId,
    runType: run.runType,
    state: run.state,
    logicalDate: isoOrNull(run.logicalDate),
    dataIntervalStart: isoOrNull(run.dataIntervalStart),
    dataIntervalEnd: isoOrNull(run.dataIntervalEnd),
    conf: maskSecrets(run.conf),
    createdAt: iso(run.createdAt),
    startDate: isoOrNull(run.startDate),
    endDate: isoOrNull(run.endDate),
    consumedEvents: run.consumedEvents.map(toAssetEvent),
  };
}

/**
 * A task instance as the API shows it.
 *
 * @example
 * ```ts
 * const tis = (await listTaskInstances(db, dagId, runId)).map(toTaskInstance);
 * ```
 */
export function toTaskInstance(ti: TaskInstanceView): z.output<typeof taskInstanceSchema> {
  return {
    dagId: ti.dagId,
    runId: ti.runId,
    taskId: ti.taskId,
    mapIndex: ti.mapIndex,
    state: ti.state,
    tryNumber: ti.tryNumber,
    maxTries: ti.maxTries,
    startDate: isoOrNull(ti.startDate),
    endDate: isoOrNull(ti.endDate),
    error: ti.error ? { message: ti.error.message, ...(ti.error.code ? { code: ti.error.code } : {}) } : null,
    ...(ti.result === undefined ? {} : { result: maskSecrets(ti.result) }),
  };
}

/**
 * The asset graph as the API shows it.
 *
 * @example
 * ```ts
 * const graph = toAssetGraph(await loadAssetGraph(db));
 * ```
 */
export function toAssetGraph(graph: AssetGraph): z.output<typeof assetGraphSchema> {
  return {
    nodes: graph.nodes.map((node) => {
      if (node.kind === "asset") return { ...node, lastEventAt: isoOrNull(node.lastEventAt) };
      if (node.kind === "dag") {
        return { ...node, lastRun: node.lastRun ? { ...node.lastRun, createdAt: iso(node.lastRun.createdAt) } : null };
      }
      return { ...node };
    }),
    edges: graph.edges.map((edge) => ({ ...edge, taskIds: [...edge.taskIds] })),
  };
}

/**
 * How deep a JSON value nests (a scalar is 0, `{}` is 1). Iterative, so any input is safe.
 *
 * @example
 * ```ts
 * jsonDepth({ a: { b: 1 } }); // 2
 * ```
 */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    for (const item of Object.values(current as JsonObject)) stack.push([item, depth + 1]);
  }
  return deepest;
}

// ---------------------------------------------------------------- watchers

/** A watcher and its state. */
export const watcherSchema = component(
  "Watcher",
  "A watcher of an asset (`new Asset(uri, { watchers })`) and its state: where it runs, the source position committed with its last event, its last error and lag.",
  z.object({
    watcherId: z.string().describe("`<asset uri>#<name>`; the webhook endpoint takes it percent-encoded."),
    asset: z.object({ name: z.string(), uri: z.string() }),
    name: z.string(),
    kind: z.string(),
    state: z
      .enum(["running", "failing", "stopped", "receiving"])
      .describe("running / failing (running, with a last error) / stopped (no process holds it); webhooks: receiving."),
    runningIn: z.string().nullable().describe("The process holding its lease (`host:pid:id`)."),
    position: z.unknown().describe("The source position committed with its last event (JSON), or null."),
    events: z.number().int(),
    lastEventAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    lag: z
      .number()
      .nullable()
      .describe("How far behind its source it is, as the kind reports it (messages or files pending)."),
  }),
);
