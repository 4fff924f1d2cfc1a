import { ExtraError } from "./errors.js";

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object: the shape of every extra. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Checks that `value` is plain JSON and returns the dotted path of the first
 * offending key (`""` for the value itself), or `undefined` when it is JSON.
 * Rejects `undefined`, functions, symbols, bigints, non-finite numbers (what
 * `1e400` parses as), strings and keys that are not well-formed Unicode (a
 * lone surrogate, which storage would turn into U+FFFD), class instances
 * (Date, Map, ...) and cycles: what JSON cannot carry exactly.
 *
 * @example
 * ```ts
 * findNonJson({ a: { b: new Date() } }); // "a.b"
 * ```
 */
export function findNonJson(value: unknown, path = "", seen = new Set<object>()): string | undefined {
  return findNonJsonValue(value, path, seen)?.path;
}

/**
 * Like {@link findNonJson}, with the offending value (for {@link describeNonJson}).
 *
 * @example
 * ```ts
 * findNonJsonValueAt(JSON.parse('{"n": 1e400}')); // { path: "n", value: Infinity, cycle: false }
 * ```
 */
export function findNonJsonValueAt(value: unknown): NonJson | undefined {
  return findNonJsonValue(value, "", new Set());
}

/** Where a value stops being JSON: the dotted path, the offending value, and whether it closes a cycle. */
export interface NonJson {
  readonly path: string;
  readonly value: unknown;
  readonly cycle: boolean;
}

/** A lone (unpaired) UTF-16 surrogate: not Unicode, so no UTF-8 store or wire can carry it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function findNonJsonValue(value: unknown, path: string, seen: Set<object>): NonJson | undefined {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? { path, value, cycle: false } : undefined;
  if (value === null || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : { path, value, cycle: false };
  if (typeof value !== "object") return { path, value, cycle: false };
  if (seen.has(value)) return { path, value, cycle: true };
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const found = findNonJsonValue(value[index], `${path}[${index}]`, seen);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return { path, value, cycle: false };
    for (const [key, item] of Object.entries(value)) {
      const at = path === "" ? key : `${path}.${key}`;
      if (LONE_SURROGATE.test(key)) return { path: at, value: key, cycle: false };
      const found = findNonJsonValue(item, at, seen);
      if (found !== undefined) return found;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

/**
 * Why a value (or key) that {@link findNonJson} found cannot be JSON, for
 * messages: `Infinity` from a number beyond a double (`1e400`), a lone
 * surrogate, or the value's kind.
 *
 * @example
 * ```ts
 * describeNonJson(Infinity); // "Infinity, a number JSON cannot carry exactly (1e400, ...): send it as a string"
 * ```
 */
export function describeNonJson(value: unknown): string {
  if (typeof value === "number") {
    return `${describeValue(value)}, a number JSON cannot carry exactly (1e400, beyond the range of a double, reads as Infinity): send it as a string`;
  }
  if (typeof value === "string") {
    return "a string that is not valid Unicode (a lone surrogate, or invalid UTF-8): it would not be stored exactly";
  }
  return describeValue(value);
}

/**
 * Throws an {@link ExtraError} unless `value` is a plain JSON object.
 * `where` names the owner in the message, for example `extra of asset "s3://b/k"`.
 *
 * @example
 * ```ts
 * assertJsonObject({ rows: 3 }, 'extra of asset "s3://b/k"');
 * ```
 */
export function assertJsonObject(value: unknown, where: string): asserts value is JsonObject {
  const proto = typeof value === "object" && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (
    typeof value !== "object" ||
    value === null ||
    Array.isArray(value) ||
    (proto !== Object.prototype && proto !== null)
  ) {
    throw new ExtraError(
      `${where} must be a plain JSON object such as { "rowCount": 3 }, got ${describeValue(value)}.`,
      {
        details: { where },
      },
    );
  }
  const found = findNonJsonValue(value, "", new Set());
  if (found !== undefined) {
    const holds = found.cycle ? "a circular reference (an object that contains itself)" : describeNonJson(found.value);
    throw new ExtraError(
      `${where} is not JSON: key "${found.path}" holds ${holds}. ` +
        "Extras must be plain JSON (strings, finite numbers, booleans, null, arrays, plain objects); " +
        "convert it, for example a Date with toISOString().",
      { details: { where, key: found.path } },
    );
  }
}

/**
 * Why a definition got `undefined` where it needs an asset, an alias or a
 * task handle, and the fix. At run time that is almost always an import
 * cycle: a module reads a variable of a module that has not finished loading.
 */
export const UNDEFINED_OPERAND_HINT =
  "A variable that is undefined while DAGs are defined was usually read before its module finished loading: " +
  "DAG files import each other in a cycle (a.ts imports b.ts, which imports a.ts). " +
  "Declare shared assets in a module that imports no DAG file (for example assets.ts) and import them from there.";

/**
 * The sentence to append to a message about an asset, alias or task handle:
 * {@link UNDEFINED_OPERAND_HINT} (with a leading space) when the value is
 * `undefined`, else nothing.
 *
 * @example
 * ```ts
 * `item 0 of the schedule is ${describeValue(item)}, not an asset.${undefinedHint(item)}`;
 * ```
 */
export function undefinedHint(value: unknown): string {
  return value === undefined ? ` ${UNDEFINED_OPERAND_HINT}` : "";
}

/** A short description of a value's kind for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    if (!name || name === "Object") return "an object";
    return /^[AEIO]/i.test(name) ? `an ${name}` : `a ${name}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return `a ${typeof value}`;
}

/**
 * JSON with object keys sorted at every level: the same value always gives
 * the same text, so manifests diff cleanly.
 *
 * @example
 * ```ts
 * stableStringify({ b: 1, a: 2 }); // '{"a":2,"b":1}'
 * ```
 */
export function stableStringify(value: unknown, indent = 2): string {
  // Compact text is written directly (registering many DAGs serializes each one): the same text as below.
  if (indent === 0) return compactSorted(value) as string;
  return JSON.stringify(sortKeys(value), null, indent);
}

/** `JSON.stringify(sortKeys(value))` without building the sorted copy; undefined where JSON.stringify omits the value. */
function compactSorted(value: unknown): string | undefined {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  if (Array.isArray(value)) return `[${value.map((item) => compactSorted(item) ?? "null").join(",")}]`;
  if (value !== null && typeof value === "object") {
    const parts: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const text = compactSorted((value as Record<string, unknown>)[key]);
      if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value);
}

function sortKeys(value: unknown): unknown {
  // As JSON.stringify does, a value with toJSON (a Date, say) is written as what toJSON returns.
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item);
    }
    return sorted;
  }
  return value;
}

/**
 * A deep copy of plain JSON data (much faster than `structuredClone` for the
 * small values of a manifest).
 *
 * @example
 * ```ts
 * const copy = cloneJson({ a: [1, 2] });
 * ```
 */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = cloneJson((value as Record<string, unknown>)[key]);
    return copy as T;
  }
  return value;
}
