import { describe, expect, it } from "vitest";
import { ExtraError } from "./errors.js";
import { assertJsonObject, describeValue, findNonJson, stableStringify } from "./json.js";

describe("findNonJson", () => {
  it("returns undefined for plain JSON, however nested", () => {
    expect(
      findNonJson({ s: "x", n: -1.5, t: true, f: false, z: null, list: [1, "a", { deep: [null] }], empty: {} }),
    ).toBeUndefined();
    expect(findNonJson(Object.assign(Object.create(null), { a: 1 }))).toBeUndefined();
  });

  it.each([
    ["a Date", { meta: { at: new Date(0) } }, "meta.at"],
    ["a Map", { m: new Map() }, "m"],
    ["a Set inside an array", { list: [1, new Set()] }, "list[1]"],
    ["a function", { f: () => 0 }, "f"],
    ["undefined", { u: undefined }, "u"],
    ["a symbol", { s: Symbol("s") }, "s"],
    ["a bigint", { b: 2n }, "b"],
    ["1e400 (Infinity once parsed)", JSON.parse('{"big": [1e400]}'), "big[0]"],
    ["a lone high surrogate", JSON.parse('{"s": {"t": "a\\ud800b"}}'), "s.t"],
    ["a lone low surrogate", { s: "\udc00" }, "s"],
    ["a key with a lone surrogate", { "k\ud800": 1 }, "k\ud800"],
    ["NaN", { deep: { deeper: [[Number.NaN]] } }, "deep.deeper[0][0]"],
    ["-Infinity", { x: Number.NEGATIVE_INFINITY }, "x"],
  ])("finds %s and returns its dotted path", (_what, value, path) => {
    expect(findNonJson(value)).toBe(path);
  });

  it("finds a cycle at the key that closes it", () => {
    const node: Record<string, unknown> = { child: {} };
    (node["child"] as Record<string, unknown>)["parent"] = node;
    expect(findNonJson(node)).toBe("child.parent");
  });

  it("accepts the same object twice when it is shared, not cyclic", () => {
    const shared = { a: 1 };
    expect(findNonJson({ left: shared, right: shared, list: [shared, shared] })).toBeUndefined();
  });

  it('returns "" when the value itself is not JSON', () => {
    expect(findNonJson(new Date())).toBe("");
    expect(findNonJson(undefined)).toBe("");
  });
});

describe("well-formed Unicode", () => {
  it("accepts surrogate pairs (emoji) and U+FFFD itself", () => {
    expect(findNonJson({ e: "😀 \ud83d\ude00", r: "\uFFFD", [`😀`]: 1 })).toBeUndefined();
  });

  it("assertJsonObject names the key and says why 1e400 and a lone surrogate are refused", () => {
    expect(() => assertJsonObject(JSON.parse('{"n": 1e400}'), "extra")).toThrow(
      /key "n" holds Infinity, a number JSON cannot carry exactly \(1e400/,
    );
    expect(() => assertJsonObject({ s: "\ud800" }, "extra")).toThrow(
      /key "s" holds a string that is not valid Unicode/,
    );
  });
});

describe("assertJsonObject", () => {
  it("accepts a plain JSON object", () => {
    const value: unknown = { rows: 3, tags: ["a"] };
    assertJsonObject(value, "extra of test");
    expect(value).toEqual({ rows: 3, tags: ["a"] });
  });

  it.each([
    ["an array", [1]],
    ["null", null],
    ["a number", 3],
    ["a Date", new Date(0)],
    ["a Map", new Map()],
  ])("rejects %s as the whole value, saying what it got", (what, value) => {
    expect(() => assertJsonObject(value, 'extra of asset "s3://b/k"')).toThrow(
      `extra of asset "s3://b/k" must be a plain JSON object such as { "rowCount": 3 }, got ${what}.`,
    );
  });

  it("names the owner, the key, what the key holds, and the fix", () => {
    let error: unknown;
    try {
      assertJsonObject({ window: { start: new Date(0) } }, 'extra of asset "s3://b/k"');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExtraError);
    expect(error).toMatchObject({
      code: "EXTRA_NOT_JSON",
      details: { where: 'extra of asset "s3://b/k"', key: "window.start" },
    });
    expect((error as Error).message).toBe(
      'extra of asset "s3://b/k" is not JSON: key "window.start" holds a Date. ' +
        "Extras must be plain JSON (strings, finite numbers, booleans, null, arrays, plain objects); " +
        "convert it, for example a Date with toISOString().",
    );
  });

  it("describes the offending value even when a key contains a dot", () => {
    expect(() => assertJsonObject({ "v1.2": Number.NaN }, "extra")).toThrow('key "v1.2" holds NaN');
  });

  it("says a cycle is a circular reference", () => {
    const loop: Record<string, unknown> = {};
    loop["again"] = loop;
    expect(() => assertJsonObject({ loop }, "extra")).toThrow('key "loop.again" holds a circular reference');
  });
});

describe("describeValue", () => {
  it.each([
    [null, "null"],
    [undefined, "undefined"],
    [[1], "an array"],
    [{}, "an object"],
    [new Date(0), "a Date"],
    [new Error("x"), "an Error"],
    [Number.NaN, "NaN"],
    [3, "a number"],
    [() => 0, "a function"],
    ["abc", 'the string "abc"'],
  ])("describes %o as %s", (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it("shortens long strings", () => {
    const text = describeValue("x".repeat(100));
    expect(text).toBe(`the string "${"x".repeat(57)}..."`);
  });
});

describe("stableStringify", () => {
  it("writes compact text exactly as JSON.stringify of the key-sorted copy", () => {
    const sorted = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sorted);
      if (value !== null && typeof value === "object" && !(value instanceof Date)) {
        return Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
        );
      }
      return value;
    };
    const value = {
      z: [1, "two", null, undefined, () => 1, { y: 2, x: [true, false] }],
      a: { 'key with "quotes"': "\u2028 line", n: -0.5, big: 1e21, nan: Number.NaN },
      f: () => 1,
      u: undefined,
      d: new Date(Date.UTC(2024, 0, 2)),
      e: {},
      l: [],
    };
    expect(stableStringify(value, 0)).toBe(JSON.stringify(sorted(value)));
  });

  it("sorts object keys at every level", () => {
    expect(stableStringify({ b: 1, a: { d: 2, c: [{ f: 3, e: 4 }] } }, 0)).toBe(
      '{"a":{"c":[{"e":4,"f":3}],"d":2},"b":1}',
    );
  });

  it("gives the same text for the same value whatever the insertion order", () => {
    const first: Record<string, unknown> = {};
    first["zeta"] = 1;
    first["alpha"] = { y: 2, x: 3 };
    const second: Record<string, unknown> = {};
    second["alpha"] = { x: 3, y: 2 };
    second["zeta"] = 1;
    expect(stableStringify(first)).toBe(stableStringify(second));
  });

  it("keeps array order, because order in an array is meaningful", () => {
    expect(stableStringify([3, 1, 2], 0)).toBe("[3,1,2]");
  });

  it("indents with two spaces by default", () => {
    expect(stableStringify({ b: [1], a: true })).toBe('{\n  "a": true,\n  "b": [\n    1\n  ]\n}');
  });

  it("drops undefined object values, as JSON.stringify does", () => {
    expect(stableStringify({ b: undefined, a: 1 }, 0)).toBe('{"a":1}');
  });

  it("writes a Date as its ISO string, as JSON.stringify does", () => {
    expect(stableStringify({ at: new Date(Date.UTC(2024, 0, 2)) }, 0)).toBe('{"at":"2024-01-02T00:00:00.000Z"}');
  });

  it("round-trips through JSON.parse to an equal value", () => {
    const value = { z: [1, { b: null, a: "x" }], a: { nested: true } };
    expect(JSON.parse(stableStringify(value))).toEqual(value);
  });
});
