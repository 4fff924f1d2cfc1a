import { describe, expect, it } from "vitest";
import { toQueuedEvents } from "./resources/queued-events/schemas.js";
import { jsonDepth, jsonObjectInput, MAX_JSON_DEPTH } from "./schemas.js";

describe("API schemas and conversions", () => {
  it("jsonDepth counts nesting of objects and arrays, without recursion", () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [{ b: 1 }] })).toBe(3);
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepth(deep)).toBe(100_000);
  });

  it("request extras and conf may nest up to the limit, not deeper", () => {
    const nested = (depth: number) => {
      let value: Record<string, unknown> = {};
      for (let i = 1; i < depth; i++) value = { d: value };
      return value;
    };
    expect(jsonObjectInput.safeParse(nested(MAX_JSON_DEPTH)).success).toBe(true);
    expect(jsonObjectInput.safeParse(nested(MAX_JSON_DEPTH + 1)).success).toBe(false);
  });

  it("toQueuedEvents sums assets that share a URI, keeping the earliest queue time", () => {
    expect(
      toQueuedEvents([
        { dagId: "d", assetName: "a", uri: "s3://b/k", createdAt: 2000, count: 1 },
        { dagId: "d", assetName: "b", uri: "s3://b/k", createdAt: 1000, count: 2 },
        { dagId: "e", assetName: "a", uri: "s3://b/k", createdAt: 3000, count: 1 },
      ]),
    ).toEqual([
      { dagId: "d", uri: "s3://b/k", createdAt: "1970-01-01T00:00:01.000Z", count: 3 },
      { dagId: "e", uri: "s3://b/k", createdAt: "1970-01-01T00:00:03.000Z", count: 1 },
    ]);
  });
});
