import { join } from "node:path";
import type { Scheduler } from "../scheduler/scheduler.js";
import { assetflowHome } from "../scheduler/store/home.js";

/** Where the CLI keeps things: `$ASSETFLOW_HOME` and its folders. */
export function homePaths(env: NodeJS.ProcessEnv = process.env) {
  const home = assetflowHome(env);
  return { home, logs: join(home, "logs"), bundles: join(home, "bundles") };
}

/** Opens the scheduler over the configured store (`ASSETFLOW_DATABASE_URL` or the SQLite file in the home). */
export async function openScheduler(options: { pollIntervalMs?: number } = {}): Promise<Scheduler> {
  // Loaded here, not at start: `assetflow --help` and commands without a store never load the store's drivers.
  const { Scheduler } = await import("../scheduler/scheduler.js");
  return Scheduler.open(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs });
}

/** Runs `fn` with a scheduler and closes it afterwards. */
export async function withScheduler<T>(fn: (scheduler: Scheduler) => Promise<T>): Promise<T> {
  const scheduler = await openScheduler();
  try {
    return await fn(scheduler);
  } finally {
    await scheduler.close();
  }
}
