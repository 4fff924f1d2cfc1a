/** Polling with a deadline, for tests that wait on another process or a background loop. */
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Calls `probe` until it returns something other than undefined, or fails
 * after `timeoutMs` with the last probe's description of what it saw.
 */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ""}`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}
