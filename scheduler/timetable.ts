/**
 * Pure timetable arithmetic: when the next time-based run of a DAG is due and
 * which data interval it covers. Cron expressions are read by croner.
 */
import { Cron } from "croner";
import type { ScheduleManifest, TimetableManifest } from "../sdk/manifest/schema.js";

/** A time-based run to create: due at `runAt`, covering the interval. Epoch ms. */
export interface PlannedRun {
  readonly runAt: number;
  readonly logicalDate: number;
  readonly intervalStart: number;
  readonly intervalEnd: number;
}

/** What the planner needs to know about a DAG. */
export interface PlanInput {
  /** The DAG's first date (epoch ms), or null for "since it was registered". */
  readonly startDate: number | null;
  readonly catchup: boolean;
  readonly registeredAt: number;
  /** The last time-based run created, or null. */
  readonly lastRun: { readonly logicalDate: number; readonly intervalEnd: number } | null;
  readonly now: number;
}

/** The time-based part of a schedule, if any. */
export function timetableOf(schedule: ScheduleManifest): TimetableManifest | { kind: "once" } | null {
  switch (schedule.kind) {
    case "cron":
    case "cronTrigger":
    case "once":
      return schedule.kind === "once" ? { kind: "once" } : schedule;
    case "assetOrTime":
      return schedule.timetable;
    case "none":
    case "assets":
      return null;
  }
}

/**
 * The next time-based run of a timetable, or null when there is none.
 *
 * - `cron`: a run covers the interval between two ticks and is due at its end.
 *   The first interval starts at the first tick at or after `startDate`; without
 *   a `startDate` it is the interval in which the DAG was first registered (an
 *   `@hourly` DAG registered at 15:28 runs 15:00-16:00 at 16:00).
 *   Without catchup only the latest complete interval is run when several were
 *   missed.
 * - `cronTrigger`: a run is due at each tick, with an empty interval at the
 *   tick: the first at the first tick at or after `startDate` (or registration);
 *   without catchup missed ticks are skipped.
 * - `once`: one run, at the start date (or registration).
 *
 * @example
 * ```ts
 * planNextRun({ kind: "cron", expression: "@daily", timezone: "UTC" }, input);
 * ```
 */
export function planNextRun(timetable: TimetableManifest | { kind: "once" }, input: PlanInput): PlannedRun | null {
  const earliest = input.startDate ?? input.registeredAt;
  if (timetable.kind === "once") {
    if (input.lastRun) return null;
    return { runAt: earliest, logicalDate: earliest, intervalStart: earliest, intervalEnd: earliest };
  }
  const cron = new Cron(timetable.expression, { paused: true, timezone: timetable.timezone });
  const tickAtOrAfter = (time: number) => cron.nextRun(new Date(time - 1))?.getTime() ?? null;
  const tickAfter = (time: number) => cron.nextRun(new Date(time))?.getTime() ?? null;
  const tickAtOrBefore = (time: number) => cron.previousRuns(1, new Date(time + 1))[0]?.getTime() ?? null;

  if (timetable.kind === "cronTrigger") {
    let tick = input.lastRun ? tickAfter(input.lastRun.logicalDate) : tickAtOrAfter(earliest);
    if (tick === null) return null;
    if (!input.catchup && tick < input.now) {
      const latest = tickAtOrBefore(input.now);
      tick = latest !== null && latest >= tick ? latest : tick;
    }
    return { runAt: tick, logicalDate: tick, intervalStart: tick, intervalEnd: tick };
  }

  // Without a startDate, the interval that contains the registration is the first one.
  let start = input.lastRun
    ? input.lastRun.intervalEnd
    : input.startDate === null
      ? (tickAtOrBefore(input.registeredAt) ?? tickAtOrAfter(input.registeredAt))
      : tickAtOrAfter(input.startDate);
  if (start === null) return null;
  if (!input.catchup) {
    const latestEnd = tickAtOrBefore(input.now);
    const latestStart = latestEnd === null ? null : tickAtOrBefore(latestEnd - 1);
    if (latestStart !== null && latestStart > start) start = latestStart;
  }
  const end = tickAfter(start);
  if (end === null) return null;
  return { runAt: end, logicalDate: start, intervalStart: start, intervalEnd: end };
}

/**
 * The data interval of a manual run triggered at `now`: for a cron schedule
 * the latest complete interval, for a cron trigger the instant itself, and
 * `[now, now]` for DAGs without a time schedule.
 *
 * @example
 * ```ts
 * inferManualInterval({ kind: "cron", expression: "@hourly", timezone: "UTC" }, Date.now());
 * ```
 */
export function inferManualInterval(schedule: ScheduleManifest, now: number): { start: number; end: number } {
  const timetable = timetableOf(schedule);
  if (timetable && timetable.kind === "cron") {
    const cron = new Cron(timetable.expression, { paused: true, timezone: timetable.timezone });
    const end = cron.previousRuns(1, new Date(now + 1))[0]?.getTime();
    const start = end === undefined ? undefined : cron.previousRuns(1, new Date(end))[0]?.getTime();
    if (end !== undefined && start !== undefined) return { start, end };
  }
  return { start: now, end: now };
}
