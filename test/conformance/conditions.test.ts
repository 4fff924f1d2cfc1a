import { readFileSync } from "node:fs";
import {
  Asset,
  all,
  any,
  assets,
  type Condition,
  type ConditionNode,
  conditionNodeSchema,
  dag,
  normalizeSchedule,
} from "assetflow";
import { describe, expect, it } from "vitest";

/** The fixture's tree shape: an asset name, or `{ all: [...] }` / `{ any: [...] }`. */
type FixtureTree = string | { all: FixtureTree[] } | { any: FixtureTree[] };

interface ConditionCase {
  expr: string;
  pending: string[];
  expect: boolean;
}

interface ConditionFixture {
  cases: ConditionCase[];
  structure: { expr: string; tree: FixtureTree }[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/conformance/conditions.json", import.meta.url), "utf8"),
) as ConditionFixture;

/** One asset per name the fixture uses (`a1`, `a2`, ...): a plain, scheme-less URI equal to its name. */
const assetCache = new Map<string, Asset>();
function assetNamed(name: string): Asset {
  let asset = assetCache.get(name);
  if (!asset) {
    asset = new Asset(name);
    assetCache.set(name, asset);
  }
  return asset;
}

const isList = (expr: string): boolean => expr.trim().startsWith("[");

/** The asset names of an expression, in order of appearance. */
const namesOf = (expr: string): string[] => expr.match(/a\d+/g) ?? [];

/**
 * The expression as a real tagged-template call: every `aN` becomes an
 * interpolated Asset, exactly as if the user had written assets`${a1} | ${a2}`.
 * A list `[a1, a2]` means all, so it becomes `${a1} & ${a2}`.
 */
function viaTemplate(expr: string): Condition {
  const text = isList(expr) ? namesOf(expr).join(" & ") : expr;
  const parts = text.split(/a\d+/);
  const strings = Object.assign([...parts], { raw: [...parts] });
  return assets(strings, ...namesOf(text).map(assetNamed));
}

/** The expression as a DAG's `schedule`, which is how the seed writes lists. */
function viaSchedule(expr: string, dagId: string): ConditionNode {
  const schedule = isList(expr) ? namesOf(expr).map(assetNamed) : viaTemplate(expr);
  const built = dag({ dagId, schedule }, () => {});
  const manifest = built.settings.schedule;
  if (manifest.kind !== "assets") throw new Error(`expected an asset schedule, got ${manifest.kind}`);
  return manifest.condition;
}

/**
 * A tiny parser of the fixture's text syntax (`&` over `|`, parentheses, `[a, b]`
 * lists), independent of the SDK's template parser, into the fixture's tree
 * shape. It lets the method and function forms be built without going
 * through the tagged template.
 */
function parseFixtureExpr(expr: string): FixtureTree {
  const tokens = expr.match(/a\d+|[&|()[\],]/g) ?? [];
  let index = 0;
  const next = (): string => {
    const token = tokens[index++];
    if (token === undefined) throw new Error(`fixture expression ended early: ${expr}`);
    return token;
  };
  const nary = (kind: "all" | "any", items: FixtureTree[]): FixtureTree => {
    const flat = items.flatMap((item): FixtureTree[] => {
      if (typeof item === "object" && kind === "all" && "all" in item) return item.all;
      if (typeof item === "object" && kind === "any" && "any" in item) return item.any;
      return [item];
    });
    return flat.length === 1 ? (flat[0] as FixtureTree) : kind === "all" ? { all: flat } : { any: flat };
  };
  const factor = (): FixtureTree => {
    const token = next();
    if (token === "(") {
      const inner = expression();
      if (next() !== ")") throw new Error(`missing ) in fixture expression: ${expr}`);
      return inner;
    }
    if (token === "[") {
      const items = [expression()];
      for (let sep = next(); sep === ","; sep = next()) items.push(expression());
      return nary("all", items);
    }
    if (/^a\d+$/.test(token)) return token;
    throw new Error(`unexpected ${token} in fixture expression: ${expr}`);
  };
  const term = (): FixtureTree => {
    const items = [factor()];
    while (tokens[index] === "&") {
      index++;
      items.push(factor());
    }
    return nary("all", items);
  };
  const expression = (): FixtureTree => {
    const items = [term()];
    while (tokens[index] === "|") {
      index++;
      items.push(term());
    }
    return nary("any", items);
  };
  const tree = expression();
  if (index !== tokens.length) throw new Error(`trailing tokens in fixture expression: ${expr}`);
  return tree;
}

/** Builds a fixture tree with `all(...)` / `any(...)`. */
function viaFunctions(tree: FixtureTree): Condition {
  if (typeof tree === "string") return assetNamed(tree);
  return "all" in tree ? all(...tree.all.map(viaFunctions)) : any(...tree.any.map(viaFunctions));
}

/** Builds a fixture tree with chained `.and(...)` / `.or(...)`, one operand per call. */
function viaMethods(tree: FixtureTree): Condition {
  if (typeof tree === "string") return assetNamed(tree);
  const operands = ("all" in tree ? tree.all : tree.any).map(viaMethods);
  const [first, ...rest] = operands;
  if (first === undefined) throw new Error("empty fixture node");
  return rest.reduce<Condition>((acc, operand) => ("all" in tree ? acc.and(operand) : acc.or(operand)), first);
}

/** Our serialized node in the fixture's shape. */
function toFixtureTree(node: ConditionNode): FixtureTree {
  switch (node.kind) {
    case "asset":
      return node.name;
    case "all":
      return { all: node.conditions.map(toFixtureTree) };
    case "any":
      return { any: node.conditions.map(toFixtureTree) };
    case "alias":
    case "ref":
    case "pattern":
      throw new Error(`the condition vectors use assets only, got a ${node.kind} node`);
  }
}

/**
 * A deliberately tiny evaluator over the serialized tree, only to check that
 * the SDK builds trees that mean what the vectors say: an asset holds when it
 * has a pending event, `all` when every child holds, `any` when one does. The
 * real evaluator is the scheduler's (pure, over manifest nodes); it runs these
 * same vectors in its own tests.
 */
function holds(node: ConditionNode, pending: ReadonlySet<string>): boolean {
  switch (node.kind) {
    case "asset":
      return pending.has(node.name);
    case "all":
      return node.conditions.every((child) => holds(child, pending));
    case "any":
      return node.conditions.some((child) => holds(child, pending));
    case "alias":
    case "ref":
    case "pattern":
      throw new Error(`the condition vectors use assets only, got a ${node.kind} node`);
  }
}

const exprs = [...new Set([...fixture.cases.map((c) => c.expr), ...fixture.structure.map((s) => s.expr)])];
const cases = fixture.cases.map((c) => ({ ...c, pendingText: `{${c.pending.join(", ")}}` }));

describe("condition conformance (test/fixtures/conformance/conditions.json)", () => {
  it("has evaluation cases, structure cases, and both outcomes", () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
    expect(fixture.structure.length).toBeGreaterThan(0);
    expect(new Set(fixture.cases.map((c) => c.expect))).toEqual(new Set([true, false]));
  });

  it.each(fixture.structure)("assets`` builds $expr as the expected tree", ({ expr, tree }) => {
    expect(toFixtureTree(viaTemplate(expr).toConditionNode())).toEqual(tree);
  });

  it.each(fixture.structure)("all()/any() and and()/or() build $expr as the expected tree", ({ expr, tree }) => {
    const parsed = parseFixtureExpr(expr);
    expect(parsed).toEqual(tree);
    expect(toFixtureTree(viaFunctions(parsed).toConditionNode())).toEqual(tree);
    expect(toFixtureTree(viaMethods(parsed).toConditionNode())).toEqual(tree);
  });

  it.each(exprs)("and()/or(), all()/any(), assets`` and a DAG schedule serialize %s identically", (expr) => {
    const parsed = parseFixtureExpr(expr);
    const fromTemplate = viaTemplate(expr).toConditionNode();
    expect(viaFunctions(parsed).toConditionNode()).toEqual(fromTemplate);
    expect(viaMethods(parsed).toConditionNode()).toEqual(fromTemplate);
    expect(viaSchedule(expr, `conformance_${exprs.indexOf(expr)}`)).toEqual(fromTemplate);
    expect(toFixtureTree(fromTemplate)).toEqual(parsed);
  });

  it.each(exprs)("serializes %s to a node the manifest schema accepts", (expr) => {
    const node = viaTemplate(expr).toConditionNode();
    expect(conditionNodeSchema.parse(node)).toEqual(node);
  });

  it("turns a list schedule into one flat all of its assets", () => {
    const [a1, a2, a3] = ["a1", "a2", "a3"].map(assetNamed) as [Asset, Asset, Asset];
    expect(normalizeSchedule([a1, a2, a3], 'dag "list"')).toEqual({
      kind: "assets",
      condition: { kind: "all", conditions: [a1, a2, a3].map((a) => a.toConditionNode()) },
    });
  });

  it.each(cases)("$expr with pending $pendingText holds: $expect", ({ expr, pending, expect: expected }) => {
    const pendingSet = new Set(pending);
    expect(holds(viaTemplate(expr).toConditionNode(), pendingSet)).toBe(expected);
    expect(holds(viaSchedule(expr, "conformance_eval"), pendingSet)).toBe(expected);
    expect(holds(viaMethods(parseFixtureExpr(expr)).toConditionNode(), pendingSet)).toBe(expected);
  });
});
