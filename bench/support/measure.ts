/**
 * What every bench prints beside its figures: medians and percentiles of samples, the
 * commit measured, and the machine's load average.
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";

/** The `p`-th percentile (nearest rank) of ascending `sorted` samples; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** The median of `values` (the upper one of the two middle values for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The commit measured, with "+dirty" when scheduler/ or sdk/ have changes, or "unknown". */
export function gitRevision(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "scheduler", "sdk") ? "+dirty (scheduler/ or sdk/)" : ""}`;
  } catch {
    return "unknown";
  }
}

/** The 1, 5 and 15 minute load averages, as "a / b / c". */
export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(" / ");
}
