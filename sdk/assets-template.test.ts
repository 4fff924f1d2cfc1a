// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected messages quote assets`` source, which shows ${0}-style placeholders
import { describe, expect, it } from "vitest";
import { Asset, AssetAlias, all, any } from "./asset.js";
import { assets } from "./assets-template.js";
import { DefinitionError } from "./errors.js";

/** Runs `fn`, expects it to throw, and returns the error for closer checks. */
function thrown(fn: () => unknown): Error & { code?: string; details?: Readonly<Record<string, unknown>> } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the call to throw, but it returned");
}

const a = new Asset("s3://dag1/output_1.txt");
const b = new Asset("s3://dag2/output_1.txt");
const c = new Asset("s3://dag3/output_3.txt");
const d = new Asset("s3://dag4/output_4.txt");
const node = (asset: Asset) => asset.toConditionNode();

describe("assets`` structure", () => {
  it("a single interpolated asset is that asset", () => {
    expect(assets`${a}`).toBe(a);
  });

  it("& makes an all and | makes an any", () => {
    expect(assets`${a} & ${b}`.toConditionNode()).toEqual(a.and(b).toConditionNode());
    expect(assets`${a} | ${b}`.toConditionNode()).toEqual(a.or(b).toConditionNode());
  });

  it("& binds tighter than | on either side", () => {
    expect(assets`${a} | ${b} & ${c}`.toConditionNode()).toEqual({
      kind: "any",
      conditions: [node(a), { kind: "all", conditions: [node(b), node(c)] }],
    });
    expect(assets`${a} & ${b} | ${c}`.toConditionNode()).toEqual({
      kind: "any",
      conditions: [{ kind: "all", conditions: [node(a), node(b)] }, node(c)],
    });
  });

  it("parentheses override precedence (the seed's dag1 | (dag2 & dag3))", () => {
    expect(assets`${a} | (${b} & ${c})`.toConditionNode()).toEqual(a.or(b.and(c)).toConditionNode());
    expect(assets`(${a} | ${b}) & ${c}`.toConditionNode()).toEqual({
      kind: "all",
      conditions: [{ kind: "any", conditions: [node(a), node(b)] }, node(c)],
    });
  });

  it("chains of the same operator flatten into one node", () => {
    expect(assets`${a} & ${b} & ${c} & ${d}`.toConditionNode()).toEqual(all(a, b, c, d).toConditionNode());
    expect(assets`${a} | ${b} | ${c}`.toConditionNode()).toEqual(any(a, b, c).toConditionNode());
  });

  it("redundant parentheses and nested same-kind groups flatten too", () => {
    expect(assets`((${a}))`).toBe(a);
    expect(assets`(${a} & ${b}) & (${c} & ${d})`.toConditionNode()).toEqual(all(a, b, c, d).toConditionNode());
    expect(assets`${a} | (${b} | ${c})`.toConditionNode()).toEqual(any(a, b, c).toConditionNode());
  });

  it("interpolated conditions are operands and flatten into a same-kind parent", () => {
    const both = a.and(b);
    expect(assets`${both} & ${c}`.toConditionNode()).toEqual(all(a, b, c).toConditionNode());
    expect(assets`${both} | ${c}`.toConditionNode()).toEqual(any(both, c).toConditionNode());
  });

  it("accepts aliases and refs", () => {
    const alias = new AssetAlias("example-alias");
    const ref = Asset.ref({ name: "bucket-1" });
    expect(assets`${alias} | ${ref}`.toConditionNode()).toEqual({
      kind: "any",
      conditions: [
        { kind: "alias", name: "example-alias" },
        { kind: "ref", name: "bucket-1" },
      ],
    });
  });

  it("ignores whitespace, including none and newlines", () => {
    const expected = a.or(b.and(c)).toConditionNode();
    expect(assets`${a}|${b}&${c}`.toConditionNode()).toEqual(expected);
    expect(
      assets`
        ${a}
        |   (
          ${b}\t&  ${c}
        )
      `.toConditionNode(),
    ).toEqual(expected);
  });

  it("returns frozen conditions", () => {
    expect(Object.isFrozen(assets`${a} & ${b}`)).toBe(true);
  });
});

describe("assets`` errors", () => {
  /** Checks the common shape of a syntax error: code, column, the source and a caret under that column. */
  function expectSyntaxError(fn: () => unknown, column: number, source: string, problem: string | RegExp): void {
    const error = thrown(fn);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("CONDITION_INVALID");
    expect(error.message).toContain(`at column ${column}:`);
    expect(error.message).toMatch(problem);
    const lines = error.message.split("\n");
    expect(lines[1]).toBe(`  ${source}`);
    expect(lines[2]).toBe(`  ${" ".repeat(column - 1)}^`);
    expect(error.message).toContain("Write it as assets`${a} & (${b} | ${c})`");
    expect(error.details).toEqual({ source, column });
  }

  it("points at stray text", () => {
    expectSyntaxError(
      () => assets`${a} and ${b}`,
      6,
      "${0} and ${1}",
      /unexpected "a"; only & \| \( \) and interpolated assets are allowed/,
    );
  });

  it("points at a comma, since lists belong in schedule: [a, b]", () => {
    expectSyntaxError(() => assets`${a}, ${b}`, 5, "${0}, ${1}", /unexpected ","/);
  });

  it("points at the end when a ')' is missing", () => {
    expectSyntaxError(() => assets`(${a} & ${b}`, 13, "(${0} & ${1}", /missing '\)'/);
  });

  it("points at an extra ')'", () => {
    expectSyntaxError(() => assets`${a} & ${b})`, 12, "${0} & ${1})", /unexpected '\)' with no matching '\('/);
  });

  it("points at a leading operator", () => {
    expectSyntaxError(() => assets`& ${a}`, 1, "& ${0}", /expected an asset or '\(' but found '&'/);
    expectSyntaxError(() => assets`| ${a}`, 1, "| ${0}", /expected an asset or '\(' but found '\|'/);
  });

  it("points past the end at a trailing operator", () => {
    expectSyntaxError(() => assets`${a} |`, 7, "${0} |", /expected an asset or '\(' but the condition ended/);
  });

  it("points at the second of two operators in a row", () => {
    expectSyntaxError(() => assets`${a} & | ${b}`, 8, "${0} & | ${1}", /found '\|'/);
  });

  it("points at the second of two operands in a row and asks for an operator", () => {
    expectSyntaxError(() => assets`${a} ${b}`, 6, "${0} ${1}", /expected '&' or '\|' before an asset/);
    expectSyntaxError(() => assets`${a} (${b})`, 6, "${0} (${1})", /expected '&' or '\|' before '\('/);
  });

  it("points at empty parentheses", () => {
    expectSyntaxError(() => assets`${a} & ()`, 9, "${0} & ()", /expected an asset or '\(' but found '\)'/);
  });

  it("rejects an empty template with an example", () => {
    for (const call of [() => assets``, () => assets`   `]) {
      const error = thrown(call);
      expect(error).toBeInstanceOf(DefinitionError);
      expect(error.code).toBe("CONDITION_INVALID");
      expect(error.message).toContain("is empty: a condition needs at least one asset");
      expect(error.message).toContain("assets`${a} & ${b}`");
    }
  });

  it("points at a string interpolation and says to wrap it in an Asset", () => {
    expectSyntaxError(
      () => assets`${a} & ${"s3://bucket/x.csv"}`,
      8,
      "${0} & ${1}",
      '${1} is the string "s3://bucket/x.csv", not an asset; wrap the URI, as in ${new Asset("s3://bucket/x.csv")}',
    );
  });

  it.each([
    ["a number", 3],
    ["undefined", undefined],
    ["an object", { uri: "s3://bucket/x.csv" }],
  ])("points at %s interpolation and lists what is accepted", (what, value) => {
    expectSyntaxError(
      () => assets`(${value} | ${a})`,
      2,
      "(${0} | ${1})",
      `\${0} is ${what}, not an asset; interpolate an Asset, an AssetAlias, Asset.ref(...), or a condition`,
    );
  });
});
