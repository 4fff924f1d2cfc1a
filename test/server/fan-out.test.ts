/**
 * One event for many consumers through the API: the request answers once the
 * event and its inbox rows are committed (with the runs of the first
 * consumers), the other runs are created right after the answer, and the
 * evaluation lets the server answer other requests meanwhile.
 */
import { Asset, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { FAN_OUT_CHUNK } from "../../scheduler/engine/fan-out.js";
import { storeDatabase } from "../../scheduler/scheduler.js";
import { dagManifest, taskManifest } from "../support/manifests.js";
import { poll } from "../support/poll.js";
import { useApi } from "./support.js";

const CONSUMERS = 40;
const fan = new Asset("s3://fan/out.csv");
const consumers = Array.from({ length: CONSUMERS }, (_, i) =>
  dag({ dagId: `fan_${String(i).padStart(2, "0")}`, schedule: [fan] }, () => {
    task({ taskId: "t" }, () => undefined);
  }),
);

describe("POST /assets/events with many consumers", () => {
  const start = useApi();

  it("answers with every consumer queued and the first 16 runs; the other runs follow, one per consumer", async () => {
    const api = await start(consumers);
    const response = await api.request({ method: "POST", url: "/api/v1/assets/events", payload: { uri: fan.uri } });
    expect(response.statusCode).toBe(201);
    const body = response.json() as { queuedFor: string[]; triggeredDagRuns: Array<{ dagId: string }> };
    expect(body.queuedFor).toEqual(consumers.map((d) => d.dagId));
    expect(body.triggeredDagRuns.map((run) => run.dagId)).toEqual(body.queuedFor.slice(0, 16));
    const runs = await poll("a run of every consumer", async () => {
      const all = await storeDatabase(api.env.scheduler).selectFrom("dag_run").select(["dag_id", "run_type"]).execute();
      return all.length === CONSUMERS ? all : undefined;
    });
    expect(new Set(runs.map((run) => run.dag_id)).size).toBe(CONSUMERS);
    expect(runs.every((run) => run.run_type === "asset_triggered")).toBe(true);
    const inbox = await storeDatabase(api.env.scheduler).selectFrom("asset_event_inbox").selectAll().execute();
    expect(inbox).toEqual([]);
    expect(api.serverErrors).toEqual([]);
  });

  it("recordExternalEvent with inlineConsumers: 0 returns at the commit and evaluates every consumer after it", async () => {
    const api = await start(consumers);
    const { scheduler } = api.env;
    const recorded = await scheduler.recordExternalEvent({ uri: fan.uri }, { inlineConsumers: 0 });
    expect(recorded.runs).toEqual([]);
    expect(recorded.deferredConsumers).toEqual(consumers.map((d) => d.dagId));
    await poll("a run of every consumer", async () => {
      const runs = await storeDatabase(scheduler).selectFrom("dag_run").select("dag_id").execute();
      return runs.length === CONSUMERS ? true : undefined;
    });
  });

  it("evaluating consumers yields the event loop: a callback queued meanwhile runs before the evaluation ends", async () => {
    const api = await start(consumers);
    // On SQLite (a synchronous driver) 20,000 evaluations (nothing pending: each reads and decides) take
    // more than one 10 ms slice, even evaluated together in chunks (engine/fan-out.ts). On PostgreSQL each
    // evaluation waits for the network, so 400 are already many slices (20,000 took 25 s there).
    const rounds = process.env.ASSETFLOW_TEST_BACKEND === "postgres" ? 10 : 500;
    const ids = Array.from({ length: rounds }, () => consumers.map((d) => d.dagId)).flat();
    let settled = false;
    let ranBeforeEnd: boolean | null = null;
    const evaluation = api.env.scheduler.evaluateConsumers(ids).finally(() => {
      settled = true;
    });
    setImmediate(() => {
      ranBeforeEnd = !settled;
    });
    await evaluation;
    expect(ranBeforeEnd).toBe(true);
  });
});

describe("the evaluation after an event, for more consumers than one chunk", () => {
  const start = useApi();

  it("gives the event loop a turn between chunks: a callback queued at the answer runs before the last run exists", async () => {
    const api = await start(consumers);
    const { scheduler } = api.env;
    // With the 40 consumers above, one chunk and a part of another.
    const many = FAN_OUT_CHUNK;
    const condition = { kind: "asset" as const, name: fan.name, uri: fan.uri };
    await scheduler.registerManifest(
      {
        schemaVersion: 1,
        assets: [{ name: fan.name, uri: fan.uri, group: "asset", extra: {} }],
        aliases: [],
        dags: Array.from({ length: many }, (_, i) =>
          dagManifest(`wide_${String(i).padStart(4, "0")}`, { kind: "assets", condition }, [taskManifest("t")]),
        ),
      },
      { kind: "merge" },
    );
    const countRuns = async () =>
      (await storeDatabase(scheduler).selectFrom("dag_run").select("dag_id").execute()).length;
    const total = CONSUMERS + many;
    const recorded = await scheduler.recordExternalEvent({ uri: fan.uri }, { inlineConsumers: 0 });
    expect(recorded.deferredConsumers).toHaveLength(total);
    const runsAtFirstTurn = await new Promise<number>((resolve) => setImmediate(() => void countRuns().then(resolve)));
    expect(runsAtFirstTurn).toBeLessThan(total);
    await poll("a run of every consumer", async () => ((await countRuns()) === total ? true : undefined), {
      timeoutMs: 150_000,
    });
    // PostgreSQL evaluates each consumer in a transaction of its own: slow on a loaded machine.
  }, 180_000);
});
