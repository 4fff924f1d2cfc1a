import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Asset, AssetAlias, assets, type Condition, type ConditionNode, normalizeSchedule } from "../sdk/index.js";
import { conditionLeaves, evaluateCondition, explainCondition, type PendingLookup } from "./condition-evaluator.js";

interface ConditionCase {
  expr: string;
  pending: string[];
  expect: boolean;
}

const fixture = JSON.parse(
  readFileSync(new URL("../test/fixtures/conformance/conditions.json", import.meta.url), "utf8"),
) as { cases: ConditionCase[] };

/** A lookup over pending assets (by identity), alias names and asset names/URIs. */
function lookup(pending: {
  assets?: ReadonlyArray<{ name: string; uri: string }>;
  aliases?: readonly string[];
  patterns?: readonly string[];
}): PendingLookup {
  const assetList = pending.assets ?? [];
  return {
    hasAsset: (name, uri) => assetList.some((asset) => asset.name === name && asset.uri === uri),
    hasAlias: (name) => (pending.aliases ?? []).includes(name),
    hasAssetNamed: (name) => assetList.some((asset) => asset.name === name),
    hasAssetWithUri: (uri) => assetList.some((asset) => asset.uri === uri),
    hasPattern: (pattern) => (pending.patterns ?? []).includes(pattern),
  };
}

const node = (condition: Condition): ConditionNode => condition.toConditionNode();

const a = new Asset({ uri: "s3://bucket/a", name: "a" });
const b = new Asset({ uri: "s3://bucket/b", name: "b" });
const c = new Asset({ uri: "s3://bucket/c", name: "c" });
const outputs = new AssetAlias("outputs");

describe("evaluateCondition", () => {
  it("an asset leaf holds when that exact asset (name and URI) has a pending event", () => {
    expect(evaluateCondition(node(a), lookup({ assets: [a] }))).toBe(true);
    expect(evaluateCondition(node(a), lookup({ assets: [b] }))).toBe(false);
    expect(evaluateCondition(node(a), lookup({ assets: [{ name: "other", uri: a.uri }] }))).toBe(false);
    expect(evaluateCondition(node(a), lookup({}))).toBe(false);
  });

  it("an alias leaf holds when the lookup reports a pending asset resolved through it", () => {
    expect(evaluateCondition(node(outputs), lookup({ aliases: ["outputs"] }))).toBe(true);
    expect(evaluateCondition(node(outputs), lookup({ aliases: ["other"], assets: [a] }))).toBe(false);
  });

  it("a ref leaf holds by name or by URI", () => {
    const pending = lookup({ assets: [{ name: "bucket-1", uri: "s3://asset-bucket/example.csv" }] });
    expect(evaluateCondition(node(Asset.ref({ name: "bucket-1" })), pending)).toBe(true);
    expect(evaluateCondition(node(Asset.ref({ name: "bucket-2" })), pending)).toBe(false);
    expect(evaluateCondition(node(Asset.ref({ uri: "s3://asset-bucket/example.csv" })), pending)).toBe(true);
    expect(evaluateCondition(node(Asset.ref({ uri: "s3://asset-bucket/other.csv" })), pending)).toBe(false);
  });

  it("all needs every child and any needs one", () => {
    const both = node(a.and(b));
    const either = node(a.or(b));
    expect(evaluateCondition(both, lookup({ assets: [a, b] }))).toBe(true);
    expect(evaluateCondition(both, lookup({ assets: [a] }))).toBe(false);
    expect(evaluateCondition(either, lookup({ assets: [b] }))).toBe(true);
    expect(evaluateCondition(either, lookup({ assets: [c] }))).toBe(false);
  });

  it("mixes leaf kinds inside nested conditions", () => {
    const condition = node(outputs.or(a.and(Asset.ref({ uri: b.uri }))));
    expect(evaluateCondition(condition, lookup({ aliases: ["outputs"] }))).toBe(true);
    expect(evaluateCondition(condition, lookup({ assets: [a, b] }))).toBe(true);
    expect(evaluateCondition(condition, lookup({ assets: [a] }))).toBe(false);
  });

  it("rejects a node kind it does not know", () => {
    const unknown = JSON.parse('{ "kind": "none" }') as ConditionNode;
    expect(() => evaluateCondition(unknown, lookup({}))).toThrow(/unhandled case/);
  });
});

describe("explainCondition", () => {
  it("marks every node of the tree satisfied or not", () => {
    const explained = explainCondition(node(a.or(b.and(outputs))), lookup({ assets: [b] }));
    expect(explained).toEqual({
      kind: "any",
      satisfied: false,
      conditions: [
        { kind: "asset", name: "a", uri: "s3://bucket/a", satisfied: false },
        {
          kind: "all",
          satisfied: false,
          conditions: [
            { kind: "asset", name: "b", uri: "s3://bucket/b", satisfied: true },
            { kind: "alias", name: "outputs", satisfied: false },
          ],
        },
      ],
    });
  });

  it("keeps each leaf's fields, refs included, and agrees with evaluateCondition", () => {
    const condition = node(Asset.ref({ name: "a" }).and(Asset.ref({ uri: "s3://bucket/b" })));
    const pending = lookup({ assets: [a, b] });
    expect(explainCondition(condition, pending)).toEqual({
      kind: "all",
      satisfied: true,
      conditions: [
        { kind: "ref", name: "a", satisfied: true },
        { kind: "ref", uri: "s3://bucket/b", satisfied: true },
      ],
    });
    expect(explainCondition(condition, pending).satisfied).toBe(evaluateCondition(condition, pending));
  });

  it("explains a single leaf", () => {
    expect(explainCondition(node(outputs), lookup({ aliases: ["outputs"] }))).toEqual({
      kind: "alias",
      name: "outputs",
      satisfied: true,
    });
  });
});

describe("conditionLeaves", () => {
  it("collects the leaves of every kind once each", () => {
    const condition = node(
      assets`${a} & (${b} | ${outputs}) & (${a} | ${Asset.ref({ name: "n" })} | ${Asset.ref({ uri: "s3://u/key" })} | ${outputs} | ${Asset.pattern("s3://u/{day}/key")})`,
    );
    expect(conditionLeaves(condition)).toEqual({
      assets: [
        { name: "a", uri: "s3://bucket/a" },
        { name: "b", uri: "s3://bucket/b" },
      ],
      aliases: ["outputs"],
      names: ["n"],
      uris: ["s3://u/key"],
      patterns: ["s3://u/{day}/key"],
    });
  });
});

describe("conformance vectors (test/fixtures/conformance/conditions.json)", () => {
  const byName = new Map<string, Asset>();
  const assetNamed = (name: string): Asset => {
    const existing = byName.get(name);
    if (existing) return existing;
    const created = new Asset(name);
    byName.set(name, created);
    return created;
  };

  /** The fixture's expression as the serialized schedule condition the SDK writes for it. */
  function serialized(expr: string): ConditionNode {
    const names = expr.match(/a\d+/g) ?? [];
    const value = expr.trim().startsWith("[")
      ? names.map(assetNamed)
      : (() => {
          const strings = expr.split(/a\d+/);
          return assets(Object.assign([...strings], { raw: [...strings] }), ...names.map(assetNamed));
        })();
    const schedule = normalizeSchedule(value, `expression ${expr}`);
    if (schedule.kind !== "assets") throw new Error(`expected an asset schedule for ${expr}`);
    return schedule.condition;
  }

  it("covers both outcomes", () => {
    expect(new Set(fixture.cases.map((testCase) => testCase.expect))).toEqual(new Set([true, false]));
  });

  it.each(fixture.cases.map((testCase) => ({ ...testCase, pendingText: testCase.pending.join(", ") || "nothing" })))(
    "$expr with $pendingText pending holds: $expect",
    ({ expr, pending, expect: expected }) => {
      const condition = serialized(expr);
      const lookupOf = lookup({ assets: pending.map(assetNamed) });
      expect(evaluateCondition(condition, lookupOf)).toBe(expected);
      expect(explainCondition(condition, lookupOf).satisfied).toBe(expected);
    },
  );
});
