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
    const env = await createTestEnvironment({ ...backendStore(), ...options, dags });
    open.push(env);
    return env;
  };
}

/**
 * The store the scenarios run on: SQLite in memory by default, PostgreSQL when
 * `ASSETFLOW_TEST_BACKEND=postgres` (the `postgres` vitest project sets it,
 * with `ASSETFLOW_TEST_DATABASE_URL`).
 */
export function backendStore(): Pick<TestEnvironmentOptions, "store"> {
  if (process.env.ASSETFLOW_TEST_BACKEND !== "postgres") return {};
  const url = process.env.ASSETFLOW_TEST_DATABASE_URL;
  if (!url) throw new Error("ASSETFLOW_TEST_BACKEND=postgres needs ASSETFLOW_TEST_DATABASE_URL");
  return { store: { postgres: url } };
}

/** Epoch milliseconds of an ISO date, for readable expectations. */
export const at = (iso: string): number => Date.parse(iso);

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
