import { describe, expect, it } from "vitest";
import { matchUriPattern, parseUriPattern, segmentPattern, type UriPattern } from "./pattern.js";
import { UriPatternIndex } from "./pattern-index.js";

function parse(text: string): UriPattern {
  const result = parseUriPattern(text);
  if (!result.ok) throw new Error(result.problem);
  return result.pattern;
}

function problemOf(text: unknown): string {
  const result = parseUriPattern(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  return result.problem;
}

describe("parseUriPattern", () => {
  it("splits a pattern into literal, template and rest segments with their capture names", () => {
    const pattern = parse("s3://landing/{date}/orders_{part}.csv");
    expect(pattern.text).toBe("s3://landing/{date}/orders_{part}.csv");
    expect(pattern.captures).toEqual(["date", "part"]);
    expect(pattern.segments).toEqual([
      { kind: "literal", text: "s3:" },
      { kind: "literal", text: "" },
      { kind: "literal", text: "landing" },
      { kind: "template", parts: [{ capture: "date" }], shape: "{}", prefix: "" },
      { kind: "template", parts: ["orders_", { capture: "part" }, ".csv"], shape: "orders_{}.csv", prefix: "orders_" },
    ]);
    expect(parse("s3://lake/{**path}/_SUCCESS").segments[3]).toEqual({ kind: "rest", capture: "path" });
  });

  it("normalizes the literal parts as an asset URI is (scheme case, default port, trailing slash)", () => {
    expect(parse("S3://landing/{date}/").text).toBe("s3://landing/{date}");
    expect(parse("postgresql://db.example/warehouse/{schema}/{table}").text).toBe(
      "postgres://db.example:5432/warehouse/{schema}/{table}",
    );
    expect(parse("landing/{date}/orders.csv").text).toBe("landing/{date}/orders.csv");
  });

  it.each([
    ["s3://landing/orders.csv", "has no capture such as {date}: for one asset, use new Asset("],
    ["s3://landing/{date", 'has a "{" without its "}"'],
    ["s3://landing/date}", 'has a "}" without its "{"'],
    ["s3://landing/{}", "has the capture {}"],
    ["s3://landing/{1st}", "has the capture {1st}"],
    ["s3://landing/{a-b}", "has the capture {a-b}"],
    ["s3://landing/{date}/{date}.csv", 'uses the capture name "date" twice'],
    ["s3://lake/{**a}/x/{**b}", "has more than one {**...} capture"],
    ["s3://lake/part_{**rest}", "a {**...} capture must be a whole segment"],
    ["s3://landing/{year}{month}", "put literal text between two captures"],
    ["s3://landing/{date}?version=1", "patterns match the scheme, host and path only"],
    ["s3://landing/{date}#top", "has a fragment"],
    ["{scheme}://landing/{date}", "has a capture in its scheme"],
    ["s3://{bucket}/a b/{date}", "breaks a URI rule"],
    ["airflow://x/{date}", "breaks a URI rule"],
    ["s3://user:secret@landing/{date}", "is not a stable URI"],
  ])("rejects %s: %s", (text, problem) => {
    expect(problemOf(text)).toContain(problem);
    expect(problemOf(text)).toContain(JSON.stringify(text));
  });

  it("rejects what is not a non-empty string", () => {
    expect(problemOf("")).toContain("must be a non-empty string");
    expect(problemOf(42)).toContain("got number");
    expect(problemOf(`s3://b/{x}/${"a".repeat(1500)}`)).toContain("at most 1500");
  });

  it("never collides a literal with its placeholder words", () => {
    const pattern = parse("s3://afcapture0z/{date}/afcapturex0z");
    expect(pattern.text).toBe("s3://afcapture0z/{date}/afcapturex0z");
    expect(matchUriPattern(pattern, "s3://afcapture0z/2025/afcapturex0z")).toEqual({ date: "2025" });
  });
});

describe("segmentPattern", () => {
  it("reads the manifest's normalized text back, and says what is wrong with a hand-made one", () => {
    expect(segmentPattern("s3://landing/{date}")).toMatchObject({ captures: ["date"] });
    expect(segmentPattern("s3://landing/{a}{b}")).toContain("put literal text between two captures");
    expect(segmentPattern("s3://landing/x")).toContain("has no capture");
  });
});

describe("matchUriPattern", () => {
  const orders = parse("s3://landing/{date}/orders_{part}.csv");
  const success = parse("s3://lake/{**path}/_SUCCESS");

  it("captures the parts of a matching URI", () => {
    expect(matchUriPattern(orders, "s3://landing/2025-01-01/orders_7.csv")).toEqual({ date: "2025-01-01", part: "7" });
    expect(matchUriPattern(success, "s3://lake/sales/2025/01/_SUCCESS")).toEqual({ path: "sales/2025/01" });
  });

  it("matches no other URI", () => {
    for (const uri of [
      "s3://landing/2025-01-01/orders_.csv",
      "s3://landing/2025-01-01/customers_1.csv",
      "s3://landing/2025/01/orders_1.csv",
      "s3://landing/orders_1.csv",
      "s3://Landing/2025-01-01/orders_1.csv",
      "gs://landing/2025-01-01/orders_1.csv",
    ]) {
      expect(matchUriPattern(orders, uri), uri).toBeNull();
    }
    expect(matchUriPattern(success, "s3://lake/_SUCCESS")).toBeNull();
    expect(matchUriPattern(success, "s3://lake//_SUCCESS")).toBeNull();
  });

  it("takes captures as short as their segment allows, left to right", () => {
    expect(matchUriPattern(parse("s3://b/{a}_{b}"), "s3://b/x_y_z")).toEqual({ a: "x", b: "y_z" });
  });
});

describe("UriPatternIndex", () => {
  it("finds every matching pattern with its captures, like matching each one in turn", () => {
    const texts = [
      "s3://landing/{date}/orders_{part}.csv",
      "s3://landing/{day}/{file}.csv",
      "s3://landing/{date}/orders_{n}.{ext}",
      "s3://landing/2025-01-01/{file}",
      "s3://{bucket}/{date}/{name}",
      "s3://lake/{**path}/_SUCCESS",
      "s3://lake/{**all}",
      "s3://lake/{team}/{**rest}/_SUCCESS",
      "gs://inbox/{team}/{file}.json",
      "landing/{date}/x",
    ];
    const index = new UriPatternIndex<number>();
    const patterns = texts.map(parse);
    patterns.forEach((pattern, id) => {
      index.add(pattern, id);
    });
    const uris = [
      "s3://landing/2025-01-01/orders_1.csv",
      "s3://landing/2025-01-01/orders_1.json",
      "s3://landing/2025-01-02/customers.csv",
      "s3://lake/sales/2025/01/_SUCCESS",
      "s3://lake/_SUCCESS",
      "s3://lake/sales/_SUCCESS",
      "gs://inbox/sales/q1.json",
      "landing/2025/x",
      "s3://other/thing",
    ];
    for (const uri of uris) {
      const expected = patterns.flatMap((pattern, id) => {
        const captures = matchUriPattern(pattern, uri);
        return captures ? [{ value: id, captures }] : [];
      });
      const found = [...index.match(uri)].sort((a, b) => a.value - b.value);
      expect(found, uri).toEqual(expected);
    }
    expect(index.size).toBe(texts.length);
  });

  it("walks only the branches a URI can take", () => {
    const index = new UriPatternIndex<number>();
    for (let i = 0; i < 10_000; i++) index.add(parse(`s3://bucket${i % 100}/team${i}/{date}/orders_{part}.csv`), i);
    expect(index.match("s3://bucket42/team4242/2025-01-01/orders_3.csv")).toEqual([
      { value: 4242, captures: { date: "2025-01-01", part: "3" } },
    ]);
    expect(index.match("s3://bucket42/team4243/2025-01-01/orders_3.csv")).toEqual([]);
  });
});
