/**
 * Issue 11: `POST /assets/events` with an `Idempotency-Key` records one event
 * per key, and a retry answers with the event first recorded; and an event
 * that committed is never answered with a 500 because something after the
 * commit failed (consumer evaluation, the reads that build the answer).
 * (The same under real dropped PostgreSQL connections:
 * test/system/chaos/connection-drops.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { storeDatabase } from "../../scheduler/scheduler.js";
import { exampleAsset, useApi } from "./support.js";

const post = (key?: string, extra: Record<string, unknown> = {}) => ({
  method: "POST" as const,
  url: "/api/v1/assets/events",
  payload: { uri: exampleAsset.uri, extra },
  ...(key === undefined ? {} : { headers: { "idempotency-key": key } }),
});

describe("POST /assets/events with Idempotency-Key", () => {
  const start = useApi();

  it("records one event per key: a retry answers 200 with the first event and queues nothing more", async () => {
    const api = await start();
    const first = await api.request(post("order-42", { n: 1 }));
    expect(first.statusCode).toBe(201);
    const second = await api.request(post("order-42", { n: 2 }));
    expect(second.statusCode).toBe(200);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    const a = first.json() as { assetEvent: { id: number; extra: unknown }; triggeredDagRuns: unknown[] };
    const b = second.json() as { assetEvent: { id: number; extra: unknown }; queuedFor: unknown[] };
    expect(b.assetEvent).toEqual(a.assetEvent);
    expect(b.assetEvent.extra).toEqual({ n: 1 });
    expect(b.queuedFor).toEqual([]);
    const events = await storeDatabase(api.env.scheduler).selectFrom("asset_event").select("id").execute();
    expect(events).toHaveLength(1);
    const runs = await storeDatabase(api.env.scheduler).selectFrom("dag_run").select("run_id").execute();
    expect(runs).toHaveLength(a.triggeredDagRuns.length);
    expect(api.serverErrors).toEqual([]);
  });

  it("other keys, and no key, record an event each", async () => {
    const api = await start();
    for (const request of [post("a"), post("b"), post(), post()]) {
      expect((await api.request(request)).statusCode).toBe(201);
    }
    expect(await storeDatabase(api.env.scheduler).selectFrom("asset_event").select("id").execute()).toHaveLength(4);
  });

  it("concurrent requests with one key record one event; every one answers with it", async () => {
    const api = await start();
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.request(post("same-key"))));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(answers.map((answer) => (answer.json() as { assetEvent: { id: number } }).assetEvent.id));
    expect(ids.size).toBe(1);
    expect(await storeDatabase(api.env.scheduler).selectFrom("asset_event").select("id").execute()).toHaveLength(1);
    expect(api.serverErrors).toEqual([]);
  });

  it("refuses a key that is not 1 to 255 printable ASCII characters with a 400 that says so; nothing recorded", async () => {
    const api = await start();
    for (const key of ["has space", "x".repeat(256), "é"]) {
      const answer = await api.request(post(key));
      expect(answer.statusCode).toBe(400);
      expect((answer.json() as { detail: string }).detail).toMatch(/idempotency key is 1 to 255 printable ASCII/);
    }
    expect(await storeDatabase(api.env.scheduler).selectFrom("asset_event").select("id").execute()).toHaveLength(0);
  });
});

describe("POST /assets/events after the commit", () => {
  const start = useApi();

  it("answers 201 when evaluating the consumers fails after the event committed; the consumer runs anyway", async () => {
    const api = await start();
    const { scheduler } = api.env;
    const evaluate = scheduler.evaluateConsumers.bind(scheduler);
    let failures = 0;
    // The fault: the database fails the first evaluation (as a dropped connection does).
    scheduler.evaluateConsumers = async (dagIds) => {
      if (failures++ === 0) throw new Error("Connection terminated unexpectedly");
      return evaluate(dagIds);
    };
    const answer = await api.request(post("k1"));
    expect(answer.statusCode).toBe(201);
    expect(api.serverErrors).toEqual([]);
    // Evaluated again in the background: the consumer's run exists.
    for (let i = 0; i < 100; i++) {
      const runs = await storeDatabase(scheduler)
        .selectFrom("dag_run")
        .select("dag_id")
        .where("dag_id", "=", "consumer")
        .execute();
      if (runs.length === 1) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("the consumer's run was never created");
  });
});
