import { describe, expect, it } from "vitest";
import { toJsonOutput } from "./output.js";

describe("toJsonOutput", () => {
  it("writes times as ISO 8601 strings, as the REST API does, at any depth", () => {
    expect(
      toJsonOutput([
        {
          runId: "r1",
          createdAt: 0,
          dataIntervalStart: null,
          consumedEvents: [{ id: 3, timestamp: 86_400_000, sourceRun: { dataIntervalEnd: 1 } }],
        },
      ]),
    ).toEqual([
      {
        runId: "r1",
        createdAt: "1970-01-01T00:00:00.000Z",
        dataIntervalStart: null,
        consumedEvents: [
          { id: 3, timestamp: "1970-01-02T00:00:00.000Z", sourceRun: { dataIntervalEnd: "1970-01-01T00:00:00.001Z" } },
        ],
      },
    ]);
  });

  it("leaves the user's own data and other numbers alone", () => {
    const value = {
      eventCount: 3,
      tryNumber: 2,
      extra: { createdAt: 5, nested: { timestamp: 6 } },
      conf: { startDate: 1 },
      result: { endDate: 2 },
      params: { logicalDate: 3 },
    };
    expect(toJsonOutput(value)).toEqual(value);
  });
});
