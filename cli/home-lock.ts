/**
 * One home, one owner: the lock file `$ASSETFLOW_HOME/standalone.lock` that
 * `assetflow standalone` (and `dev`) holds for its lifetime on a SQLite
 * store. A second one on the same home refuses to start, naming the owner;
 * a lock left by a killed process (SIGKILL, power loss) is recognised as
 * stale because its process is gone (or its pid now belongs to a process
 * started at another time) and is taken over, so it never blocks a restart.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PRIVATE_FILE_MODE } from "../scheduler/store/home.js";
import { AssetflowError } from "../sdk/errors.js";

/** The home is already owned by a live process; exit code 1. */
export class HomeLockedError extends AssetflowError {}

/** Stable code of {@link HomeLockedError}. */
export const HOME_LOCKED = "HOME_LOCKED";

/** What the lock file records about its owner. */
export interface HomeOwner {
  readonly pid: number;
  /** The owner's command line. */
  readonly command: string;
  /** When the owner started (ISO 8601). */
  readonly startedAt: string;
  /** The kernel's start time of the process (Linux `/proc/<pid>/stat` field 22), to tell a reused pid apart; null elsewhere. */
  readonly processStart: string | null;
}

/** A held lock: release it when the process stops. */
export interface HomeLock {
  readonly path: string;
  release(): void;
}

/** The lock file of `home`. */
export function homeLockPath(home: string): string {
  return join(home, "standalone.lock");
}

/**
 * Takes the lock of `home` for this process, or throws {@link HomeLockedError}
 * naming the live owner. A stale lock (owner gone) is replaced. The lock is
 * released by {@link HomeLock.release} and, as a fallback, when the process
 * exits normally.
 *
 * @example
 * ```ts
 * const lock = acquireHomeLock(homePaths().home);
 * try { await run(); } finally { lock.release(); }
 * ```
 */
export function acquireHomeLock(home: string): HomeLock {
  const path = homeLockPath(home);
  const me: HomeOwner = {
    pid: process.pid,
    command: process.argv.join(" "),
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    processStart: processStartTime(process.pid),
  };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(path, text, { flag: "wx", mode: PRIVATE_FILE_MODE });
      return heldLock(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = readOwner(path);
    if (owner && ownerAlive(owner)) throw lockedError(home, owner);
    // Stale (or unreadable, half-written by a killed process): take it over atomically, then check we won.
    const staged = `${path}.${process.pid}`;
    writeFileSync(staged, text, { mode: PRIVATE_FILE_MODE });
    renameSync(staged, path);
    const now = readOwner(path);
    if (now?.pid === process.pid) return heldLock(path);
    if (now && ownerAlive(now)) throw lockedError(home, now);
  }
  throw new HomeLockedError(HOME_LOCKED, `could not take the lock ${path}: it changed hands repeatedly; try again`, {
    details: { path },
  });
}

function heldLock(path: string): HomeLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    // Only our own lock: never remove one another process took over.
    if (readOwner(path)?.pid !== process.pid) return;
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  process.once("exit", release);
  return {
    path,
    release() {
      process.removeListener("exit", release);
      release();
    },
  };
}

function lockedError(home: string, owner: HomeOwner): HomeLockedError {
  return new HomeLockedError(
    HOME_LOCKED,
    `another assetflow process owns ${home}: pid ${owner.pid} (${owner.command}), started ${owner.startedAt}. ` +
      `Stop it (kill ${owner.pid}) or set ASSETFLOW_HOME to another folder.`,
    { details: { home, ...owner } },
  );
}

/** The lock file's owner, or null when it is missing or not a complete record. */
function readOwner(path: string): HomeOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as Partial<HomeOwner>;
    if (!Number.isSafeInteger(owner.pid) || typeof owner.command !== "string" || typeof owner.startedAt !== "string")
      return null;
    return { ...(owner as HomeOwner), processStart: owner.processStart ?? null };
  } catch {
    return null;
  }
}

/** Whether the recorded owner still runs: its pid exists and, where the kernel tells, was started at the same time. */
function ownerAlive(owner: HomeOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (owner.processStart === null) return true;
  const start = processStartTime(owner.pid);
  return start === null || start === owner.processStart;
}

/** The start time of process `pid` in clock ticks since boot (Linux), else null. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
