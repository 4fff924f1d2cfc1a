/**
 * `assetflow triggerer` (runs the watchers of a deployment, several processes
 * sharing them through leases) and `assetflow watchers list`.
 */
import type { Command } from "commander";
import { DEFAULT_WATCHER_LEASE_MS } from "../../runtime/watchers/runner.js";
import { watcherState } from "../../scheduler/watcher-state.js";
import { homePaths, openScheduler, withScheduler } from "../open.js";
import { formatTime, type OutputOptions, printTable, printValue } from "../output.js";
import { createPrinter, parseCount, stopSignal, withJson } from "./common.js";

/** Options of `assetflow triggerer`. */
export interface TriggererOptions {
  dags?: string;
  lease: string;
  json?: boolean;
}

/** Registers `assetflow triggerer` and `assetflow watchers list`. */
export function registerWatchers(program: Command): void {
  program
    .command("triggerer")
    .description(
      "Run asset watchers (files, PostgreSQL, Redis Streams, RabbitMQ, NATS, defineWatcher kinds) beside a PostgreSQL deployment: each watcher runs in one triggerer at a time and moves to another within --lease seconds when its process dies",
    )
    .option("--dags <dir>", "folder (or file) of DAG files, loaded here only to find defineWatcher kinds")
    .option(
      "--lease <seconds>",
      "how long a triggerer holds a watcher without renewing it (the takeover time)",
      String(DEFAULT_WATCHER_LEASE_MS / 1000),
    )
    .option("--json", "print activity as JSON lines")
    .action(async (options: TriggererOptions) => {
      await runTriggerer(options);
    });

  const watchers = program.command("watchers").description("Inspect asset watchers");
  withJson(
    watchers
      .command("list")
      .description(
        "List every declared watcher: its asset, kind, state, where it runs, position, events, last error, lag",
      )
      .option("--uri <uri>", "only the watchers of this asset"),
  ).action(async (options: OutputOptions & { uri?: string }) => {
    const list = await withScheduler((scheduler) =>
      scheduler.listWatchers(options.uri === undefined ? {} : { uri: options.uri }),
    );
    const now = Date.now();
    if (options.json)
      return printValue(
        list.map((w) => ({ ...w, state: watcherState(w, now) })),
        options,
      );
    printTable(
      list.map((w) => {
        const state = watcherState(w, now);
        return {
          asset: w.asset.uri,
          name: w.name,
          kind: w.kind,
          state,
          running_in: state === "running" || state === "failing" ? w.leaseOwner : null,
          position: w.position === null ? null : JSON.stringify(w.position),
          events: w.events,
          last_event: formatTime(w.lastEventAt),
          lag: w.lag,
          last_error: w.lastError,
        };
      }),
      options,
    );
  });
}

/** Runs the watchers this process gets leases of until SIGINT/SIGTERM. */
export async function runTriggerer(options: TriggererOptions): Promise<void> {
  const leaseMs = (parseCount(options.lease, "--lease") ?? DEFAULT_WATCHER_LEASE_MS / 1000) * 1000;
  const print = createPrinter(options.json);
  const { WatcherRunner } = await import("../../runtime/watchers/runner.js");
  const { definitionLoader } = await import("../../runtime/watchers/definitions.js");
  const scheduler = await openScheduler({ pollIntervalMs: 2000 });
  const runner = new WatcherRunner(scheduler, {
    leaseMs,
    ...(options.dags === undefined ? {} : { loadDefinitions: definitionLoader(options.dags, homePaths().home) }),
    onChange: (line, change) => print(line, { ...change }),
  });
  runner.start();
  print(
    `assetflow triggerer\n  store    ${scheduler.store.location}\n  id       ${runner.owner}\n  lease    ${leaseMs / 1000} s`,
    {
      kind: "started",
      store: scheduler.store.location,
      owner: runner.owner,
      leaseMs,
      pid: process.pid,
    },
  );
  await stopSignal();
  print("stopping", { kind: "stopping" });
  await runner.stop();
  await scheduler.close();
}
