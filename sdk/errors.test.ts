import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  AssetflowError,
  AssetUriError,
  DefinitionError,
  ErrorCode,
  ExtraError,
  ExtraSchemaError,
  isAssetflowError,
  ManifestError,
} from "./errors.js";

describe("AssetflowError", () => {
  it("carries a code, a message, frozen details and a cause", () => {
    const cause = new Error("disk full");
    const error = new AssetflowError("SOME_CODE", "Something failed.", { details: { path: "a.b" }, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("AssetflowError");
    expect(error.code).toBe("SOME_CODE");
    expect(error.message).toBe("Something failed.");
    expect(error.details).toEqual({ path: "a.b" });
    expect(Object.isFrozen(error.details)).toBe(true);
    expect(error.cause).toBe(cause);
  });

  it("copies the details, so later changes to the input do not leak in", () => {
    const details: Record<string, unknown> = { key: "a" };
    const error = new AssetflowError("SOME_CODE", "x", { details });
    details["key"] = "b";
    expect(error.details).toEqual({ key: "a" });
  });

  it("has empty details and no cause by default", () => {
    const error = new AssetflowError("SOME_CODE", "x");
    expect(error.details).toEqual({});
    expect("cause" in error).toBe(false);
  });

  it("serializes with toJSON to name, code, message and details, without the stack", () => {
    const error = new DefinitionError(ErrorCode.optionUnknown, 'Unknown option "schedul".', {
      details: { option: "schedul" },
    });
    expect(error.toJSON()).toEqual({
      name: "DefinitionError",
      code: "OPTION_UNKNOWN",
      message: 'Unknown option "schedul".',
      details: { option: "schedul" },
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual(error.toJSON());
  });
});

describe("subclasses", () => {
  it.each([
    ["AssetUriError", new AssetUriError("bad uri"), "ASSET_URI_INVALID"],
    ["ExtraError", new ExtraError("bad extra"), "EXTRA_NOT_JSON"],
    ["ExtraSchemaError", new ExtraSchemaError("extra does not match"), "EXTRA_INVALID"],
    ["ManifestError", new ManifestError("bad manifest"), "MANIFEST_INVALID"],
    ["DefinitionError", new DefinitionError(ErrorCode.dagInvalid, "bad dag"), "DAG_INVALID"],
  ])("%s has its own name, a fixed code, and is an AssetflowError", (name, error, code) => {
    expect(error).toBeInstanceOf(AssetflowError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(isAssetflowError(error)).toBe(true);
    expect(String(error)).toBe(`${name}: ${error.message}`);
  });

  it("keeps the cause of a subclass error", () => {
    const cause = new TypeError("inner");
    expect(new ExtraError("x", { cause }).cause).toBe(cause);
  });
});

describe("ErrorCode", () => {
  it("keeps its published codes (renaming one breaks users)", () => {
    expect(ErrorCode).toMatchObject({
      assetUriInvalid: "ASSET_URI_INVALID",
      assetInvalid: "ASSET_INVALID",
      conditionInvalid: "CONDITION_INVALID",
      scheduleInvalid: "SCHEDULE_INVALID",
      optionUnknown: "OPTION_UNKNOWN",
      optionInvalid: "OPTION_INVALID",
      metadataInvalid: "METADATA_INVALID",
      extraNotJson: "EXTRA_NOT_JSON",
      extraInvalid: "EXTRA_INVALID",
      manifestInvalid: "MANIFEST_INVALID",
    });
  });

  it("has no two names for the same code", () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe("isAssetflowError", () => {
  it("recognises an error from another copy of the package or another realm by its Symbol.for marker", () => {
    // What a second copy of the package (or a vm context) would create: not an
    // instance of this copy's class, but carrying the shared registry symbol.
    const foreign = Object.assign(new Error("from the other copy"), {
      code: "ASSET_URI_INVALID",
      [Symbol.for("assetflow.error")]: true,
    });
    expect(foreign).not.toBeInstanceOf(AssetflowError);
    expect(isAssetflowError(foreign)).toBe(true);
    expect(isAssetflowError({ [Symbol.for("assetflow.error")]: true, code: "X", message: "plain object" })).toBe(true);
  });

  it("recognises a marked error created in a real second realm (node:vm)", () => {
    const foreign: unknown = runInNewContext(
      'const e = new Error("other realm"); e.code = "EXTRA_NOT_JSON"; e[Symbol.for("assetflow.error")] = true; e',
    );
    expect(foreign instanceof Error).toBe(false);
    expect(isAssetflowError(foreign)).toBe(true);
    expect(isAssetflowError(runInNewContext('new Error("unmarked")'))).toBe(false);
  });

  it("rejects errors and objects without the marker, or with a marker that is not true", () => {
    expect(isAssetflowError(new Error("plain"))).toBe(false);
    expect(isAssetflowError({ code: "ASSET_URI_INVALID", message: "looks alike" })).toBe(false);
    expect(isAssetflowError({ [Symbol("assetflow.error")]: true })).toBe(false);
    expect(isAssetflowError({ [Symbol.for("assetflow.error")]: "yes" })).toBe(false);
    expect(isAssetflowError(null)).toBe(false);
    expect(isAssetflowError(undefined)).toBe(false);
    expect(isAssetflowError("ASSET_URI_INVALID")).toBe(false);
  });
});
