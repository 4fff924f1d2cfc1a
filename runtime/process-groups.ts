/**
 * Process groups: a task host and each command a task runs live in a process
 * group of their own, so that a timeout, a failure or a stop kills everything
 * they started (`sleep 400 &`, a server, grandchildren), not only the process
 * that was started.
 */

/**
 * Kills process group `pgid` (every process in it), if any of it is left.
 *
 * @example
 * ```ts
 * const child = spawn("bash", ["-c", "sleep 400 & sleep 400"], { detached: true });
 * killProcessGroup(child.pid as number); // both sleeps end
 * ```
 */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}
