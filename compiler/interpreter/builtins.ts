/**
 * The JavaScript built-ins DAG code uses, on static values: members of
 * globals (`process.env`, `Math.PI`), and methods of strings, arrays and
 * globals (`join`, `toLowerCase`, `Object.freeze`, `Date.UTC`, ...). Each
 * returns undefined when it does not apply, so the caller decides what an
 * unknown result is.
 */
import type { Value } from "../values.js";
import { primitive } from "./support.js";

const MATH_CONSTANTS = { PI: Math.PI, E: Math.E } as const;

/** A member of a global (`process.env`, `Math.PI`), or undefined when it is a method. */
export function globalMember(global: string, name: string): Value | "env" | undefined {
  if (global === "process" && name === "env") return { kind: "global", name: "process.env" };
  if (global === "process.env") return "env";
  if (global === "Math" && name in MATH_CONSTANTS) {
    return { kind: "number", value: MATH_CONSTANTS[name as keyof typeof MATH_CONSTANTS] };
  }
  return undefined;
}

/** Calls a global as a function (`String(x)`, `Number(x)`), when the compiler knows the result. */
export function callGlobal(name: string, args: readonly Value[]): Value | undefined {
  const [first] = args;
  if (name === "String" && first) {
    const value = primitive(first);
    if (value !== undefined || first.kind === "undefined") return { kind: "string", value: String(value) };
  }
  if (name === "Number" && first) {
    const value = primitive(first);
    if (value !== undefined) return { kind: "number", value: Number(value) };
  }
  return undefined;
}

/** Calls a method of a constant value or a global, when the compiler knows the result. */
export function callBuiltinMethod(receiver: Value, name: string, args: readonly Value[]): Value | undefined {
  if (receiver.kind === "array") return arrayMethod(receiver.items, name, args);
  if (receiver.kind === "string") return stringMethod(receiver.value, name, args);
  if (receiver.kind === "global") return globalMethod(receiver.name, name, args);
  return undefined;
}

function arrayMethod(items: readonly Value[], name: string, args: readonly Value[]): Value | undefined {
  if (name === "join") {
    const separator = args[0] === undefined ? "," : primitive(args[0]);
    const parts = items.map(primitive);
    if (typeof separator === "string" && parts.every((part) => part !== undefined)) {
      return { kind: "string", value: parts.map((part) => (part === null ? "" : String(part))).join(separator) };
    }
    return undefined;
  }
  if (name === "concat") {
    const result = [...items];
    for (const argument of args) {
      if (argument.kind === "array") result.push(...argument.items);
      else result.push(argument);
    }
    return { kind: "array", items: result };
  }
  return undefined;
}

function stringMethod(text: string, name: string, args: readonly Value[]): Value | undefined {
  const strings = args.map(primitive);
  if (!strings.every((part) => part !== undefined)) return undefined;
  switch (name) {
    case "toLowerCase":
      return { kind: "string", value: text.toLowerCase() };
    case "toUpperCase":
      return { kind: "string", value: text.toUpperCase() };
    case "trim":
      return { kind: "string", value: text.trim() };
    case "concat":
      return { kind: "string", value: text.concat(...strings.map(String)) };
    case "replaceAll":
    case "replace":
      if (typeof strings[0] === "string" && typeof strings[1] === "string") {
        return {
          kind: "string",
          value: name === "replace" ? text.replace(strings[0], strings[1]) : text.replaceAll(strings[0], strings[1]),
        };
      }
      return undefined;
    case "padStart":
    case "padEnd":
      if (typeof strings[0] === "number") {
        const fill = typeof strings[1] === "string" ? strings[1] : " ";
        return {
          kind: "string",
          value: name === "padStart" ? text.padStart(strings[0], fill) : text.padEnd(strings[0], fill),
        };
      }
      return undefined;
    default:
      return undefined;
  }
}

function globalMethod(global: string, name: string, args: readonly Value[]): Value | undefined {
  if (global === "Object" && name === "freeze" && args[0]) return args[0];
  if (global === "Date" && name === "UTC" && args.every((argument) => argument.kind === "number")) {
    const [year = 0, month = 0, ...rest] = args.map((argument) => (argument.kind === "number" ? argument.value : 0));
    return { kind: "number", value: Date.UTC(year, month, ...rest) };
  }
  return undefined;
}
