/**
 * Issue 11: `GET /api/v1/dagWarnings` lists the warnings registration
 * recorded (a DAG scheduled on its own outlet), in the shape the web UI reads.
 */
import { Asset, dag, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { consumer, producer, useApi } from "./support.js";

const loopAsset = new Asset("s3://api-warnings/loop");
const loop = dag({ dagId: "loop", schedule: [loopAsset] }, () => {
  task({ taskId: "write", outlets: [loopAsset] }, () => undefined);
});

interface Warnings {
  dagWarnings: Array<{ dagId: string; warningType: string; message: string; createdAt: string }>;
  total: number;
}

describe("GET /api/v1/dagWarnings", () => {
  const start = useApi();

  it("lists a self-triggering DAG; filters by dagId; pages", async () => {
    const api = await start([producer, consumer, loop]);
    const all = await api.get<Warnings>("/api/v1/dagWarnings");
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      dagWarnings: [
        {
          dagId: "loop",
          warningType: "self-triggering",
          message: expect.stringContaining('scheduled on its own outlet: asset "s3://api-warnings/loop"'),
          createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        },
      ],
      total: 1,
    });
    expect((await api.get<Warnings>("/api/v1/dagWarnings?dagId=producer")).body).toEqual({ dagWarnings: [], total: 0 });
    expect((await api.get<Warnings>("/api/v1/dagWarnings?offset=1")).body).toEqual({ dagWarnings: [], total: 1 });
    const bad = await api.get<{ status: number }>("/api/v1/dagWarnings?limit=0");
    expect(bad.status).toBe(400);
    expect(api.serverErrors).toEqual([]);
  });

  it("is empty without self-triggering DAGs", async () => {
    const api = await start([producer, consumer]);
    expect((await api.get<Warnings>("/api/v1/dagWarnings")).body).toEqual({ dagWarnings: [], total: 0 });
  });
});
