import { Asset, AssetAlias, dag, Metadata, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { MINUTE, useTestEnvironments } from "./support.js";

const orders = new Asset<{ rowCount: number }>({ uri: "s3://warehouse/orders.parquet", name: "orders" });
const customers = new Asset("s3://warehouse/customers.parquet");
const outputs = new AssetAlias("orders-outputs");

/** Writes `orders` with the row count of the run's conf. */
const producer = dag({ dagId: "producer", schedule: null }, () => {
  task({ taskId: "write", outlets: [orders] }, function* (ctx) {
    yield new Metadata(orders, { rowCount: Number(ctx.conf.rowCount) });
  });
});

describe("reading past events through ctx.inletEvents", () => {
  const start = useTestEnvironments();

  it("at(-1) is the latest event, at(0) the earliest; slice and length cover the rest", async () => {
    const report = dag({ dagId: "report", schedule: null }, () => {
      task({ taskId: "read", inlets: [orders] }, async (ctx) => {
        const events = ctx.inletEvents.get(orders);
        const latest = await events.at(-1);
        const earliest = await events.at(0);
        return {
          latest: latest?.extra.rowCount ?? null,
          latestTimestamp: latest?.timestamp.toISOString() ?? null,
          latestSource: latest?.sourceDagId ?? null,
          earliest: earliest?.extra.rowCount ?? null,
          second: (await events.at(1))?.extra.rowCount ?? null,
          lastTwo: (await events.slice(-2)).map((event) => event.extra.rowCount),
          firstTwo: (await events.slice(0, 2)).map((event) => event.extra.rowCount),
          length: await events.length(),
          beyond: (await events.at(3)) ?? null,
        };
      });
    });
    const env = await start([producer, report], { start: Date.UTC(2025, 0, 1) });
    for (const rowCount of [10, 20, 30]) {
      await env.triggerDag("producer", { conf: { rowCount } });
      await env.runUntilIdle();
      env.clock.advance(MINUTE);
    }
    const runId = await env.triggerDag("report");
    await env.runUntilIdle();

    const [read] = await env.getTaskInstances("report", runId);
    expect(read?.state).toBe("success");
    expect(read?.result).toEqual({
      latest: 30,
      latestTimestamp: "2025-01-01T00:02:00.000Z",
      latestSource: "producer",
      earliest: 10,
      second: 20,
      lastTwo: [20, 30],
      firstTwo: [10, 20],
      length: 3,
      beyond: null,
    });
  });

  it("an inlet without events reads as an empty sequence", async () => {
    const report = dag({ dagId: "report", schedule: null }, () => {
      task({ taskId: "read", inlets: [orders] }, async (ctx) => {
        const events = ctx.inletEvents.get(orders);
        return { length: await events.length(), latest: (await events.at(-1)) ?? null, all: await events.slice() };
      });
    });
    const env = await start([producer, report]);
    const runId = await env.triggerDag("report");
    await env.runUntilIdle();
    const [read] = await env.getTaskInstances("report", runId);
    expect(read?.result).toEqual({ length: 0, latest: null, all: [] });
  });

  it("reading an asset that is not a declared inlet fails the task with a message naming it", async () => {
    const report = dag({ dagId: "report", schedule: null }, () => {
      task({ taskId: "read", inlets: [customers] }, async (ctx) => (await ctx.inletEvents.get(orders).length()) > 0);
    });
    const env = await start([producer, report]);
    await env.triggerDag("producer", { conf: { rowCount: 1 } });
    await env.runUntilIdle();
    const runId = await env.triggerDag("report");
    await env.runUntilIdle();

    const [read] = await env.getTaskInstances("report", runId);
    expect(read?.state).toBe("failed");
    expect(read?.error?.message).toContain("orders");
    expect(read?.error?.message).toContain("inlets");
  });

  it("an alias inlet reads the events added through that alias", async () => {
    const aliasProducer = dag({ dagId: "alias-producer", schedule: null }, () => {
      task({ taskId: "produce", outlets: [outputs] }, (ctx) => {
        ctx.outletEvents.get(outputs).add(orders, { rowCount: Number(ctx.conf.rowCount) });
      });
    });
    const aliasReader = dag({ dagId: "alias-reader", schedule: null }, () => {
      task({ taskId: "read", inlets: [outputs] }, async (ctx) => {
        const events = ctx.inletEvents.get(outputs);
        const latest = await events.at(-1);
        return {
          length: await events.length(),
          latest: latest?.extra ?? null,
          asset: latest?.asset ?? null,
          aliases: latest?.sourceAliases ?? null,
        };
      });
    });
    const env = await start([producer, aliasProducer, aliasReader]);
    await env.triggerDag("alias-producer", { conf: { rowCount: 1 } });
    await env.runUntilIdle();
    env.clock.advance(MINUTE);
    // A direct write of the same asset is not an event of the alias.
    await env.triggerDag("producer", { conf: { rowCount: 99 } });
    await env.runUntilIdle();
    env.clock.advance(MINUTE);
    await env.triggerDag("alias-producer", { conf: { rowCount: 2 } });
    await env.runUntilIdle();

    const runId = await env.triggerDag("alias-reader");
    await env.runUntilIdle();
    const [read] = await env.getTaskInstances("alias-reader", runId);
    expect(read?.result).toEqual({
      length: 2,
      latest: { rowCount: 2 },
      asset: { name: "orders", uri: orders.uri },
      aliases: ["orders-outputs"],
    });
  });
});
