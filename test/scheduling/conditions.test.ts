import { Asset, assets, type Condition, dag, Metadata, task } from "assetflow";
import type { TestEnvironment } from "assetflow/testing";
import { describe, expect, it } from "vitest";
import { useTestEnvironments } from "./support.js";

const a = new Asset<{ n: number }>("s3://dag1/output_1.txt");
const b = new Asset<{ n: number }>("s3://dag2/output_1.txt");
const c = new Asset<{ n: number }>("s3://dag3/output_3.txt");

/** One producer DAG per asset: `write-<name>` writes it with extra `{ n }` from the run's conf. */
const writers = [a, b, c].map((asset, index) =>
  dag({ dagId: `write-${"abc"[index]}`, schedule: null }, () => {
    task({ taskId: "write", outlets: [asset] }, function* (ctx) {
      yield new Metadata(asset, { n: Number(ctx.conf.n) });
    });
  }),
);

const consumerOf = (schedule: Condition) =>
  dag({ dagId: "consumer", schedule }, () => {
    task({ taskId: "noop" }, () => undefined);
  });

/** Runs the producer of `name` with `{ n }` and everything that follows. */
async function write(env: TestEnvironment, name: "a" | "b" | "c", n: number): Promise<void> {
  await env.triggerDag(`write-${name}`, { conf: { n } });
  await env.runUntilIdle();
}

/** Each consumer run as the list of `<asset letter><n>` it consumed, in order. */
async function consumedByRun(env: TestEnvironment): Promise<string[][]> {
  const letters = new Map([a, b, c].map((asset, index) => [asset.uri, "abc"[index]]));
  const runs = await env.getDagRuns("consumer");
  return runs.map((run) => run.consumedEvents.map((event) => `${letters.get(event.assetUri)}${event.extra.n}`));
}

describe("asset conditions", () => {
  const start = useTestEnvironments();

  it("a & b waits for both, and a repeated a before b completes is consumed by the same run", async () => {
    const env = await start([...writers, consumerOf(a.and(b))]);
    await write(env, "a", 1);
    await write(env, "a", 2);
    expect(await consumedByRun(env)).toEqual([]);
    expect(await env.getQueuedEvents("consumer")).toMatchObject([{ uri: a.uri, count: 2 }]);
    expect(await env.scheduler.explainConsumer("consumer")).toEqual({
      kind: "all",
      satisfied: false,
      conditions: [
        { kind: "asset", name: a.name, uri: a.uri, satisfied: true },
        { kind: "asset", name: b.name, uri: b.uri, satisfied: false },
      ],
    });

    await write(env, "b", 1);
    expect(await consumedByRun(env)).toEqual([["a1", "a2", "b1"]]);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
    const [run] = await env.getDagRuns("consumer");
    expect(run).toMatchObject({ runType: "asset_triggered", state: "success" });

    // The next run needs both again.
    await write(env, "b", 2);
    expect(await consumedByRun(env)).toEqual([["a1", "a2", "b1"]]);
    await write(env, "a", 3);
    expect(await consumedByRun(env)).toEqual([
      ["a1", "a2", "b1"],
      ["b2", "a3"],
    ]);
  });

  it("a | b runs for each update of either asset", async () => {
    const env = await start([...writers, consumerOf(a.or(b))]);
    await write(env, "a", 1);
    await write(env, "b", 1);
    await write(env, "a", 2);
    expect(await consumedByRun(env)).toEqual([["a1"], ["b1"], ["a2"]]);
    const runs = await env.getDagRuns("consumer");
    expect(runs.map((run) => [run.runType, run.state])).toEqual([
      ["asset_triggered", "success"],
      ["asset_triggered", "success"],
      ["asset_triggered", "success"],
    ]);
  });

  it("a | (b & c) runs on a alone, or on b and c together", async () => {
    const env = await start([...writers, consumerOf(assets`${a} | (${b} & ${c})`)]);
    await write(env, "b", 1);
    expect(await consumedByRun(env)).toEqual([]);
    await write(env, "c", 1);
    expect(await consumedByRun(env)).toEqual([["b1", "c1"]]);
    await write(env, "a", 1);
    expect(await consumedByRun(env)).toEqual([["b1", "c1"], ["a1"]]);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
  });

  it("a run of a | (b & c) triggered by a also consumes the pending b of the incomplete branch", async () => {
    const env = await start([...writers, consumerOf(a.or(b.and(c)))]);
    await write(env, "b", 1);
    await write(env, "a", 1);
    expect(await consumedByRun(env)).toEqual([["b1", "a1"]]);
    expect(await env.getQueuedEvents("consumer")).toEqual([]);
    // b1 is gone: c alone does not complete the AND branch.
    await write(env, "c", 1);
    expect(await consumedByRun(env)).toEqual([["b1", "a1"]]);
    expect(await env.getQueuedEvents("consumer")).toMatchObject([{ uri: c.uri, count: 1 }]);
  });

  it("a list schedule [a, b, c] means all of them", async () => {
    const listConsumer = dag({ dagId: "consumer", schedule: [a, b, c] }, () => {
      task({ taskId: "noop" }, () => undefined);
    });
    const env = await start([...writers, listConsumer]);
    await write(env, "c", 1);
    await write(env, "a", 1);
    expect(await consumedByRun(env)).toEqual([]);
    await write(env, "b", 1);
    expect(await consumedByRun(env)).toEqual([["c1", "a1", "b1"]]);
  });
});
