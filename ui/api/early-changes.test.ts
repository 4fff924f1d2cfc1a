import { describe, expect, it } from "vitest";
import { startEarlyChanges, takeEarlyChanges, withEarlyChanges } from "./early-changes.js";
import type { Changes } from "./types.js";

const cursor = (value: string): Changes => ({ cursor: value, changed: [] }) as unknown as Changes;

describe("the first GET /changes, started by the boot script", () => {
  it("is asked with the token in a header and taken once, for the same token only", async () => {
    const asked: Array<[string, RequestInit | undefined]> = [];
    const fetchFn = (async (url: string, init?: RequestInit) => {
      asked.push([url, init]);
      return new Response(JSON.stringify(cursor("c1")), { status: 200 });
    }) as typeof fetch;
    const page = {};
    startEarlyChanges(page, "token-1", fetchFn);
    expect(asked).toEqual([
      ["/api/v1/changes", { headers: { authorization: "Bearer token-1", accept: "application/json" } }],
    ]);
    expect(await takeEarlyChanges(page, "token-1")).toEqual(cursor("c1"));
    expect(takeEarlyChanges(page, "token-1")).toBeNull();

    startEarlyChanges(page, "token-1", fetchFn);
    expect(takeEarlyChanges(page, "another-token")).toBeNull();
    expect(takeEarlyChanges(page, "token-1")).toBeNull();
  });

  it("answers null when the server refuses or cannot be reached", async () => {
    const page = {};
    startEarlyChanges(page, "t", (async () => new Response("{}", { status: 401 })) as typeof fetch);
    expect(await takeEarlyChanges(page, "t")).toBeNull();
    startEarlyChanges(page, "t", (async () => Promise.reject(new TypeError("offline"))) as typeof fetch);
    expect(await takeEarlyChanges(page, "t")).toBeNull();
  });

  it("answers the first cursor-less call early, then asks the server; a failed early answer asks at once", async () => {
    const calls: Array<string | null> = [];
    const server = async (since: string | null) => {
      calls.push(since);
      return cursor(`server-${calls.length}`);
    };
    const changes = withEarlyChanges(server, Promise.resolve(cursor("early")));
    expect(await changes(null)).toEqual(cursor("early"));
    expect(await changes("early")).toEqual(cursor("server-1"));
    expect(await changes(null)).toEqual(cursor("server-2"));
    expect(calls).toEqual(["early", null]);

    const failed = withEarlyChanges(server, Promise.resolve(null));
    expect(await failed(null)).toEqual(cursor("server-3"));
    expect(await withEarlyChanges(server, null)(null)).toEqual(cursor("server-4"));
  });
});
