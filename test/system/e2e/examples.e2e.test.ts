/**
 * Issue 5, end to end: `assetflow standalone --dags examples/functional
 * --trigger-producers` runs as a child process on a temporary home (SQLite
 * store, real worker processes). Everything is checked through the CLI's
 * `--json` output: each seed example's consumer runs after its producer with
 * the expected extras and triggering events; then `assets emit`, `dags
 * pause`/`unpause`, JSON shapes, exit codes and error messages.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import {
  cliEnv,
  cliJson,
  type EventJson,
  examplesFolder,
  FINAL_RUN_STATES,
  type LogJson,
  listRuns,
  type RunJson,
  requireBuiltCli,
  runCli,
  Service,
  type TaskJson,
  tempDir,
  waitForRun,
} from "./support.js";

const home = tempDir("examples");
const warehouse = join(home.path, "warehouse.db");
const env = cliEnv(home.path, { ASSETFLOW_CONN_SNOWFLAKE_DEFAULT: `sqlite://${warehouse}` });
let standalone: Service;

beforeAll(async () => {
  requireBuiltCli();
  standalone = new Service(
    ["standalone", "--dags", examplesFolder, "--trigger-producers", "--workers", "2", "--port", "0"],
    env,
  );
  await standalone.started();
}, 90_000);

afterAll(async () => {
  await standalone?.stop();
  home.remove();
});

const allFinal = (runs: RunJson[]) => runs.length > 0 && runs.every((run) => FINAL_RUN_STATES.has(run.state));
const consumedFrom = (runs: RunJson[], sourceDagId: string) =>
  runs.flatMap((run) => run.consumedEvents).filter((event) => event.sourceDagId === sourceDagId);
const runConsuming = (runs: RunJson[], sourceDagId: string) =>
  runs.find((run) => run.consumedEvents.some((e) => e.sourceDagId === sourceDagId));

/** The producers `--trigger-producers` starts, and the consumers of the seed examples. */
const PRODUCERS = [
  "producer",
  "asset-extra-producer",
  "quickstart-producer",
  "multiple-assets-producer-1",
  "multiple-assets-producer-2",
  "multiple-assets-producer-3",
  "metadata-yield",
  "outlet-events",
  "load_snowflake_data",
  "asset-producer",
  "asset-alias-producer",
  "alias-outlet-events",
  "alias-metadata",
  "alias-dedupe",
  "alias-inlet-events-producer",
  "dag1",
  "dag2",
  "dag3",
  "queued-events-asset-1-producer",
  "queued-events-asset-2-producer",
];
const CONSUMERS = [
  "consumer",
  "quickstart-consumer",
  "multiple_assets_example",
  "inlet-events",
  "query_snowflake_data",
  "asset-alias-consumer",
  "asset-consumer",
  "consume_1_and_2_with_asset_expressions",
  "consume_1_or_2_with_asset_expressions",
  "consume_1_or_both_2_and_3_with_asset_expressions",
  "waiting_for_asset_1_and_2",
];

/** What the seed examples did once every producer ran once, by DAG id. */
let seed: Map<string, RunJson[]>;
const runsOf = (dagId: string): RunJson[] => seed.get(dagId) ?? [];

/** True once every producer and the consumers they trigger have finished. */
function settled(byDag: Map<string, RunJson[]>): boolean {
  const of = (dagId: string) => byDag.get(dagId) ?? [];
  if (![...byDag.values()].flat().every((run) => FINAL_RUN_STATES.has(run.state))) return false;
  if (!PRODUCERS.every((dagId) => of(dagId).length > 0)) return false;
  const aliasEvent = consumedFrom(of("asset-alias-consumer"), "asset-alias-producer")[0];
  return (
    runConsuming(of("consumer"), "producer") !== undefined &&
    of("quickstart-consumer").length > 0 &&
    of("multiple_assets_example").length > 0 &&
    consumedFrom(of("inlet-events"), "metadata-yield").length > 0 &&
    consumedFrom(of("inlet-events"), "outlet-events").length > 0 &&
    runConsuming(of("query_snowflake_data"), "load_snowflake_data") !== undefined &&
    aliasEvent !== undefined &&
    of("asset-consumer").some((run) => run.consumedEvents.some((e) => e.id === aliasEvent.id)) &&
    of("consume_1_and_2_with_asset_expressions").length > 0 &&
    of("consume_1_or_2_with_asset_expressions").flatMap((run) => run.consumedEvents).length === 2 &&
    of("consume_1_or_both_2_and_3_with_asset_expressions").length > 0 &&
    of("waiting_for_asset_1_and_2").length > 0
  );
}

/** The run's data interval spans its consumed events' source runs (DESIGN.md section 4). */
function expectIntervalSpansSources(run: RunJson): void {
  const sources = run.consumedEvents.map((event) => event.sourceRun).filter((source) => source !== null);
  expect(sources.length).toBeGreaterThan(0);
  expect(run.dataIntervalStart).toBe(Math.min(...sources.map((s) => s.dataIntervalStart ?? Number.POSITIVE_INFINITY)));
  expect(run.dataIntervalEnd).toBe(Math.max(...sources.map((s) => s.dataIntervalEnd ?? Number.NEGATIVE_INFINITY)));
}

async function taskLog(dagId: string, runId: string, taskId: string): Promise<string> {
  const logs = await cliJson<LogJson[]>(["tasks", "logs", dagId, runId, taskId], env);
  return logs.map((log) => log.text).join("");
}

describe("seed examples under assetflow standalone --trigger-producers", () => {
  beforeAll(async () => {
    // The standalone's activity lines say when to look; the CLI then confirms.
    const lines = () => standalone.lines;
    const quiet = () => {
      const created = lines()
        .filter((l) => l.kind === "run_created")
        .map((l) => `${l.dagId} ${l.runId}`);
      const finished = new Set(
        lines()
          .filter((l) => l.kind === "run_finished")
          .map((l) => `${l.dagId} ${l.runId}`),
      );
      const finishedDags = new Set(
        lines()
          .filter((l) => l.kind === "run_finished")
          .map((l) => l.dagId),
      );
      return (
        created.every((run) => finished.has(run)) && [...PRODUCERS, ...CONSUMERS].every((d) => finishedDags.has(d))
      );
    };
    seed = await poll(
      "every producer and its consumers to finish",
      async () => {
        if (!quiet()) return undefined;
        const runs = await cliJson<RunJson[]>(["runs", "list", ...PRODUCERS, ...CONSUMERS], env);
        const byDag = new Map<string, RunJson[]>();
        for (const run of runs) byDag.set(run.dagId, [...(byDag.get(run.dagId) ?? []), run]);
        return settled(byDag) ? byDag : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }, 90_000);

  it("every producer ran once, manually, and succeeded", () => {
    for (const dagId of PRODUCERS) {
      // (`producer` and `load_snowflake_data` also have time schedules: a test that crosses midnight or the
      // hour sees scheduled runs besides the manual one.)
      const manual = runsOf(dagId).filter((run) => run.runType === "manual");
      expect({ dagId, runs: manual.map((run) => [run.runType, run.state]) }).toEqual({
        dagId,
        runs: [["manual", "success"]],
      });
    }
  });

  it("producer-consumer: consumer runs after producer, triggered by its event", async () => {
    const producerRun = runsOf("producer").find((r) => r.runType === "manual") as RunJson;
    const run = runsOf("consumer").find((r) =>
      r.consumedEvents.some((e) => e.sourceRunId === producerRun.runId),
    ) as RunJson;
    expect(run).toMatchObject({ runType: "asset_triggered", state: "success" });
    const event = run.consumedEvents.find((e) => e.sourceDagId === "producer") as EventJson;
    expect(event).toMatchObject({
      assetUri: "s3://asset/example.csv",
      sourceTaskId: "producer",
      sourceRunId: producerRun.runId,
      extra: {},
    });
    // A manual run of an @daily DAG covers the last complete day; the consumer's interval spans its sources'.
    expect(event.sourceRun?.dataIntervalEnd).toBe(producerRun.dataIntervalEnd);
    expect((producerRun.dataIntervalEnd ?? 0) - (producerRun.dataIntervalStart ?? 0)).toBe(24 * 3600 * 1000);
    expectIntervalSpansSources(run);
    expect(await taskLog("consumer", run.runId, "report")).toMatch(/s3:\/\/asset\/example\.csv was updated \d+ time/);
  });

  it("multiple assets: one run consumes the events of all three assets", async () => {
    const runs = runsOf("multiple_assets_example");
    expect(runs).toHaveLength(1);
    const [run] = runs as [RunJson];
    expect(run.state).toBe("success");
    expect(run.consumedEvents.map((e) => e.assetUri).sort()).toEqual([
      "s3://asset/example_1.csv",
      "s3://asset/example_2.csv",
      "s3://asset/example_3.csv",
    ]);
    expect(run.consumedEvents.map((e) => e.sourceDagId).sort()).toEqual([
      "multiple-assets-producer-1",
      "multiple-assets-producer-2",
      "multiple-assets-producer-3",
    ]);
    const log = await taskLog("multiple_assets_example", run.runId, "report");
    for (const n of [1, 2, 3]) expect(log).toContain(`s3://asset/example_${n}.csv was updated 1 time(s)`);
  });

  it("metadata yield and outlet events: both attach { rowCount: 3 }, and inlet-events reads it", async () => {
    const runs = runsOf("inlet-events");
    for (const source of ["metadata-yield", "outlet-events"]) {
      expect(consumedFrom(runs, source)).toEqual([
        expect.objectContaining({
          assetName: "example_s3",
          assetUri: "s3://asset/example.csv",
          extra: { rowCount: 3 },
        }),
      ]);
    }
    for (const run of runs) expect(run.state).toBe("success");
    const [events, tasks] = await Promise.all([
      cliJson<EventJson[]>(["assets", "events", "s3://asset/example.csv", "--name", "example_s3"], env),
      cliJson<TaskJson[]>(["tasks", "list", "inlet-events", (runs[0] as RunJson).runId], env),
    ]);
    expect(events.map((e) => [e.sourceDagId, e.extra]).sort()).toEqual([
      ["metadata-yield", { rowCount: 3 }],
      ["outlet-events", { rowCount: 3 }],
    ]);
    // The inlet reads the latest example_s3 event: its rowCount is the task's return value.
    expect(tasks).toEqual([expect.objectContaining({ taskId: "post_process_s3_file", state: "success", result: 3 })]);
  });

  it("triggering events: the query renders the producer's data interval and runs it on SQLite", async () => {
    const loadRun = runsOf("load_snowflake_data").find((r) => r.runType === "manual") as RunJson;
    const run = runsOf("query_snowflake_data").find((r) =>
      r.consumedEvents.some((e) => e.sourceRunId === loadRun.runId),
    ) as RunJson;
    expect(run.state).toBe("success");
    expect(run.consumedEvents.map((e) => e.sourceRunId)).toEqual([loadRun.runId]);
    expect(run.dataIntervalStart).toBe(loadRun.dataIntervalStart);
    expect(run.dataIntervalEnd).toBe(loadRun.dataIntervalEnd);
    const start = new Date(loadRun.dataIntervalStart ?? 0).toISOString();
    const end = new Date(loadRun.dataIntervalEnd ?? 0).toISOString();
    const [tasks, log, printed] = await Promise.all([
      cliJson<TaskJson[]>(["tasks", "list", "query_snowflake_data", run.runId], env),
      taskLog("query_snowflake_data", run.runId, "query"),
      taskLog("query_snowflake_data", run.runId, "print_triggering_asset_events"),
    ]);
    const query = tasks.find((task) => task.taskId === "query");
    expect(query?.state).toBe("success");
    expect(query?.result).toEqual([expect.objectContaining({ value: "hourly load", updated_at: start })]);
    expect(log).toContain(`"updated_at" >= '${start}'`);
    expect(log).toContain(`"updated_at" < '${end}'`);
    expect(log).toContain("SQL returned 1 row(s).");
    expect(printed).toContain("snowflake://my_db/my_schema/my_table: 1 event(s)");
    expect(printed).toContain("load_snowflake_data");
  });

  it("aliases: one alias event triggers both the alias consumer and the concrete-asset consumer", async () => {
    const aliasRun = runConsuming(runsOf("asset-alias-consumer"), "asset-alias-producer") as RunJson;
    const event = aliasRun.consumedEvents.find((e) => e.sourceDagId === "asset-alias-producer") as EventJson;
    expect(event).toMatchObject({ assetUri: "s3://bucket/my-task", sourceAliases: ["example-alias"] });
    const assetRun = runsOf("asset-consumer").find((run) => run.consumedEvents.some((e) => e.id === event.id));
    expect(aliasRun.state).toBe("success");
    expect(assetRun?.state).toBe("success");
    // `asset-producer` updates an asset *named* example-alias: that triggers neither consumer.
    expect(consumedFrom(runsOf("asset-alias-consumer"), "asset-producer")).toEqual([]);
    expect(consumedFrom(runsOf("asset-consumer"), "asset-producer")).toEqual([]);
    // Alias dedupe: three additions, two distinct (asset, extra) pairs, two events.
    const events = await cliJson<EventJson[]>(["assets", "events", "s3://bucket/my-task", "--limit", "100"], env);
    const fromDedupe = events.filter((e) => e.sourceDagId === "alias-dedupe");
    expect(fromDedupe.map((e) => [e.extra, [...e.sourceAliases].sort()])).toEqual([
      [{ k: "v" }, ["my-task-outputs-1", "my-task-outputs-2"]],
      [{ k2: "v2" }, ["my-task-outputs-3"]],
    ]);
  });

  it("conditional & and |: every run's consumed events satisfy its condition; nothing is lost", async () => {
    const dag1 = "s3://dag1/output_1.txt";
    const dag2 = "s3://dag2/output_1.txt";
    const dag3 = "s3://dag3/output_3.txt";
    const uris = (run: RunJson) => new Set(run.consumedEvents.map((e) => e.assetUri));

    const andRuns = runsOf("consume_1_and_2_with_asset_expressions");
    expect(andRuns.map((run) => [run.state, [...uris(run)].sort()])).toEqual([["success", [dag1, dag2]]]);

    const orRuns = runsOf("consume_1_or_2_with_asset_expressions");
    for (const run of orRuns) expect(run.state).toBe("success");
    expect(orRuns.flatMap((r) => r.consumedEvents.map((e) => e.assetUri)).sort()).toEqual([dag1, dag2]);

    // dag1 | (dag2 & dag3): whatever order the producers finished in, each run's events satisfy the
    // condition, and the events no run consumed are queued for it.
    const mixed = "consume_1_or_both_2_and_3_with_asset_expressions";
    const [mixedRuns, queued] = await poll("a stable view of the queued events", async () => {
      const queue = () => cliJson<Array<{ uri: string; count: number }>>(["assets", "queued", "--dag", mixed], env);
      const before = await queue();
      const runs = await listRuns(mixed, env);
      const after = await queue();
      return JSON.stringify(before) === JSON.stringify(after) && allFinal(runs) ? ([runs, after] as const) : undefined;
    });
    for (const run of mixedRuns) {
      expect(run.state).toBe("success");
      expect(uris(run).has(dag1) || (uris(run).has(dag2) && uris(run).has(dag3))).toBe(true);
    }
    const consumed = mixedRuns.flatMap((r) => r.consumedEvents.map((e) => e.assetUri));
    const waiting = queued.flatMap((q) => Array<string>(q.count).fill(q.uri));
    expect([...consumed, ...waiting].sort()).toEqual([dag1, dag2, dag3]);
  });
});

/**
 * The run a command printed it created. The standalone's fallback evaluation
 * (every 2 s) may create it first, between the command's commit and its own
 * evaluation: then the command rightly prints none, and the standalone's
 * activity (after `mark`) names it.
 */
async function createdRun(dagId: string, printed: readonly string[], mark: number): Promise<string> {
  expect(printed.length).toBeLessThanOrEqual(1);
  if (printed[0] !== undefined) return printed[0];
  const line = await poll(`a run of ${dagId} to be created`, async () =>
    standalone.lines.slice(mark).find((l) => l.kind === "run_created" && l.dagId === dagId),
  );
  return String(line.runId);
}

describe("CLI commands against the running standalone", () => {
  it("assets emit records an external event and prints the run it created", async () => {
    const first = await cliJson<{ eventId: number; runs: unknown[] }>(
      ["assets", "emit", "asset-1", "--extra", '{"batch": 7}'],
      env,
    );
    expect(first.runs).toEqual([]);
    const mark = standalone.lines.length;
    const second = await cliJson<{
      eventId: number;
      asset: { uri: string };
      extra: Record<string, unknown>;
      runs: Array<{ dagId: string; runId: string }>;
    }>(["assets", "emit", "asset-2", "--extra", '{"batch": 8}'], env);
    expect(second).toMatchObject({ asset: { uri: "asset-2" }, extra: { batch: 8 } });
    for (const created of second.runs) expect(created.dagId).toBe("waiting_for_asset_1_and_2");
    const runId = await createdRun(
      "waiting_for_asset_1_and_2",
      second.runs.map((r) => r.runId),
      mark,
    );
    const run = await waitForRun("waiting_for_asset_1_and_2", runId, env, [standalone]);
    expect(run.state).toBe("success");
    expect(run.consumedEvents.map((e) => [e.id, e.assetUri, e.extra, e.sourceDagId])).toEqual([
      [first.eventId, "asset-1", { batch: 7 }, null],
      [second.eventId, "asset-2", { batch: 8 }, null],
    ]);
    // Human output names the run too.
    const human = await runCli(["assets", "emit", "asset-1"], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/recorded event \d+ for asset-1\nno run created/);
  });

  it("a paused consumer buffers events; unpausing runs it on them", async () => {
    const dagId = "quickstart-consumer";
    const uri = "s3://asset-bucket/example.csv";
    expect(await cliJson(["dags", "pause", dagId], env)).toEqual({ dagId, paused: true, runs: [] });
    const [listed, emitted] = await Promise.all([
      cliJson<Array<{ dagId: string; paused: boolean }>>(["dags", "list"], env),
      cliJson<{ eventId: number; runs: unknown[] }>(["assets", "emit", uri], env),
    ]);
    expect(listed.find((dag) => dag.dagId === dagId)?.paused).toBe(true);
    const again = await cliJson<{ eventId: number; runs: unknown[] }>(["assets", "emit", uri], env);
    expect(emitted.runs).toEqual([]);
    expect(again.runs).toEqual([]);
    const queued = await cliJson<Array<Record<string, unknown>>>(["assets", "queued", "--dag", dagId], env);
    expect(queued).toEqual([{ dagId, assetName: uri, uri, createdAt: expect.any(Number), count: 2 }]);

    const mark = standalone.lines.length;
    const unpaused = await cliJson<{ dagId: string; paused: boolean; runs: string[] }>(["dags", "unpause", dagId], env);
    expect(unpaused).toMatchObject({ dagId, paused: false });
    const runId = await createdRun(dagId, unpaused.runs, mark);
    const [run, queuedAfter] = await Promise.all([
      waitForRun(dagId, runId, env, [standalone]),
      cliJson(["assets", "queued", "--dag", dagId], env),
    ]);
    expect(run.state).toBe("success");
    expect(run.consumedEvents.map((e) => e.id)).toEqual([emitted.eventId, again.eventId]);
    expect(queuedAfter).toEqual([]);
  });

  it("dags trigger passes --conf to the run; runs list shows it", async () => {
    const dagId = "alias-inlet-events-consumer";
    const triggered = await cliJson<{ dagId: string; runId: string; conf: unknown }>(
      ["dags", "trigger", dagId, "--conf", '{"day": "2025-01-01", "n": 2}'],
      env,
    );
    expect(triggered).toEqual({ dagId, runId: expect.stringMatching(/^manual__/), conf: { day: "2025-01-01", n: 2 } });
    const run = await waitForRun(dagId, triggered.runId, env, [standalone]);
    expect(run).toMatchObject({ runType: "manual", state: "success", conf: { day: "2025-01-01", n: 2 } });
    expect(run.consumedEvents).toEqual([]);
  });

  it("list commands print the documented JSON shapes and human tables", async () => {
    const [dags, errors, assets, table, runs] = await Promise.all([
      cliJson<Array<Record<string, unknown>>>(["dags", "list"], env),
      cliJson(["dags", "errors"], env),
      cliJson<Array<Record<string, unknown>>>(["assets", "list"], env),
      runCli(["dags", "list"], env),
      runCli(["runs", "list", "multiple_assets_example"], env),
    ]);
    expect(dags.find((dag) => dag.dagId === "producer")).toEqual({
      dagId: "producer",
      paused: false,
      active: true,
      scheduleKind: "cron",
      schedule: "cron @daily UTC",
      file: join(examplesFolder, "producer-consumer.ts"),
      nextRunAt: expect.any(Number),
      tasks: ["producer"],
    });
    expect(dags.find((dag) => dag.dagId === "consume_1_or_both_2_and_3_with_asset_expressions")).toMatchObject({
      scheduleKind: "assets",
      schedule: "assets: s3://dag1/output_1.txt | (s3://dag2/output_1.txt & s3://dag3/output_3.txt)",
      nextRunAt: null,
    });
    expect(errors).toEqual([]);

    expect(assets.find((asset) => asset.uri === "s3://asset/example_1.csv")).toEqual({
      name: "s3://asset/example_1.csv",
      uri: "s3://asset/example_1.csv",
      group: "asset",
      extra: {},
      eventCount: 1,
      lastEventAt: expect.any(Number),
      producers: ["multiple-assets-producer-1.update_example_asset_1"],
      consumers: ["multiple_assets_example"],
    });
    expect(
      assets.find((asset) => asset.uri === "s3://bucket/my-task" && asset.name === "s3://bucket/my-task"),
    ).toMatchObject({ consumers: ["asset-alias-consumer", "asset-consumer"] });

    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^dag_id\s+paused\s+schedule\s+file\s+next_run$/);
    expect(table.stdout).toMatch(
      /\nproducer\s+no\s+cron @daily UTC\s+examples\/functional\/producer-consumer\.ts\s+\d{4}-/,
    );
    expect(runs.stdout.split("\n")[0]).toMatch(/^run_id\s+type\s+state\s+events\s+data_interval\s+created\s+ended$/);
    expect(runs.stdout).toMatch(/asset_triggered\s+success\s+3\s/);
  });

  it("errors: unknown DAGs, runs, tasks and bad JSON exit 1 with one clear line; usage errors exit 2", async () => {
    const producerRun = runsOf("producer")[0] as RunJson;
    const cases: Array<{ args: string[]; code: number; stderr: RegExp }> = [
      {
        args: ["dags", "trigger", "nope"],
        code: 1,
        stderr: /^error: No active DAG "nope" is registered\. .*dags list/,
      },
      {
        args: ["tasks", "list", "producer", "no-such-run"],
        code: 1,
        stderr: /^error: DAG "producer" has no run "no-such-run"\. List its runs with `assetflow runs list producer`/,
      },
      {
        args: ["tasks", "logs", "producer", producerRun.runId, "nope"],
        code: 1,
        stderr: /^error: Run ".*" of DAG "producer" has no task "nope" \(its tasks: producer\)/,
      },
      {
        args: ["dags", "trigger", "producer", "--conf", "{day: 1}"],
        code: 1,
        stderr: /^error: --conf is not valid JSON \(.*\)\. Pass a JSON object, for example --conf '\{"key": "value"\}'/,
      },
      {
        args: ["assets", "emit", "asset-1", "--extra", "[1]"],
        code: 1,
        stderr: /^error: --extra must be a JSON object/,
      },
      {
        args: ["assets", "emit", "s3://nowhere"],
        code: 1,
        stderr: /^error: No asset with URI "s3:\/\/nowhere" is known/,
      },
      { args: ["assets", "emit", "s3://asset/example.csv"], code: 1, stderr: /Several assets have URI .* --name/ },
      { args: ["dags", "frobnicate"], code: 2, stderr: /unknown command 'frobnicate'/ },
    ];
    const results = await Promise.all(cases.map((c) => runCli(c.args, env)));
    results.forEach((result, index) => {
      const expected = cases[index] as (typeof cases)[number];
      expect({ args: expected.args, code: result.code }).toEqual({ args: expected.args, code: expected.code });
      expect(result.stderr).toMatch(expected.stderr);
      if (expected.code === 1) expect(result.stderr.trim().split("\n")).toHaveLength(1);
    });
    const [json, help] = await Promise.all([
      runCli(["dags", "trigger", "nope", "--json"], env),
      runCli(["dags", "trigger", "--help"], env),
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({ error: "DAG_NOT_FOUND", message: expect.stringContaining('"nope"') });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--conf <json>");
  });
});
