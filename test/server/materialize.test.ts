/**
 * POST /api/v1/assets/{uri}/materialize: starts a manual run of the DAG that
 * produces the asset; the run then updates the asset and triggers its
 * consumers. When the choice is not one DAG (none, several, or a DAG that does
 * not produce it) the answer is a 409 naming the choices, and no run exists.
 */
import { Asset, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { enc, useApi } from "./support.js";

const orders = new Asset("s3://warehouse/orders.parquet");
const shared = new Asset("s3://warehouse/shared.parquet");
const orphan = new Asset("s3://warehouse/orphan.parquet");
const twinA = new Asset({ uri: "s3://warehouse/twin", name: "twin-a" });
const twinB = new Asset({ uri: "s3://warehouse/twin", name: "twin-b" });

const buildOrders = dag({ dagId: "build_orders", schedule: null }, () => {
  task({ taskId: "write_orders", outlets: [orders] }, (ctx) => {
    ctx.outletEvents.get(orders).extra = { by: "build_orders", day: String(ctx.params.day ?? "none") };
  });
});
const report = dag({ dagId: "report", schedule: [orders] }, () => {
  task({ taskId: "report" }, () => undefined);
});
const sharedA = dag({ dagId: "shared_a", schedule: null }, () => {
  task({ taskId: "write", outlets: [shared, twinA, twinB] }, () => undefined);
});
const sharedB = dag({ dagId: "shared_b", schedule: null }, () => {
  task({ taskId: "write", outlets: [shared] }, () => undefined);
});
const orphanConsumer = dag({ dagId: "orphan_consumer", schedule: [orphan] }, () => {
  task({ taskId: "noop" }, () => undefined);
});
const DAGS = [buildOrders, report, sharedA, sharedB, orphanConsumer];

interface Materialization {
  asset: { name: string; uri: string };
  dagRun: { dagId: string; runId: string; runType: string; conf: Record<string, unknown> };
  taskIds: string[];
}

describe("POST /assets/{uri}/materialize", () => {
  const start = useApi();

  it("starts a manual run of the producing DAG with conf; the asset is updated and its consumer runs", async () => {
    const api = await start(DAGS);
    const response = await api.request({
      method: "POST",
      url: `/api/v1/assets/${enc(orders.uri)}/materialize`,
      payload: { conf: { day: "2025-01-01" } },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json() as Materialization;
    expect(body.asset).toEqual({ name: orders.uri, uri: orders.uri });
    expect(body.taskIds).toEqual(["write_orders"]);
    expect(body.dagRun).toMatchObject({ dagId: "build_orders", runType: "manual", conf: { day: "2025-01-01" } });
    expect((await api.env.getDagRuns("build_orders")).map((run) => run.runId)).toEqual([body.dagRun.runId]);
    await api.env.runUntilIdle();
    const events = await api.env.getAssetEvents(orders);
    expect(events.map((event) => event.extra)).toEqual([{ by: "build_orders", day: "2025-01-01" }]);
    expect(await api.env.getDagRuns("report")).toHaveLength(1);
    expect(api.serverErrors).toEqual([]);
  });

  it("takes no body at all, and finds a URI written unsanitized", async () => {
    const api = await start(DAGS);
    const response = await api.request({
      method: "POST",
      url: `/api/v1/assets/${enc("S3://warehouse/orders.parquet")}/materialize`,
    });
    expect(response.statusCode).toBe(201);
    expect((response.json() as Materialization).dagRun.dagId).toBe("build_orders");
  });

  it("answers 409 naming the DAGs when several produce the asset; dagId chooses one", async () => {
    const api = await start(DAGS);
    const url = `/api/v1/assets/${enc(shared.uri)}/materialize`;
    const ambiguous = await api.request({ method: "POST", url, payload: {} });
    expect(ambiguous.statusCode).toBe(409);
    expect((ambiguous.json() as { detail: string }).detail).toBe(
      '2 DAGs produce asset "s3://warehouse/shared.parquet": "shared_a", "shared_b". Choose one with dagId (the API) or --dag (the CLI).',
    );
    expect(await api.env.getDagRuns("shared_a")).toEqual([]);
    expect(await api.env.getDagRuns("shared_b")).toEqual([]);
    const chosen = await api.request({ method: "POST", url, payload: { dagId: "shared_b" } });
    expect(chosen.statusCode).toBe(201);
    expect((chosen.json() as Materialization).dagRun.dagId).toBe("shared_b");
    expect(await api.env.getDagRuns("shared_a")).toEqual([]);
  });

  it("answers 409 when the dagId given does not produce the asset, naming those that do", async () => {
    const api = await start(DAGS);
    const response = await api.request({
      method: "POST",
      url: `/api/v1/assets/${enc(orders.uri)}/materialize`,
      payload: { dagId: "report" },
    });
    expect(response.statusCode).toBe(409);
    expect((response.json() as { detail: string }).detail).toBe(
      'DAG "report" does not produce asset "s3://warehouse/orders.parquet". The DAGs that do: "build_orders".',
    );
    expect(await api.env.getDagRuns("report")).toEqual([]);
  });

  it("answers 409 when no DAG produces the asset", async () => {
    const api = await start(DAGS);
    const response = await api.request({ method: "POST", url: `/api/v1/assets/${enc(orphan.uri)}/materialize` });
    expect(response.statusCode).toBe(409);
    expect((response.json() as { detail: string }).detail).toMatch(
      /^No active DAG produces asset "s3:\/\/warehouse\/orphan.parquet": no task lists it in its outlets\./,
    );
  });

  it("answers 409 naming the assets when several share the URI; name chooses one", async () => {
    const api = await start(DAGS);
    const url = `/api/v1/assets/${enc("s3://warehouse/twin")}/materialize`;
    const ambiguous = await api.request({ method: "POST", url });
    expect(ambiguous.statusCode).toBe(409);
    expect((ambiguous.json() as { detail: string }).detail).toContain('(names "twin-a", "twin-b")');
    const chosen = await api.request({ method: "POST", url, payload: { name: "twin-b" } });
    expect(chosen.statusCode).toBe(201);
    expect((chosen.json() as Materialization).asset).toEqual({ name: "twin-b", uri: "s3://warehouse/twin" });
  });

  it("answers 404 for an unknown asset and 400 for an unknown body key, creating nothing", async () => {
    const api = await start(DAGS);
    const missing = await api.request({ method: "POST", url: `/api/v1/assets/${enc("s3://nope/x")}/materialize` });
    expect(missing.statusCode).toBe(404);
    expect((missing.json() as { detail: string }).detail).toContain('No asset with URI "s3://nope/x" is known');
    const typo = await api.request({
      method: "POST",
      url: `/api/v1/assets/${enc(orders.uri)}/materialize`,
      payload: { dagid: "build_orders" },
    });
    expect(typo.statusCode).toBe(400);
    expect(await api.env.getDagRuns("build_orders")).toEqual([]);
    expect(api.serverErrors).toEqual([]);
  });
});
