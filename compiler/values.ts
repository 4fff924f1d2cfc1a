/**
 * The values the compiler's static evaluator computes: constants, assets,
 * aliases, conditions, schedules, and references to SDK exports, user
 * functions and classes. What the compiler cannot know is an
 * {@link UnknownValue} that remembers why and where, so the place that needs
 * it can report a precise diagnostic.
 */
import { ts } from "ts-morph";
import { assetKey } from "../sdk/asset-key.js";
import type { JsonObject } from "../sdk/json.js";
import type { ConditionNode, TimetableManifest } from "../sdk/manifest/schema.js";
import type { ImportBinding, ParsedFile } from "./source.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const { isObjectLiteralExpression } = ts;

/** A place in a source file: a node, or a span of positions. */
export type Site =
  | { readonly file: ParsedFile; readonly node: ts.Node }
  /** `pos` as in a syntax node: before leading whitespace and comments. Holds no node, so no tree stays alive. */
  | { readonly file: ParsedFile; readonly pos: number; readonly end: number };

/** A resolved place: display path, 1-based line and column, and the length to underline. */
export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly length: number;
}

/** The location of a site (computed from the text: no syntax tree needed for spans). */
export function locate(site: Site): Location {
  const file = site.file;
  const start = tokenStart(file.text, "node" in site ? site.node.pos : site.pos);
  const end = "node" in site ? site.node.end : site.end;
  return file.location(start, end);
}

/** A site of a node that does not keep the node (nor its tree) alive. */
export function spanOf(file: ParsedFile, node: ts.Node): Site {
  return { file, pos: node.pos, end: node.end };
}

/** The source text of a site, on one line, shortened to `max` characters. */
export function siteText(site: Site, max = 60): string {
  const file = site.file;
  const start = tokenStart(file.text, "node" in site ? site.node.pos : site.pos);
  const end = "node" in site ? site.node.end : site.end;
  const text = file.text.slice(start, end).replace(/\s+/g, " ");
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The position of the first token at or after `pos`: whitespace and comments skipped. */
export function tokenStart(text: string, pos: number): number {
  let index = pos;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (
      code === 32 ||
      code === 9 ||
      code === 10 ||
      code === 13 ||
      code === 11 ||
      code === 12 ||
      code === 0xfeff ||
      code === 0xa0
    ) {
      index++;
    } else if (code === 47 && text.charCodeAt(index + 1) === 47) {
      const lineEnd = text.indexOf("\n", index);
      index = lineEnd < 0 ? text.length : lineEnd + 1;
    } else if (code === 47 && text.charCodeAt(index + 1) === 42) {
      const close = text.indexOf("*/", index + 2);
      index = close < 0 ? text.length : close + 2;
    } else if (code === 35 && index === 0 && text.charCodeAt(1) === 33) {
      const lineEnd = text.indexOf("\n", index);
      index = lineEnd < 0 ? text.length : lineEnd + 1;
    } else break;
  }
  return index;
}

/** An asset as declared: identity `(name, uri)`, plus group and extra. */
export interface AssetValue {
  readonly kind: "asset";
  readonly name: string;
  readonly uri: string;
  readonly group: string;
  readonly extra: JsonObject;
  /** Its watchers as the manifest stores them (absent without any). */
  readonly watchers?: readonly JsonObject[];
  /** The identity key, `assetKeyOf(this)`. */
  readonly key: string;
}

/** An alias as declared. */
export interface AliasValue {
  readonly kind: "alias";
  readonly name: string;
  readonly group: string;
}

/** `Asset.ref({ name })` or `Asset.ref({ uri })`. */
export interface RefValue {
  readonly kind: "ref";
  readonly name: string | undefined;
  readonly uri: string | undefined;
}

/** `Asset.pattern("s3://landing/{date}/...")`: the normalized pattern text. */
export interface PatternValue {
  readonly kind: "pattern";
  readonly pattern: string;
  readonly captures: readonly string[];
}

/** `all(...)` / `a.and(b)` or `any(...)` / `a.or(b)`, flattened like the SDK's. */
export interface CombinedValue {
  readonly kind: "all" | "any";
  readonly conditions: readonly ConditionValue[];
}

/** Any condition operand. */
export type ConditionValue = AssetValue | AliasValue | RefValue | PatternValue | CombinedValue;

/** What a task's inlets hold: assets, aliases, and `Asset.ref`s (resolved when the task runs). */
export type InletValue = AssetValue | AliasValue | RefValue;

/** Why a value is not known at build time. */
export type UnknownReason =
  | { readonly kind: "env"; readonly text: string }
  /** A call of `callee` (the site of the called expression). */
  | { readonly kind: "call"; readonly callee: Site }
  | { readonly kind: "parameter"; readonly name: string }
  | { readonly kind: "external"; readonly name: string; readonly specifier: string }
  | { readonly kind: "missing"; readonly name: string; readonly detail: string }
  | { readonly kind: "uninitialized"; readonly name: string }
  /** Only known at run time: the text of the value's site says what. */
  | { readonly kind: "runtime" }
  /** It may have been changed by code the compiler could not follow (`where` names it: "the `for...of` at line 4"). */
  | { readonly kind: "skipped"; readonly where: string }
  /** Already reported as an error where it was made (an invalid URI, say): consumers stay silent. */
  | { readonly kind: "invalid" };

/** A value the compiler cannot know, with the reason and the place it comes from. */
export interface UnknownValue {
  readonly kind: "unknown";
  readonly reason: UnknownReason;
  readonly at: Site | Location;
  /** What the value is, when the place that made it knows ("The URI of this asset"). */
  readonly what?: string;
  /** How to fix it, when the place that made it knows. */
  readonly hint?: string;
  /**
   * Known values it may be: the collection an element was read from with a
   * key only known at run time, the branches of a condition only known at run
   * time. Calling it may call any of them, so what they reach counts.
   */
  readonly mayBe?: readonly Value[];
}

/** A function written in user code. */
export interface FunctionValue {
  readonly kind: "function";
  readonly node: ts.FunctionLikeDeclaration;
  /** `fn.name` at run time: declared or inferred from the variable or property. */
  readonly name: string;
  /** The scope the function closes over. */
  readonly scope: Scope;
  /** `this` of an arrow function (lexical). */
  readonly thisValue: Value | undefined;
}

/** A class written in user code. */
export interface ClassValue {
  readonly kind: "class";
  readonly node: ts.ClassLikeDeclaration;
  readonly name: string;
  /** The scope the class is declared in. */
  readonly scope: Scope;
  /** The value of its `extends` clause, once evaluated (`null`: no clause). */
  parent?: Value | null;
  /** Its static fields, once the class is defined (static methods are read from its members). */
  statics?: Props;
}

/** What a name is bound to in a scope. */
export type Binding =
  | { readonly kind: "value"; value: Value }
  /** Declared with let, const or class, not initialized yet (the temporal dead zone). */
  | { readonly kind: "tdz"; readonly node: ts.Node }
  | { readonly kind: "import"; readonly binding: ImportBinding }
  /** A const of a function body that is only read, not run (task bodies): evaluated on first use. */
  | {
      readonly kind: "lazy";
      readonly declaration: ts.VariableDeclaration;
      readonly scope: Scope;
      value?: Value;
      evaluating: boolean;
    };

/** A lexical scope. The root scope of a module holds its top-level declarations and imports. */
export class Scope {
  /** Created on the first binding: most scopes of a call or block bind nothing. */
  private map: Map<string, Binding> | undefined;

  constructor(
    readonly parent: Scope | undefined,
    /** The file the scope's code is written in. */
    readonly file: ParsedFile,
  ) {}

  /** The binding of `name` in this scope itself. */
  get(name: string): Binding | undefined {
    return this.map?.get(name);
  }

  /** True when this scope itself binds `name`. */
  has(name: string): boolean {
    return this.map?.has(name) ?? false;
  }

  /** Binds `name` in this scope. */
  set(name: string, binding: Binding): void {
    this.map ??= new Map();
    this.map.set(name, binding);
  }

  /** The bindings of this scope itself. */
  entries(): Iterable<[string, Binding]> {
    return this.map ?? [];
  }

  /** Drops every binding of this scope. */
  clear(): void {
    this.map = undefined;
  }

  /** The binding of `name` in this scope or an enclosing one. */
  lookup(name: string): Binding | undefined {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      const binding = scope.map?.get(name);
      if (binding) return binding;
    }
    return undefined;
  }
}

/** A task of the DAG being built: a `task(...)` handle or an operator. */
export interface TaskHandleValue {
  readonly kind: "task";
  readonly dagKey: number;
  readonly dagId: string;
  readonly taskId: string;
}

/** A value of the static evaluator. */
export type Value =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "null" }
  | { readonly kind: "undefined" }
  | ArrayValue
  | ObjectValue
  | { readonly kind: "regexp"; readonly source: string; readonly flags: string }
  | AssetValue
  | AliasValue
  | RefValue
  | PatternValue
  | CombinedValue
  | { readonly kind: "timetable"; readonly timetable: TimetableManifest }
  | { readonly kind: "assetOrTime"; readonly timetable: TimetableManifest; readonly condition: ConditionValue }
  | { readonly kind: "date"; readonly time: number; readonly text: string; readonly local: boolean }
  | { readonly kind: "metadata"; readonly asset: Value; readonly alias: Value | undefined }
  /** An export of the SDK ("Asset", "dag", ...), or a static member of one (`Asset.ref`: name "Asset", member "ref"). */
  | { readonly kind: "sdk"; readonly name: string; readonly member?: string }
  | { readonly kind: "sdkNamespace" }
  | { readonly kind: "namespace"; readonly path: string }
  | { readonly kind: "global"; readonly name: string }
  | { readonly kind: "method"; readonly receiver: Value; readonly name: string }
  | FunctionValue
  | ClassValue
  | TaskHandleValue
  | { readonly kind: "dag"; readonly dagId: string }
  /** `@dag(...)` and `@task(...)` before they are applied. */
  | {
      readonly kind: "decorator";
      readonly decorator: "dag" | "task" | "asset" | "assetMulti";
      readonly options: Value;
      readonly site: Site;
    }
  /** The task context parameter, and its `outletEvents` / `inletEvents`. */
  | { readonly kind: "ctx" }
  | { readonly kind: "ctxEvents"; readonly events: "outletEvents" | "inletEvents" }
  | { readonly kind: "outletAccessor"; readonly target: Value }
  | UnknownValue;

/**
 * The properties of an object value, in insertion order. A small map over two
 * arrays: option bags have a handful of keys, and a `Map` per object literal
 * costs more to create than to search.
 */
export class Props implements Iterable<[string, Value]> {
  private readonly names: string[] = [];
  private readonly items: Value[] = [];

  constructor(entries?: Iterable<readonly [string, Value]>) {
    if (entries) for (const [key, value] of entries) this.set(key, value);
  }

  get size(): number {
    return this.names.length;
  }

  get(key: string): Value | undefined {
    const index = this.names.indexOf(key);
    return index < 0 ? undefined : this.items[index];
  }

  has(key: string): boolean {
    return this.names.includes(key);
  }

  set(key: string, value: Value): this {
    const index = this.names.indexOf(key);
    if (index < 0) {
      this.names.push(key);
      this.items.push(value);
    } else this.items[index] = value;
    return this;
  }

  keys(): IterableIterator<string> {
    return this.names.values();
  }

  /** Removes a key (as `delete object.key`). */
  delete(key: string): void {
    const index = this.names.indexOf(key);
    if (index < 0) return;
    this.names.splice(index, 1);
    this.items.splice(index, 1);
  }

  /** A copy without the given keys. */
  without(keys: readonly string[]): Props {
    const copy = new Props();
    for (let index = 0; index < this.names.length; index++) {
      const key = this.names[index] as string;
      if (!keys.includes(key)) copy.set(key, this.items[index] as Value);
    }
    return copy;
  }

  *entries(): IterableIterator<[string, Value]> {
    for (let index = 0; index < this.names.length; index++) {
      yield [this.names[index] as string, this.items[index] as Value];
    }
  }

  /** Calls `fn` with each key and value, in order (no iterator or pair made: for hot loops). */
  forEach(fn: (value: Value, key: string) => void): void {
    const names = this.names;
    const items = this.items;
    for (let index = 0; index < names.length; index++) fn(items[index] as Value, names[index] as string);
  }

  [Symbol.iterator](): IterableIterator<[string, Value]> {
    return this.entries();
  }
}

/** A list. Like a JavaScript array it is shared by reference, and code may change it. */
export interface ArrayValue {
  readonly kind: "array";
  readonly items: Value[];
  /** Set when code the compiler could not follow may have changed it: its items are then not known. */
  havoc?: UnknownValue;
  /** Set by `Object.freeze`: code cannot change it. */
  frozen?: boolean;
}

/** A plain object (option bags, extras, params) or an instance of a user class. */
export interface ObjectValue {
  readonly kind: "object";
  readonly props: Props;
  /** The object literal it was written as, for the location of its keys in messages. */
  readonly origin?: Site;
  /** Set when a spread of an unknown value may have added keys. */
  readonly unknownSpread?: UnknownValue;
  /** Set when code the compiler could not follow may have changed it: its properties are then not known. */
  havoc?: UnknownValue;
  /** Set by `Object.freeze`: code cannot change it. */
  frozen?: boolean;
  /** For an instance of a user class: the class, where its methods are found. */
  readonly proto?: ClassValue;
}

/** A property of an object value as code reads it: unknown when the object may have been changed, or a spread may have set it. */
export function propOf(object: ObjectValue, key: string): Value | undefined {
  return object.havoc ?? object.props.get(key) ?? object.unknownSpread;
}

/** A list's items, or why they are not known. */
export function itemsOf(list: ArrayValue): Value[] | UnknownValue {
  return list.havoc ?? list.items;
}

/** Where a key of an object value was written: its property in the object literal, if it can be found. */
export function propertySite(object: ObjectValue, key: string): Site | undefined {
  const origin = object.origin;
  if (!origin || !("node" in origin) || !isObjectLiteralExpression(origin.node)) return undefined;
  for (const property of origin.node.properties) {
    const name = property.name;
    if (name && "text" in name && name.text === key) return { file: origin.file, node: property };
  }
  return undefined;
}

/** Singletons. */
export const UNDEFINED: Value = Object.freeze({ kind: "undefined" });
export const NULL: Value = Object.freeze({ kind: "null" });

/** True for asset, alias, ref, all and any values. */
export function isConditionValue(value: Value): value is ConditionValue {
  return (
    value.kind === "asset" ||
    value.kind === "alias" ||
    value.kind === "ref" ||
    value.kind === "pattern" ||
    value.kind === "all" ||
    value.kind === "any"
  );
}

/** `all`/`any` of operands, flattening nested operands of the same kind (as the SDK does). */
export function combine(kind: "all" | "any", operands: readonly ConditionValue[]): CombinedValue {
  const conditions: ConditionValue[] = [];
  for (const operand of operands) {
    if (operand.kind === kind) conditions.push(...operand.conditions);
    else conditions.push(operand);
  }
  return { kind, conditions };
}

/** The manifest node of a condition. */
export function toConditionNode(value: ConditionValue): ConditionNode {
  switch (value.kind) {
    case "asset":
      return { kind: "asset", name: value.name, uri: value.uri };
    case "alias":
      return { kind: "alias", name: value.name };
    case "ref":
      return value.name !== undefined ? { kind: "ref", name: value.name } : { kind: "ref", uri: value.uri ?? "" };
    case "pattern":
      return { kind: "pattern", pattern: value.pattern };
    case "all":
    case "any":
      return { kind: value.kind, conditions: value.conditions.map(toConditionNode) };
    default:
      return assertNever(value);
  }
}

/** The identity key of an asset inside the compiler: the SDK's own {@link assetKey} (what `asset.key` is at run time). */
export function assetKeyOf(value: { readonly name: string; readonly uri: string }): string {
  return assetKey(value.name, value.uri);
}

/** How messages name an asset or alias: `asset "s3://b/k"`, `asset "orders" (s3://b/k)`, `alias "outputs"`. */
export function describeTarget(value: AssetValue | AliasValue | RefValue): string {
  if (value.kind === "alias") return `alias ${JSON.stringify(value.name)}`;
  if (value.kind === "ref") {
    return value.name !== undefined
      ? `Asset.ref({ name: ${JSON.stringify(value.name)} })`
      : `Asset.ref({ uri: ${JSON.stringify(value.uri)} })`;
  }
  return value.name === value.uri
    ? `asset ${JSON.stringify(value.uri)}`
    : `asset ${JSON.stringify(value.name)} (${value.uri})`;
}

/** A short description of a value's kind for messages ("a string", "an Asset", ...). */
export function describeValueKind(value: Value): string {
  switch (value.kind) {
    case "string":
      return `the string ${JSON.stringify(value.value.length > 60 ? `${value.value.slice(0, 57)}...` : value.value)}`;
    case "number":
      return `the number ${value.value}`;
    case "boolean":
      return String(value.value);
    case "null":
      return "null";
    case "undefined":
      return "undefined";
    case "array":
      return "an array";
    case "object":
      return "an object";
    case "asset":
      return "an Asset";
    case "alias":
      return "an AssetAlias";
    case "ref":
      return "an Asset.ref(...)";
    case "pattern":
      return "an Asset.pattern(...)";
    case "all":
    case "any":
      return `an ${value.kind}(...) condition`;
    case "timetable":
      return "a timetable";
    case "assetOrTime":
      return "an AssetOrTimeSchedule";
    case "date":
      return "a Date";
    case "regexp":
      return "a regular expression";
    case "metadata":
      return "a Metadata";
    case "sdk":
      return `\`${value.name}\` from "assetflow"`;
    case "function":
    case "method":
      return "a function";
    case "class":
      return `the class ${value.name}`;
    case "task":
      return `the task ${JSON.stringify(value.taskId)}`;
    case "dag":
      return `the DAG ${JSON.stringify(value.dagId)}`;
    default:
      return "a value";
  }
}

/** Converts a constant value to JSON, or returns the path of the first part that is not JSON. */
export function toJson(
  value: Value,
  path = "",
): { ok: true; json: unknown } | { ok: false; path: string; value: Value } {
  switch (value.kind) {
    case "string":
    case "boolean":
      return { ok: true, json: value.value };
    case "number":
      return Number.isFinite(value.value) ? { ok: true, json: value.value } : { ok: false, path, value };
    case "null":
      return { ok: true, json: null };
    case "array": {
      if (value.havoc) return { ok: false, path, value: value.havoc };
      const items: unknown[] = [];
      for (const [index, item] of value.items.entries()) {
        const converted = toJson(item, `${path}[${index}]`);
        if (!converted.ok) return converted;
        items.push(converted.json);
      }
      return { ok: true, json: items };
    }
    case "object": {
      if (value.havoc) return { ok: false, path, value: value.havoc };
      if (value.unknownSpread) return { ok: false, path, value: value.unknownSpread };
      const object: Record<string, unknown> = {};
      for (const [key, item] of value.props) {
        const converted = toJson(item, path ? `${path}.${key}` : key);
        if (!converted.ok) return converted;
        object[key] = converted.json;
      }
      return { ok: true, json: object };
    }
    default:
      return { ok: false, path, value };
  }
}

/**
 * A sorted copy of a list, by a string key in code-point order. Short lists
 * (the tasks of a DAG, its upstream ids) are insertion-sorted without the
 * work array `Array.prototype.sort` allocates.
 */
export function sortedBy<T>(list: Iterable<T>, key: (item: T) => string): T[] {
  const result = [...list];
  if (result.length > 16) return result.sort((a, b) => compareCodePoints(key(a), key(b)));
  for (let index = 1; index < result.length; index++) {
    const item = result[index] as T;
    const itemKey = key(item);
    let position = index - 1;
    while (position >= 0 && compareCodePoints(key(result[position] as T), itemKey) > 0) {
      result[position + 1] = result[position] as T;
      position--;
    }
    result[position + 1] = item;
  }
  return result;
}

/** Code-point order, the same on every machine and locale. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A copy of a string that shares no memory with the source text it was cut
 * from. V8 keeps substrings of 13 or more characters as slices of their
 * parent: a task id kept from a syntax tree would otherwise keep the whole
 * file's text alive. Apply it to strings the compiler keeps after a module ran.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/** A deep copy of JSON data with detached strings (see {@link detach}). */
export function detachJson<T>(value: T): T {
  if (typeof value === "string") return detach(value) as T;
  if (Array.isArray(value)) return value.map(detachJson) as T;
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[detach(key)] = detachJson(item);
    return copy as T;
  }
  return value;
}

/** Exhaustiveness guard. */
export function assertNever(value: never): never {
  throw new Error(`assetflow compiler bug: unexpected ${JSON.stringify(value)}`);
}
