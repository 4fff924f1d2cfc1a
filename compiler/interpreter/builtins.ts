/**
 * The JavaScript built-ins DAG code uses, on static values: array methods
 * (with callbacks: `map`, `forEach`, `flatMap`, `filter`, `reduce`, ...),
 * `Object.entries/keys/values/fromEntries/assign/freeze`, string methods,
 * `Math`, `Number`, `JSON`, `String`, `Boolean`, and iteration. Pure work on
 * primitives is delegated to JavaScript itself, so results match run time
 * exactly. A method returns undefined when the compiler does not know it;
 * the caller then decides what the unknown call means.
 */
import type { ts } from "ts-morph";
import { itemsOf, NULL, type ObjectValue, Props, UNDEFINED, type UnknownValue, type Value } from "../values.js";
import type { Interpreter } from "./interpreter.js";
import { type Env, fromPrimitive, jsonToValue, primitive, truthiness } from "./support.js";

/** Names the compiler knows as JavaScript globals. */
export const GLOBALS: ReadonlySet<string> = new Set([
  "process",
  "Math",
  "Date",
  "JSON",
  "Object",
  "String",
  "Number",
  "Boolean",
  "Array",
  "console",
  "globalThis",
  "Symbol",
  "Promise",
  "Reflect",
  "Map",
  "Set",
  "Error",
  "TypeError",
  "RangeError",
  "URL",
  "Intl",
  "RegExp",
  "parseInt",
  "parseFloat",
  "isNaN",
  "isFinite",
  "encodeURIComponent",
  "decodeURIComponent",
  "encodeURI",
  "structuredClone",
]);

/** String methods without side effects, called on the real string. */
const STRING_METHODS = new Set([
  "at",
  "charAt",
  "charCodeAt",
  "codePointAt",
  "concat",
  "endsWith",
  "includes",
  "indexOf",
  "lastIndexOf",
  "localeCompare",
  "match",
  "normalize",
  "padEnd",
  "padStart",
  "repeat",
  "replace",
  "replaceAll",
  "search",
  "slice",
  "split",
  "startsWith",
  "substring",
  "substr",
  "toLowerCase",
  "toUpperCase",
  "toLocaleLowerCase",
  "toLocaleUpperCase",
  "toString",
  "trim",
  "trimEnd",
  "trimStart",
  "valueOf",
]);

const MATH_FUNCTIONS = new Set([
  "abs",
  "ceil",
  "floor",
  "round",
  "trunc",
  "sign",
  "max",
  "min",
  "pow",
  "sqrt",
  "cbrt",
  "log",
  "log2",
  "log10",
  "exp",
  "hypot",
]);
const MATH_CONSTANTS = new Set(["PI", "E", "LN2", "LN10", "LOG2E", "LOG10E", "SQRT2", "SQRT1_2"]);
const NUMBER_FUNCTIONS = new Set(["isInteger", "isFinite", "isNaN", "isSafeInteger", "parseFloat", "parseInt"]);
const NUMBER_CONSTANTS = new Set(["MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER", "EPSILON", "MAX_VALUE", "MIN_VALUE"]);
const GLOBAL_FUNCTIONS = new Set([
  "parseInt",
  "parseFloat",
  "isNaN",
  "isFinite",
  "encodeURIComponent",
  "decodeURIComponent",
  "encodeURI",
]);
/** Array methods whose first argument is a callback. */
const CALLBACK_METHODS = new Set([
  "forEach",
  "map",
  "flatMap",
  "filter",
  "find",
  "findIndex",
  "some",
  "every",
  "reduce",
  "reduceRight",
]);
const CONSOLE_METHODS = new Set(["log", "info", "warn", "error", "debug", "trace", "table", "dir"]);

/** A JavaScript value made of primitives, lists of them and regular expressions, or undefined when a value is not one. */
type Plain = string | number | boolean | null | undefined | RegExp | Plain[];

/** Calls built-ins on static values. */
export class Builtins {
  constructor(private readonly vm: Interpreter) {}

  /** A member of a global (`process.env`, `Math.PI`, `Number.MAX_SAFE_INTEGER`), or undefined when it is a method. */
  globalMember(global: string, name: string, node: ts.Node, env: Env): Value | undefined {
    if (global === "process" && name === "env") return { kind: "global", name: "process.env" };
    if (global === "process.env") return this.vm.unknown({ kind: "env", text: `process.env.${name}` }, node, env);
    if (global === "Math" && MATH_CONSTANTS.has(name)) return fromPrimitive(Math[name as "PI"]);
    if (global === "Number" && NUMBER_CONSTANTS.has(name)) return fromPrimitive(Number[name as "EPSILON"]);
    return undefined;
  }

  /** Calls a global as a function (`String(x)`, `Number(x)`, `Boolean(x)`, `parseInt(x)`). */
  callGlobal(name: string, args: readonly Value[]): Value | undefined {
    const first = args[0] ?? UNDEFINED;
    switch (name) {
      case "String": {
        const text = args.length === 0 ? "" : stringOf(first);
        return text === undefined ? undefined : { kind: "string", value: text };
      }
      case "Boolean": {
        const test = truthiness(first);
        return test === undefined ? undefined : { kind: "boolean", value: test };
      }
      case "Number": {
        if (args.length === 0) return { kind: "number", value: 0 };
        const value = primitive(first);
        return value === undefined && first.kind !== "undefined" ? undefined : { kind: "number", value: Number(value) };
      }
      case "structuredClone":
        return first.kind === "unknown" ? first : clone(first);
      default:
        if (!GLOBAL_FUNCTIONS.has(name)) return undefined;
        return callPlain(
          (globalThis as unknown as Record<string, (...a: unknown[]) => unknown>)[name],
          undefined,
          args,
        );
    }
  }

  /** `new Global(...)` for the globals the compiler knows (`Error`, `RegExp`, `Array`). */
  construct(name: string, args: readonly Value[]): Value | undefined {
    if (name === "Error" || name === "TypeError" || name === "RangeError") {
      const message = args[0] === undefined ? "" : stringOf(args[0]);
      if (message === undefined) return undefined;
      return {
        kind: "object",
        props: new Props([
          ["name", { kind: "string", value: name }],
          ["message", { kind: "string", value: message }],
        ]),
      };
    }
    if (name === "RegExp") {
      const [source, flags] = args.map(primitive);
      if (typeof source !== "string" || (flags !== undefined && typeof flags !== "string")) return undefined;
      try {
        const regexp = new RegExp(source, flags);
        return { kind: "regexp", source: regexp.source, flags: regexp.flags };
      } catch {
        return undefined;
      }
    }
    if (name === "Array" && args.length === 1 && args[0]?.kind === "number") {
      return { kind: "array", items: Array.from({ length: args[0].value }, () => UNDEFINED) };
    }
    return undefined;
  }

  /** The items a `for...of` or spread goes through, why they are not known, or undefined for a value that is not iterable. */
  iterate(value: Value): Value[] | UnknownValue | undefined {
    if (value.kind === "array") return itemsOf(value);
    if (value.kind === "string") return [...value.value].map((char) => ({ kind: "string", value: char }));
    if (value.kind === "unknown") return value;
    return undefined;
  }

  /** The keys a `for...in` goes through, why they are not known, or undefined for a value it cannot go through. */
  keysForIn(value: Value): string[] | UnknownValue | undefined {
    if (value.kind === "null" || value.kind === "undefined") return [];
    const entries = entriesOf(value);
    if (entries === undefined || !Array.isArray(entries)) return entries;
    return entries.map(([key]) => key);
  }

  /** A member of a string, array or regular expression (`length`, `source`); undefined for a method. */
  valueMember(receiver: Value, name: string): Value | undefined {
    if (name === "length") {
      if (receiver.kind === "string") return { kind: "number", value: receiver.value.length };
      if (receiver.kind === "array") {
        const items = itemsOf(receiver);
        return Array.isArray(items) ? { kind: "number", value: items.length } : items;
      }
    }
    if (receiver.kind === "regexp" && (name === "source" || name === "flags")) {
      return { kind: "string", value: receiver[name] };
    }
    return undefined;
  }

  /** Calls a method of a list, string, regular expression or global; undefined when the compiler does not know it. */
  callMethod(receiver: Value, name: string, args: Value[], node: ts.CallExpression, env: Env): Value | undefined {
    switch (receiver.kind) {
      case "array":
        return this.arrayMethod(receiver, name, args, node, env);
      case "string":
        if (!STRING_METHODS.has(name)) return undefined;
        return callPlain((String.prototype as unknown as Record<string, Function>)[name], receiver.value, args);
      case "regexp":
        if (name !== "test") return undefined;
        return callPlain(RegExp.prototype.test, new RegExp(receiver.source, receiver.flags), args);
      case "object":
        if (name === "hasOwnProperty" && !receiver.havoc) {
          const key = primitive(args[0] ?? UNDEFINED);
          return key === undefined ? undefined : { kind: "boolean", value: receiver.props.has(String(key)) };
        }
        return undefined;
      case "global":
        return this.globalMethod(receiver.name, name, args, node, env);
      default:
        return undefined;
    }
  }

  private globalMethod(
    global: string,
    name: string,
    args: Value[],
    node: ts.CallExpression,
    env: Env,
  ): Value | undefined {
    const [first = UNDEFINED, second] = args;
    switch (global) {
      case "Math":
        return MATH_FUNCTIONS.has(name)
          ? callPlain((Math as unknown as Record<string, Function>)[name], Math, args)
          : undefined;
      case "Number":
        return NUMBER_FUNCTIONS.has(name)
          ? callPlain((Number as unknown as Record<string, Function>)[name], Number, args)
          : undefined;
      case "console":
        return CONSOLE_METHODS.has(name) ? UNDEFINED : undefined;
      case "Date":
        return name === "UTC" ? callPlain(Date.UTC, Date, args) : undefined;
      case "JSON":
        if (name === "stringify") {
          if (second !== undefined && second.kind !== "null" && second.kind !== "undefined") return undefined;
          const json = toPlainJson(first);
          if (json === NOT_JSON) return undefined;
          const space = primitive(args[2] ?? UNDEFINED);
          const text = JSON.stringify(
            json,
            null,
            typeof space === "number" || typeof space === "string" ? space : undefined,
          );
          return text === undefined ? UNDEFINED : { kind: "string", value: text };
        }
        if (name === "parse" && first.kind === "string" && second === undefined) {
          try {
            return jsonToValue(JSON.parse(first.value));
          } catch {
            return undefined;
          }
        }
        return undefined;
      case "Array":
        if (name === "isArray") return { kind: "boolean", value: first.kind === "array" };
        if (name === "of") return { kind: "array", items: [...args] };
        if (name === "from") return this.arrayFrom(first, second, node, env);
        return undefined;
      case "Object":
        return this.objectMethod(name, args);
      default:
        return undefined;
    }
  }

  private objectMethod(name: string, args: Value[]): Value | undefined {
    const [first = UNDEFINED] = args;
    switch (name) {
      case "freeze":
        if (first.kind === "object" || first.kind === "array") first.frozen = true;
        return first;
      case "isFrozen":
        return first.kind === "object" || first.kind === "array"
          ? { kind: "boolean", value: first.frozen === true }
          : undefined;
      case "keys":
      case "values":
      case "entries": {
        const entries = entriesOf(first);
        if (!Array.isArray(entries)) return entries;
        return {
          kind: "array",
          items: entries.map(([key, value]): Value => {
            if (name === "keys") return { kind: "string", value: key };
            if (name === "values") return value;
            return { kind: "array", items: [{ kind: "string", value: key }, value] };
          }),
        };
      }
      case "fromEntries": {
        const pairs = this.iterate(first);
        if (!Array.isArray(pairs)) return pairs;
        const props = new Props();
        for (const pair of pairs) {
          if (pair.kind !== "array") return undefined;
          const items = itemsOf(pair);
          if (!Array.isArray(items)) return items;
          const key = propertyKey(items[0] ?? UNDEFINED);
          if (key === undefined) return undefined;
          props.set(key, items[1] ?? UNDEFINED);
        }
        return { kind: "object", props };
      }
      case "assign": {
        if (first.kind !== "object" || first.frozen) return undefined;
        for (const source of args.slice(1)) {
          const entries = entriesOf(source);
          if (!Array.isArray(entries)) {
            first.havoc = entries;
            return first;
          }
          for (const [key, value] of entries) first.props.set(key, value);
        }
        return first;
      }
      case "hasOwn": {
        const key = primitive(args[1] ?? UNDEFINED);
        if (first.kind !== "object" || first.havoc || key === undefined) return undefined;
        return { kind: "boolean", value: first.props.has(String(key)) };
      }
      default:
        return undefined;
    }
  }

  private arrayFrom(source: Value, mapper: Value | undefined, node: ts.CallExpression, env: Env): Value | undefined {
    let items: Value[] | UnknownValue | undefined;
    if (source.kind === "object" && !source.havoc) {
      const length = source.props.get("length");
      if (length?.kind !== "number") return undefined;
      items = Array.from({ length: length.value }, () => UNDEFINED);
    } else items = this.iterate(source);
    if (items === undefined || !Array.isArray(items)) return items;
    if (mapper === undefined || mapper.kind === "undefined") return { kind: "array", items: [...items] };
    const result: Value[] = [];
    for (const [index, item] of items.entries()) {
      result.push(this.invoke(mapper, [item, { kind: "number", value: index }], node, env));
    }
    return { kind: "array", items: result };
  }

  /** Calls a callback the way a built-in does. */
  private invoke(callback: Value, args: Value[], node: ts.CallExpression, env: Env): Value {
    return this.vm.expressions.call(callback, args, node, env, UNDEFINED);
  }

  private arrayMethod(
    list: Extract<Value, { kind: "array" }>,
    name: string,
    args: Value[],
    node: ts.CallExpression,
    env: Env,
  ): Value | undefined {
    const current = itemsOf(list);
    if (!Array.isArray(current)) return current;
    const [first = UNDEFINED, second] = args;
    const index = (value: number): Value => ({ kind: "number", value });
    /** Runs `callback(item, index, list)` over the live list; stops when `visit` returns a value. */
    const each = (visit: (result: Value, item: Value, position: number) => Value | undefined): Value | undefined => {
      for (let position = 0; position < list.items.length; position++) {
        this.vm.tick(node, env);
        if (list.havoc) return list.havoc;
        const item = list.items[position] as Value;
        const stop = visit(this.invoke(first, [item, index(position), list], node, env), item, position);
        if (stop !== undefined) return stop;
      }
      return undefined;
    };
    const mutable = !list.frozen;
    if (CALLBACK_METHODS.has(name) && !isCallable(first)) return undefined;
    switch (name) {
      case "forEach":
        return each(() => undefined) ?? UNDEFINED;
      case "map": {
        const items: Value[] = [];
        return each((result) => void items.push(result)) ?? { kind: "array", items };
      }
      case "flatMap": {
        const items: Value[] = [];
        const stop = each((result) => {
          if (result.kind !== "array") return void items.push(result);
          const inner = itemsOf(result);
          if (!Array.isArray(inner)) return inner;
          items.push(...inner);
          return undefined;
        });
        return stop ?? { kind: "array", items };
      }
      case "filter": {
        const items: Value[] = [];
        const stop = each((result, item) => {
          const test = truthiness(result);
          if (test === undefined) return result.kind === "unknown" ? result : this.vm.runtime(node, env);
          if (test) items.push(item);
          return undefined;
        });
        return stop ?? { kind: "array", items };
      }
      case "find":
      case "findIndex":
      case "some":
      case "every": {
        const found = each((result, item, position) => {
          const test = truthiness(result);
          if (test === undefined) return result.kind === "unknown" ? result : this.vm.runtime(node, env);
          if (name === "every") return test ? undefined : { kind: "boolean", value: false };
          if (!test) return undefined;
          if (name === "find") return item;
          if (name === "findIndex") return index(position);
          return { kind: "boolean", value: true };
        });
        if (found !== undefined) return found;
        return name === "find"
          ? UNDEFINED
          : name === "findIndex"
            ? index(-1)
            : { kind: "boolean", value: name === "every" };
      }
      case "reduce":
      case "reduceRight": {
        const order = list.items.map((_, position) => position);
        if (name === "reduceRight") order.reverse();
        let accumulator: Value | undefined = args.length >= 2 ? second : undefined;
        for (const position of order) {
          this.vm.tick(node, env);
          if (list.havoc) return list.havoc;
          const item = list.items[position] as Value;
          accumulator =
            accumulator === undefined
              ? item
              : this.invoke(first, [accumulator, item, index(position), list], node, env);
        }
        return accumulator ?? undefined;
      }
      case "includes":
      case "indexOf":
      case "lastIndexOf": {
        let found = -1;
        for (let position = 0; position < current.length; position++) {
          const same = sameValue(current[position] as Value, first, name === "includes");
          if (same === undefined) return undefined;
          if (same) {
            found = position;
            if (name !== "lastIndexOf") break;
          }
        }
        return name === "includes" ? { kind: "boolean", value: found >= 0 } : index(found);
      }
      case "slice": {
        const [start, end] = [primitive(first), primitive(second ?? UNDEFINED)];
        if ((start !== undefined && typeof start !== "number") || (end !== undefined && typeof end !== "number")) {
          return undefined;
        }
        return { kind: "array", items: current.slice(start, end) };
      }
      case "at": {
        const position = primitive(first);
        return typeof position === "number" ? (current.at(position) ?? UNDEFINED) : undefined;
      }
      case "concat": {
        const items = [...current];
        for (const argument of args) {
          if (argument.kind !== "array") items.push(argument);
          else {
            const more = itemsOf(argument);
            if (!Array.isArray(more)) return more;
            items.push(...more);
          }
        }
        return { kind: "array", items };
      }
      case "join": {
        const separator = first.kind === "undefined" ? "," : primitive(first);
        if (typeof separator !== "string") return undefined;
        const parts: string[] = [];
        for (const item of current) {
          const text = item.kind === "undefined" || item.kind === "null" ? "" : stringOf(item);
          if (text === undefined) return undefined;
          parts.push(text);
        }
        return { kind: "string", value: parts.join(separator) };
      }
      case "flat": {
        const depth = first.kind === "undefined" ? 1 : primitive(first);
        if (typeof depth !== "number") return undefined;
        const flatten = (items: Value[], level: number): Value[] | UnknownValue => {
          const result: Value[] = [];
          for (const item of items) {
            if (item.kind !== "array" || level < 1) result.push(item);
            else {
              const inner = itemsOf(item);
              if (!Array.isArray(inner)) return inner;
              const flat = flatten(inner, level - 1);
              if (!Array.isArray(flat)) return flat;
              result.push(...flat);
            }
          }
          return result;
        };
        const items = flatten(current, depth);
        return Array.isArray(items) ? { kind: "array", items } : items;
      }
      case "keys":
        return { kind: "array", items: current.map((_, position) => index(position)) };
      case "values":
        return { kind: "array", items: [...current] };
      case "entries":
        return {
          kind: "array",
          items: current.map((item, position) => ({ kind: "array", items: [index(position), item] })),
        };
      case "toReversed":
        return { kind: "array", items: [...current].reverse() };
      case "toSorted":
      case "sort": {
        if (name === "sort" && !mutable) return undefined;
        const sorted = this.sort(current, first, node, env);
        if (!Array.isArray(sorted)) return sorted;
        if (name === "toSorted") return { kind: "array", items: sorted };
        list.items.splice(0, list.items.length, ...sorted);
        return list;
      }
      case "reverse":
        if (!mutable) return undefined;
        list.items.reverse();
        return list;
      case "push":
      case "unshift":
        if (!mutable) return undefined;
        if (name === "push") list.items.push(...args);
        else list.items.unshift(...args);
        return index(list.items.length);
      case "pop":
      case "shift":
        if (!mutable) return undefined;
        return (name === "pop" ? list.items.pop() : list.items.shift()) ?? UNDEFINED;
      case "splice": {
        const [start, count] = [primitive(first), primitive(second ?? UNDEFINED)];
        if (!mutable || typeof start !== "number" || (count !== undefined && typeof count !== "number"))
          return undefined;
        const removed =
          args.length < 2 ? list.items.splice(start) : list.items.splice(start, count as number, ...args.slice(2));
        return { kind: "array", items: removed };
      }
      case "fill": {
        if (!mutable || args.length > 1) return undefined;
        list.items.fill(first);
        return list;
      }
      default:
        return undefined;
    }
  }

  /** A stable merge sort, as `Array.prototype.sort` is: by a comparator, or by the items' strings. */
  private sort(items: Value[], comparator: Value, node: ts.CallExpression, env: Env): Value[] | UnknownValue {
    let failure: UnknownValue | undefined;
    const compare = (a: Value, b: Value): number => {
      if (failure) return 0;
      if (a.kind === "undefined") return b.kind === "undefined" ? 0 : 1;
      if (b.kind === "undefined") return -1;
      if (comparator.kind === "undefined") {
        const [x, y] = [stringOf(a), stringOf(b)];
        if (x === undefined || y === undefined) {
          failure = this.vm.runtime(node, env);
          return 0;
        }
        return x < y ? -1 : x > y ? 1 : 0;
      }
      this.vm.tick(node, env);
      const result = this.invoke(comparator, [a, b], node, env);
      const number = primitive(result);
      if (result.kind === "unknown" || number === undefined) {
        failure = result.kind === "unknown" ? result : this.vm.runtime(node, env);
        return 0;
      }
      const value = Number(number);
      return Number.isNaN(value) ? 0 : value;
    };
    const sorted = mergeSort(items, compare);
    return failure ?? sorted;
  }
}

/** True for a value a built-in can call back. */
function isCallable(value: Value): boolean {
  return value.kind === "function" || value.kind === "sdk" || value.kind === "global" || value.kind === "method";
}

function mergeSort(items: readonly Value[], compare: (a: Value, b: Value) => number): Value[] {
  if (items.length <= 1) return [...items];
  const middle = items.length >> 1;
  const left = mergeSort(items.slice(0, middle), compare);
  const right = mergeSort(items.slice(middle), compare);
  const result: Value[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    if (compare(right[j] as Value, left[i] as Value) < 0) result.push(right[j++] as Value);
    else result.push(left[i++] as Value);
  }
  while (i < left.length) result.push(left[i++] as Value);
  while (j < right.length) result.push(right[j++] as Value);
  return result;
}

/** The string JavaScript makes of a value (`String(value)`), or undefined when the compiler does not know it. */
export function stringOf(value: Value): string | undefined {
  switch (value.kind) {
    case "string":
    case "number":
    case "boolean":
      return String(value.value);
    case "null":
      return "null";
    case "undefined":
      return "undefined";
    case "array": {
      const items = itemsOf(value);
      if (!Array.isArray(items)) return undefined;
      const parts: string[] = [];
      for (const item of items) {
        const text = item.kind === "undefined" || item.kind === "null" ? "" : stringOf(item);
        if (text === undefined) return undefined;
        parts.push(text);
      }
      return parts.join(",");
    }
    case "regexp":
      return `/${value.source}/${value.flags}`;
    case "object":
      return value.proto || value.havoc ? undefined : "[object Object]";
    default:
      return undefined;
  }
}

/** The key a value names as a property (`String(value)` of a primitive). */
export function propertyKey(value: Value): string | undefined {
  const key = primitive(value);
  if (key !== undefined) return String(key);
  return value.kind === "undefined" ? "undefined" : undefined;
}

/** Own enumerable string keys in JavaScript's order: integer keys ascending, then the others as inserted. */
export function ownKeys(props: Props): string[] {
  const keys = [...props.keys()];
  const integers = keys.filter(isArrayIndex);
  if (integers.length === 0) return keys;
  integers.sort((a, b) => Number(a) - Number(b));
  return [...integers, ...keys.filter((key) => !isArrayIndex(key))];
}

function isArrayIndex(key: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
}

/** The `[key, value]` pairs `Object.entries` gives, or why they are not known. */
export function entriesOf(value: Value): [string, Value][] | UnknownValue | undefined {
  switch (value.kind) {
    case "object": {
      if (value.havoc) return value.havoc;
      if (value.unknownSpread) return value.unknownSpread;
      return ownKeys(value.props).map((key) => [key, value.props.get(key) as Value]);
    }
    case "array": {
      const items = itemsOf(value);
      return Array.isArray(items) ? items.map((item, index) => [String(index), item]) : items;
    }
    case "string":
      return [...value.value].map((char, index) => [String(index), { kind: "string", value: char }]);
    case "unknown":
      return value;
    case "null":
    case "undefined":
      return undefined;
    default:
      return [];
  }
}

/**
 * `===` (or SameValueZero, for `includes`) between two values: primitives by
 * value, objects by identity; undefined when the compiler cannot tell.
 */
export function sameValue(a: Value, b: Value, zero = false): boolean | undefined {
  if (a.kind === "unknown" || b.kind === "unknown") return undefined;
  const x = primitive(a);
  const y = primitive(b);
  if (x !== undefined || y !== undefined || a.kind === "undefined" || b.kind === "undefined") {
    if (zero && typeof x === "number" && typeof y === "number" && Number.isNaN(x) && Number.isNaN(y)) return true;
    if (x === undefined && a.kind !== "undefined") return false;
    if (y === undefined && b.kind !== "undefined") return false;
    return x === y;
  }
  if (a.kind === "sdk" && b.kind === "sdk") return a.name === b.name && a.member === b.member;
  if (a.kind === "global" && b.kind === "global") return a.name === b.name;
  if (a.kind === "task" && b.kind === "task") return a.dagKey === b.dagKey && a.taskId === b.taskId;
  if (a.kind === "method" || b.kind === "method") return undefined;
  return a === b;
}

/** A deep copy, as `structuredClone` makes of plain data. */
function clone(value: Value): Value {
  if (value.kind === "array") {
    const items = itemsOf(value);
    return Array.isArray(items) ? { kind: "array", items: items.map(clone) } : items;
  }
  if (value.kind === "object" && !value.proto) {
    if (value.havoc) return value.havoc;
    const props = new Props();
    for (const [key, item] of value.props) props.set(key, clone(item));
    return value.unknownSpread
      ? { kind: "object", props, unknownSpread: value.unknownSpread }
      : { kind: "object", props };
  }
  return value;
}

const NOT_JSON = Symbol("not JSON");

/** Plain JSON data of a value, for `JSON.stringify` (undefined members dropped as JavaScript does). */
function toPlainJson(value: Value): unknown {
  switch (value.kind) {
    case "string":
    case "number":
    case "boolean":
      return value.value;
    case "null":
      return null;
    case "undefined":
      return undefined;
    case "array": {
      const items = itemsOf(value);
      if (!Array.isArray(items)) return NOT_JSON;
      const result: unknown[] = [];
      for (const item of items) {
        const json = toPlainJson(item);
        if (json === NOT_JSON) return NOT_JSON;
        result.push(json);
      }
      return result;
    }
    case "object": {
      if (value.havoc || value.unknownSpread || value.proto) return NOT_JSON;
      const result: Record<string, unknown> = {};
      for (const key of ownKeys(value.props)) {
        const json = toPlainJson(value.props.get(key) as Value);
        if (json === NOT_JSON) return NOT_JSON;
        result[key] = json;
      }
      return result;
    }
    default:
      return NOT_JSON;
  }
}

/** A value as plain JavaScript (primitives, lists of them, regular expressions), or undefined when it is not one. */
function toPlain(value: Value): { plain: Plain } | undefined {
  switch (value.kind) {
    case "string":
    case "number":
    case "boolean":
      return { plain: value.value };
    case "null":
      return { plain: null };
    case "undefined":
      return { plain: undefined };
    case "regexp":
      return { plain: new RegExp(value.source, value.flags) };
    case "array": {
      const items = itemsOf(value);
      if (!Array.isArray(items)) return undefined;
      const result: Plain[] = [];
      for (const item of items) {
        const converted = toPlain(item);
        if (!converted) return undefined;
        result.push(converted.plain);
      }
      return { plain: result };
    }
    default:
      return undefined;
  }
}

/** The value of a plain JavaScript result (strings, numbers, booleans, null, undefined, lists of them). */
function fromPlain(result: unknown): Value | undefined {
  if (Array.isArray(result)) {
    const items: Value[] = [];
    for (const item of result) {
      const value = fromPlain(item);
      if (!value) return undefined;
      items.push(value);
    }
    return { kind: "array", items };
  }
  if (result === null) return NULL;
  if (result === undefined) return UNDEFINED;
  if (typeof result === "string" || typeof result === "number" || typeof result === "boolean") {
    return fromPrimitive(result);
  }
  return undefined;
}

/** Calls a pure JavaScript function on plain arguments; undefined when an argument is not plain or it throws. */
function callPlain(fn: Function | undefined, thisArg: unknown, args: readonly Value[]): Value | undefined {
  if (typeof fn !== "function") return undefined;
  const plain: Plain[] = [];
  for (const argument of args) {
    const converted = toPlain(argument);
    if (!converted || typeof converted.plain === "function") return undefined;
    plain.push(converted.plain);
  }
  try {
    return fromPlain(fn.apply(thisArg, plain));
  } catch {
    return undefined;
  }
}

/** The properties of an object value as an ordinary object, for reading in order. */
export function objectEntries(object: ObjectValue): [string, Value][] {
  return ownKeys(object.props).map((key) => [key, object.props.get(key) as Value]);
}
