import {
  Asset,
  AssetAlias,
  AssetflowError,
  BaseOperator,
  type BaseOperatorOptions,
  dag,
  Metadata,
  scanDagClass,
  type TaskContext,
  TaskSkipped,
  task,
} from "assetflow";
import { describe, expect, it } from "vitest";
import type { AssetEventRecord, TaskOutcome, TaskRunRequest } from "../scheduler/contracts.js";
import type { Dag } from "../sdk/index.js";
import { MemoryAssetEventReader, RuntimeErrorCode, runTask } from "./index.js";
import { eventRecord, makeRequest, sourceRun } from "./test-support.js";

interface RunOptions extends Partial<Omit<TaskRunRequest, "key">> {
  tryNumber?: number;
  records?: AssetEventRecord[];
}

async function run(target: Dag, taskId: string, options: RunOptions = {}): Promise<TaskOutcome & { log: string[] }> {
  const { records = [], ...overrides } = options;
  const log: string[] = [];
  const outcome = await runTask(target, makeRequest(target, taskId, overrides), {
    reader: new MemoryAssetEventReader(records),
    log: (line) => log.push(line),
    now: () => Date.UTC(2024, 5, 1, 12),
  });
  return { ...outcome, log };
}

function succeeded(outcome: TaskOutcome) {
  if (outcome.state !== "success") throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function failed(outcome: TaskOutcome) {
  if (outcome.state !== "failed") throw new Error(`expected failure, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

const orders = new Asset({
  uri: "s3://warehouse/orders.parquet",
  name: "orders",
  group: "sales",
  extra: { owner: "ops" },
});
const report = new Asset("s3://warehouse/report.csv");
const myTask = new Asset("s3://bucket/my-task");

describe("outlet events", () => {
  it("emits one event per outlet asset with an empty extra when the task sets none", async () => {
    const d = dag({ dagId: "plain" }, () => {
      task({ taskId: "write", outlets: [orders, report] }, () => {});
    });
    const outcome = succeeded(await run(d, "write"));
    expect(outcome.events).toEqual([
      {
        asset: { name: "orders", uri: "s3://warehouse/orders.parquet", group: "sales", extra: { owner: "ops" } },
        extra: {},
        aliases: [],
      },
      { asset: { name: report.uri, uri: report.uri, group: "asset", extra: {} }, extra: {}, aliases: [] },
    ]);
  });

  it("uses the extra set through ctx.outletEvents.get(asset).extra", async () => {
    const d = dag({ dagId: "set_extra" }, () => {
      task({ taskId: "write", outlets: [orders] }, (ctx) => {
        ctx.outletEvents.get(orders).extra = { rowCount: 3 };
        ctx.outletEvents.get(orders).extra["day"] = "2024-01-01";
      });
    });
    expect(succeeded(await run(d, "write")).events.map((event) => event.extra)).toEqual([
      { rowCount: 3, day: "2024-01-01" },
    ]);
  });

  it("merges Metadata yielded by a generator task into the outlet's extra", async () => {
    const d = dag({ dagId: "sync_generator" }, () => {
      task({ taskId: "write", outlets: [orders] }, function* () {
        yield new Metadata(orders, { rowCount: 1, source: "a" });
        yield new Metadata(orders, { rowCount: 2 });
        return "done";
      });
    });
    const outcome = succeeded(await run(d, "write"));
    expect(outcome.events.map((event) => event.extra)).toEqual([{ rowCount: 2, source: "a" }]);
    expect(outcome.result).toBe("done");
  });

  it("merges Metadata yielded by an async generator task into the outlet's extra", async () => {
    const d = dag({ dagId: "async_generator" }, () => {
      task({ taskId: "write", outlets: [orders] }, async function* () {
        await Promise.resolve();
        yield new Metadata(orders, { rowCount: 7 });
        return 7;
      });
    });
    const outcome = succeeded(await run(d, "write"));
    expect(outcome.events.map((event) => event.extra)).toEqual([{ rowCount: 7 }]);
    expect(outcome.result).toBe(7);
  });

  it("merges outletEvents writes and yielded Metadata into one event", async () => {
    const d = dag({ dagId: "both" }, () => {
      task({ taskId: "write", outlets: [orders] }, function* (ctx: TaskContext) {
        ctx.outletEvents.get(orders).extra = { rowCount: 1, table: "orders" };
        yield new Metadata(orders, { rowCount: 5 });
      });
    });
    expect(succeeded(await run(d, "write")).events).toEqual([
      expect.objectContaining({ extra: { rowCount: 5, table: "orders" }, aliases: [] }),
    ]);
  });

  it("emits an event for an asset added through ctx.outletEvents.get(alias).add", async () => {
    const outputs = new AssetAlias("my-task-outputs");
    const d = dag({ dagId: "alias_add" }, () => {
      task({ taskId: "write", outlets: [outputs] }, (ctx) => {
        ctx.outletEvents.get(outputs).add(myTask, { k: "v" });
      });
    });
    expect(succeeded(await run(d, "write")).events).toEqual([
      {
        asset: { name: myTask.uri, uri: myTask.uri, group: "asset", extra: {} },
        extra: { k: "v" },
        aliases: ["my-task-outputs"],
      },
    ]);
  });

  it("adds the asset through the alias named by a yielded Metadata, with no outlet asset declared", async () => {
    const outputs = new AssetAlias("my-task-outputs");
    const s3Asset = new Asset({ uri: "s3://bucket/my-task", name: "example_s3" });
    const d = dag({ dagId: "alias_metadata" }, () => {
      task({ taskId: "write", outlets: [outputs] }, function* () {
        yield new Metadata(s3Asset, { k: "v" }, { alias: "my-task-outputs" });
      });
    });
    expect(succeeded(await run(d, "write")).events).toEqual([
      {
        asset: { name: "example_s3", uri: "s3://bucket/my-task", group: "asset", extra: {} },
        extra: { k: "v" },
        aliases: ["my-task-outputs"],
      },
    ]);
  });

  it("emits exactly two events for the seed's three aliases: the same extra once with two aliases, the other extra apart", async () => {
    const [one, two, three] = [1, 2, 3].map((n) => new AssetAlias(`my-task-outputs-${n}`)) as [
      AssetAlias,
      AssetAlias,
      AssetAlias,
    ];
    const d = dag({ dagId: "seed_aliases" }, () => {
      task({ taskId: "write", outlets: [one, two, three] }, (ctx) => {
        ctx.outletEvents.get(one).add(new Asset("s3://bucket/my-task"), { k: "v" });
        ctx.outletEvents.get(two).add(new Asset("s3://bucket/my-task"), { k: "v" });
        ctx.outletEvents.get(three).add(new Asset("s3://bucket/my-task"), { k2: "v2" });
      });
    });
    const events = succeeded(await run(d, "write")).events;
    expect(events).toHaveLength(2);
    expect(events.map(({ extra, aliases }) => ({ extra, aliases }))).toEqual([
      { extra: { k: "v" }, aliases: ["my-task-outputs-1", "my-task-outputs-2"] },
      { extra: { k2: "v2" }, aliases: ["my-task-outputs-3"] },
    ]);
  });

  it("lists every alias once on the one event when the same asset and extra go through three aliases", async () => {
    const aliases = ["a", "b", "c"].map((name) => new AssetAlias(name));
    const d = dag({ dagId: "three_same" }, () => {
      task({ taskId: "write", outlets: aliases }, (ctx) => {
        for (const alias of aliases) ctx.outletEvents.get(alias).add(myTask, { b: 2, a: 1 });
        ctx.outletEvents.get(aliases[0] as AssetAlias).add(myTask, { a: 1, b: 2 });
      });
    });
    const events = succeeded(await run(d, "write")).events;
    expect(events.map(({ extra, aliases: through }) => ({ extra, through }))).toEqual([
      { extra: { b: 2, a: 1 }, through: ["a", "b", "c"] },
    ]);
  });

  it("merges an alias addition into the direct outlet event when the asset and extra are equal", async () => {
    const outputs = new AssetAlias("outputs");
    const d = dag({ dagId: "direct_and_alias" }, () => {
      task({ taskId: "write", outlets: [myTask, outputs] }, function* (ctx: TaskContext) {
        ctx.outletEvents.get(myTask).extra = { k: "v" };
        ctx.outletEvents.get(outputs).add(myTask, { k: "v" });
        yield new Metadata(myTask, { k: "v" }, { alias: outputs });
        ctx.outletEvents.get(outputs).add(myTask, { k: "other" });
      });
    });
    expect(succeeded(await run(d, "write")).events.map(({ extra, aliases }) => ({ extra, aliases }))).toEqual([
      { extra: { k: "v" }, aliases: ["outputs"] },
      { extra: { k: "other" }, aliases: ["outputs"] },
    ]);
  });

  it("fails naming the asset, the task and the outlets option when a task writes an undeclared outlet asset", async () => {
    const d = dag({ dagId: "undeclared_outlet" }, () => {
      task({ taskId: "write", outlets: [orders] }, (ctx) => {
        ctx.outletEvents.get(report).extra = { rows: 1 };
      });
    });
    const error = failed(await run(d, "write"));
    expect(error.code).toBe(RuntimeErrorCode.outletUndeclared);
    expect(error.message).toContain("Asset(s3://warehouse/report.csv)");
    expect(error.message).toContain('Task "write" of DAG "undeclared_outlet"');
    expect(error.message).toContain("add Asset(s3://warehouse/report.csv) to the task's outlets");
  });

  it("fails when a task adds through an alias missing from its outlets", async () => {
    const d = dag({ dagId: "undeclared_alias" }, () => {
      task({ taskId: "write", outlets: [new AssetAlias("declared")] }, (ctx) => {
        ctx.outletEvents.get(new AssetAlias("other")).add(myTask);
      });
    });
    const error = failed(await run(d, "write"));
    expect(error.code).toBe(RuntimeErrorCode.outletUndeclared);
    expect(error.message).toContain("AssetAlias(other)");
  });

  it("fails when a task yields Metadata without alias for an asset missing from its outlets", async () => {
    const d = dag({ dagId: "undeclared_metadata" }, () => {
      task({ taskId: "write", outlets: [orders] }, function* () {
        yield new Metadata(report, { rows: 1 });
      });
    });
    expect(failed(await run(d, "write")).code).toBe(RuntimeErrorCode.outletUndeclared);
  });

  it("fails with the asset URI and the key, and emits nothing, when an extra is not JSON", async () => {
    const d = dag({ dagId: "non_json" }, () => {
      task({ taskId: "write", outlets: [orders, report] }, (ctx) => {
        ctx.outletEvents.get(report).extra = { rows: 1 };
        ctx.outletEvents.get(orders).extra["meta"] = { loadedAt: new Date(0) } as never;
      });
    });
    const outcome = await run(d, "write");
    const error = failed(outcome);
    expect(error.code).toBe("EXTRA_NOT_JSON");
    expect(error.message).toContain('"s3://warehouse/orders.parquet"');
    expect(error.message).toContain('key "meta.loadedAt"');
    expect(outcome).not.toHaveProperty("events");
  });

  it("fails when an extra added through an alias is not JSON", async () => {
    const outputs = new AssetAlias("outputs");
    const d = dag({ dagId: "non_json_alias" }, () => {
      task({ taskId: "write", outlets: [outputs] }, (ctx) => {
        ctx.outletEvents.get(outputs).add(myTask, { size: 10n } as never);
      });
    });
    const error = failed(await run(d, "write"));
    expect(error.message).toContain('"s3://bucket/my-task"');
    expect(error.message).toContain('key "size"');
  });

  it("fails when a generator yields something other than Metadata", async () => {
    const d = dag({ dagId: "bad_yield" }, () => {
      task({ taskId: "write", outlets: [orders] }, function* () {
        yield { rowCount: 1 };
      });
    });
    const error = failed(await run(d, "write"));
    expect(error.code).toBe(RuntimeErrorCode.yieldInvalid);
    expect(error.message).toContain('Task "write" of DAG "bad_yield" yielded an object');
    expect(error.message).toContain("may only yield Metadata");
  });
});

describe("outcomes", () => {
  it("reports skipped with the reason when the task throws TaskSkipped", async () => {
    const d = dag({ dagId: "skips" }, () => {
      task({ taskId: "maybe", outlets: [orders] }, () => {
        throw new TaskSkipped("no data on holidays");
      });
    });
    expect(await run(d, "maybe")).toMatchObject({ state: "skipped", reason: "no data on holidays" });
  });

  it("reports failed with the message and stack of a thrown error, and the code of an AssetflowError", async () => {
    const d = dag({ dagId: "throws" }, () => {
      task({ taskId: "plain" }, () => {
        throw new Error("disk full");
      });
      task({ taskId: "coded" }, async () => {
        throw new AssetflowError("CUSTOM_CODE", "quota exceeded");
      });
      task({ taskId: "string" }, () => {
        throw "just a string";
      });
    });
    const plain = failed(await run(d, "plain"));
    expect(plain.message).toBe("disk full");
    expect(plain.code).toBeUndefined();
    expect(plain.stack).toContain("disk full");
    expect(failed(await run(d, "coded"))).toMatchObject({ message: "quota exceeded", code: "CUSTOM_CODE" });
    expect(failed(await run(d, "string")).message).toContain('"just a string"');
  });

  it("keeps nothing of a failed try: a retry that succeeds emits only its own extra", async () => {
    const d = dag({ dagId: "retry" }, () => {
      task({ taskId: "flaky", outlets: [orders], retries: 1 }, (ctx) => {
        ctx.outletEvents.get(orders).extra[`try${ctx.tryNumber}`] = true;
        if (ctx.tryNumber === 1) throw new Error("connection reset");
      });
    });
    const first = await run(d, "flaky", { tryNumber: 1 });
    expect(first).toMatchObject({ state: "failed", error: { message: "connection reset" } });
    expect(first).not.toHaveProperty("events");
    expect(succeeded(await run(d, "flaky", { tryNumber: 2 })).events.map((event) => event.extra)).toEqual([
      { try2: true },
    ]);
  });

  it("fails with 'timed out after N ms' when the try outlives executionTimeoutMs", async () => {
    let release: () => void = () => {};
    const d = dag({ dagId: "slow" }, () => {
      task({ taskId: "sleep", outlets: [orders] }, () => new Promise<void>((resolve) => (release = resolve)));
    });
    const started = Date.now();
    const outcome = await run(d, "sleep", { executionTimeoutMs: 50 });
    release();
    const error = failed(outcome);
    expect(error.code).toBe(RuntimeErrorCode.timeout);
    expect(error.message).toContain("timed out after 50 ms");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("fails as timed out a synchronous task that blocked past executionTimeoutMs", async () => {
    const d = dag({ dagId: "busy" }, () => {
      task({ taskId: "spin", outlets: [orders] }, () => {
        const until = performance.now() + 60;
        while (performance.now() < until) {}
        return "finished late";
      });
    });
    const outcome = await run(d, "spin", { executionTimeoutMs: 20 });
    expect(failed(outcome).message).toContain("timed out after 20 ms");
    expect(outcome).not.toHaveProperty("events");
  });

  it("closes a timed-out async generator at its next step", async () => {
    let release: () => void = () => {};
    let closed = false;
    const d = dag({ dagId: "slow_generator" }, () => {
      task({ taskId: "stream", outlets: [orders] }, async function* () {
        try {
          await new Promise<void>((resolve) => (release = resolve));
          yield new Metadata(orders, { part: 1 });
          yield new Metadata(orders, { part: 2 });
        } finally {
          closed = true;
        }
      });
    });
    expect(failed(await run(d, "stream", { executionTimeoutMs: 20 })).code).toBe(RuntimeErrorCode.timeout);
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(true);
  });

  it("returns a JSON return value as the result and omits an undefined one", async () => {
    const d = dag({ dagId: "results" }, () => {
      task({ taskId: "json" }, async () => ({ rows: [1, 2], ok: true }));
      task({ taskId: "nothing" }, () => undefined);
    });
    expect(succeeded(await run(d, "json")).result).toEqual({ rows: [1, 2], ok: true });
    expect(succeeded(await run(d, "nothing"))).not.toHaveProperty("result");
  });

  it("fails naming the task when the return value is not JSON", async () => {
    const d = dag({ dagId: "bad_result" }, () => {
      task({ taskId: "dated" }, () => ({ at: new Date(0) }));
      task({ taskId: "mapped" }, () => new Map());
    });
    const dated = failed(await run(d, "dated"));
    expect(dated.code).toBe(RuntimeErrorCode.resultNotJson);
    expect(dated.message).toContain('Task "dated" of DAG "bad_result" returned a value that is not JSON (key "at")');
    expect(failed(await run(d, "mapped")).message).toContain("not JSON: a Map");
  });

  it("fails without running anything when the DAG has no such task", async () => {
    const d = dag({ dagId: "small" }, () => {
      task({ taskId: "only" }, () => {});
    });
    const error = failed(await run(d, "renamed"));
    expect(error.code).toBe(RuntimeErrorCode.requestInvalid);
    expect(error.message).toContain('DAG "small" has no task "renamed"');
  });

  it("writes task log lines to deps.log with the time of deps.now", async () => {
    const d = dag({ dagId: "logs" }, () => {
      task({ taskId: "talk" }, (ctx) => {
        const { log } = ctx;
        log("first\nsecond");
      });
    });
    const { log } = await run(d, "talk");
    expect(log).toContain("[2024-06-01T12:00:00.000Z] first");
    expect(log).toContain("[2024-06-01T12:00:00.000Z] second");
  });
});

describe("task context", () => {
  it("carries the run's identity, dates, params merged with conf, and conf", async () => {
    let seen: TaskContext | undefined;
    const d = dag({ dagId: "ctx", params: { region: "eu", limit: 10 } }, () => {
      task({ taskId: "look" }, (ctx) => {
        seen = ctx;
      });
    });
    succeeded(
      await run(d, "look", {
        tryNumber: 3,
        runType: "asset_triggered",
        conf: { limit: 5 },
        logicalDate: null,
        dataIntervalStart: Date.UTC(2024, 0, 1),
        dataIntervalEnd: null,
      }),
    );
    expect(seen).toMatchObject({
      dagId: "ctx",
      taskId: "look",
      runId: "manual__2024-01-02T00:00:00",
      runType: "asset_triggered",
      tryNumber: 3,
      mapIndex: -1,
      logicalDate: null,
      dataIntervalStart: new Date("2024-01-01T00:00:00Z"),
      dataIntervalEnd: null,
      params: { region: "eu", limit: 5 },
      conf: { limit: 5 },
    });
  });

  it("passes upstream results in the order of args", async () => {
    let received: unknown[] = [];
    const d = dag({ dagId: "args" }, () => {
      const a = task({ taskId: "a" }, () => 1);
      const b = task({ taskId: "b" }, () => "two");
      task({ taskId: "sum", args: [b, a] }, (_ctx, first, second) => {
        received = [first, second];
      });
    });
    succeeded(await run(d, "sum", { upstreamResults: { a: 1, b: "two" } }));
    expect(received).toEqual(["two", 1]);
  });

  it("calls a decorated method on its DAG instance with upstream results", async () => {
    @dag({ dagId: "decorated" })
    class Etl {
      factor = 3;
      @task()
      extract() {
        return 2;
      }
      @task({ args: ["extract"], outlets: [orders] })
      *load(ctx: TaskContext, rows: number) {
        yield new Metadata(orders, { rowCount: rows * this.factor });
        return ctx.taskId;
      }
    }
    const d = scanDagClass(Etl);
    const outcome = succeeded(await run(d, "load", { upstreamResults: { extract: 2 } }));
    expect(outcome.events.map((event) => event.extra)).toEqual([{ rowCount: 6 }]);
    expect(outcome.result).toBe("load");
  });

  it("reads declared inlet events lazily: at(-1), at(0), at(-2), out of range, slice(-2) and length()", async () => {
    const records = [1, 2, 3, 4].map((id) => eventRecord(id, orders, { extra: { n: id } }));
    let seen: unknown;
    const d = dag({ dagId: "inlets" }, () => {
      task({ taskId: "read", inlets: [orders] }, async (ctx) => {
        const events = ctx.inletEvents.get(orders);
        seen = {
          latest: (await events.at(-1))?.extra,
          first: (await events.at(0))?.extra,
          secondLast: (await events.at(-2))?.extra,
          past: await events.at(4),
          before: await events.at(-5),
          lastTwo: (await events.slice(-2)).map((event) => event.extra),
          length: await events.length(),
        };
      });
    });
    succeeded(await run(d, "read", { records }));
    expect(seen).toEqual({
      latest: { n: 4 },
      first: { n: 1 },
      secondLast: { n: 3 },
      past: undefined,
      before: undefined,
      lastTwo: [{ n: 3 }, { n: 4 }],
      length: 4,
    });
  });

  it("iterates inlet events with for await across reader pages, earliest first", async () => {
    const records = Array.from({ length: 230 }, (_, index) => eventRecord(230 - index, orders));
    const ids: number[] = [];
    const d = dag({ dagId: "inlet_iteration" }, () => {
      task({ taskId: "read", inlets: [orders] }, async (ctx) => {
        for await (const event of ctx.inletEvents.get(orders)) ids.push(event.id);
      });
    });
    succeeded(await run(d, "read", { records }));
    expect(ids).toEqual(Array.from({ length: 230 }, (_, index) => index + 1));
  });

  it("reads the events that went through a declared inlet alias", async () => {
    const alias = new AssetAlias("example-alias");
    const records = [
      eventRecord(1, myTask, { extra: { row_count: 1 }, sourceAliases: ["example-alias"] }),
      eventRecord(2, myTask, { extra: { row_count: 2 } }),
    ];
    let lastRowCount: unknown;
    const d = dag({ dagId: "alias_inlet" }, () => {
      task({ taskId: "read", inlets: [alias] }, async (ctx) => {
        lastRowCount = (await ctx.inletEvents.get(alias).at(-1))?.extra["row_count"];
      });
    });
    succeeded(await run(d, "read", { records }));
    expect(lastRowCount).toBe(1);
  });

  it("fails naming the asset and the inlets option when a task reads an undeclared inlet", async () => {
    const d = dag({ dagId: "undeclared_inlet" }, () => {
      task({ taskId: "read", inlets: [orders] }, async (ctx) => {
        await ctx.inletEvents.get(report).length();
      });
    });
    const error = failed(await run(d, "read"));
    expect(error.code).toBe(RuntimeErrorCode.inletUndeclared);
    expect(error.message).toContain(
      'Task "read" of DAG "undeclared_inlet" reads the events of Asset(s3://warehouse/report.csv), which is not among its inlets',
    );
    expect(error.message).toContain("inlets option");
  });

  it("exposes triggering events by asset and by alias with their source runs' data intervals", async () => {
    const alias = new AssetAlias("outputs");
    const day1 = sourceRun("scheduled__day1", Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2));
    const day2 = sourceRun("scheduled__day2", Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3));
    const triggeringEvents = [
      eventRecord(11, report, { sourceRun: day2, timestamp: Date.UTC(2024, 0, 3) }),
      eventRecord(10, orders, { sourceRun: day1, timestamp: Date.UTC(2024, 0, 2), extra: { rowCount: 3 } }),
      eventRecord(12, myTask, { sourceRun: null, sourceDagId: null, timestamp: Date.UTC(2024, 0, 4) }),
    ];
    let seen: Record<string, unknown> = {};
    const d = dag({ dagId: "triggered", schedule: [orders, report] }, () => {
      task({ taskId: "look" }, (ctx) => {
        const events = ctx.triggeringAssetEvents;
        const first = events.get(orders)[0];
        seen = {
          size: events.size,
          keys: [...events.keys()],
          ordersExtra: first?.extra,
          ordersInterval: [first?.sourceDagRun?.dataIntervalStart, first?.sourceDagRun?.dataIntervalEnd],
          ordersTimestamp: first?.timestamp,
          reportRun: events.get(new Asset("s3://warehouse/report.csv"))[0]?.sourceDagRun?.runId,
          byAlias: events.get(alias).map((event) => event.asset.uri),
          hasAlias: events.has(alias),
          hasUnrelated: events.has(new Asset("s3://elsewhere/x")),
          unrelated: events.get(new Asset("s3://elsewhere/x")),
          iterated: [...events].map(([key, list]) => [key.name, list.length]),
        };
      });
    });
    succeeded(
      await run(d, "look", { runType: "asset_triggered", triggeringEvents, triggeringAliases: { 12: ["outputs"] } }),
    );
    expect(seen).toEqual({
      size: 4,
      keys: [
        { kind: "asset", name: "orders", uri: "s3://warehouse/orders.parquet" },
        { kind: "asset", name: report.uri, uri: report.uri },
        { kind: "asset", name: myTask.uri, uri: myTask.uri },
        { kind: "alias", name: "outputs" },
      ],
      ordersExtra: { rowCount: 3 },
      ordersInterval: [new Date("2024-01-01T00:00:00Z"), new Date("2024-01-02T00:00:00Z")],
      ordersTimestamp: new Date("2024-01-02T00:00:00Z"),
      reportRun: "scheduled__day2",
      byAlias: ["s3://bucket/my-task"],
      hasAlias: true,
      hasUnrelated: false,
      unrelated: [],
      iterated: [
        ["orders", 1],
        [report.uri, 1],
        [myTask.uri, 1],
        ["outputs", 1],
      ],
    });
  });
});

describe("operators", () => {
  const calls: string[] = [];

  class Recording extends BaseOperator {
    static override readonly templateFields = ["target", "options"];
    constructor(
      readonly target: string,
      readonly options: { labels: string[]; depth: number },
      base: BaseOperatorOptions,
    ) {
      super(base);
    }
    override preExecute(ctx: TaskContext) {
      calls.push(`pre:${ctx.taskId}`);
    }
    override *execute(ctx: TaskContext) {
      calls.push(`execute:${this.target}:${this.options.labels.join(",")}:${this.options.depth}`);
      yield new Metadata(orders, { target: this.target });
      ctx.outletEvents.get(orders).extra["depth"] = this.options.depth;
      return `wrote ${this.target}`;
    }
    override postExecute(_ctx: TaskContext, result: unknown) {
      calls.push(`post:${String(result)}`);
    }
  }

  it("calls preExecute, execute and postExecute(result) in order on rendered template fields", async () => {
    let operator: Recording | undefined;
    const d = dag({ dagId: "operator_order" }, () => {
      operator = new Recording(
        "t_{{ ds_nodash }}",
        { labels: ["{{ dag.dag_id }}", "x"], depth: 2 },
        {
          taskId: "record",
          outlets: [orders],
        },
      );
    });
    calls.length = 0;
    const outcome = succeeded(await run(d, "record"));
    expect(calls).toEqual(["pre:record", "execute:t_20240102:operator_order,x:2", "post:wrote t_20240102"]);
    expect(outcome.result).toBe("wrote t_20240102");
    expect(outcome.events.map((event) => event.extra)).toEqual([{ target: "t_20240102", depth: 2 }]);
    expect(operator?.target).toBe("t_{{ ds_nodash }}");
    expect(operator?.options.labels).toEqual(["{{ dag.dag_id }}", "x"]);
  });

  it("fails naming the task and the field when a template does not parse", async () => {
    const d = dag({ dagId: "bad_template" }, () => {
      new Recording("{{ ds ", { labels: [], depth: 0 }, { taskId: "record" });
    });
    const error = failed(await run(d, "record"));
    expect(error.code).toBe(RuntimeErrorCode.templateInvalid);
    expect(error.message).toContain('Template field "target" of task "record" failed to render');
  });
});
