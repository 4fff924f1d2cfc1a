import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AssetUriError } from "../../sdk/errors.js";
import { sanitizeUri } from "../../sdk/uri/sanitize.js";

interface UriCase {
  input: string;
  uri?: string;
  error?: string | true;
  warning?: boolean;
}

interface UriFixture {
  cases: UriCase[];
  distinct: [string, string][];
  same_identity: { a: { uri: string; extra?: unknown }; b: { uri: string; extra?: unknown } }[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/conformance/uri.json", import.meta.url), "utf8"),
) as UriFixture;

/** Short, printable test titles: long inputs are cut. */
const label = (input: string): string =>
  JSON.stringify(input.length > 60 ? `${input.slice(0, 40)}... (${input.length} chars)` : input);

const accepted = fixture.cases.filter((c) => c.uri !== undefined).map((c) => ({ ...c, title: label(c.input) }));
const rejected = fixture.cases.filter((c) => c.error !== undefined).map((c) => ({ ...c, title: label(c.input) }));

describe("URI conformance (test/fixtures/conformance/uri.json)", () => {
  it("has every case either accepted or rejected", () => {
    expect(accepted.length + rejected.length).toBe(fixture.cases.length);
    expect(fixture.cases.length).toBeGreaterThan(0);
  });

  it.each(accepted)("sanitizes $title as expected", ({ input, uri, warning }) => {
    const result = sanitizeUri(input);
    expect(result.uri).toBe(uri);
    if (warning) {
      expect(result.warnings.length).toBeGreaterThan(0);
    } else {
      expect(result.warnings).toEqual([]);
    }
  });

  it.each(rejected)("rejects $title", ({ input, error }) => {
    let thrown: unknown;
    try {
      sanitizeUri(input);
    } catch (caught) {
      thrown = caught;
    }
    expect(thrown).toBeInstanceOf(AssetUriError);
    if (typeof error === "string") {
      expect((thrown as AssetUriError).message.toLowerCase()).toContain(error.toLowerCase());
    }
  });

  it.each(accepted)("sanitizing the result of $title again leaves it unchanged", ({ uri }) => {
    expect(sanitizeUri(uri!).uri).toBe(uri);
  });

  it.each(fixture.distinct)("keeps %j and %j as different assets", (a, b) => {
    expect(sanitizeUri(a).uri).not.toBe(sanitizeUri(b).uri);
  });

  it.each(fixture.same_identity)("gives $a.uri the same identity whatever the extras", ({ a, b }) => {
    expect(sanitizeUri(a.uri).uri).toBe(sanitizeUri(b.uri).uri);
  });
});
