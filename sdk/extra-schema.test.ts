import { toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { Asset } from "./asset.js";
import { dag } from "./dag.js";
import { ErrorCode, ExtraSchemaError } from "./errors.js";
import { checkExtra, extraIssues, extraJsonSchema, extraSchemaError, isStandardSchema } from "./extra-schema.js";
import { serializeDags } from "./manifest/serialize.js";
import { task } from "./task.js";

const validators = {
  zod: z.object({ rowCount: z.number(), source: z.string().optional() }),
  valibot: toStandardJsonSchema(v.object({ rowCount: v.number(), source: v.optional(v.string()) })),
  arktype: type({ rowCount: "number", "source?": "string" }),
};

describe("new Asset(uri, { schema })", () => {
  it.each(Object.entries(validators))("takes a %s validator and keeps its JSON Schema", (_vendor, schema) => {
    const asset = new Asset("s3://warehouse/orders.parquet", { schema });
    expect(asset.schema).toBe(schema);
    expect(asset.jsonSchema).toMatchObject({
      type: "object",
      properties: { rowCount: { type: "number" }, source: { type: "string" } },
      required: ["rowCount"],
    });
    expect(Object.isFrozen(asset.jsonSchema)).toBe(true);
  });

  it("infers the extra type from the validator's input", () => {
    const fromZod = new Asset("s3://warehouse/a", { schema: validators.zod });
    expectTypeOf(fromZod).toEqualTypeOf<Asset<{ rowCount: number; source?: string | undefined }>>();
    const fromValibot = new Asset("s3://warehouse/b", { schema: validators.valibot });
    expectTypeOf(fromValibot).toEqualTypeOf<Asset<{ rowCount: number; source?: string | undefined }>>();
    const fromArktype = new Asset({ uri: "s3://warehouse/c", schema: validators.arktype });
    expectTypeOf(fromArktype).toEqualTypeOf<Asset<{ rowCount: number; source?: string }>>();
    expectTypeOf(new Asset("s3://warehouse/d")).toEqualTypeOf<Asset<Record<string, import("./json.js").JsonValue>>>();
  });

  it("is not part of the identity, and other options go beside it", () => {
    const asset = new Asset("s3://warehouse/orders.parquet", { schema: validators.zod, name: "orders", group: "raw" });
    expect(asset.equals(new Asset({ uri: "s3://warehouse/orders.parquet", name: "orders" }))).toBe(true);
    expect([asset.name, asset.group]).toEqual(["orders", "raw"]);
  });

  it("refuses what is not a Standard Schema validator, naming the asset", () => {
    expect(() => new Asset("s3://warehouse/x", { schema: { rowCount: "number" } as never })).toThrow(
      /The schema of asset "s3:\/\/warehouse\/x" must be a Standard Schema validator/,
    );
  });

  it("refuses a validator that cannot describe itself as JSON Schema, and says which can", () => {
    const plainValibot = v.object({ rowCount: v.number() });
    expect(isStandardSchema(plainValibot)).toBe(true);
    expect(() => new Asset("s3://warehouse/x", { schema: plainValibot })).toThrow(
      /a valibot validator\) cannot describe itself as JSON Schema.*toStandardJsonSchema\(\)/,
    );
  });

  it("refuses a schema JSON cannot carry, such as a Date", () => {
    expect(() => new Asset("s3://warehouse/x", { schema: z.object({ at: z.date() }) })).toThrow(
      /cannot be written as JSON Schema: .*Date/,
    );
  });

  it("refuses a second uri and a second options object", () => {
    expect(() => new Asset("s3://a/b", { uri: "s3://a/c" } as never)).toThrow(/second "uri"/);
    expect(() => new (Asset as never as new (a: unknown, b: unknown) => Asset)({ uri: "s3://a/b" }, {})).toThrow(
      /takes one options object/,
    );
  });
});

describe("the manifest", () => {
  it("carries the JSON Schema of assets that have one, and nothing for the others", () => {
    const checked = new Asset("s3://warehouse/checked", { schema: validators.zod });
    const plain = new Asset("s3://warehouse/plain");
    const manifest = serializeDags([
      dag({ dagId: "producer", schedule: null }, () => {
        task({ taskId: "load", outlets: [checked, plain] }, () => {});
      }),
    ]);
    const byUri = Object.fromEntries(manifest.assets.map((asset) => [asset.uri, asset]));
    expect(byUri["s3://warehouse/checked"]?.schema).toEqual(checked.jsonSchema);
    expect(byUri["s3://warehouse/plain"]).not.toHaveProperty("schema");
  });
});

describe("checking extras", () => {
  it.each(Object.entries(validators))("%s: names each key and what is expected there", async (_vendor, schema) => {
    const issues = await extraIssues(schema, { rowCount: "x" });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.key).toBe("rowCount");
    expect(issues[0]?.message.toLowerCase()).toContain("number");
    expect(await extraIssues(schema, { rowCount: 3 })).toEqual([]);
  });

  it("a missing key is named too", async () => {
    const issues = await extraIssues(validators.zod, {});
    expect(issues.map((issue) => issue.key)).toEqual(["rowCount"]);
  });

  it("checkExtra throws an ExtraSchemaError naming the asset, the key, the expectation and the source", async () => {
    const asset = new Asset("s3://warehouse/orders.parquet", { schema: validators.zod, name: "orders" });
    const error = await checkExtra(asset, { rowCount: "x" }, 'emitted by task "load"').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtraSchemaError);
    expect((error as ExtraSchemaError).code).toBe(ErrorCode.extraInvalid);
    expect((error as Error).message).toMatch(
      /^The extra of asset "orders" \(s3:\/\/warehouse\/orders\.parquet\) emitted by task "load" does not match the asset's schema: key "rowCount": .*number/,
    );
    expect((error as ExtraSchemaError).details).toMatchObject({
      assetName: "orders",
      assetUri: "s3://warehouse/orders.parquet",
      issues: [{ key: "rowCount" }],
    });
    await expect(checkExtra(asset, { rowCount: 1 }, "x")).resolves.toBeUndefined();
    await expect(checkExtra(new Asset("s3://warehouse/free"), { anything: 1 }, "x")).resolves.toBeUndefined();
  });

  it("the message lists at most ten issues", () => {
    const issues = Array.from({ length: 12 }, (_, index) => ({ key: `k${index}`, message: "expected number" }));
    const error = extraSchemaError({ name: "s3://b/k", uri: "s3://b/k" }, issues, "recorded through the API");
    expect(error.message).toContain('key "k9"');
    expect(error.message).not.toContain('key "k10"');
    expect(error.message).toContain("and 2 more");
  });

  it("extraJsonSchema names the place in its errors", () => {
    expect(() => extraJsonSchema(42, "asset x")).toThrow(/The schema of asset x must be/);
  });
});
