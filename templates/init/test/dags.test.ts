import { createTestEnvironment } from "assetflow/testing";
import { expect, test } from "vitest";
import { orders, report } from "../assets.js";
import { loadOrders } from "../dags/orders.js";
import { OrdersReport } from "../dags/report.js";

// Each test gets a private store and a clock it moves by hand: no server, no waiting.

test("a load of orders triggers the report", async () => {
  const env = await createTestEnvironment({ dags: [loadOrders, OrdersReport] });
  await env.triggerDag("load_orders");
  await env.runUntilIdle(); // runs every queued task in-process, and the runs their events create
  const [run] = await env.getDagRuns("orders_report");
  expect(run?.runType).toBe("asset_triggered");
  expect(run?.consumedEvents.map((event) => event.extra)).toEqual([{ rowCount: 42 }]);
  expect((await env.getAssetEvents(report)).map((event) => event.extra)).toEqual([{ loads: 1, rows: 42 }]);
  await env.close();
});

test("the hourly load runs at the end of the hour it was registered in", async () => {
  const env = await createTestEnvironment({
    dags: [loadOrders, OrdersReport],
    start: new Date("2025-01-01T15:28:00Z"),
  });
  env.clock.set(new Date("2025-01-01T16:00:00Z"));
  await env.runUntilIdle();
  const [run] = await env.getDagRuns("load_orders");
  expect(run?.runType).toBe("scheduled");
  expect(run?.dataIntervalStart).toBe(Date.parse("2025-01-01T15:00:00Z"));
  expect(await env.getDagRuns("orders_report")).toHaveLength(1);
  await env.close();
});

test("events from outside are typed by the asset and checked against its schema", async () => {
  const env = await createTestEnvironment({ dags: [loadOrders, OrdersReport] });
  await env.emitAssetEvent(orders, { extra: { rowCount: 7 } }); // as POST /api/v1/assets/events would
  // @ts-expect-error rowCount is a number: the extra is typed by the asset's schema
  await expect(env.emitAssetEvent(orders, { extra: { rowCount: "7" } })).rejects.toThrow(/key "rowCount"/);
  await env.runUntilIdle();
  expect(await env.getDagRuns("orders_report")).toHaveLength(1);
  await env.close();
});
