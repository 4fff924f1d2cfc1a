/**
 * Schedules in words: a cron expression as written, an asset condition as a
 * sentence ("orders and (customers or prices)"), and how the DAGs page
 * groups schedules.
 */
import type { ConditionNode, ScheduleManifest } from "../../sdk/manifest/schema.js";
import type { Schedule } from "../api/types.js";
import { assertNever, type SCHEDULE_KINDS } from "./routes.js";

/** How a schedule is summarized on the DAGs and DAG pages. */
export interface ScheduleSummary {
  /** The group the DAGs page filters by. */
  readonly kind: (typeof SCHEDULE_KINDS)[number];
  /** The time part (`0 * * * *` in UTC), or null. */
  readonly time: string | null;
  /** The asset condition in words, or null. */
  readonly condition: string | null;
  /** One line for a table cell. */
  readonly text: string;
}

/**
 * The manifest schedule the API returns (typed loosely by the API schema).
 *
 * @example
 * ```ts
 * asManifestSchedule(dag.schedule).kind; // "assets"
 * ```
 */
export function asManifestSchedule(schedule: Schedule): ScheduleManifest {
  return schedule as ScheduleManifest;
}

/**
 * A schedule summarized for people.
 *
 * @example
 * ```ts
 * summarizeSchedule({ kind: "cron", expression: "@daily", timezone: "UTC" }).text; // "@daily"
 * ```
 */
export function summarizeSchedule(schedule: Schedule): ScheduleSummary {
  const manifest = asManifestSchedule(schedule);
  switch (manifest.kind) {
    case "none":
      return { kind: "manual", time: null, condition: null, text: "Manual only" };
    case "once":
      return { kind: "time", time: "@once", condition: null, text: "@once" };
    case "cron":
    case "cronTrigger": {
      const time = timeInWords(manifest);
      return { kind: "time", time, condition: null, text: time };
    }
    case "assets": {
      const condition = conditionInWords(manifest.condition);
      return { kind: "assets", time: null, condition, text: `On ${condition}` };
    }
    case "assetOrTime": {
      const time = timeInWords(manifest.timetable);
      const condition = conditionInWords(manifest.condition);
      return { kind: "assetOrTime", time, condition, text: `${time}, or on ${condition}` };
    }
    default:
      return assertNever(manifest);
  }
}

/**
 * The condition tree of an asset schedule, or null for other schedules.
 *
 * @example
 * ```ts
 * scheduleCondition(dag.schedule)?.kind; // "all"
 * ```
 */
export function scheduleCondition(schedule: Schedule): ConditionNode | null {
  const manifest = asManifestSchedule(schedule);
  return manifest.kind === "assets" || manifest.kind === "assetOrTime" ? manifest.condition : null;
}

/**
 * An asset condition as a sentence: `and` binds tighter than `or`, so only
 * an `or` inside an `and` gets parentheses.
 *
 * @example
 * ```ts
 * conditionInWords({ kind: "all", conditions: [a, { kind: "any", conditions: [b, c] }] }); // "a and (b or c)"
 * ```
 */
export function conditionInWords(node: ConditionNode): string {
  switch (node.kind) {
    case "asset":
    case "alias":
    case "ref":
    case "pattern":
      return leafLabel(node);
    case "all":
      return node.conditions
        .map((child) => (child.kind === "any" ? `(${conditionInWords(child)})` : conditionInWords(child)))
        .join(" and ");
    case "any":
      return node.conditions.map(conditionInWords).join(" or ");
    default:
      return assertNever(node);
  }
}

/** A leaf of a condition tree. */
export type ConditionLeaf = Extract<ConditionNode, { kind: "asset" | "alias" | "ref" | "pattern" }>;

/**
 * How a condition leaf is named: an asset by its name (its URI when the name
 * is the URI), an alias as `alias <name>`, a reference as written.
 *
 * @example
 * ```ts
 * leafLabel({ kind: "alias", name: "outputs" }); // "alias outputs"
 * ```
 */
export function leafLabel(leaf: {
  readonly kind: string;
  readonly name?: string | undefined;
  readonly uri?: string | undefined;
  readonly pattern?: string | undefined;
}): string {
  if (leaf.kind === "alias") return `alias ${leaf.name ?? ""}`;
  if (leaf.kind === "pattern") return `any asset matching ${leaf.pattern ?? ""}`;
  if (leaf.kind === "ref") return leaf.name !== undefined ? `name ${leaf.name}` : `uri ${leaf.uri ?? ""}`;
  return leaf.name ?? leaf.uri ?? "";
}

function timeInWords(timetable: { kind: "cron" | "cronTrigger"; expression: string; timezone: string }): string {
  const zone = timetable.timezone === "UTC" ? "" : ` (${timetable.timezone})`;
  const trigger = timetable.kind === "cronTrigger" ? " trigger" : "";
  return `${timetable.expression}${zone}${trigger}`;
}
