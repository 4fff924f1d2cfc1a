/**
 * Schemas of event extras: an asset may carry any Standard Schema validator
 * (zod, valibot, arktype, ...) for the extras of its events. The validator
 * types the asset's extras, checks them where an event is recorded in user
 * code (tasks, `assetflow/testing`), and travels in the manifest as the JSON
 * Schema it describes (through the Standard JSON Schema interface), which the
 * scheduler uses where user code does not run (the API, `assets emit`).
 *
 * The interfaces below are the published Standard Schema and Standard JSON
 * Schema v1 interfaces (https://standardschema.dev), copied as their authors
 * recommend so that no dependency is needed.
 */
import { DefinitionError, ErrorCode, ExtraSchemaError } from "./errors.js";
import { describeValue, findNonJson, type JsonObject } from "./json.js";

/** The Standard Schema v1 interface: what every validator (zod, valibot, arktype, ...) implements. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaV1Props<Input, Output>;
}

/** The properties of a {@link StandardSchemaV1}. */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/** The result of a Standard Schema validation. */
export type StandardSchemaV1Result<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaV1Issue> };

/** One problem a Standard Schema validator reports. */
export interface StandardSchemaV1Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The Standard JSON Schema v1 interface: a validator that can describe itself as JSON Schema. */
export interface StandardJsonSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaV1Props<Input, Output> & {
    readonly jsonSchema: {
      readonly input: (options: StandardJsonSchemaOptions) => Record<string, unknown>;
      readonly output: (options: StandardJsonSchemaOptions) => Record<string, unknown>;
    };
  };
}

/** Options of a Standard JSON Schema conversion. */
export interface StandardJsonSchemaOptions {
  readonly target: "draft-2020-12" | "draft-07" | "openapi-3.0" | ({} & string);
  readonly libraryOptions?: Record<string, unknown> | undefined;
}

/**
 * A validator for the extras of an asset's events, whose input type is
 * `TExtra`: zod 4.2+ (`z.object({...})`), arktype 2.1.28+ (`type({...})`),
 * valibot through `toStandardJsonSchema(v.object({...}))` of
 * `@valibot/to-json-schema`, or any other validator that implements both
 * Standard Schema and Standard JSON Schema.
 */
export type ExtraSchema<TExtra = unknown> = StandardSchemaV1<TExtra, unknown>;

/** The JSON Schema dialect assetflow stores and checks against. */
export const EXTRA_JSON_SCHEMA_TARGET = "draft-2020-12";

/** One way an extra does not match its schema: the key (dotted path; `""` for the whole extra) and what is expected. */
export interface ExtraIssue {
  readonly key: string;
  readonly message: string;
}

/** The asset whose extra was checked, as error messages name it. */
export interface ExtraSubject {
  readonly name: string;
  readonly uri: string;
}

/** True for a value that implements Standard Schema v1. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { "~standard"?: Partial<StandardSchemaV1Props> } | null)?.["~standard"];
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof props === "object" &&
    props !== null &&
    props.version === 1 &&
    typeof props.validate === "function"
  );
}

/**
 * The JSON Schema of a validator's accepted input (draft 2020-12), through
 * Standard JSON Schema, or a {@link DefinitionError} that says how to get one.
 *
 * @example
 * ```ts
 * extraJsonSchema(z.object({ rowCount: z.number() }), 'asset "s3://b/k"'); // { type: "object", ... }
 * ```
 */
export function extraJsonSchema(schema: unknown, where: string): JsonObject {
  if (!isStandardSchema(schema)) {
    throw new DefinitionError(
      ErrorCode.assetInvalid,
      `The schema of ${where} must be a Standard Schema validator (zod, valibot, arktype, ...), got ${describeValue(schema)}. Pass for example schema: z.object({ rowCount: z.number() }).`,
      { details: { option: "schema" } },
    );
  }
  const props = schema["~standard"] as StandardSchemaV1Props & {
    jsonSchema?: { input?: (options: StandardJsonSchemaOptions) => unknown };
  };
  if (typeof props.jsonSchema?.input !== "function") {
    throw new DefinitionError(
      ErrorCode.assetInvalid,
      `The schema of ${where} (a ${props.vendor} validator) cannot describe itself as JSON Schema, which assetflow needs to check extras where your code does not run (the API, \`assetflow assets emit\`). ` +
        "Use a validator that implements Standard JSON Schema: zod 4.2 or later, arktype 2.1.28 or later, or valibot wrapped in toStandardJsonSchema() of @valibot/to-json-schema.",
      { details: { option: "schema", vendor: props.vendor } },
    );
  }
  let converted: unknown;
  try {
    converted = props.jsonSchema.input({ target: EXTRA_JSON_SCHEMA_TARGET });
  } catch (error) {
    throw new DefinitionError(
      ErrorCode.assetInvalid,
      `The schema of ${where} cannot be written as JSON Schema: ${(error as Error)?.message ?? String(error)}. Extras are JSON: describe them with JSON types (a date as an ISO string, not a Date).`,
      { details: { option: "schema", vendor: props.vendor }, cause: error },
    );
  }
  if (
    typeof converted !== "object" ||
    converted === null ||
    Array.isArray(converted) ||
    findNonJson(converted) !== undefined
  ) {
    throw new DefinitionError(
      ErrorCode.assetInvalid,
      `The JSON Schema of ${where}, as its ${props.vendor} validator writes it, is not a plain JSON object.`,
      { details: { option: "schema", vendor: props.vendor } },
    );
  }
  return converted as JsonObject;
}

/**
 * Checks an extra with a Standard Schema validator; returns its issues (empty
 * when the extra is valid).
 *
 * @example
 * ```ts
 * await extraIssues(z.object({ rowCount: z.number() }), { rowCount: "x" }); // [{ key: "rowCount", message: "..." }]
 * ```
 */
export async function extraIssues(schema: StandardSchemaV1, extra: unknown): Promise<ExtraIssue[]> {
  const result = await schema["~standard"].validate(extra);
  if (!result.issues) return [];
  return result.issues.map((issue) => ({
    key: (issue.path ?? [])
      .map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment))
      .join("."),
    message: issue.message,
  }));
}

/**
 * The error for an extra that does not match its asset's schema: it names the
 * asset, each key and what the schema expects there, and where the event
 * came from. Every path that records events (tasks, the API, `assets emit`,
 * `assetflow/testing`, watchers) reports with it.
 *
 * @example
 * ```ts
 * throw extraSchemaError({ name: "orders", uri: "s3://b/orders" }, issues, 'emitted by task "load" of DAG "etl"');
 * ```
 */
export function extraSchemaError(asset: ExtraSubject, issues: readonly ExtraIssue[], where: string): ExtraSchemaError {
  const named = asset.name === asset.uri ? `"${asset.uri}"` : `"${asset.name}" (${asset.uri})`;
  const problems = issues
    .slice(0, 10)
    .map((issue) => `${issue.key === "" ? "the extra" : `key "${issue.key}"`}: ${issue.message}`)
    .join("; ");
  return new ExtraSchemaError(
    `The extra of asset ${named} ${where} does not match the asset's schema: ${problems}${issues.length > 10 ? `; and ${issues.length - 10} more` : ""}. ` +
      "Send an extra the schema accepts, or change the schema of the asset.",
    { details: { assetName: asset.name, assetUri: asset.uri, issues: issues.map((issue) => ({ ...issue })) } },
  );
}

/**
 * Checks the extra of an event for `asset` against the asset's validator (if
 * it has one) and throws {@link extraSchemaError} when it does not match.
 *
 * @example
 * ```ts
 * await checkExtra(orders, { rowCount: 3 }, "recorded by the test");
 * ```
 */
export async function checkExtra(
  asset: ExtraSubject & { readonly schema?: StandardSchemaV1 | undefined },
  extra: unknown,
  where: string,
): Promise<void> {
  if (!asset.schema) return;
  const issues = await extraIssues(asset.schema, extra);
  if (issues.length > 0) throw extraSchemaError(asset, issues, where);
}
