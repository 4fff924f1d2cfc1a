/**
 * Why a consumer waits: its condition explained, its consumption policy and the rule it waits on.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { ConsumePolicyNode, ConsumerWait } from "../../../scheduler/index.js";
import { component, iso, isoTime, nullableTime } from "../../schemas.js";
import { queuedEventSchema } from "../queued-events/schemas.js";

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
