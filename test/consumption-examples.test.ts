/**
 * The consumption-policy and URI-pattern examples (issue 18) in both styles:
 * the builder and decorator files serialize to the same manifest, and run as
 * their doc comments say on the real scheduler with the in-process runtime
 * (events recorded, runs created by each policy, captures handed to tasks).
 */
import { serializeDags } from "assetflow";
import { createTestEnvironment, type TestEnvironment } from "assetflow/testing";
import { afterEach, describe, expect, it } from "vitest";
import { ordersFeed } from "../examples/assets.js";
import * as consumptionDecorators from "../examples/decorators/consumption.js";
import * as patternsDecorators from "../examples/decorators/patterns.js";
import * as consumptionFunctional from "../examples/functional/consumption.js";
import * as patternsFunctional from "../examples/functional/patterns.js";

const STYLES = {
  functional: { consumption: Object.values(consumptionFunctional), patterns: Object.values(patternsFunctional) },
  decorators: { consumption: Object.values(consumptionDecorators), patterns: Object.values(patternsDecorators) },
} as const;

const open: TestEnvironment[] = [];
afterEach(async () => {
  for (const env of open.splice(0)) await env.close();
});

async function environment(dags: Parameters<typeof createTestEnvironment>[0]["dags"]): Promise<TestEnvironment> {
  const env = await createTestEnvironment({ dags, start: new Date("2025-01-01T10:00:00Z") });
  open.push(env);
  return env;
}

/** Events consumed by each run of a DAG, oldest run first. */
async function runSizes(env: TestEnvironment, dagId: string): Promise<number[]> {
  return (await env.getDagRuns(dagId)).map((run) => run.consumedEvents.length);
}

describe("the consumption and pattern examples", () => {
  it("serialize to the same manifest in both styles", () => {
    expect(serializeDags(STYLES.decorators.consumption)).toEqual(serializeDags(STYLES.functional.consumption));
    expect(serializeDags(STYLES.decorators.patterns)).toEqual(serializeDags(STYLES.functional.patterns));
    const consumers = serializeDags(STYLES.functional.consumption).dags;
    expect(consumers.find((d) => d.dagId === "orders_latest_on_start")).toMatchObject({
      assetCatchup: { kind: "latest" },
      whilePaused: "catchup",
    });
  });

  for (const style of ["functional", "decorators"] as const) {
    it(`${style}: each policy takes three orders events its own way`, async () => {
      const env = await environment(STYLES[style].consumption);
      for (let i = 0; i < 3; i++) {
        await env.emitAssetEvent(ordersFeed);
        env.clock.advance(60_000);
      }
      await env.runUntilIdle(); // 10:03
      expect(await runSizes(env, "orders_all_pending")).toEqual([1, 1, 1]); // a run at each event, as Airflow
      expect(await runSizes(env, "orders_each")).toEqual([1, 1, 1]);
      expect(await runSizes(env, "orders_debounced")).toEqual([]); // not quiet for 5 minutes yet
      expect(await runSizes(env, "orders_hourly")).toEqual([]); // the 10:00 window is open

      await env.pauseDag("orders_each");
      await env.pauseDag("orders_in_batches");
      for (let i = 0; i < 3; i++) await env.emitAssetEvent(ordersFeed);
      await env.unpauseDag("orders_each");
      await env.unpauseDag("orders_in_batches");
      env.clock.set(new Date("2025-01-01T11:00:00Z"));
      await env.runUntilIdle();
      expect(await runSizes(env, "orders_each")).toEqual([1, 1, 1, 1, 1, 1]); // one run per buffered event
      expect(await runSizes(env, "orders_in_batches")).toEqual([1, 1, 1, 2, 1]); // the backlog in runs of two
      expect(await runSizes(env, "orders_debounced")).toEqual([6]);
      expect(await runSizes(env, "orders_hourly")).toEqual([6]);
      const [count] = await env.getTaskInstances(
        "orders_hourly",
        (await env.getDagRuns("orders_hourly"))[0]?.runId ?? "",
      );
      expect(count?.result).toBe(6);
    });

    it(`${style}: pattern consumers get the captures of the files that matched`, async () => {
      const env = await environment(STYLES[style].patterns);
      await env.triggerDag("landing-orders-producer");
      await env.runUntilIdle();
      const [landed] = await env.getDagRuns("landed_orders");
      expect((await env.getTaskInstances("landed_orders", landed?.runId ?? ""))[0]?.result).toEqual([
        { date: "2025-01-01", part: "1" },
      ]);
      expect(await env.getDagRuns("landed_orders_with_success")).toEqual([]); // no _SUCCESS yet

      await env.triggerDag("lake-success-producer");
      await env.runUntilIdle();
      const [both] = await env.getDagRuns("landed_orders_with_success");
      expect((await env.getTaskInstances("landed_orders_with_success", both?.runId ?? ""))[0]?.result).toEqual([
        "sales/2025/01/01",
      ]);

      env.clock.set(new Date("2025-01-01T11:00:00Z"));
      await env.runUntilIdle();
      expect(await runSizes(env, "landing_hourly_digest")).toEqual([2]);
      const digest = env.getTaskLogs("landing_hourly_digest").flatMap((log) => log.lines);
      expect(digest.join("\n")).toContain('newest file: {"path":"sales/2025/01/01"}');
    });
  }
});
