/**
 * POST /api/v1/assets/events checks the extra against the JSON Schema the
 * asset was registered with: 400 with a detail naming the asset, the key and
 * the expected type; nothing recorded, no run created.
 */
import { Asset, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useApi } from "./support.js";

const orders = new Asset("s3://warehouse/orders.parquet", {
  name: "orders",
  schema: z.object({ rowCount: z.number(), status: z.enum(["ok", "partial"]).optional() }),
});
const report = dag({ dagId: "report", schedule: [orders] }, () => {
  task({ taskId: "build" }, () => undefined);
});

describe("POST /assets/events with a schema", () => {
  const start = useApi();

  it("answers 400 naming the asset, each key and the expected type; nothing is recorded", async () => {
    const api = await start([report]);
    const response = await api.request({
      method: "POST",
      url: "/api/v1/assets/events",
      payload: { uri: "s3://warehouse/orders.parquet", extra: { rowCount: "x", status: "lost" } },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json() as { status: number; title: string; detail: string };
    expect(body.status).toBe(400);
    expect(body.detail).toContain(
      'The extra of asset "orders" (s3://warehouse/orders.parquet) recorded through the API',
    );
    expect(body.detail).toContain('key "rowCount": expected number, got the string "x"');
    expect(body.detail).toContain('key "status": expected one of "ok", "partial", got "lost"');
    expect(await api.env.getAssetEvents(orders)).toEqual([]);
    expect(await api.env.getDagRuns("report")).toEqual([]);
    expect(api.serverErrors).toEqual([]);
  });

  it("names a missing key with its type", async () => {
    const api = await start([report]);
    const response = await api.request({
      method: "POST",
      url: "/api/v1/assets/events",
      payload: { uri: "s3://warehouse/orders.parquet", extra: {} },
    });
    expect(response.statusCode).toBe(400);
    expect((response.json() as { detail: string }).detail).toContain('key "rowCount": is required (expected number)');
  });

  it("records a matching extra and triggers the consumer", async () => {
    const api = await start([report]);
    const response = await api.request({
      method: "POST",
      url: "/api/v1/assets/events",
      payload: { uri: "s3://warehouse/orders.parquet", extra: { rowCount: 7 } },
    });
    expect(response.statusCode).toBe(201);
    expect((await api.env.getAssetEvents(orders)).map((event) => event.extra)).toEqual([{ rowCount: 7 }]);
    expect(await api.env.getDagRuns("report")).toHaveLength(1);
  });
});
