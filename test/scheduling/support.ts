/**
 * Shared set-up of the scheduling scenarios: environments opened through
 * {@link useTestEnvironments} are closed after each test.
 */
import { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from "assetflow/testing";
import { afterEach } from "vitest";

/** Returns a `start(dags, options)` that opens a test environment closed after the current test. */
export function useTestEnvironments(): (
  dags: TestEnvironmentOptions["dags"],
  options?: Omit<TestEnvironmentOptions, "dags">,
) => Promise<TestEnvironment> {
  const open: TestEnvironment[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((env) => env.close()));
  });
  return async (dags, options = {}) => {
    const env = await createTestEnvironment({ ...options, dags });
    open.push(env);
    return env;
  };
}

/** Epoch milliseconds of an ISO date, for readable expectations. */
export const at = (iso: string): number => Date.parse(iso);

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
