import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { Asset, AssetAlias, all } from "./asset.js";
import { bashOwnSchema } from "./operators/bash-operator.js";
import { sqlOwnSchema } from "./operators/sql-execute-query-operator.js";
import { surelyValid } from "./option-precheck.js";
import {
  assetDefinitionOptionsSchema,
  baseOperatorOptionsSchema,
  dagDecoratorOptionsSchema,
  dagOptionsSchema,
  multiAssetOptionsSchema,
  taskDecoratorOptionsSchema,
  taskOptionsSchema,
} from "./option-schemas.js";

const SCHEMAS: Record<string, z.ZodObject> = {
  dagOptionsSchema,
  dagDecoratorOptionsSchema,
  taskOptionsSchema,
  taskDecoratorOptionsSchema,
  baseOperatorOptionsSchema,
  assetDefinitionOptionsSchema,
  multiAssetOptionsSchema,
};

const asset = new Asset("s3://bucket/key.parquet");
const alias = new AssetAlias("exports");

/** Values near the edges of the option rules: ids, numbers, lists, conditions, dates, JSON. */
const leaf = fc.constantFrom<unknown>(
  undefined,
  null,
  "",
  "etl_daily",
  "has space",
  "a".repeat(251),
  "2024-01-01T00:00:00Z",
  "not a date",
  0,
  1,
  -1,
  2.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 60,
  true,
  false,
  asset,
  alias,
  Asset.ref({ name: "orders" }),
  all(asset),
  new Date(0),
  new Date(Number.NaN),
  () => undefined,
  Symbol.for("x"),
  new Map(),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(leaf, { maxLength: 3 }),
    fc.array(tie("value"), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom("a", "key", "x"), tie("value"), { maxKeys: 2 }),
  ),
})).value;

/** Plausible option values; each key draws mostly from those its field accepts. */
const POOL: readonly unknown[] = [
  undefined,
  "etl_daily",
  "echo hi",
  "2024-01-01T00:00:00Z",
  1,
  3,
  60_000,
  true,
  false,
  [],
  [asset],
  [alias, asset],
  [Asset.ref({ name: "orders" })],
  ["prepare", "load"],
  ["a"],
  { region: "eu", n: [1, 2] },
  { PATH: "/bin" },
  new Date(0),
  all(asset),
  () => undefined,
];

/** Options objects with the schema's keys (its required ones mostly present), a misspelled key at times, or any value. */
function optionsOf(schema: z.ZodObject): fc.Arbitrary<unknown> {
  const shape = schema.shape as Record<string, z.ZodType>;
  const keys = Object.keys(shape);
  const fieldValue = (key: string): fc.Arbitrary<unknown> => {
    const accepted = POOL.filter((item) => shape[key]?.safeParse(item).success);
    return accepted.length === 0
      ? value
      : fc.oneof({ arbitrary: fc.constantFrom(...accepted), weight: 8 }, { arbitrary: value, weight: 1 });
  };
  const required = keys.filter((key) => !shape[key]?.safeParse(undefined).success);
  const known = fc.record(Object.fromEntries(keys.map((key) => [key, fieldValue(key)])), {
    requiredKeys: [],
  }) as fc.Arbitrary<Record<string, unknown>>;
  const withRequired = fc
    .tuple(known, fc.record(Object.fromEntries(required.map((key) => [key, fieldValue(key)]))))
    .map(([optional, present]) => ({ ...optional, ...present }));
  const misspelled = fc
    .tuple(withRequired, fc.constantFrom("retires", "shedule"), value)
    .map(([options, key, item]) => ({ ...options, [key]: item }));
  return fc.oneof(withRequired, withRequired, known, misspelled, value);
}

describe("surelyValid", () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`says valid only for what ${name} accepts`, () => {
      let sure = 0;
      fc.assert(
        fc.property(optionsOf(schema), (input) => {
          if (!surelyValid(schema, input)) return;
          sure++;
          expect(schema.safeParse(input).success).toBe(true);
        }),
        { seed: 12, numRuns: 3000 },
      );
      // The generated options include valid ones, so the property is put to the test.
      expect(sure).toBeGreaterThan(50);
    });
  }

  it("says valid for the options DAG files usually pass, without zod", () => {
    expect(
      surelyValid(dagOptionsSchema, {
        dagId: "builder_1",
        schedule: all(asset),
        description: "Builder",
        tags: ["bench"],
        maxActiveRuns: 4,
        startDate: new Date(0),
        params: { region: "eu" },
      }),
    ).toBe(true);
    expect(surelyValid(taskOptionsSchema, { taskId: "load", inlets: [asset], args: [1], retries: 2 })).toBe(true);
    expect(surelyValid(taskDecoratorOptionsSchema, { after: ["prepare"], outlets: [asset, alias] })).toBe(true);
    expect(surelyValid(baseOperatorOptionsSchema, { taskId: "load", retryDelay: 60_000, outlets: [asset] })).toBe(true);
    expect(surelyValid(dagDecoratorOptionsSchema, { startDate: "2024-01-01T00:00:00Z" })).toBe(true);
  });

  it("leaves invalid options to zod", () => {
    expect(surelyValid(taskOptionsSchema, { taskId: "load", retires: 2 })).toBe(false);
    expect(surelyValid(taskOptionsSchema, { taskId: "has space" })).toBe(false);
    expect(surelyValid(taskOptionsSchema, { retries: 1.5 })).toBe(false);
    expect(surelyValid(taskOptionsSchema, { outlets: [Asset.ref({ name: "x" }), "s3://b/k"] })).toBe(false);
    expect(surelyValid(dagOptionsSchema, { schedule: "@daily" })).toBe(false);
    expect(surelyValid(dagOptionsSchema, { dagId: "etl", maxActiveRuns: 0 })).toBe(false);
    expect(surelyValid(dagOptionsSchema, { dagId: "etl", startDate: "not a date" })).toBe(false);
    expect(surelyValid(dagOptionsSchema, { dagId: "etl", params: { at: new Date(0) } })).toBe(false);
  });

  it("leaves schemas with parts it does not read (string lengths, records) to zod", () => {
    expect(bashOwnSchema.safeParse({ bashCommand: "echo hi" }).success).toBe(true);
    expect(surelyValid(bashOwnSchema, { bashCommand: "echo hi" })).toBe(false);
    expect(surelyValid(sqlOwnSchema, { connId: "db", sql: "select 1" })).toBe(false);
  });
});
