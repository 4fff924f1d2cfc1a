import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The test tiers (README "Tests"): `unit` beside the code; `integration` under
 * test/ (store, engine, runtime and server in-process, on both databases);
 * `system` under test/system/ (the real `assetflow` command, several
 * processes, crash and chaos, the browser, the packed package).
 * `npm test` runs unit + integration, `npm run test:system` the system tier.
 */
const UNIT = [
  ...["sdk", "compiler", "scheduler", "runtime", "server", "cli", "testing"].map((folder) => `${folder}/**/*.test.ts`),
  // The web UI: view logic in Node, components in happy-dom (`@vitest-environment happy-dom` per file).
  "ui/**/*.test.{ts,tsx}",
];
const SYSTEM = ["test/system/**/*.test.ts"];

/** Integration suites that run once more on PostgreSQL when a test database is given. */
const POSTGRES_SUITES = [
  "test/scheduling/**/*.test.ts",
  "test/conformance/timelines.test.ts",
  "test/server/**/*.test.ts",
];

/**
 * Integration files that record the DAGs a module defines while it is
 * evaluated (the examples, the compiler's parity and fixtures): they need
 * modules no other file has imported yet, so they run isolated, each in a
 * fresh module graph (the `integration-fresh` project).
 */
const FRESH_MODULES = ["test/examples.test.ts", "test/compiler/parity.test.ts", "test/compiler/fixtures.test.ts"];

/**
 * `isolate: false`: the files of a project share their worker's module cache
 * (each module is imported once per worker instead of once per file, which was
 * most of `npm test`'s time). Every file still builds its own stores, servers
 * and environments; only the files of FRESH_MODULES need fresh modules.
 */
const projects: TestProjectInlineConfiguration[] = [
  { extends: true, test: { name: "unit", include: UNIT, isolate: false } },
  {
    extends: true,
    // templates/: the project `assetflow init` writes, whose test runs here against the sources.
    test: {
      name: "integration",
      include: ["test/**/*.test.{ts,tsx}", "templates/**/*.test.ts"],
      exclude: [...SYSTEM, ...FRESH_MODULES],
      isolate: false,
    },
  },
  { extends: true, test: { name: "integration-fresh", include: FRESH_MODULES } },
  { extends: true, test: { name: "system", include: SYSTEM } },
];
if (process.env.ASSETFLOW_TEST_DATABASE_URL) {
  projects.push({
    extends: true,
    test: {
      name: "integration-postgres",
      include: POSTGRES_SUITES,
      env: { ASSETFLOW_TEST_BACKEND: "postgres" },
      isolate: false,
    },
  });
} else {
  console.warn(
    "[assetflow] ASSETFLOW_TEST_DATABASE_URL is not set: the PostgreSQL runs of the scheduling scenarios and the PostgreSQL store tests are skipped. Set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run them.",
  );
}

/**
 * Workers for the in-process tiers (`npm test`, `test:unit`, `test:integration`).
 * Vitest's default in run mode is one fewer than the CPUs: a single worker on
 * two cores. The unit and integration files mostly wait (on PostgreSQL, on
 * SQLite's syncs, on task hosts), so one worker more than the CPUs keeps both
 * cores busy: on the 2-core machine the vitest part of `npm test` went from
 * 196 s to 127 s. The system tier keeps Vitest's default: its files time real
 * processes and several of them load the machine on their own.
 */
const IN_PROCESS_SCRIPTS = new Set(["test", "test:unit", "test:integration"]);
const inProcessWorkers = IN_PROCESS_SCRIPTS.has(process.env.npm_lifecycle_event ?? "")
  ? Math.max(3, availableParallelism())
  : undefined;

export default defineConfig({
  resolve: {
    alias: [
      { find: /^assetflow$/, replacement: here("./sdk/index.ts") },
      { find: /^assetflow\/sdk$/, replacement: here("./sdk/index.ts") },
      { find: /^assetflow\/testing$/, replacement: here("./testing/index.ts") },
      { find: /^assetflow\/vitest$/, replacement: here("./testing/vitest.ts") },
      { find: /^assetflow\/compiler$/, replacement: here("./compiler/index.ts") },
      { find: /^assetflow\/runtime$/, replacement: here("./runtime/index.ts") },
      { find: /^assetflow\/scheduler$/, replacement: here("./scheduler/index.ts") },
      { find: /^assetflow\/server$/, replacement: here("./server/index.ts") },
    ],
  },
  // The web UI's components (ui/, test/ui/) use the automatic JSX runtime.
  esbuild: { jsx: "automatic" },
  test: {
    projects,
    testTimeout: 30_000,
    ...(inProcessWorkers === undefined ? {} : { maxWorkers: inProcessWorkers }),
    hookTimeout: 60_000,
  },
});
