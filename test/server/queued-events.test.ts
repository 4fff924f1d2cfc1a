/**
 * The seed's queued-event endpoints ("Manipulating queued asset events through
 * REST API"), in process: each endpoint's 200/204/404 paths, the `before`
 * filter, and that a deleted queued event is progress the consumer forgets.
 */
import { describe, expect, it } from "vitest";
import { type ApiHarness, enc, useApi } from "./support.js";

const WAITING = "waiting_for_asset_1_and_2";
const T0 = "2025-01-01T00:00:00.000Z";
const T1 = "2025-01-01T00:01:00.000Z";
const BETWEEN = "2025-01-01T00:00:30Z";

/** asset-1 updated at T0 and at T1: two events queued for the consumer. */
async function queueAsset1Twice(api: ApiHarness): Promise<void> {
  await api.env.triggerDag("asset-1-producer");
  await api.env.runUntilIdle();
  api.env.clock.advance(60_000);
  await api.env.triggerDag("asset-1-producer");
  await api.env.runUntilIdle();
}

describe("queued events of a DAG for an asset: /dags/{dagId}/assets/queuedEvent/{uri}", () => {
  const start = useApi();
  const url = (dagId: string, uri: string, query = "") =>
    `/api/v1/dags/${enc(dagId)}/assets/queuedEvent/${enc(uri)}${query}`;

  it("GET shows the DAG id, the URI, when the first pending event was queued, and how many are pending", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    expect(await api.get(url(WAITING, "asset-1"))).toEqual({
      status: 200,
      body: { dagId: WAITING, uri: "asset-1", createdAt: T0, count: 2 },
    });
  });

  it("GET with before counts only the events queued before that time, and is 404 when none was", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    expect((await api.get(url(WAITING, "asset-1", `?before=${BETWEEN}`))).body).toEqual({
      dagId: WAITING,
      uri: "asset-1",
      createdAt: T0,
      count: 1,
    });
    expect((await api.get(url(WAITING, "asset-1", `?before=${enc("2025-01-01T01:00:30+01:00")}`))).body).toMatchObject({
      count: 1,
    });
    const none = await api.get(url(WAITING, "asset-1", `?before=${T0}`));
    expect(none).toEqual({
      status: 404,
      body: {
        status: 404,
        title: "Not Found",
        detail: `DAG "${WAITING}" has no queued event for asset "asset-1" before ${T0}.`,
      },
    });
  });

  it("GET is 404 for an unknown DAG, an unknown asset, and a known asset with nothing queued", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    const unknownDag = await api.get(url("no-such-dag", "asset-1"));
    expect(unknownDag.status).toBe(404);
    expect(unknownDag.body).toMatchObject({ detail: expect.stringContaining('No DAG "no-such-dag"') });
    const unknownAsset = await api.get(url(WAITING, "s3://no/such-asset"));
    expect(unknownAsset.status).toBe(404);
    expect(unknownAsset.body).toMatchObject({
      detail: expect.stringContaining('No asset with URI "s3://no/such-asset"'),
    });
    const nothingQueued = await api.get(url(WAITING, "asset-2"));
    expect(nothingQueued.status).toBe(404);
    expect(nothingQueued.body).toMatchObject({ detail: expect.stringContaining("has no queued event") });
  });

  it("takes URIs with slashes percent-encoded, and finds them written as the SDK would not store them", async () => {
    const api = await start();
    await api.request({ method: "PATCH", url: "/api/v1/dags/consumer", payload: { isPaused: true } });
    await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    const expected = { dagId: "consumer", uri: "s3://asset/example.csv", createdAt: T0, count: 1 };
    expect(await api.get(url("consumer", "s3://asset/example.csv"))).toEqual({ status: 200, body: expected });
    expect(await api.get("/api/v1/dags/consumer/assets/queuedEvent/s3%3A%2F%2Fasset%2Fexample.csv")).toEqual({
      status: 200,
      body: expected,
    });
    // Sanitized like the SDK does: lower-case scheme, no trailing slash.
    expect((await api.get(url("consumer", "S3://asset/example.csv/"))).body).toEqual(expected);
    // Written raw, as Airflow's API also accepts it: the same asset.
    expect(await api.get("/api/v1/dags/consumer/assets/queuedEvent/s3://asset/example.csv")).toEqual({
      status: 200,
      body: expected,
    });
  });

  it("takes the URI written raw in the path too (s3://bucket/key), for GET, DELETE and with before", async () => {
    const api = await start();
    await api.request({ method: "PATCH", url: "/api/v1/dags/consumer", payload: { isPaused: true } });
    await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    api.env.clock.advance(60_000);
    await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    const raw = "/api/v1/dags/consumer/assets/queuedEvent/s3://asset/example.csv";
    expect((await api.get(`${raw}?before=${BETWEEN}`)).body).toMatchObject({ count: 1, createdAt: T0 });
    expect((await api.get("/api/v1/assets/queuedEvent/s3://asset/example.csv")).body).toEqual({
      queuedEvents: [{ dagId: "consumer", uri: "s3://asset/example.csv", createdAt: T0, count: 2 }],
      total: 1,
    });
    expect((await api.request({ method: "DELETE", url: `${raw}?before=${BETWEEN}` })).statusCode).toBe(204);
    expect((await api.get(raw)).body).toMatchObject({ count: 1, createdAt: T1 });
    expect(
      (await api.request({ method: "DELETE", url: "/api/v1/assets/queuedEvent/s3://asset/example.csv" })).statusCode,
    ).toBe(204);
    expect((await api.get(raw)).status).toBe(404);
    const unknown = await api.get("/api/v1/dags/consumer/assets/queuedEvent/s3://no/such-asset");
    expect(unknown.body).toMatchObject({ status: 404, detail: expect.stringContaining('"s3://no/such-asset"') });
  });

  it("DELETE answers 204 and the consumer forgets that progress: asset-2 alone no longer triggers it", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    const response = await api.request({ method: "DELETE", url: url(WAITING, "asset-1") });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe("");
    expect((await api.get(url(WAITING, "asset-1"))).status).toBe(404);

    await api.env.triggerDag("asset-2-producer");
    await api.env.runUntilIdle();
    expect(await api.env.getDagRuns(WAITING)).toEqual([]);
    const condition = await api.get<{ condition: { conditions: Array<{ uri: string; satisfied: boolean }> } }>(
      `/api/v1/dags/${WAITING}/assets/condition`,
    );
    expect(condition.body.condition.conditions.map((leaf) => [leaf.uri, leaf.satisfied])).toEqual([
      ["asset-1", false],
      ["asset-2", true],
    ]);
    // Once asset-1 is updated again, the consumer runs with the events it still holds.
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    const runs = await api.env.getDagRuns(WAITING);
    expect(runs.map((run) => run.consumedEvents.map((event) => event.assetUri))).toEqual([["asset-2", "asset-1"]]);
  });

  it("DELETE with before deletes only the events queued before that time", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    expect(
      (await api.request({ method: "DELETE", url: url(WAITING, "asset-1", `?before=${BETWEEN}`) })).statusCode,
    ).toBe(204);
    expect((await api.get(url(WAITING, "asset-1"))).body).toEqual({
      dagId: WAITING,
      uri: "asset-1",
      createdAt: T1,
      count: 1,
    });
  });

  it("DELETE is 204 when nothing is queued, and 404 for an unknown DAG or asset (nothing deleted)", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    expect((await api.request({ method: "DELETE", url: url(WAITING, "asset-2") })).statusCode).toBe(204);
    for (const target of [url("no-such-dag", "asset-1"), url(WAITING, "s3://no/such-asset")]) {
      const response = await api.request({ method: "DELETE", url: target });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ status: 404, title: "Not Found" });
    }
    expect((await api.get(url(WAITING, "asset-1"))).body).toMatchObject({ count: 2 });
  });
});

describe("queued events of a DAG: /dags/{dagId}/assets/queuedEvent", () => {
  const start = useApi();
  const url = (dagId: string, query = "") => `/api/v1/dags/${enc(dagId)}/assets/queuedEvent${query}`;

  it("GET lists the DAG's queued events per asset, with paging and total", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    await api.request({ method: "PATCH", url: `/api/v1/dags/${WAITING}`, payload: { isPaused: true } });
    await api.env.triggerDag("asset-2-producer");
    await api.env.runUntilIdle();
    expect(await api.get(url(WAITING))).toEqual({
      status: 200,
      body: {
        queuedEvents: [
          { dagId: WAITING, uri: "asset-1", createdAt: T0, count: 2 },
          { dagId: WAITING, uri: "asset-2", createdAt: T1, count: 1 },
        ],
        total: 2,
      },
    });
    expect((await api.get(url(WAITING, "?limit=1&offset=1"))).body).toEqual({
      queuedEvents: [{ dagId: WAITING, uri: "asset-2", createdAt: T1, count: 1 }],
      total: 2,
    });
  });

  it("GET answers 200 with an empty list when nothing is queued, also before the first event", async () => {
    const api = await start();
    expect(await api.get(url(WAITING))).toEqual({ status: 200, body: { queuedEvents: [], total: 0 } });
    await queueAsset1Twice(api);
    expect((await api.get(url(WAITING, `?before=${T0}`))).body).toEqual({ queuedEvents: [], total: 0 });
    expect((await api.get(url(WAITING, `?before=${BETWEEN}`))).body).toEqual({
      queuedEvents: [{ dagId: WAITING, uri: "asset-1", createdAt: T0, count: 1 }],
      total: 1,
    });
    expect((await api.get(url("producer"))).body).toEqual({ queuedEvents: [], total: 0 });
  });

  it("GET and DELETE are 404 for an unknown DAG", async () => {
    const api = await start();
    for (const method of ["GET", "DELETE"] as const) {
      const response = await api.request({ method, url: url("no-such-dag") });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        status: 404,
        title: "Not Found",
        detail: 'No DAG "no-such-dag" is registered. List DAGs with GET /api/v1/dags.',
      });
    }
  });

  it("DELETE answers 204 and empties the DAG's queue (before: only older entries)", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    expect((await api.request({ method: "DELETE", url: url(WAITING, `?before=${BETWEEN}`) })).statusCode).toBe(204);
    expect((await api.get(url(WAITING))).body).toEqual({
      queuedEvents: [{ dagId: WAITING, uri: "asset-1", createdAt: T1, count: 1 }],
      total: 1,
    });
    expect((await api.request({ method: "DELETE", url: url(WAITING) })).statusCode).toBe(204);
    expect((await api.get(url(WAITING))).body).toEqual({ queuedEvents: [], total: 0 });
    expect((await api.request({ method: "DELETE", url: url(WAITING) })).statusCode).toBe(204);
  });
});

describe("queued events of an asset: /assets/queuedEvent/{uri}", () => {
  const start = useApi();
  const url = (uri: string, query = "") => `/api/v1/assets/queuedEvent/${enc(uri)}${query}`;

  it("GET lists the asset's queued events over every consumer", async () => {
    const api = await start();
    await api.request({ method: "PATCH", url: "/api/v1/dags/consumer", payload: { isPaused: true } });
    await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    api.env.clock.advance(60_000);
    await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    expect(await api.get(url("s3://asset/example.csv"))).toEqual({
      status: 200,
      body: { queuedEvents: [{ dagId: "consumer", uri: "s3://asset/example.csv", createdAt: T0, count: 2 }], total: 1 },
    });
    expect((await api.get(url("s3://asset/example.csv", `?before=${BETWEEN}`))).body).toEqual({
      queuedEvents: [{ dagId: "consumer", uri: "s3://asset/example.csv", createdAt: T0, count: 1 }],
      total: 1,
    });
  });

  it("GET answers 200 with an empty list when nothing is queued, and 404 for an unknown asset", async () => {
    const api = await start();
    expect(await api.get(url("asset-2"))).toEqual({ status: 200, body: { queuedEvents: [], total: 0 } });
    const unknown = await api.get(url("s3://no/such-asset"));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      status: 404,
      title: "Not Found",
      detail:
        'No asset with URI "s3://no/such-asset" is known. List assets with GET /api/v1/assets; percent-encode the URI in paths.',
    });
  });

  it("DELETE answers 204 and clears the asset for every consumer; 404 for an unknown asset", async () => {
    const api = await start();
    await queueAsset1Twice(api);
    expect((await api.request({ method: "DELETE", url: url("asset-1", `?before=${BETWEEN}`) })).statusCode).toBe(204);
    expect((await api.get(url("asset-1"))).body).toMatchObject({ queuedEvents: [{ count: 1, createdAt: T1 }] });
    expect((await api.request({ method: "DELETE", url: url("asset-1") })).statusCode).toBe(204);
    expect((await api.get(url("asset-1"))).body).toEqual({ queuedEvents: [], total: 0 });
    expect((await api.get(`/api/v1/dags/${WAITING}/assets/queuedEvent`)).body).toEqual({ queuedEvents: [], total: 0 });
    const unknown = await api.request({ method: "DELETE", url: url("s3://no/such-asset") });
    expect(unknown.statusCode).toBe(404);
  });

  it("answers 400, not 500, for a before that is not an ISO time", async () => {
    const api = await start();
    for (const before of ["yesterday", "2025-13-01T00:00:00Z", "1735689600000", "2025-01-01"]) {
      const response = await api.get(url("asset-1", `?before=${enc(before)}`));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        status: 400,
        title: "Bad Request",
        detail: expect.stringContaining("before"),
      });
    }
    expect(api.serverErrors).toEqual([]);
  });
});
