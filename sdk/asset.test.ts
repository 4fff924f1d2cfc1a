import { describe, expect, it } from "vitest";
import {
  Asset,
  AssetAlias,
  AssetAll,
  AssetAny,
  AssetRef,
  all,
  any,
  assetKey,
  isAsset,
  isAssetAlias,
  isAssetRef,
  isCondition,
} from "./asset.js";
import { AssetUriError, DefinitionError, ExtraError } from "./errors.js";
import { captureWarnings } from "./warnings.js";

/** Runs `fn`, expects it to throw, and returns the error for closer checks. */
function thrown(fn: () => unknown): Error & { code?: string; details?: Readonly<Record<string, unknown>> } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the call to throw, but it returned");
}

const a = new Asset("s3://bucket/a.csv");
const b = new Asset("s3://bucket/b.csv");
const c = new Asset("s3://bucket/c.csv");
const d = new Asset("s3://bucket/d.csv");

describe("Asset identity", () => {
  it("takes a URI and defaults the name to the URI as written", () => {
    const asset = new Asset("s3://asset-bucket/example.csv");
    expect(asset.uri).toBe("s3://asset-bucket/example.csv");
    expect(asset.name).toBe("s3://asset-bucket/example.csv");
    expect(asset.group).toBe("asset");
    expect(asset.extra).toEqual({});
  });

  it("keeps the name as written while the URI is sanitized", () => {
    const asset = new Asset("S3://asset-bucket/example.csv/");
    expect(asset.uri).toBe("s3://asset-bucket/example.csv");
    expect(asset.name).toBe("S3://asset-bucket/example.csv/");
  });

  it("uses an explicit name instead of the URI", () => {
    const asset = new Asset({ uri: "s3://asset-bucket/example.csv", name: "bucket-1" });
    expect(asset.name).toBe("bucket-1");
    expect(asset.uri).toBe("s3://asset-bucket/example.csv");
    expect(asset.toString()).toBe("Asset(bucket-1: s3://asset-bucket/example.csv)");
  });

  it("uses the name as the URI when only a name is given", () => {
    const asset = new Asset({ name: "daily_orders" });
    expect(asset.uri).toBe("daily_orders");
    expect(asset.name).toBe("daily_orders");
  });

  it("treats the same name and sanitized URI as the same asset", () => {
    const first = new Asset({ uri: "s3://bucket/key?b=2&a=1#frag", name: "orders" });
    const second = new Asset({ uri: "s3://bucket/key?a=1&b=2", name: "orders" });
    expect(first.uri).toBe(second.uri);
    expect(first.equals(second)).toBe(true);
    expect(first.key).toBe(second.key);
    expect(first.key).toBe(assetKey("orders", "s3://bucket/key?a=1&b=2"));
  });

  it("treats a different name or a different URI as a different asset", () => {
    const base = new Asset({ uri: "s3://bucket/key", name: "orders" });
    expect(base.equals(new Asset({ uri: "s3://bucket/key", name: "orders-2" }))).toBe(false);
    expect(base.equals(new Asset({ uri: "s3://bucket/other", name: "orders" }))).toBe(false);
    expect(new Asset("s3://example/asset").equals(new Asset("s3://Example/asset"))).toBe(false);
  });

  it("leaves extra and group out of the identity (the seed's same-URI, different-extra example)", () => {
    const consumerSide = new Asset({ uri: "s3://asset/example.csv", extra: { different: "extras" } });
    const producerSide = new Asset({ uri: "s3://asset/example.csv", extra: { team: "trainees" }, group: "raw" });
    expect(consumerSide.equals(producerSide)).toBe(true);
    expect(consumerSide.key).toBe(producerSide.key);
    expect(consumerSide.toConditionNode()).toEqual(producerSide.toConditionNode());
    expect(producerSide.extra).toEqual({ team: "trainees" });
    expect(producerSide.group).toBe("raw");
  });

  it("serializes to an asset node with name and sanitized URI", () => {
    expect(new Asset({ uri: "postgresql://db.local/shop/public/orders", name: "orders" }).toConditionNode()).toEqual({
      kind: "asset",
      name: "orders",
      uri: "postgres://db.local:5432/shop/public/orders",
    });
  });

  it("rejects an invalid URI with an AssetUriError that names the rule", () => {
    const error = thrown(() => new Asset("s3://"));
    expect(error).toBeInstanceOf(AssetUriError);
    expect(error.code).toBe("ASSET_URI_INVALID");
    expect(error.message).toMatch(/bucket/);
  });

  it("rejects a blank explicit name", () => {
    const error = thrown(() => new Asset({ uri: "s3://bucket/key", name: "   " }));
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toMatch(/name .*non-blank/);
  });
});

describe("Asset options", () => {
  it("rejects an unknown option with OPTION_UNKNOWN, naming it and the known ones", () => {
    const error = thrown(() => new Asset({ uri: "s3://bucket/key", nmae: "orders" } as never));
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("OPTION_UNKNOWN");
    expect(error.message).toContain('"nmae"');
    expect(error.message).toContain("new Asset({...})");
    expect(error.message).toContain("uri, name, group, extra");
    expect(error.details).toEqual({ option: "nmae" });
  });

  it("rejects options with neither uri nor name", () => {
    const error = thrown(() => new Asset({ group: "raw" }));
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toContain('needs a "uri" or a "name"');
  });

  it("rejects a non-string option value, naming the option", () => {
    const error = thrown(() => new Asset({ uri: "s3://bucket/key", group: 5 } as never));
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toBe('Asset option "group" must be a string, got a number.');
  });

  it.each([
    ["a number", 42],
    ["null", null],
    ["an array", ["s3://bucket/key"]],
  ])("rejects %s instead of a URI or options", (what, value) => {
    const error = thrown(() => new Asset(value as never));
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toContain(`got ${what}`);
  });

  it("rejects a non-JSON extra with EXTRA_NOT_JSON naming the key and the asset", () => {
    const error = thrown(
      () => new Asset({ uri: "s3://bucket/key", extra: { owner: { since: new Date(0) } } as never }),
    );
    expect(error).toBeInstanceOf(ExtraError);
    expect(error.code).toBe("EXTRA_NOT_JSON");
    expect(error.message).toContain('key "owner.since" holds a Date');
    expect(error.message).toContain('extra of asset "s3://bucket/key"');
    expect(error.message).toContain("toISOString()");
    expect(error.details).toMatchObject({ key: "owner.since" });
  });

  it("rejects an extra that is not an object", () => {
    const error = thrown(() => new Asset({ uri: "s3://bucket/key", extra: ["team"] as never }));
    expect(error.code).toBe("EXTRA_NOT_JSON");
    expect(error.message).toContain("must be a plain JSON object");
    expect(error.message).toContain("got an array");
  });

  it("copies and deep-freezes the extra, so later changes to the input do not leak in", () => {
    const input = { team: "trainees", tags: ["a"] };
    const asset = new Asset({ uri: "s3://bucket/key", extra: input });
    input.team = "changed";
    input.tags.push("b");
    expect(asset.extra).toEqual({ team: "trainees", tags: ["a"] });
    expect(Object.isFrozen(asset.extra)).toBe(true);
    expect(Object.isFrozen(asset.extra["tags"])).toBe(true);
  });
});

describe("URI passwords", () => {
  it("warns with URI_PASSWORD_DROPPED and keeps the password out of the URI and the default name", () => {
    const { result, warnings } = captureWarnings(() => new Asset("postgres://user:s3cret@db.local/shop/public/orders"));
    expect(warnings.map((w) => w.code)).toEqual(["URI_PASSWORD_DROPPED"]);
    expect(warnings[0]?.message).toContain("password");
    expect(warnings[0]?.message).not.toContain("s3cret");
    expect(result.uri).toBe("postgres://db.local:5432/shop/public/orders");
    expect(result.name).not.toContain("s3cret");
    expect(result.name).toBe(result.uri);
  });

  it("emits no warning for a user name without a password", () => {
    const { result, warnings } = captureWarnings(() => new Asset("ftp://user@host/file.txt"));
    expect(warnings).toEqual([]);
    expect(result.uri).toBe("ftp://user@host/file.txt");
  });

  it("warns too when a reference's URI holds a password", () => {
    const { result, warnings } = captureWarnings(() => Asset.ref({ uri: "ftp://user:s3cret@host/file.txt" }));
    expect(warnings.map((w) => w.code)).toEqual(["URI_PASSWORD_DROPPED"]);
    expect(result.uri).toBe("ftp://host/file.txt");
  });
});

describe("Asset.ref", () => {
  it("refers to an asset by name", () => {
    const ref = Asset.ref({ name: "bucket-1" });
    expect(ref).toBeInstanceOf(AssetRef);
    expect(ref.name).toBe("bucket-1");
    expect(ref.uri).toBeUndefined();
    expect(ref.toConditionNode()).toEqual({ kind: "ref", name: "bucket-1" });
  });

  it("refers to an asset by its sanitized URI", () => {
    const ref = Asset.ref({ uri: "S3://asset-bucket/example.csv/" });
    expect(ref.uri).toBe("s3://asset-bucket/example.csv");
    expect(ref.name).toBeUndefined();
    expect(ref.toConditionNode()).toEqual({ kind: "ref", uri: "s3://asset-bucket/example.csv" });
  });

  it("combines with assets like any other operand", () => {
    expect(a.and(Asset.ref({ name: "bucket-1" })).toConditionNode()).toEqual({
      kind: "all",
      conditions: [a.toConditionNode(), { kind: "ref", name: "bucket-1" }],
    });
  });

  it.each([
    ["both name and uri", { name: "bucket-1", uri: "s3://b/k" }, "got { name, uri }"],
    ["an empty object", {}, "got {}"],
    ["null", null, "got null"],
    ["a bare string", "bucket-1", 'got the string "bucket-1"'],
    ["a non-string name", { name: 5 }, "got { name }"],
  ])("rejects %s, saying to pass one of { name } or { uri }", (_what, by, got) => {
    const error = thrown(() => Asset.ref(by as never));
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toContain("exactly one of { name } or { uri }");
    expect(error.message).toContain(got);
    expect(error.message).toContain('Asset.ref({ name: "bucket-1" })');
  });

  it("rejects a blank name", () => {
    const error = thrown(() => Asset.ref({ name: " " }));
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toContain("non-blank name");
  });

  it("rejects an invalid URI with the URI rules' error", () => {
    const error = thrown(() => Asset.ref({ uri: "airflow://example_asset" }));
    expect(error).toBeInstanceOf(AssetUriError);
    expect(error.code).toBe("ASSET_URI_INVALID");
  });
});

describe("AssetAlias", () => {
  it("is identified by its name and serializes to an alias node", () => {
    const alias = new AssetAlias("my-task-outputs");
    expect(alias.name).toBe("my-task-outputs");
    expect(alias.group).toBe("asset");
    expect(alias.toConditionNode()).toEqual({ kind: "alias", name: "my-task-outputs" });
    expect(String(alias)).toBe("AssetAlias(my-task-outputs)");
  });

  it("accepts a group", () => {
    expect(new AssetAlias("exports", { group: "reports" }).group).toBe("reports");
  });

  it.each([
    ["an empty name", ""],
    ["a blank name", "   "],
    ["a non-string name", 7],
    ["a name longer than 1500 characters", "x".repeat(1501)],
  ])("rejects %s with ASSET_INVALID and an example", (_what, name) => {
    const error = thrown(() => new AssetAlias(name as never));
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toContain("AssetAlias name must be a non-blank string");
    expect(error.message).toContain('new AssetAlias("my-task-outputs")');
  });

  it("rejects an unknown option with OPTION_UNKNOWN", () => {
    const error = thrown(() => new AssetAlias("exports", { grup: "reports" } as never));
    expect(error.code).toBe("OPTION_UNKNOWN");
    expect(error.message).toContain('"grup"');
    expect(error.message).toContain("Known options: group");
  });

  it("rejects a non-string group", () => {
    const error = thrown(() => new AssetAlias("exports", { group: 3 } as never));
    expect(error.code).toBe("ASSET_INVALID");
    expect(error.message).toContain('"group" must be a string');
  });
});

describe("guards", () => {
  it("recognise each kind of condition operand", () => {
    const alias = new AssetAlias("x");
    const ref = Asset.ref({ name: "x" });
    expect([isAsset(a), isAsset(alias), isAsset("s3://bucket/a.csv")]).toEqual([true, false, false]);
    expect([isAssetAlias(alias), isAssetAlias(a)]).toEqual([true, false]);
    expect([isAssetRef(ref), isAssetRef(a)]).toEqual([true, false]);
    expect([a, alias, ref, a.and(b), a.or(b)].every(isCondition)).toBe(true);
    expect([null, undefined, "a", 1, {}].some(isCondition)).toBe(false);
  });
});

describe("immutability", () => {
  it("freezes assets, aliases, refs and combined conditions", () => {
    for (const value of [a, new AssetAlias("x"), Asset.ref({ name: "x" }), a.and(b), a.or(b)]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    expect(Object.isFrozen(a.and(b).conditions)).toBe(true);
  });

  it("cannot be changed by assignment", () => {
    expect(() => {
      (a as { uri: string }).uri = "s3://bucket/other.csv";
    }).toThrow(TypeError);
    expect(a.uri).toBe("s3://bucket/a.csv");
  });

  it("and() and or() return new objects and leave their operands unchanged", () => {
    const both = a.and(b);
    const wider = both.and(c);
    const either = both.or(d);
    expect(wider).not.toBe(both);
    expect(either).not.toBe(both);
    expect(both.conditions).toEqual([a, b]);
    expect(both.toConditionNode()).toEqual({ kind: "all", conditions: [a.toConditionNode(), b.toConditionNode()] });
    expect(wider.conditions).toEqual([a, b, c]);
  });
});

describe("combining conditions", () => {
  it("and() makes an all of both", () => {
    const both = a.and(b);
    expect(both).toBeInstanceOf(AssetAll);
    expect(both.toConditionNode()).toEqual({ kind: "all", conditions: [a.toConditionNode(), b.toConditionNode()] });
    expect(String(both)).toBe("(Asset(s3://bucket/a.csv) & Asset(s3://bucket/b.csv))");
  });

  it("or() makes an any of both", () => {
    const either = a.or(b);
    expect(either).toBeInstanceOf(AssetAny);
    expect(either.toConditionNode()).toEqual({ kind: "any", conditions: [a.toConditionNode(), b.toConditionNode()] });
  });

  it("and() and or() take several operands at once", () => {
    expect(a.and(b, c).conditions).toEqual([a, b, c]);
    expect(a.or(b, c).conditions).toEqual([a, b, c]);
  });

  it("and() flattens nested all", () => {
    expect(a.and(b).and(c).conditions).toEqual([a, b, c]);
    expect(a.and(b.and(c)).conditions).toEqual([a, b, c]);
    expect(all(all(a, b), all(c, d)).conditions).toEqual([a, b, c, d]);
  });

  it("or() flattens nested any", () => {
    expect(a.or(b).or(c).conditions).toEqual([a, b, c]);
    expect(any(any(a, b), any(c, d)).conditions).toEqual([a, b, c, d]);
  });

  it("nests an any inside an all, and an all inside an any", () => {
    expect(a.and(b.or(c)).toConditionNode()).toEqual({
      kind: "all",
      conditions: [a.toConditionNode(), { kind: "any", conditions: [b.toConditionNode(), c.toConditionNode()] }],
    });
    expect(a.or(b.and(c)).toConditionNode()).toEqual({
      kind: "any",
      conditions: [a.toConditionNode(), { kind: "all", conditions: [b.toConditionNode(), c.toConditionNode()] }],
    });
  });

  it("all() and any() with one operand wrap it", () => {
    expect(all(a).toConditionNode()).toEqual({ kind: "all", conditions: [a.toConditionNode()] });
    expect(any(a).toConditionNode()).toEqual({ kind: "any", conditions: [a.toConditionNode()] });
  });

  it("aliases combine with assets", () => {
    const alias = new AssetAlias("example-alias");
    expect(alias.or(a).toConditionNode()).toEqual({
      kind: "any",
      conditions: [{ kind: "alias", name: "example-alias" }, a.toConditionNode()],
    });
  });
});

describe("non-asset operands", () => {
  it.each([
    ["a string", "s3://bucket/x.csv", 'the string "s3://bucket/x.csv"', 'new Asset("s3://bucket/x.csv")'],
    ["a number", 42, "a number", "Use an Asset"],
    ["an object", { uri: "s3://bucket/x.csv" }, "an object", "Use an Asset"],
    ["undefined", undefined, "undefined", "Use an Asset"],
  ])("all() rejects %s with CONDITION_INVALID naming its position", (_what, operand, described, fix) => {
    const error = thrown(() => all(a, operand as never));
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("CONDITION_INVALID");
    expect(error.message).toContain(`operand 2 of all() is ${described}, not an asset.`);
    expect(error.message).toContain(fix);
    expect(error.details).toEqual({ where: "operand 2 of all()" });
  });

  it("any() names the position of the bad operand", () => {
    const error = thrown(() => any(a, b, null as never));
    expect(error.code).toBe("CONDITION_INVALID");
    expect(error.message).toContain("operand 3 of any() is null, not an asset.");
  });

  it("and() and or() count the asset they are called on as operand 1", () => {
    const andError = thrown(() => a.and("s3://bucket/x.csv" as never));
    expect(andError.code).toBe("CONDITION_INVALID");
    expect(andError.message).toContain('operand 2 of all() is the string "s3://bucket/x.csv"');
    const orError = thrown(() => a.or(b, 7 as never));
    expect(orError.code).toBe("CONDITION_INVALID");
    expect(orError.message).toContain("operand 3 of any() is a number");
  });

  it.each([
    ["all", () => all()],
    ["any", () => any()],
  ])("%s() with no operand is an error that shows how to call it", (name, call) => {
    const error = thrown(call);
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.code).toBe("CONDITION_INVALID");
    expect(error.message).toContain(`${name}() needs at least one asset`);
    expect(error.message).toContain(`${name}(a, b)`);
  });
});
