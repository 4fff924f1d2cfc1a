import { describe, expect, it } from "vitest";
import { queryString, segment } from "../api/client.js";
import { forgetToken, readToken, saveToken, tokenFromFragment } from "../api/token.js";
import { assetListQuery, uriScheme } from "./asset-list.js";
import { initialConf, parseConf } from "./conf.js";
import { numericExtraSeries, numericLeaves } from "./extras.js";
import { elapsedMs, formatDuration, formatTime, plural, relativeTime } from "./format.js";
import { type KeyPress, shortcut } from "./keys.js";
import { nextPollDelay, QUERY_READS, staleQueries } from "./live.js";
import { appendChunk, EMPTY_LOG, logLines } from "./logs.js";

const press = (key: string, more: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  targetTag: "BODY",
  targetEditable: false,
  ...more,
});

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

describe("formatting", () => {
  it("formats durations, elapsed and relative times, times in UTC, and counts", () => {
    expect([850, 4_200, 42_000, 245_000, 7_380_000, 100_000_000].map(formatDuration)).toEqual([
      "850 ms",
      "4.2 s",
      "42 s",
      "4m 05s",
      "2h 03m",
      "1d 3h",
    ]);
    expect(formatDuration(-1)).toBe("–");
    expect(elapsedMs("2025-01-01T00:00:00Z", null, Date.parse("2025-01-01T00:00:05Z"))).toBe(5000);
    expect(elapsedMs(null, null, 0)).toBeNull();
    expect(relativeTime("2025-01-01T00:00:00Z", Date.parse("2025-01-01T00:01:00Z"))).toBe("1m 00s ago");
    expect(relativeTime("2025-01-01T00:00:30Z", Date.parse("2025-01-01T00:00:00Z"))).toBe("in 30 s");
    expect(relativeTime(null, 0)).toBe("–");
    expect(formatTime("2025-01-31T14:05:09.120Z")).toBe("2025-01-31 14:05:09");
    expect(plural(1, "event")).toBe("1 event");
    expect(plural(1204, "DAG")).toBe("1,204 DAGs");
  });
});

describe("numeric extras over time", () => {
  it("makes one series per numeric key (nested keys by path), aligned on event times", () => {
    const series = numericExtraSeries([
      { id: 2, timestamp: "2025-01-01T00:00:02Z", extra: { rows: 5, note: "x", stats: { bytes: 10 } } },
      { id: 1, timestamp: "2025-01-01T00:00:01Z", extra: { rows: 3 } },
      { id: 3, timestamp: "2025-01-01T00:00:03Z", extra: { rows: "n/a", ok: true } },
    ]);
    expect(series.times).toEqual([1735689601, 1735689602]);
    expect(series.series).toEqual([
      { key: "rows", values: [3, 5] },
      { key: "stats.bytes", values: [null, 10] },
    ]);
    expect([...numericLeaves({ a: [1, { b: 2 }], c: Number.NaN }).entries()]).toEqual([
      ["a.0", 1],
      ["a.1.b", 2],
    ]);
  });
});

describe("following a log", () => {
  it("appends a chunk that continues the log and replaces it otherwise, keeping at most the cap", () => {
    const first = appendChunk(EMPTY_LOG, { text: "a\nb\n", offset: 0, nextOffset: 4, truncated: false });
    const second = appendChunk(first, { text: "c\n", offset: 4, nextOffset: 6, truncated: true });
    expect(second).toEqual({ text: "a\nb\nc\n", nextOffset: 6, truncated: false });
    const rotated = appendChunk(second, { text: "new\n", offset: 100, nextOffset: 104, truncated: true });
    expect(rotated).toEqual({ text: "new\n", nextOffset: 104, truncated: true });
    const capped = appendChunk(
      EMPTY_LOG,
      { text: "line1\nline2\nline3\n", offset: 0, nextOffset: 18, truncated: false },
      10,
    );
    expect(capped).toEqual({ text: "line3\n", nextOffset: 18, truncated: true });
    expect(logLines("a\nb\n")).toEqual(["a", "b"]);
    expect(logLines("")).toEqual([]);
  });
});

describe("live updates", () => {
  it("fetches again exactly the queries that read a changed resource", () => {
    expect(staleQueries(["queuedEvents"]).sort()).toEqual(["assetQueued", "condition", "dagList", "graph"]);
    expect(staleQueries([])).toEqual([]);
    expect(staleQueries(["taskInstances"])).toEqual(expect.arrayContaining(["grid", "taskInstances", "taskLog"]));
    for (const reads of Object.values(QUERY_READS)) expect(reads.length).toBeGreaterThan(0);
  });

  it("polls every 1.5 s and backs off to 15 s while the server does not answer", () => {
    expect([0, 1, 2, 3, 10].map(nextPollDelay)).toEqual([1500, 3000, 6000, 12000, 15000]);
  });
});

describe("keyboard shortcuts", () => {
  it("goes to a section with g then a letter, focuses search with /, and ignores keys typed in fields", () => {
    const afterG = shortcut(press("g"), null);
    expect(afterG).toEqual({ action: null, pending: "g" });
    expect(shortcut(press("l"), afterG.pending).action).toEqual({ kind: "go", page: "lineage" });
    expect(shortcut(press("x"), "g").action).toBeNull();
    expect(shortcut(press("/"), null).action).toEqual({ kind: "focusSearch" });
    expect(shortcut(press("?"), null).action).toEqual({ kind: "help" });
    expect(shortcut(press("/", { targetTag: "INPUT" }), null).action).toBeNull();
    expect(shortcut(press("g", { targetEditable: true }), null)).toEqual({ action: null, pending: null });
    expect(shortcut(press("d", { ctrlKey: true }), "g").action).toBeNull();
    expect(shortcut(press("Escape", { targetTag: "INPUT" }), null).action).toEqual({ kind: "close" });
  });
});

describe("trigger conf", () => {
  it("accepts a JSON object (empty means {}) and says what is wrong otherwise", () => {
    expect(parseConf("")).toEqual({ ok: true, conf: {} });
    expect(parseConf('{"day": "2025-01-01"}')).toEqual({ ok: true, conf: { day: "2025-01-01" } });
    expect(parseConf("[1]")).toMatchObject({ ok: false, message: expect.stringContaining("JSON object") });
    expect(parseConf("{bad")).toMatchObject({ ok: false, message: expect.stringContaining("not valid JSON") });
    expect(initialConf({})).toBe("{}");
    expect(initialConf({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
});

describe("the token", () => {
  it("is kept for the tab, or also on this computer, and forgotten everywhere", () => {
    const storages = { session: new MemoryStorage(), local: new MemoryStorage() };
    expect(readToken(storages)).toBeNull();
    saveToken(storages, "t1", { remember: false });
    expect(readToken(storages)).toBe("t1");
    expect(storages.local.items.size).toBe(0);
    saveToken(storages, "t2", { remember: true });
    expect(storages.local.getItem("assetflow.apiToken")).toBe("t2");
    forgetToken(storages);
    expect(readToken(storages)).toBeNull();
  });

  it("is taken from the URL fragment, which the rest of the fragment keeps", () => {
    expect(tokenFromFragment("#token=abc")).toEqual({ token: "abc", rest: "" });
    expect(tokenFromFragment("#x=1&token=abc")).toEqual({ token: "abc", rest: "#x=1" });
    expect(tokenFromFragment("#x=1")).toBeNull();
  });
});

describe("API queries", () => {
  it("writes query strings without absent values and percent-encodes path segments", () => {
    expect(queryString({ limit: 50, search: undefined, tag: null, paused: false })).toBe("?limit=50&paused=false");
    expect(queryString({})).toBe("");
    expect(segment("s3://b/k")).toBe("s3%3A%2F%2Fb%2Fk");
  });

  it("pages the asset catalog and reads URI schemes", () => {
    expect(assetListQuery({ search: "orders", group: null, scheme: "s3", page: 3 })).toEqual({
      search: "orders",
      scheme: "s3",
      limit: "50",
      offset: "100",
    });
    expect(uriScheme("S3://bucket/key")).toBe("s3");
    expect(uriScheme("asset-1")).toBe("");
  });
});
