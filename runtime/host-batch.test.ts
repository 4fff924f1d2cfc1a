import { describe, expect, it } from "vitest";
import type { TaskRunRequest } from "../scheduler/contracts.js";
import { packBatch, unpackBatch } from "./host-batch.js";
import type { HostRequest } from "./task-host-protocol.js";
import { eventRecord, makeRequest } from "./test-support.js";

type Item = Extract<HostRequest, { type: "run" | "load" }>;
type RunItem = Extract<HostRequest, { type: "run" }>;

/** A first try of `taskId` in run `runId` of the DAG `etl`, from /dags/etl.ts. */
function request(runId: string, taskId: string, fields: Partial<Omit<TaskRunRequest, "key">> = {}): TaskRunRequest {
  return makeRequest({ dagId: "etl" }, taskId, { runId, dagFile: "/dags/etl.ts", ...fields });
}

function run(id: number, request: TaskRunRequest): RunItem {
  return { type: "run", id, file: "/dags/etl.ts", request, logFolder: `/logs/${request.key.runId}` };
}

/** The batch as the host receives it: through JSON, as the IPC channel sends it. */
const sent = (items: Item[]) => JSON.parse(JSON.stringify(packBatch(items)));

describe("packBatch / unpackBatch", () => {
  it("gives the host every message back whole, in order, loads included", () => {
    const events = [eventRecord(7, { name: "orders", uri: "s3://w/orders" })];
    const items: Item[] = [
      run(
        1,
        request("a", "extract", { upstreamResults: {}, triggeringEvents: events, triggeringAliases: { 7: ["x"] } }),
      ),
      { type: "load", id: 2, file: "/dags/other.ts", uriSchemeFiles: ["/dags/schemes.ts"] },
      run(3, request("b", "extract", { conf: { day: "2024-01-02" }, uriSchemeFiles: ["/dags/schemes.ts"] })),
      run(
        4,
        request("a", "load", {
          upstreamResults: { extract: [1, 2] },
          executionTimeoutMs: 500,
          triggeringEvents: events,
          triggeringAliases: { 7: ["x"] },
        }),
      ),
      run(5, {
        ...request("a", "load"),
        key: { dagId: "etl", runId: "a", taskId: "load", mapIndex: 2, tryNumber: 3 },
        triggeringEvents: events,
        triggeringAliases: { 7: ["x"] },
      }),
    ];
    expect(unpackBatch(sent(items))).toEqual(items);
  });

  it("sends what the tries of one run share once", () => {
    const conf = { day: "2024-01-02" };
    const items = Array.from({ length: 10 }, (_, index) => run(index + 1, request("r1", `task_${index}`, { conf })));
    const batch = packBatch(items);
    expect(batch.runs).toHaveLength(1);
    expect(JSON.stringify(batch).length).toBeLessThan(JSON.stringify(items).length / 2);
  });

  it("keeps a run's tries apart when a shared field differs (a conf, a DAG file, a log folder)", () => {
    const items: Item[] = [
      run(1, request("r1", "a", { conf: { day: 1 } })),
      run(2, request("r1", "b", { conf: { day: 2 } })),
      run(3, request("r1", "c", { dagFile: "/dags/moved.ts", conf: { day: 2 } })),
      { ...run(4, request("r1", "d", { conf: { day: 2 } })), logFolder: "/elsewhere" },
    ];
    expect(packBatch(items).runs).toHaveLength(4);
    expect(unpackBatch(sent(items))).toEqual(items);
  });

  it("refuses a try whose run the batch does not hold", () => {
    const batch = sent([run(1, request("r1", "a")), run(2, request("r1", "b"))]);
    batch.runs = [];
    expect(() => unpackBatch(batch)).toThrow(/run 0, which it does not hold/);
  });
});
