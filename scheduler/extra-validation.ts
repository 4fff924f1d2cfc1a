/**
 * Checking an event's extra against the JSON Schema of its asset, where the
 * asset's own validator (user code) is not at hand: the API, `assetflow
 * assets emit`, watchers. Tasks and `assetflow/testing` check with the
 * validator itself (`checkExtra` of the SDK); both report with the SDK's
 * `extraSchemaError`, so a failure reads the same whichever path found it.
 */
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { type ExtraIssue, type ExtraSubject, extraSchemaError } from "../sdk/extra-schema.js";
import { describeValue, type JsonObject } from "../sdk/json.js";

/** A JSON Schema validator (Ajv, draft 2020-12, with formats), loaded on first use: most processes never need it. */
async function createAjv(): Promise<Ajv2020> {
  const [{ Ajv2020: AjvClass }, formats] = await Promise.all([import("ajv/dist/2020.js"), import("ajv-formats")]);
  // ajv-formats is CommonJS: its default export arrives wrapped under ESM.
  const addFormats = ((formats.default as unknown as { default?: unknown }).default ?? formats.default) as (
    ajv: Ajv2020,
  ) => void;
  // allErrors: name every key that is wrong, not only the first; verbose: errors carry
  // their schema, for the expected type of a missing key.
  const ajv = new AjvClass({ allErrors: true, strict: false, verbose: true });
  addFormats(ajv);
  return ajv;
}

/**
 * Compiles and caches validators of asset JSON Schemas (one instance per
 * scheduler: no module-global state).
 *
 * @example
 * ```ts
 * const validator = new ExtraValidator();
 * await validator.check({ name: "orders", uri: "s3://b/orders", schema }, { rowCount: 3 }, "recorded through the API");
 * ```
 */
export class ExtraValidator {
  private ajv: Promise<Ajv2020> | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();

  /** The issues of `extra` against `schema` (a JSON Schema object or its JSON text); empty when it matches. */
  async issues(schema: JsonObject | string, extra: unknown): Promise<ExtraIssue[]> {
    const text = typeof schema === "string" ? schema : JSON.stringify(schema);
    let validate = this.compiled.get(text);
    if (!validate) {
      this.ajv ??= createAjv();
      validate = (await this.ajv).compile(typeof schema === "string" ? (JSON.parse(schema) as JsonObject) : schema);
      this.compiled.set(text, validate);
    }
    if (validate(extra)) return [];
    return (validate.errors ?? []).map((error) => toIssue(error, extra));
  }

  /**
   * Throws the SDK's `ExtraSchemaError` (code `EXTRA_INVALID`) when `extra`
   * does not match the asset's schema; does nothing for an asset without one.
   * `where` says where the event came from ("recorded through the API").
   */
  async check(
    asset: ExtraSubject & { readonly schema: JsonObject | string | null },
    extra: unknown,
    where: string,
  ): Promise<void> {
    if (asset.schema === null) return;
    const issues = await this.issues(asset.schema, extra);
    if (issues.length > 0) throw extraSchemaError(asset, issues, where);
  }
}

function toIssue(error: ErrorObject, extra: unknown): ExtraIssue {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
  const params = error.params as Record<string, unknown>;
  const parentSchema = error.parentSchema as { properties?: Record<string, { type?: unknown }> } | undefined;
  switch (error.keyword) {
    case "required": {
      const missing = String(params.missingProperty);
      const expected = parentSchema?.properties?.[missing]?.type;
      return {
        key: [...path, missing].join("."),
        message: `is required${expected === undefined ? "" : ` (expected ${formatType(expected)})`}`,
      };
    }
    case "additionalProperties":
      return {
        key: [...path, String(params.additionalProperty)].join("."),
        message: "is not in the schema, which allows no other keys",
      };
    case "type":
      return {
        key: path.join("."),
        message: `expected ${formatType(params.type)}, got ${describeValue(valueAt(extra, path))}`,
      };
    case "enum":
      return {
        key: path.join("."),
        message: `expected one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}, got ${JSON.stringify(valueAt(extra, path))}`,
      };
    case "const":
      return {
        key: path.join("."),
        message: `expected ${JSON.stringify(params.allowedValue)}, got ${JSON.stringify(valueAt(extra, path))}`,
      };
    default:
      return { key: path.join("."), message: error.message ?? `does not match "${error.keyword}"` };
  }
}

function formatType(type: unknown): string {
  return Array.isArray(type) ? type.join(" or ") : String(type);
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const key of path) node = (node as Record<string, unknown> | null)?.[key];
  return node;
}
