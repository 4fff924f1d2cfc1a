import { describe, expect, it } from "vitest";
import { Asset, AssetAlias } from "./asset.js";
import { DefinitionError, ExtraError } from "./errors.js";
import { isMetadata, Metadata } from "./metadata.js";

/** Runs `fn`, expects it to throw, and returns the error for closer checks. */
function thrown(fn: () => unknown): Error & { code?: string; details?: Readonly<Record<string, unknown>> } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the call to throw, but it returned");
}

const s3 = new Asset({ uri: "s3://bucket/my-task", name: "example_s3" });

describe("Metadata", () => {
  it("holds the asset, a copy of the extra, and no alias by default", () => {
    const extra = { k: "v", rows: [1, 2] };
    const metadata = new Metadata(s3, extra);
    extra.rows.push(3);
    expect(metadata.asset).toBe(s3);
    expect(metadata.extra).toEqual({ k: "v", rows: [1, 2] });
    expect(metadata.alias).toBeUndefined();
    expect(Object.isFrozen(metadata)).toBe(true);
  });

  it('accepts the alias as a name (the seed\'s alias="my-task-outputs")', () => {
    const metadata = new Metadata(s3, { k: "v" }, { alias: "my-task-outputs" });
    expect(metadata.alias).toBeInstanceOf(AssetAlias);
    expect(metadata.alias?.name).toBe("my-task-outputs");
  });

  it("accepts the alias as an AssetAlias and keeps it", () => {
    const alias = new AssetAlias("my-task-outputs");
    expect(new Metadata(s3, { k: "v" }, { alias }).alias).toBe(alias);
  });

  it("accepts an Asset.ref({ name }) or Asset.ref({ uri }) as the asset, as Airflow's Metadata takes an asset", () => {
    const byName = new Metadata(Asset.ref({ name: "orders" }), { rows: 1 });
    expect(byName.asset).toEqual(Asset.ref({ name: "orders" }));
    expect(byName.extra).toEqual({ rows: 1 });
    const byUri = new Metadata(Asset.ref({ uri: "s3://bucket/orders" }), {}, { alias: "out" });
    expect(byUri.alias?.name).toBe("out");
    const error = thrown(() => new Metadata(Asset.ref({ name: "orders" }), {}, { alais: "out" } as never));
    expect(error.message).toContain('Unknown option "alais" in Metadata for Asset.ref(name=orders)');
  });

  it("is recognised by isMetadata, and other values are not", () => {
    expect(isMetadata(new Metadata(s3, {}))).toBe(true);
    expect([s3, { asset: s3, extra: {} }, null, "metadata"].some(isMetadata)).toBe(false);
  });

  it.each([
    ["a URI string", "s3://bucket/my-task", 'got the string "s3://bucket/my-task"'],
    ["an AssetAlias", new AssetAlias("my-task-outputs"), "got an AssetAlias"],
    ["undefined", undefined, "got undefined"],
  ])("rejects %s instead of an Asset with METADATA_INVALID", (_what, asset, got) => {
    const error = thrown(() => new Metadata(asset as never, { k: "v" }));
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("METADATA_INVALID");
    expect(error.message).toContain("Metadata needs an Asset or an Asset.ref(...) as its first argument");
    expect(error.message).toContain(got);
    expect(error.message).toContain("new Metadata(myAsset, { ... })");
  });

  const cycle: Record<string, unknown> = { name: "loop" };
  cycle["self"] = cycle;

  it.each([
    ["a Date", { at: { when: new Date(0) } }, "at.when", "a Date"],
    ["a Map", { counts: new Map([["a", 1]]) }, "counts", "a Map"],
    ["a function", { fn: () => 1 }, "fn", "a function"],
    ["an undefined value", { maybe: undefined }, "maybe", "undefined"],
    ["NaN", { ratio: Number.NaN }, "ratio", "NaN"],
    ["Infinity inside an array", { values: [1, Number.POSITIVE_INFINITY] }, "values[1]", "Infinity"],
    ["a bigint", { big: 1n }, "big", "a bigint"],
    ["a cycle", { graph: cycle }, "graph.self", "a circular reference"],
  ])("rejects an extra holding %s with EXTRA_NOT_JSON and the key path", (_what, extra, key, holds) => {
    const error = thrown(() => new Metadata(s3, extra as never));
    expect(error).toBeInstanceOf(ExtraError);
    expect(error.code).toBe("EXTRA_NOT_JSON");
    expect(error.message).toContain(`extra of Metadata for asset "s3://bucket/my-task" is not JSON`);
    expect(error.message).toContain(`key "${key}" holds ${holds}`);
    expect(error.message).toContain("Extras must be plain JSON");
    expect(error.details).toMatchObject({ key });
  });

  it("rejects an extra that is not an object", () => {
    const error = thrown(() => new Metadata(s3, "rows=3" as never));
    expect(error.code).toBe("EXTRA_NOT_JSON");
    expect(error.message).toContain('must be a plain JSON object such as { "rowCount": 3 }, got the string "rows=3"');
  });

  it("rejects an unknown option with OPTION_UNKNOWN, naming it and the known one", () => {
    const error = thrown(() => new Metadata(s3, {}, { alais: "my-task-outputs" } as never));
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("OPTION_UNKNOWN");
    expect(error.message).toContain('Unknown option "alais" in Metadata for asset "s3://bucket/my-task"');
    expect(error.message).toContain("Known options: alias.");
    expect(error.details).toEqual({ option: "alais" });
  });

  it("rejects options that are not an object", () => {
    const error = thrown(() => new Metadata(s3, {}, null as never));
    expect(error.code).toBe("METADATA_INVALID");
    expect(error.message).toContain('{ alias: "my-alias" }');
  });

  it("rejects an alias that is neither a name nor an AssetAlias", () => {
    const error = thrown(() => new Metadata(s3, {}, { alias: s3 } as never));
    expect(error.code).toBe("METADATA_INVALID");
    expect(error.message).toBe('Metadata option "alias" must be an alias name or an AssetAlias, got an Asset.');
  });

  it("rejects a blank alias name with the AssetAlias rule", () => {
    const error = thrown(() => new Metadata(s3, {}, { alias: " " }));
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toContain("AssetAlias name must be a non-blank string");
  });
});
