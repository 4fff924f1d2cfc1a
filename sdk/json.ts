import { ExtraError } from "./errors.js";

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object: the shape of every extra. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Checks that `value` is plain JSON and returns the dotted path of the first
 * offending key (`""` for the value itself), or `undefined` when it is JSON.
 * Rejects `undefined`, functions, symbols, bigints, non-finite numbers, class
 * instances (Date, Map, ...) and cycles.
 *
 * @example
 * ```ts
 * findNonJson({ a: { b: new Date() } }); // "a.b"
 * ```
 */
export function findNonJson(value: unknown, path = "", seen = new Set<object>()): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path;
  if (typeof value !== "object") return path;
  if (seen.has(value)) return path;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const found = findNonJson(value[index], `${path}[${index}]`, seen);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return path;
    for (const [key, item] of Object.entries(value)) {
      const found = findNonJson(item, path === "" ? key : `${path}.${key}`, seen);
      if (found !== undefined) return found;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
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
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ExtraError(`${where} must be a plain JSON object, got ${describeValue(value)}.`, {
      details: { where },
    });
  }
  const path = findNonJson(value);
  if (path !== undefined) {
    const offending = path.split(/[.[]/).reduce<unknown>((node, part) => {
      const key = part.endsWith("]") ? Number(part.slice(0, -1)) : part;
      return (node as Record<string | number, unknown>)?.[key];
    }, value);
    throw new ExtraError(
      `${where} is not JSON: key "${path}" holds ${describeValue(offending)}. ` +
        "Extras must be plain JSON (strings, finite numbers, booleans, null, arrays, plain objects); " +
        "convert it, for example a Date with toISOString().",
      { details: { where, key: path } },
    );
  }
}

/** A short description of a value's kind for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
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
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
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
