/**
 * A quick verdict on user options, read off the SDK's own zod option schemas
 * (`option-schemas.ts`, the one source of the rules): for the shapes those
 * schemas use (strict objects, optional fields, strings with patterns,
 * numbers with integer and range checks, booleans, arrays, unions, dates,
 * `z.custom` predicates and refinements) it runs the schema's own checks
 * directly, without zod's result and issue objects. It only ever says "valid"
 * or "not sure": anything else, and any schema part it does not know, goes to
 * zod, which words the problems. The compiler checks thousands of options
 * objects per compilation, nearly all valid.
 */
import type { z } from "zod";

/** True when the value surely passes; false when not sure (zod decides then). */
type Check = (value: unknown) => boolean;

/** A schema part as zod v4 describes it (`schema._zod.def`). */
interface SchemaDef {
  readonly type: string;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
  readonly shape?: Record<string, Schema>;
  readonly catchall?: Schema;
  readonly innerType?: Schema;
  readonly element?: Schema;
  readonly options?: readonly Schema[];
  readonly fn?: (value: unknown) => unknown;
}

interface CheckDef {
  readonly check: string;
  readonly format?: string;
  readonly pattern?: RegExp;
  readonly value?: unknown;
  readonly inclusive?: boolean;
  readonly fn?: (value: unknown) => unknown;
}

interface Schema {
  readonly _zod: { readonly def: SchemaDef };
}

const NOT_SURE: Check = () => false;
const ANY: Check = () => true;

/** The checks made from each schema (schemas are module constants; their checks are pure functions of them). */
const compiled = new WeakMap<object, Check>();

/**
 * True when `input` surely passes `schema` (zod's `safeParse` would succeed);
 * false when that is not sure, and only zod can tell.
 *
 * @example
 * ```ts
 * surelyValid(taskOptionsSchema, { taskId: "load", retries: 2 }); // true
 * surelyValid(taskOptionsSchema, { taskId: "load", retires: 2 }); // false: zod words the problem
 * ```
 */
export function surelyValid(schema: z.ZodType, input: unknown): boolean {
  let check = compiled.get(schema);
  if (!check) {
    check = compile(schema as unknown as Schema);
    compiled.set(schema, check);
  }
  try {
    return check(input);
  } catch {
    // A predicate threw: zod calls it again and has the last word.
    return false;
  }
}

function compile(schema: Schema): Check {
  const def = schema._zod?.def;
  if (!def) return NOT_SURE;
  const own = ownChecks(def.checks ?? []);
  if (!own) return NOT_SURE;
  const base = compileType(def);
  if (base === NOT_SURE) return NOT_SURE;
  if (own.length === 0) return base;
  return (value) => base(value) && own.every((check) => check(value));
}

function compileType(def: SchemaDef): Check {
  switch (def.type) {
    case "unknown":
    case "any":
      return ANY;
    case "string":
      return (value) => typeof value === "string";
    case "number":
      return (value) => typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return (value) => typeof value === "boolean";
    case "date":
      return (value) => value instanceof Date && !Number.isNaN(value.getTime());
    case "optional": {
      if (!def.innerType) return NOT_SURE;
      const inner = compile(def.innerType);
      if (inner === NOT_SURE) return NOT_SURE;
      return (value) => value === undefined || inner(value);
    }
    case "array": {
      if (!def.element) return NOT_SURE;
      const element = compile(def.element);
      if (element === NOT_SURE) return NOT_SURE;
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let index = 0; index < value.length; index++) if (!element(value[index])) return false;
        return true;
      };
    }
    case "union": {
      const options = (def.options ?? []).map(compile);
      if (options.length === 0 || options.includes(NOT_SURE)) return NOT_SURE;
      return (value) => options.some((option) => option(value));
    }
    case "custom": {
      const fn = def.fn;
      return fn ? (value) => fn(value) === true : NOT_SURE;
    }
    case "object":
      return compileObject(def);
    default:
      return NOT_SURE;
  }
}

/** A plain object with only the shape's keys (when the object is strict), each passing its field. */
function compileObject(def: SchemaDef): Check {
  const shape = def.shape;
  if (!shape) return NOT_SURE;
  const catchall = def.catchall?._zod?.def.type;
  if (catchall !== undefined && catchall !== "never") return NOT_SURE;
  const strict = catchall === "never";
  const keys = Object.keys(shape);
  const fields: Check[] = [];
  const optional: boolean[] = [];
  for (const key of keys) {
    const field = shape[key] as Schema;
    const check = compile(field);
    if (check === NOT_SURE) return NOT_SURE;
    fields.push(check);
    optional.push(field._zod.def.type === "optional");
  }
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    const record = value as Record<string, unknown>;
    if (strict) {
      for (const key in record) if (!Object.hasOwn(shape, key)) return false;
    }
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      if (!Object.hasOwn(record, key)) {
        if (!optional[index]) return false;
        continue;
      }
      if (!(fields[index] as Check)(record[key])) return false;
    }
    return true;
  };
}

/** The schema's own checks as predicates, or undefined when one is of a kind not known here. */
function ownChecks(checks: readonly { readonly _zod: { readonly def: CheckDef } }[]): Check[] | undefined {
  const predicates: Check[] = [];
  for (const check of checks) {
    const def = check._zod?.def;
    const predicate = def && checkPredicate(def);
    if (!predicate) return undefined;
    predicates.push(predicate);
  }
  return predicates;
}

function checkPredicate(def: CheckDef): Check | undefined {
  switch (def.check) {
    case "string_format": {
      const pattern = def.format === "regex" ? def.pattern : undefined;
      if (!pattern) return undefined;
      return (value) => {
        if (typeof value !== "string") return false;
        pattern.lastIndex = 0;
        return pattern.test(value);
      };
    }
    case "number_format":
      return def.format === "safeint" ? (value) => Number.isSafeInteger(value) : undefined;
    case "greater_than": {
      const bound = def.value;
      if (typeof bound !== "number") return undefined;
      return def.inclusive
        ? (value) => typeof value === "number" && value >= bound
        : (value) => typeof value === "number" && value > bound;
    }
    case "less_than": {
      const bound = def.value;
      if (typeof bound !== "number") return undefined;
      return def.inclusive
        ? (value) => typeof value === "number" && value <= bound
        : (value) => typeof value === "number" && value < bound;
    }
    case "custom": {
      const fn = def.fn;
      return fn ? (value) => fn(value) === true : undefined;
    }
    default:
      return undefined;
  }
}
