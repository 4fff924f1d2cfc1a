/**
 * Issue 17, end to end: a DAG folder written with `asset()` (a producer whose
 * function is the asset, a consumer scheduled on it) under the real
 * `assetflow standalone`. `assetflow assets materialize <uri>` and
 * `POST /api/v1/assets/{uri}/materialize` start the producing DAG; its event
 * carries the extra the function set, and the consumer runs on it. An asset
 * produced by two DAGs gets an error that names both.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cliEnv,
  cliJson,
  FINAL_RUN_STATES,
  type RunJson,
  requireBuiltCli,
  runCli,
  Service,
  tempDir,
  waitForRuns,
} from "./support.js";

const DAG_FILE = `import { Asset, asset, dag, task } from "assetflow";

export const orders = asset(
  { uri: "s3://warehouse/orders.parquet", name: "orders", schedule: null },
  async function* buildOrders(ctx) {
    ctx.outletEvents.get(orders).extra = { rowCount: 3, day: String(ctx.params.day ?? "none") };
    ctx.log("built orders");
  },
);

export const report = dag({ dagId: "report", schedule: [orders] }, () => {
  task({ taskId: "report" }, (ctx) => {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(\`\${asset.name}: \${events.map((e) => JSON.stringify(e.extra)).join(", ")}\`);
    }
  });
});

const shared = new Asset("s3://warehouse/shared.parquet");
export const sharedA = asset.multi({ outlets: [shared], dagId: "shared_a" }, () => undefined);
export const sharedB = asset.multi({ outlets: [shared], dagId: "shared_b" }, () => undefined);
`;

const home = tempDir("asset-authoring");
const dags = tempDir("asset-authoring-dags");
const env = cliEnv(home.path);
let standalone: Service;
let api: { api: string; token: string };

beforeAll(async () => {
  requireBuiltCli();
  writeFileSync(join(dags.path, "orders.ts"), DAG_FILE);
  standalone = new Service(["standalone", "--dags", dags.path, "--workers", "1", "--port", "0"], env);
  const started = await standalone.started();
  api = started.api as { api: string; token: string };
}, 90_000);

afterAll(async () => {
  await standalone?.stop();
  home.remove();
  dags.remove();
});

interface Materialized {
  asset: { name: string; uri: string };
  dagId: string;
  runId: string;
  taskIds: string[];
}

const finished = (runId: string) => (runs: RunJson[]) =>
  runs.find((run) => run.runId === runId && FINAL_RUN_STATES.has(run.state));

describe("asset() under assetflow standalone", () => {
  it("assets materialize runs the asset's DAG; its event triggers the consumer with the function's extra", async () => {
    const started = await cliJson<Materialized>(
      ["assets", "materialize", "s3://warehouse/orders.parquet", "--conf", '{"day": "2025-01-01"}'],
      env,
    );
    expect(started).toMatchObject({
      asset: { name: "orders", uri: "s3://warehouse/orders.parquet" },
      dagId: "orders",
      taskIds: ["buildOrders"],
    });
    const producerRun = await waitForRuns("orders", env, finished(started.runId));
    expect(producerRun.state).toBe("success");
    expect(producerRun.runType).toBe("manual");
    const consumerRun = await waitForRuns("report", env, (runs) =>
      runs.find(
        (run) => FINAL_RUN_STATES.has(run.state) && run.consumedEvents.some((e) => e.sourceRunId === started.runId),
      ),
    );
    expect(consumerRun.state).toBe("success");
    expect(consumerRun.consumedEvents.map((event) => [event.assetName, event.sourceDagId, event.extra])).toEqual([
      ["orders", "orders", { rowCount: 3, day: "2025-01-01" }],
    ]);
  }, 90_000);

  it("POST /api/v1/assets/{uri}/materialize does the same through the API", async () => {
    const response = await fetch(
      `${api.api}/assets/${encodeURIComponent("s3://warehouse/orders.parquet")}/materialize`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" },
        body: JSON.stringify({ conf: { day: "2025-01-02" } }),
      },
    );
    expect(response.status).toBe(201);
    const body = (await response.json()) as { dagRun: { dagId: string; runId: string } };
    expect(body.dagRun.dagId).toBe("orders");
    const consumerRun = await waitForRuns("report", env, (runs) =>
      runs.find(
        (run) => FINAL_RUN_STATES.has(run.state) && run.consumedEvents.some((e) => e.sourceRunId === body.dagRun.runId),
      ),
    );
    expect(consumerRun.consumedEvents[0]?.extra).toEqual({ rowCount: 3, day: "2025-01-02" });
  }, 90_000);

  it("names both DAGs when two produce the asset, with exit code 1; --dag chooses", async () => {
    const ambiguous = await runCli(["assets", "materialize", "s3://warehouse/shared.parquet"], env);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr.trim()).toBe(
      'error: 2 DAGs produce asset "s3://warehouse/shared.parquet": "shared_a", "shared_b". Choose one with dagId (the API) or --dag (the CLI). [ASSET_PRODUCER_AMBIGUOUS]',
    );
    const chosen = await cliJson<Materialized>(
      ["assets", "materialize", "s3://warehouse/shared.parquet", "--dag", "shared_b"],
      env,
    );
    expect(chosen.dagId).toBe("shared_b");
    expect((await waitForRuns("shared_b", env, finished(chosen.runId))).state).toBe("success");
  }, 90_000);
});
