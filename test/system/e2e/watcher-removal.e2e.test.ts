/**
 * A watcher removed from the DAG files stops (issue 17): when re-registering
 * a DAG file no longer declares a watcher (its asset is gone, or the asset
 * lost the watcher), the process running it stops it, `watchers list` shows
 * it `removed`, and a file landing meanwhile records nothing. Declaring it
 * again resumes it from its position: what it reported before is not
 * reported twice. Through `assetflow standalone` (SQLite) and through
 * `assetflow scheduler` + `assetflow triggerer` (PostgreSQL).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { adminQuery, testSchemaName, withSearchPath } from "../../store/backends.js";
import { poll } from "../../support/poll.js";
import { cliEnv, cliJson, type RunJson, requireBuiltCli, Service, tempDir, waitForRuns } from "./support.js";

const pgUrl = process.env.ASSETFLOW_TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface WatcherJson {
  watcherId: string;
  state: string;
  events: number;
}

/** The DAG file: the watched asset (with or without its watcher) and its consumer. */
function dagFile(incoming: string, watched: boolean): string {
  const watchers = watched
    ? `watchers: [{ kind: "files", dir: ${JSON.stringify(incoming)}, glob: "*.csv", pollMs: 100 }]`
    : "";
  return `import { Asset, dag, task } from "assetflow";
const landed = new Asset("file://incoming/removal", { ${watchers} });
dag({ dagId: "on_landed", schedule: [landed] }, () => {
  task(function work() {});
});
`;
}

const names = (runs: RunJson[]) =>
  runs.flatMap((run) => run.consumedEvents.map((event) => String(event.extra.name))).sort();

/**
 * The scenario, whichever processes run the watchers: `runner` is the process
 * whose lines say a watcher started or stopped.
 */
async function removeAndReadd(setup: {
  env: NodeJS.ProcessEnv;
  dagsDir: string;
  incoming: string;
  runner: Service;
}): Promise<void> {
  const { env, dagsDir, incoming, runner } = setup;
  const file = join(dagsDir, "landed.ts");
  const watchers = () => cliJson<WatcherJson[]>(["watchers", "list"], env);
  const stateIs = (state: string) => async () => {
    const [watcher] = await watchers();
    return watcher?.state === state ? watcher : undefined;
  };

  await runner.waitForLine("the watcher to start", (line) => line.kind === "watcher_started", 60_000);
  writeFileSync(join(incoming, "one.csv"), "1\n");
  expect(await waitForRuns("on_landed", env, (runs) => (runs.length === 1 ? names(runs) : undefined))).toEqual([
    "one.csv",
  ]);

  // The asset no longer declares the watcher: it stops and shows as removed.
  writeFileSync(file, dagFile(incoming, false));
  await runner.waitForLine("the watcher to stop", (line) => line.kind === "watcher_stopped", 60_000);
  const removed = await poll("the watcher to show as removed", stateIs("removed"), { timeoutMs: 30_000 });
  expect(removed).toMatchObject({ watcherId: "file://incoming/removal#files", events: 1 });
  writeFileSync(join(incoming, "two.csv"), "2\n");
  // Ten scans of a running watcher (pollMs 100) would have reported it.
  await sleep(1500);
  expect((await watchers())[0]?.events).toBe(1);
  expect(names(await cliJson<RunJson[]>(["runs", "list", "on_landed"], env))).toEqual(["one.csv"]);

  // Declared again: it resumes; one.csv (reported before) is not reported twice.
  const startsBefore = runner.lines.filter((line) => line.kind === "watcher_started").length;
  writeFileSync(file, dagFile(incoming, true));
  await poll(
    "the watcher to start again",
    async () => runner.lines.filter((line) => line.kind === "watcher_started").length > startsBefore || undefined,
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  expect(await waitForRuns("on_landed", env, (runs) => (runs.length === 2 ? names(runs) : undefined))).toEqual([
    "one.csv",
    "two.csv",
  ]);
  await sleep(1000);
  expect(await watchers()).toEqual([expect.objectContaining({ state: "running", events: 2 })]);
}

describe("a watcher removed from the DAG files", () => {
  it("stops in assetflow standalone, shows as removed, and resumes without duplicates when declared again", async () => {
    requireBuiltCli();
    const home = tempDir("removal");
    const dags = tempDir("removal-dags");
    cleanups.push(home.remove, dags.remove);
    const incoming = join(home.path, "incoming");
    mkdirSync(incoming, { recursive: true });
    writeFileSync(join(dags.path, "landed.ts"), dagFile(incoming, true));
    const env = cliEnv(home.path);
    const standalone = new Service(["standalone", "--dags", dags.path, "--port", "0", "--workers", "1"], env);
    cleanups.push(async () => void (await standalone.stop()));
    await standalone.started(90_000);
    await removeAndReadd({ env, dagsDir: dags.path, incoming, runner: standalone });
  }, 240_000);

  it("stops in assetflow triggerer (PostgreSQL), shows as removed, and resumes without duplicates", async () => {
    requireBuiltCli();
    const home = tempDir("removal-pg");
    const dags = tempDir("removal-pg-dags");
    const schema = testSchemaName("removal");
    await adminQuery(pgUrl, `CREATE SCHEMA ${schema}`);
    cleanups.push(home.remove, dags.remove, () => adminQuery(pgUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const incoming = join(home.path, "incoming");
    mkdirSync(incoming, { recursive: true });
    writeFileSync(join(dags.path, "landed.ts"), dagFile(incoming, true));
    const env = { ...cliEnv(home.path), ASSETFLOW_DATABASE_URL: withSearchPath(pgUrl, schema) };
    const scheduler = new Service(["scheduler", "--dags", dags.path], env);
    cleanups.push(async () => void (await scheduler.stop()));
    await scheduler.started(90_000);
    const triggerer = new Service(["triggerer", "--lease", "3"], env);
    cleanups.push(async () => void (await triggerer.stop()));
    await triggerer.started(60_000);
    await removeAndReadd({ env, dagsDir: dags.path, incoming, runner: triggerer });
  }, 240_000);
});
