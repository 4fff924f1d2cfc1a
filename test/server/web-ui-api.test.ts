/**
 * The API routes the web UI reads beyond the seed's: the DAG list with last
 * runs, conditions and filters; tags; a DAG's grid; a run's emitted events;
 * asset search, schemes and facets; conditions in the graph; and what
 * changed since a cursor. In process with `fastify.inject`, on SQLite (and
 * PostgreSQL when ASSETFLOW_TEST_DATABASE_URL is set).
 */
import { Asset, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { type ApiHarness, enc, SEED_DAGS, useApi } from "./support.js";

const tagged = dag(
  { dagId: "tagged-hourly", schedule: "@hourly", tags: ["finance", "hourly"], description: "Ledger" },
  () => {
    task({ taskId: "t" }, () => undefined);
  },
);
const DAGS = [...SEED_DAGS, tagged];

interface ListItem {
  dagId: string;
  tags: string[];
  lastRun: { runId: string; state: string; runType: string } | null;
  assetCondition: { kind: string; satisfied: boolean; conditions?: Array<{ uri?: string; satisfied: boolean }> } | null;
}

async function dagIds(api: ApiHarness, query: string): Promise<[string[], number]> {
  const { status, body } = await api.get<{ dags: ListItem[]; total: number }>(`/api/v1/dags${query}`);
  expect(status).toBe(200);
  return [body.dags.map((item) => item.dagId), body.total];
}

describe("the DAG list of the UI", () => {
  const start = useApi();

  it("gives each DAG its latest run and, for asset schedules, its condition marked by the queued events", async () => {
    const api = await start(DAGS);
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    const { body } = await api.get<{ dags: ListItem[] }>("/api/v1/dags");
    const byId = new Map(body.dags.map((item) => [item.dagId, item]));
    expect(byId.get("asset-1-producer")?.lastRun).toMatchObject({ state: "success", runType: "manual" });
    expect(byId.get("asset-2-producer")?.lastRun).toBeNull();
    expect(byId.get("waiting_for_asset_1_and_2")?.assetCondition).toMatchObject({
      kind: "all",
      satisfied: false,
      conditions: [
        { uri: "asset-1", satisfied: true },
        { uri: "asset-2", satisfied: false },
      ],
    });
    expect(byId.get("tagged-hourly")?.assetCondition).toBeNull();
  });

  it("filters by text (id, description, tag), tag, schedule kind, last-run state and paused, with paging", async () => {
    const api = await start(DAGS);
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    expect(await dagIds(api, "?search=LEDGER")).toEqual([["tagged-hourly"], 1]);
    expect(await dagIds(api, "?search=financ")).toEqual([["tagged-hourly"], 1]);
    expect(await dagIds(api, "?tag=hourly")).toEqual([["tagged-hourly"], 1]);
    expect(await dagIds(api, "?tag=hour")).toEqual([[], 0]);
    expect((await dagIds(api, "?scheduleKind=time"))[0]).toEqual(["producer", "tagged-hourly"]);
    expect((await dagIds(api, "?scheduleKind=assets"))[0]).toContain("waiting_for_asset_1_and_2");
    expect((await dagIds(api, "?scheduleKind=manual"))[0]).toContain("asset-2-producer");
    expect(await dagIds(api, "?lastRunState=success")).toEqual([["asset-1-producer"], 1]);
    const never = await dagIds(api, "?lastRunState=none");
    expect(never[1]).toBe(DAGS.length - 1);
    expect(await dagIds(api, "?lastRunState=none&limit=2&offset=1")).toEqual([never[0].slice(1, 3), never[1]]);
    const bad = await api.get<{ detail: string }>("/api/v1/dags?scheduleKind=weekly");
    expect(bad.status).toBe(400);
  });

  it("lists the tags in use", async () => {
    const api = await start(DAGS);
    expect(await api.get("/api/v1/dagTags")).toEqual({ status: 200, body: { tags: ["finance", "hourly"] } });
  });
});

describe("a DAG's grid and a run's emitted events", () => {
  const start = useApi();

  it("GET /dags/{dagId}/grid gives the newest runs first with every task instance of them", async () => {
    const api = await start(DAGS);
    const first = await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    const second = await api.env.triggerDag("producer");
    const { status, body } = await api.get<{
      dagRuns: Array<{ runId: string; state: string }>;
      taskInstances: Array<{ runId: string; taskId: string; state: string }>;
    }>("/api/v1/dags/producer/grid?limit=5");
    expect(status).toBe(200);
    expect(body.dagRuns.map((run) => [run.runId, run.state])).toEqual([
      [second, "running"],
      [first, "success"],
    ]);
    expect(body.taskInstances.find((ti) => ti.runId === first)).toMatchObject({ taskId: "producer", state: "success" });
    expect((await api.get<{ dagRuns: unknown[] }>("/api/v1/dags/producer/grid?limit=1")).body.dagRuns).toHaveLength(1);
    expect((await api.get("/api/v1/dags/nope/grid")).status).toBe(404);
    expect((await api.get("/api/v1/dags/producer/grid?limit=0")).status).toBe(400);
  });

  it("GET /dags/{dagId}/dagRuns/{runId}/assetEvents lists the events the run emitted, with extras masked", async () => {
    const api = await start(DAGS);
    const run = await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    const { status, body } = await api.get<{
      assetEvents: Array<{ assetUri: string; sourceRunId: string; extra: Record<string, unknown> }>;
      total: number;
    }>(`/api/v1/dags/producer/dagRuns/${enc(run)}/assetEvents`);
    expect(status).toBe(200);
    expect(body.total).toBe(1);
    expect(body.assetEvents[0]).toMatchObject({ assetUri: "s3://asset/example.csv", sourceRunId: run });
    expect(body.assetEvents[0]?.extra).toMatchObject({ rowCount: 3, password: "***" });
    const [consumerRun] = await api.env.getDagRuns("consumer");
    const none = await api.get<{ total: number }>(
      `/api/v1/dags/consumer/dagRuns/${enc(consumerRun?.runId ?? "")}/assetEvents`,
    );
    expect(none.body.total).toBe(0);
    expect((await api.get(`/api/v1/dags/producer/dagRuns/nope/assetEvents`)).status).toBe(404);
  });
});

describe("the asset catalog", () => {
  const start = useApi();
  const extra = [
    new Asset({ uri: "file:///data/orders.csv", name: "Orders", group: "raw" }),
    new Asset({ uri: "s3://bucket/ORDERS_100_pct.csv", name: "orders-pct", group: "raw" }),
  ];
  const dags = [
    ...SEED_DAGS,
    dag({ dagId: "catalog", schedule: null }, () => {
      task({ taskId: "t", outlets: extra }, () => undefined);
    }),
  ];

  it("searches URI or name, filters by scheme (or none), and counts groups and schemes", async () => {
    const api = await start(dags);
    const uris = async (query: string) =>
      (await api.get<{ assets: Array<{ uri: string }> }>(`/api/v1/assets${query}`)).body.assets.map((a) => a.uri);
    expect(await uris("?search=orders")).toEqual(["file:///data/orders.csv", "s3://bucket/ORDERS_100_pct.csv"]);
    expect(await uris("?search=100_")).toEqual(["s3://bucket/ORDERS_100_pct.csv"]);
    expect(await uris("?search=orders&scheme=s3")).toEqual(["s3://bucket/ORDERS_100_pct.csv"]);
    expect(await uris("?scheme=file")).toEqual(["file:///data/orders.csv"]);
    expect(await uris("?scheme=")).toEqual(["asset-1", "asset-2"]);
    expect((await api.get("/api/v1/assets?scheme=s3%3A%2F%2F")).status).toBe(400);
    const facets = await api.get<{ total: number; groups: unknown[]; schemes: unknown[] }>("/api/v1/assetFacets");
    expect(facets.status).toBe(200);
    expect(facets.body.groups).toEqual(expect.arrayContaining([{ value: "raw", count: 2 }]));
    expect(facets.body.schemes).toEqual(
      expect.arrayContaining([
        { value: "", count: 2 },
        { value: "file", count: 1 },
      ]),
    );
    expect(facets.body.total).toBe(
      (facets.body.schemes as Array<{ count: number }>).reduce((sum, scheme) => sum + scheme.count, 0),
    );
  });
});

describe("conditions in the graph", () => {
  const start = useApi();

  it("gives each consumer DAG node its schedule's condition tree (null for others)", async () => {
    const api = await start();
    const { body } = await api.get<{ nodes: Array<{ kind: string; dagId?: string; condition?: unknown }> }>(
      "/api/v1/graph",
    );
    const node = (dagId: string) => body.nodes.find((item) => item.kind === "dag" && item.dagId === dagId);
    expect(node("waiting_for_asset_1_and_2")?.condition).toEqual({
      kind: "all",
      conditions: [
        { kind: "asset", name: "asset-1", uri: "asset-1" },
        { kind: "asset", name: "asset-2", uri: "asset-2" },
      ],
    });
    expect(node("asset-1-producer")?.condition).toBeNull();
  });
});

describe("what changed since a cursor", () => {
  const start = useApi();

  it("names every resource without a cursor, nothing when nothing changed, and exactly what changed", async () => {
    const api = await start();
    const changes = async (since?: string) =>
      (await api.get<{ cursor: string; changed: string[] }>(`/api/v1/changes${since ? `?since=${enc(since)}` : ""}`))
        .body;
    const first = await changes();
    expect(first.changed).toEqual([
      "dags",
      "runs",
      "taskInstances",
      "assetEvents",
      "queuedEvents",
      "assets",
      "importErrors",
    ]);
    expect((await changes(first.cursor)).changed).toEqual([]);

    await api.request({ method: "PATCH", url: "/api/v1/dags/consumer", payload: { isPaused: true } });
    const paused = await changes(first.cursor);
    expect(paused.changed).toEqual(["dags"]);
    // One DAG paused and another unpaused between two polls is still a change.
    await api.request({ method: "PATCH", url: "/api/v1/dags/consumer", payload: { isPaused: false } });
    await api.request({ method: "PATCH", url: "/api/v1/dags/producer", payload: { isPaused: true } });
    expect((await changes(paused.cursor)).changed).toEqual(["dags"]);

    const run = await api.env.triggerDag("asset-1-producer");
    const triggered = await changes(paused.cursor);
    expect(triggered.changed).toEqual(expect.arrayContaining(["runs", "taskInstances"]));
    expect(triggered.changed).not.toContain("assetEvents");

    await api.env.runUntilIdle();
    const finished = await changes(triggered.cursor);
    expect(finished.changed).toEqual(expect.arrayContaining(["runs", "taskInstances", "assetEvents", "queuedEvents"]));
    expect((await api.env.getDagRuns("asset-1-producer"))[0]?.runId).toBe(run);
    expect((await changes(finished.cursor)).changed).toEqual([]);
  });

  it("refuses a cursor it did not write", async () => {
    const api = await start();
    const response = await api.get<{ detail: string }>("/api/v1/changes?since=nonsense");
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain("cursor");
  });
});
