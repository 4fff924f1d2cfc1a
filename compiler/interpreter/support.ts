/**
 * What every part of the interpreter shares: the environment an expression
 * is evaluated in, statement completions, and small pure helpers over syntax
 * and values.
 */
import { ts } from "ts-morph";
import type { DagSettingsModel, TaskModel } from "../model.js";
import type { ParsedFile } from "../source.js";
import { type Location, NULL, Props, type Scope, type Site, UNDEFINED, type Value } from "../values.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  canHaveDecorators,
  getDecorators,
  isCallExpression,
  isExpressionStatement,
  isIdentifier,
  isNoSubstitutionTemplateLiteral,
  isNumericLiteral,
  isOmittedExpression,
  isPrivateIdentifier,
  isStringLiteral,
  SyntaxKind: SK,
} = ts;

/** The environment an expression is evaluated in. */
export interface Env {
  readonly scope: Scope;
  /** The DAG being built, when inside its build function or class. */
  readonly dag: DagBuild | undefined;
  readonly thisValue: Value | undefined;
  /** `execute` runs module-level and build code; `inspect` only reads (task bodies): no side effects. */
  readonly mode: "execute" | "inspect";
  readonly depth: number;
}

/** How a statement ended. */
export type Completion =
  | { readonly kind: "normal" }
  | { readonly kind: "return"; readonly value: Value }
  | { readonly kind: "break"; readonly label: string | undefined }
  | { readonly kind: "continue"; readonly label: string | undefined }
  /**
   * Code the compiler could not follow may have ended the enclosing block early
   * (a `return` or `break` inside an `if` whose condition is only known at run
   * time): what follows is only known at run time too.
   */
  | { readonly kind: "unknown"; readonly where: string; readonly site: Site };

/** The completion of a statement that ran to its end. */
export const NORMAL: Completion = Object.freeze({ kind: "normal" });

/**
 * An exception thrown by user code (a `throw` the interpreter reached),
 * carried through the interpreter's own stack to the `try` that catches it.
 */
export class Thrown {
  constructor(
    readonly value: Value,
    readonly site: Site,
  ) {}
}

/**
 * The step budget of a module ran out, or calls nested too deep: the module
 * stops running there (it is reported as an error at `site`).
 */
export class BudgetExceeded {
  constructor(
    readonly site: Site,
    readonly what: "steps" | "depth",
  ) {}
}

/** How many statements, loop rounds and calls one module's top-level code may take. */
export const STEP_BUDGET = 1_000_000;

/** A DAG while its build function or class runs. */
export interface DagBuild {
  readonly key: number;
  readonly settings: DagSettingsModel;
  readonly tasks: Map<string, TaskModel>;
  readonly edges: { upstream: string; downstream: string; site: Site | Location }[];
  readonly site: Location;
  readonly scheduleSite: Location;
  open: boolean;
}

/** How deep user functions may call each other before the compiler stops following. */
export const MAX_DEPTH = 120;

const MAX_TEXT = 60;

/** The text of a node, shortened for messages. */
export function shortText(node: ts.Node, file: ParsedFile): string {
  const text = node.getText(file.sourceFile).replace(/\s+/g, " ");
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 3)}...` : text;
}

/** The text of a property or binding name, when it is written literally. */
export function propertyNameText(name: ts.PropertyName | ts.BindingName): string | undefined {
  if (isIdentifier(name) || isStringLiteral(name) || isNumericLiteral(name)) return name.text;
  if (isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/** The decorators of a node (none when it cannot have any). */
export function decoratorsOf(node: ts.Node): readonly ts.Decorator[] {
  return canHaveDecorators(node) ? (getDecorators(node) ?? []) : [];
}

/** Whether a value is truthy, or undefined when that is only known at run time. */
export function truthiness(value: Value): boolean | undefined {
  switch (value.kind) {
    case "string":
      return value.value !== "";
    case "number":
      return value.value !== 0 && !Number.isNaN(value.value);
    case "boolean":
      return value.value;
    case "null":
    case "undefined":
      return false;
    case "unknown":
    case "global":
      return undefined;
    default:
      return true;
  }
}

/** The JavaScript primitive of a value (undefined for anything else, `undefined` included). */
export function primitive(value: Value): string | number | boolean | null | undefined {
  switch (value.kind) {
    case "string":
    case "number":
    case "boolean":
      return value.value;
    case "null":
      return null;
    default:
      return undefined;
  }
}

/** The value of a JavaScript primitive (anything else is `undefined`). */
export function fromPrimitive(value: unknown): Value {
  if (typeof value === "string") return { kind: "string", value };
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value === "boolean") return { kind: "boolean", value };
  if (value === null) return NULL;
  return UNDEFINED;
}

/** The value of JSON data. */
export function jsonToValue(json: unknown): Value {
  if (Array.isArray(json)) return { kind: "array", items: json.map(jsonToValue) };
  if (typeof json === "object" && json !== null) {
    return {
      kind: "object",
      props: new Props(Object.entries(json).map(([key, item]) => [key, jsonToValue(item)] as const)),
    };
  }
  return fromPrimitive(json);
}

/** The names a binding name binds, in order. */
export function namesOf(name: ts.BindingName): string[] {
  if (isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) if (!isOmittedExpression(element)) names.push(...namesOf(element.name));
  return names;
}

/** The scope that binds `name` (the nearest one). */
export function findOwner(scope: Scope, name: string): Scope | undefined {
  for (let current: Scope | undefined = scope; current; current = current.parent) {
    if (current.has(name)) return current;
  }
  return undefined;
}

/** The `super(...)` call of a statement, when it is one. */
export function superCallOf(statement: ts.Statement): ts.CallExpression | undefined {
  if (!isExpressionStatement(statement)) return undefined;
  const expression = statement.expression;
  return isCallExpression(expression) && expression.expression.kind === SK.SuperKeyword ? expression : undefined;
}
