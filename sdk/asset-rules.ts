/**
 * The rules of `new Asset(...)`, `new AssetAlias(...)` and `Asset.ref(...)`,
 * written once as pure functions that return the first problem (what the SDK
 * would throw) or what the arguments make. The SDK's constructors throw the
 * problem ({@link throwAssetProblem}); the compiler reports it as a located
 * diagnostic with the same code and message (`compiler/sdk-rules.ts`).
 */
import { type AssetflowError, DefinitionError, ErrorCode, isAssetflowError } from "./errors.js";
import { assertJsonObject, describeValue, type JsonObject } from "./json.js";
import { closest, type OptionProblem } from "./options.js";
import { type SanitizedUri, sanitizeUri, UriWarningCode } from "./uri/sanitize.js";
import type { AssetflowWarning } from "./warnings.js";
import { normalizeWatchers, type WatcherManifest } from "./watchers.js";

/** The option keys of `new Asset({...})`: one list for the SDK and the compiler. */
export const ASSET_OPTION_KEYS: readonly string[] = Object.freeze([
  "uri",
  "name",
  "group",
  "extra",
  "schema",
  "watchers",
]);

/** The longest asset or alias name, in characters. */
const NAME_LIMIT = 1500;

/**
 * One problem of an asset, alias or reference: an {@link OptionProblem}
 * (`path` names the option it is about, empty for the arguments as a whole),
 * with the error a helper rule threw when it came from one (a URI rule's
 * {@link AssetUriError}, an extra's `ExtraError`), so the SDK throws that
 * same error.
 */
export interface AssetProblem extends OptionProblem {
  readonly error?: AssetflowError;
}

/** What `new Asset(...)` makes of its arguments (its schema is the SDK's own business). */
export interface AssetFields {
  /** The sanitized URI. */
  readonly uri: string;
  readonly name: string;
  readonly group: string;
  readonly extra: JsonObject;
  /** The `schema` option as given (a validator), or undefined. */
  readonly schema: unknown;
  readonly watchers: readonly WatcherManifest[];
  /** What sanitizing the URI warns about (a dropped password). */
  readonly warnings: readonly AssetflowWarning[];
}

/** The outcome of a rule: what the arguments make, or the first problem. */
export type RuleResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: AssetProblem };

/** Sanitizes a URI, throwing an `AssetUriError` when a URI rule is broken (`sanitizeUri`, or the compiler's). */
export type Sanitize = (uri: string) => SanitizedUri;

/**
 * The rules of `new Asset(uri, options?)` and `new Asset(options)`, in the
 * order the SDK applies them: the arguments' shape, the option keys, string
 * `uri`/`name`/`group`, a URI or a name, the URI rules, the name, the extra
 * and the watchers.
 *
 * @example
 * ```ts
 * const checked = checkAsset({ uri: "s3://b/k", nmae: "orders" }, undefined);
 * checked.ok; // false: 'Unknown option "nmae" in new Asset({...}). Known options: uri, name, ...'
 * ```
 */
export function checkAsset(
  uriOrOptions: unknown,
  moreOptions: unknown,
  sanitize: Sanitize = sanitizeUri,
): RuleResult<AssetFields> {
  const shaped = assetOptions(uriOrOptions, moreOptions);
  if (!shaped.ok) return shaped;
  const options = shaped.value;
  const written = (options.uri ?? options.name) as string | undefined;
  if (written === undefined) {
    return problem(
      ErrorCode.assetInvalid,
      'new Asset({...}) needs a "uri" or a "name": pass new Asset("s3://bucket/key") or new Asset({ uri, name }).',
      [],
    );
  }
  let sanitized: SanitizedUri;
  try {
    sanitized = sanitize(written);
  } catch (error) {
    return thrown(error, [options.uri === undefined ? "name" : "uri"]);
  }
  // A URI with a dropped password must not leak through the default name.
  const name =
    (options.name as string | undefined) ??
    (sanitized.warnings.some((w) => w.code === UriWarningCode.passwordDropped) ? sanitized.uri : written);
  if (name.trim() === "" || name.length > NAME_LIMIT) {
    return problem(
      ErrorCode.assetInvalid,
      `Asset name ${JSON.stringify(name.slice(0, 80))} is invalid: a name must be a non-blank string of at most ${NAME_LIMIT} characters.`,
      options.name === undefined ? [] : ["name"],
    );
  }
  const extra = options.extra ?? {};
  try {
    assertJsonObject(extra, `extra of asset "${sanitized.uri}"`);
  } catch (error) {
    return thrown(error, ["extra"]);
  }
  let watchers: readonly WatcherManifest[];
  try {
    watchers = normalizeWatchers(options.watchers, `asset "${sanitized.uri}"`);
  } catch (error) {
    return thrown(error, ["watchers"]);
  }
  return {
    ok: true,
    value: {
      uri: sanitized.uri,
      name,
      group: (options.group as string | undefined) ?? "asset",
      extra,
      schema: options.schema,
      watchers,
      warnings: sanitized.warnings,
    },
  };
}

/** The two argument forms of `new Asset` as one options object, with keys and string options checked. */
function assetOptions(uriOrOptions: unknown, moreOptions: unknown): RuleResult<Record<string, unknown>> {
  if (typeof uriOrOptions === "string") {
    if (moreOptions === undefined) return { ok: true, value: { uri: uriOrOptions } };
    if (!isPlainObject(moreOptions)) {
      return problem(
        ErrorCode.assetInvalid,
        `The options of new Asset(${JSON.stringify(uriOrOptions)}, {...}) must be an object such as { schema }, got ${describeValue(moreOptions)}.`,
        [],
      );
    }
    if ("uri" in moreOptions) {
      return problem(
        ErrorCode.optionInvalid,
        `new Asset(${JSON.stringify(uriOrOptions)}, {...}) got a second "uri" in its options: give the URI once.`,
        ["uri"],
        { option: "uri" },
      );
    }
    return assetOptions({ uri: uriOrOptions, ...moreOptions }, undefined);
  }
  if (!isPlainObject(uriOrOptions)) {
    return problem(
      ErrorCode.assetInvalid,
      `new Asset() takes a URI string or { uri, name, group, extra, schema }, got ${describeValue(uriOrOptions)}.`,
      [],
    );
  }
  if (moreOptions !== undefined) {
    return problem(
      ErrorCode.assetInvalid,
      "new Asset({...}) takes one options object: put every option in it, as in new Asset({ uri, schema }).",
      [],
    );
  }
  for (const key of Object.keys(uriOrOptions)) {
    if (!ASSET_OPTION_KEYS.includes(key)) {
      return problem(
        ErrorCode.optionUnknown,
        `Unknown option "${key}" in new Asset({...}).${didYouMean(key, ASSET_OPTION_KEYS)} Known options: ${ASSET_OPTION_KEYS.join(", ")}.`,
        [key],
        { option: key },
      );
    }
  }
  for (const key of ["uri", "name", "group"] as const) {
    const value = uriOrOptions[key];
    if (value !== undefined && typeof value !== "string") {
      return problem(
        ErrorCode.assetInvalid,
        `Asset option "${key}" must be a string, got ${describeValue(value)}.`,
        [key],
        {
          option: key,
        },
      );
    }
  }
  return { ok: true, value: uriOrOptions };
}

/** What `new AssetAlias(name, options)` makes: its name and group. */
export interface AliasFields {
  readonly name: string;
  readonly group: string;
}

/**
 * The rules of `new AssetAlias(name, { group })`: a non-blank name of at
 * most 1500 characters, options an object with only a string `group`.
 *
 * @example
 * ```ts
 * checkAlias("outputs", { group: "exports" }); // { ok: true, value: { name: "outputs", group: "exports" } }
 * ```
 */
export function checkAlias(name: unknown, options: unknown = {}): RuleResult<AliasFields> {
  if (typeof name !== "string" || name.trim() === "" || name.length > NAME_LIMIT) {
    return problem(
      ErrorCode.assetInvalid,
      `AssetAlias name must be a non-blank string of at most ${NAME_LIMIT} characters, got ${describeValue(name)}: pass new AssetAlias("my-task-outputs").`,
      [],
    );
  }
  if (!isPlainObject(options)) {
    return problem(
      ErrorCode.assetInvalid,
      `Options of AssetAlias "${name}" must be an object such as { group: "exports" }, got ${describeValue(options)}.`,
      [],
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== "group") {
      return problem(
        ErrorCode.optionUnknown,
        `Unknown option "${key}" in new AssetAlias("${name}", {...}).${didYouMean(key, ["group"])} Known options: group.`,
        [key],
        { option: key },
      );
    }
  }
  const group = options.group;
  if (group !== undefined && typeof group !== "string") {
    return problem(
      ErrorCode.assetInvalid,
      `AssetAlias option "group" must be a string, got ${describeValue(group)}.`,
      ["group"],
      { option: "group" },
    );
  }
  return { ok: true, value: { name, group: group ?? "asset" } };
}

/** What `Asset.ref(...)` refers to: a name, or a sanitized URI. */
export type RefFields =
  | { readonly name: string; readonly uri: undefined; readonly warnings: readonly AssetflowWarning[] }
  | { readonly name: undefined; readonly uri: string; readonly warnings: readonly AssetflowWarning[] };

/**
 * The rules of `Asset.ref({ name })` and `Asset.ref({ uri })`: exactly one
 * of them, a non-blank name, a URI that passes the URI rules.
 *
 * @example
 * ```ts
 * checkRef({ uri: "S3://b/k" }); // { ok: true, value: { name: undefined, uri: "s3://b/k", warnings: [] } }
 * ```
 */
export function checkRef(by: unknown, sanitize: Sanitize = sanitizeUri): RuleResult<RefFields> {
  const isObject = isPlainObject(by);
  const keys = isObject ? Object.keys(by) : [];
  const name = isObject ? by.name : undefined;
  const uri = isObject ? by.uri : undefined;
  if (keys.length !== 1 || (typeof name !== "string" && typeof uri !== "string")) {
    return problem(
      ErrorCode.assetInvalid,
      `Asset.ref() takes exactly one of { name } or { uri }, got ${isObject ? (keys.length > 0 ? `{ ${keys.join(", ")} }` : "{}") : describeValue(by)}: pass Asset.ref({ name: "bucket-1" }) or Asset.ref({ uri: "s3://b/k" }).`,
      keys.length === 1 ? keys : [],
    );
  }
  if (typeof name === "string") {
    if (name.trim() === "" || name.length > NAME_LIMIT) {
      return problem(
        ErrorCode.assetInvalid,
        `Asset.ref({ name }) needs a non-blank name of at most ${NAME_LIMIT} characters, got ${describeValue(name)}: pass the name of an asset declared elsewhere, as in Asset.ref({ name: "bucket-1" }).`,
        ["name"],
      );
    }
    return { ok: true, value: { name, uri: undefined, warnings: [] } };
  }
  try {
    const sanitized = sanitize(uri as string);
    return { ok: true, value: { name: undefined, uri: sanitized.uri, warnings: sanitized.warnings } };
  } catch (error) {
    return thrown(error, ["uri"]);
  }
}

/**
 * Throws a rule's problem as the SDK does: the helper rule's own error when
 * it came from one, else a {@link DefinitionError} with its code and message.
 *
 * @example
 * ```ts
 * const checked = checkAlias("outputs");
 * if (!checked.ok) throwAssetProblem(checked.problem);
 * ```
 */
export function throwAssetProblem(found: AssetProblem): never {
  if (found.error) throw found.error;
  throw new DefinitionError(found.code, found.message, found.details ? { details: found.details } : {});
}

function problem(
  code: ErrorCode,
  message: string,
  path: readonly PropertyKey[],
  details?: Record<string, unknown>,
): { ok: false; problem: AssetProblem } {
  return { ok: false, problem: { code, message, path, ...(details ? { details } : {}) } };
}

/** A problem from a helper rule that throws (URI rules, extras, watchers); other errors are bugs and pass through. */
function thrown(error: unknown, path: readonly PropertyKey[]): { ok: false; problem: AssetProblem } {
  if (!isAssetflowError(error)) throw error;
  return { ok: false, problem: { code: error.code as ErrorCode, message: error.message, path, error } };
}

/** ` Did you mean "group"?` for a misspelled option, else nothing. */
function didYouMean(key: string, known: readonly string[]): string {
  const suggestion = closest(key, known);
  return suggestion ? ` Did you mean "${suggestion}"?` : "";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
