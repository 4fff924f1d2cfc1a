/**
 * "Why not yet" through the API (issue 18): `GET /dags/{dagId}/assets/condition`
 * names the consumption policy and the rule a consumer waits on — nothing
 * pending, paused, the condition, the run slots, the quiet period, the window,
 * too few events — and until when, as ISO times.
 */
import { Asset, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { useApi } from "./support.js";

const a1 = new Asset("s3://why/a1");
const a2 = new Asset("s3://why/a2");
const noop = () => {
  task({ taskId: "noop" }, () => undefined);
};
const debounced = dag(
  { dagId: "debounced", schedule: [a1], consume: { debounce: "5m", maxWait: "20m" }, maxActiveRuns: 1 },
  noop,
);
const windowed = dag({ dagId: "windowed", schedule: [a1], consume: { window: "1h", minEvents: 2 } }, noop);
const both = dag({ dagId: "both", schedule: [a1, a2], consume: "each" }, noop);
const manual = dag({ dagId: "manual", schedule: null }, noop);

interface Status {
  consume: Record<string, unknown> | null;
  waitingOn: Record<string, unknown> | null;
}

describe("GET /dags/{dagId}/assets/condition: the rule a consumer waits on, and until when", () => {
  const start = useApi();
  const status = async (api: Awaited<ReturnType<typeof start>>, dagId: string) => {
    const answer = await api.get<Status>(`/api/v1/dags/${dagId}/assets/condition`);
    expect(answer.status).toBe(200);
    return answer.body;
  };

  it("debounce: events, then the quiet period until a time, then the run slot, then paused", async () => {
    const api = await start([debounced]);
    expect(await status(api, "debounced")).toMatchObject({
      consume: { kind: "debounce", debounceMs: 300_000, maxWaitMs: 1_200_000 },
      waitingOn: { rule: "events", until: null },
    });
    await api.env.emitAssetEvent(a1, {}); // at 00:00
    expect((await status(api, "debounced")).waitingOn).toEqual({ rule: "debounce", until: "2025-01-01T00:05:00.000Z" });
    api.env.clock.advance(120_000);
    await api.env.emitAssetEvent(a1, {}); // at 00:02: the quiet period starts again
    expect((await status(api, "debounced")).waitingOn).toEqual({ rule: "debounce", until: "2025-01-01T00:07:00.000Z" });

    api.env.clock.advance(300_000);
    await api.env.scheduler.tick(); // 00:07: a run is created and stays queued (no worker here)
    expect(await api.env.getDagRuns("debounced")).toHaveLength(1);
    await api.env.emitAssetEvent(a1, {});
    api.env.clock.advance(300_000);
    expect((await status(api, "debounced")).waitingOn).toEqual({
      rule: "maxActiveRuns",
      until: null,
      activeRuns: 1,
      maxActiveRuns: 1,
    });

    await api.request({ method: "PATCH", url: "/api/v1/dags/debounced", payload: { isPaused: true } });
    expect((await status(api, "debounced")).waitingOn).toEqual({ rule: "paused", until: null });
  });

  it("window with minEvents: too few events in the window, then the window's end", async () => {
    const api = await start([windowed]);
    api.env.clock.set(new Date("2025-01-01T10:20:00Z"));
    await api.env.emitAssetEvent(a1, {});
    expect(await status(api, "windowed")).toMatchObject({
      consume: { kind: "window", windowMs: 3_600_000, minEvents: 2 },
      waitingOn: { rule: "minEvents", until: "2025-01-01T11:00:00.000Z", events: 1, minEvents: 2 },
    });
    await api.env.emitAssetEvent(a1, {});
    expect((await status(api, "windowed")).waitingOn).toEqual({
      rule: "window",
      until: "2025-01-01T11:00:00.000Z",
      windowStart: "2025-01-01T10:00:00.000Z",
    });
  });

  it("an AND condition that does not hold yet waits on the condition; a DAG not on assets has no policy", async () => {
    const api = await start([both, manual]);
    await api.env.emitAssetEvent(a1, {});
    expect(await status(api, "both")).toMatchObject({ consume: { kind: "each" }, waitingOn: { rule: "condition" } });
    expect(await status(api, "manual")).toMatchObject({ condition: null, consume: null, waitingOn: null });
  });
});
