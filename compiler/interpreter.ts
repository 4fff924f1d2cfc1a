/**
 * The static interpreter: runs the module-level code of DAG files over
 * syntax trees, without executing anything. It follows imports across files
 * (its own module resolution and symbol tables, no type checker), evaluates
 * constants, assets and conditions, calls `dag(...)` build functions and user
 * functions with their arguments bound, constructs `@dag` classes field by
 * field, and reads task bodies for the assets they touch. What it cannot
 * follow becomes an unknown value that is reported where it matters.
 */
import { ts } from "ts-morph";
import {
  OPERATOR_BASE_KEYS,
  parseDagSettings,
  parseTaskOptions,
  SDK_OPERATOR_OWN_KEYS,
  TASK_OPTION_KEYS,
} from "./definitions.js";
import { createDiagnostic, type Diagnostic, DiagnosticCatalog, type DiagnosticDefinition } from "./diagnostics.js";
import type { DagModel, DagSettingsModel, TaskModel } from "./model.js";
import {
  CONSTANT_HINT,
  capitalize,
  INVALID,
  makeAlias,
  makeAsset,
  makeAssetOrTime,
  makeCombined,
  makeDate,
  makeRef,
  makeTimetable,
  parseAssetsTemplate,
  type Reporter,
  reportUnknown,
} from "./semantics.js";
import { DEFAULT_EXPORT_LOCAL, hasModifier, type ImportBinding, type ParsedFile } from "./source.js";
import {
  type AliasValue,
  type AssetValue,
  type Binding,
  type ClassValue,
  describeTarget,
  describeValueKind,
  detach,
  type FunctionValue,
  isConditionValue,
  type Location,
  locate,
  NULL,
  type ObjectValue,
  Props,
  Scope,
  type Site,
  sortedBy,
  spanOf,
  type TaskHandleValue,
  UNDEFINED,
  type UnknownReason,
  type UnknownValue,
  type Value,
} from "./values.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  canHaveDecorators,
  forEachChild,
  getDecorators,
  getModifiers,
  isArrowFunction,
  isBlock,
  isCallExpression,
  isClassDeclaration,
  isComputedPropertyName,
  isConstructorDeclaration,
  isDecorator,
  isElementAccessExpression,
  isEnumDeclaration,
  isExpressionStatement,
  isForInStatement,
  isForOfStatement,
  isFunctionDeclaration,
  isFunctionExpression,
  isFunctionLike,
  isGetAccessorDeclaration,
  isIdentifier,
  isMethodDeclaration,
  isModuleBlock,
  isNewExpression,
  isNoSubstitutionTemplateLiteral,
  isNumericLiteral,
  isObjectBindingPattern,
  isOmittedExpression,
  isPrivateIdentifier,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isPropertyDeclaration,
  isSetAccessorDeclaration,
  isShorthandPropertyAssignment,
  isSpreadAssignment,
  isSpreadElement,
  isStringLiteral,
  isVariableDeclarationList,
  isVariableStatement,
  SyntaxKind: SK,
  NodeFlags,
} = ts;

/** How a module specifier resolves. */
export type Resolution =
  | { readonly kind: "sdk" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "external" }
  | { readonly kind: "missing"; readonly tried: readonly string[] };

/** What the interpreter needs from the program: files and module resolution. */
export interface ModuleHost {
  /** The parsed file at an absolute path, loading it on demand; undefined when it cannot be read. */
  file(path: string): ParsedFile | undefined;
  resolve(from: ParsedFile, specifier: string): Resolution;
}

/** The state of one module in one compilation. */
export class ModuleRecord {
  state: "new" | "executing" | "done" = "new";
  /** True once another module imported it: its scope must stay. */
  imported = false;
  /** True when its scope and syntax tree were dropped after it ran (its DAGs and diagnostics stay). */
  released = false;
  readonly scope: Scope;
  /** DAGs defined while this module's top-level code ran. */
  readonly dags: DagModel[] = [];
  /** Diagnostics reported while this module's top-level code ran. */
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly file: ParsedFile) {
    this.scope = new Scope(undefined, file);
  }

  /** Drops what only running code needs: the scope, the syntax tree and the text. */
  release(keepFingerprint: boolean): void {
    this.released = true;
    this.scope.clear();
    this.file.release(keepFingerprint);
  }
}

/** The environment an expression is evaluated in. */
interface Env {
  readonly scope: Scope;
  /** The DAG being built, when inside its build function or class. */
  readonly dag: DagBuild | undefined;
  readonly thisValue: Value | undefined;
  /** `execute` runs module-level and build code; `inspect` only reads (task bodies): no side effects. */
  readonly mode: "execute" | "inspect";
  readonly depth: number;
}

type Completion =
  | { readonly kind: "normal" }
  | { readonly kind: "return"; readonly value: Value }
  | { readonly kind: "break" }
  | { readonly kind: "continue" }
  | { readonly kind: "stop" };

const NORMAL: Completion = { kind: "normal" };

/** A DAG while its build function or class runs. */
interface DagBuild {
  readonly key: number;
  readonly settings: DagSettingsModel;
  readonly tasks: Map<string, TaskModel>;
  readonly edges: { upstream: string; downstream: string; site: Site | Location }[];
  readonly site: Location;
  readonly scheduleSite: Location;
  open: boolean;
}

/** Specifiers that name the SDK. */
export const SDK_SPECIFIERS: ReadonlySet<string> = new Set(["assetflow", "assetflow/sdk"]);

const SDK_OPERATORS = new Set(["BaseOperator", "BashOperator", "SQLExecuteQueryOperator"]);
const GLOBALS = new Set([
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
  "URL",
  "Intl",
]);
const MAX_DEPTH = 40;
const NO_ASSETS: readonly AssetValue[] = Object.freeze([]);
const RUNTIME: UnknownReason = Object.freeze({ kind: "runtime" });
const MAX_TEXT = 60;

/** The text of a node, shortened for messages. */
function shortText(node: ts.Node, file: ParsedFile): string {
  const text = node.getText(file.sourceFile).replace(/\s+/g, " ");
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 3)}...` : text;
}

function propertyNameText(name: ts.PropertyName | ts.BindingName): string | undefined {
  if (isIdentifier(name) || isStringLiteral(name) || isNumericLiteral(name)) return name.text;
  if (isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (isPrivateIdentifier(name)) return name.text;
  return undefined;
}

function decoratorsOf(node: ts.Node): readonly ts.Decorator[] {
  return canHaveDecorators(node) ? (getDecorators(node) ?? []) : [];
}

function truthiness(value: Value): boolean | undefined {
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

function primitive(value: Value): string | number | boolean | null | undefined {
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

function fromPrimitive(value: unknown): Value {
  if (typeof value === "string") return { kind: "string", value };
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value === "boolean") return { kind: "boolean", value };
  if (value === null) return NULL;
  return UNDEFINED;
}

/**
 * Runs modules statically and collects their DAGs and diagnostics. One
 * interpreter lives as long as a program: after files change, drop their
 * records with {@link Interpreter.forget} and run the entries again; the
 * records of other modules are reused.
 */
export class Interpreter implements Reporter {
  private readonly modules = new Map<string, ModuleRecord>();
  private readonly stack: ModuleRecord[] = [];
  private readonly builds = new Map<number, DagBuild>();
  private readonly constructMemo = new Map<ts.Node, boolean>();
  private nextDagKey = 1;

  constructor(private readonly host: ModuleHost) {}

  /** The record of a module, if it was created. */
  recordOf(path: string): ModuleRecord | undefined {
    return this.modules.get(path);
  }

  /** The record of a module to run or read: created when first needed, and again after a release. */
  moduleFor(path: string): ModuleRecord | undefined {
    let record = this.modules.get(path);
    if (!record || record.released) {
      const file = this.host.file(path);
      if (!file) return undefined;
      record = new ModuleRecord(file);
      this.modules.set(path, record);
    }
    return record;
  }

  /** The records that exist (run or not). */
  records(): IterableIterator<ModuleRecord> {
    return this.modules.values();
  }

  /** Drops the records of these modules so that they run again. */
  forget(paths: Iterable<string>): void {
    for (const path of paths) this.modules.delete(path);
    this.constructMemo.clear();
  }

  /**
   * Runs a module (and, first, the modules it imports), once. With `release`,
   * a module that no module imported so far drops its scope and syntax tree
   * afterwards; it runs again if a module imports it later.
   */
  run(path: string, options: { release?: boolean; keepFingerprint?: boolean } = {}): ModuleRecord | undefined {
    const existing = this.modules.get(path);
    if (existing?.state === "done") return existing;
    const record = this.moduleFor(path);
    if (!record) return undefined;
    this.executeModule(record);
    if (options.release && !record.imported) record.release(options.keepFingerprint ?? false);
    this.constructMemo.clear();
    return record;
  }

  // ---- reporting -------------------------------------------------------------

  report<A>(definition: DiagnosticDefinition<A>, args: A, at: Site | Location): void {
    const target = this.stack.at(-1);
    if (!target) return;
    target.diagnostics.push(createDiagnostic(definition, args, "line" in at ? at : locate(at)));
  }

  private unknown(reason: UnknownReason, node: ts.Node, env: Env): UnknownValue {
    return { kind: "unknown", reason, at: { file: env.scope.file, pos: node.pos, end: node.end } };
  }

  private runtime(node: ts.Node, env: Env): UnknownValue {
    return this.unknown(RUNTIME, node, env);
  }

  private callOf(node: ts.CallExpression | ts.TaggedTemplateExpression, env: Env): UnknownValue {
    const callee = isCallExpression(node) ? node.expression : node.tag;
    return this.unknown({ kind: "call", callee: spanOf(env.scope.file, callee) }, node, env);
  }

  // ---- modules ---------------------------------------------------------------

  private executeModule(record: ModuleRecord): void {
    if (record.state !== "new") return;
    record.state = "executing";
    this.stack.push(record);
    try {
      const file = record.file;
      for (const error of file.syntaxErrors) {
        const { line, character } = file.sourceFile.getLineAndCharacterOfPosition(error.start);
        record.diagnostics.push(
          createDiagnostic(
            DiagnosticCatalog.syntaxError,
            { problem: error.message },
            { file: file.display, line: line + 1, column: character + 1, length: Math.max(1, error.length) },
          ),
        );
      }
      for (const [name, binding] of file.summary.imports) record.scope.set(name, { kind: "import", binding });
      const env: Env = { scope: record.scope, dag: undefined, thisValue: undefined, mode: "execute", depth: 0 };
      const statements = file.sourceFile.statements;
      this.hoist(statements, record.scope, env);
      for (const request of file.summary.requests) {
        const resolution = this.host.resolve(file, request.specifier);
        if (resolution.kind === "file") {
          const target = this.moduleFor(resolution.path);
          if (target) {
            target.imported = true;
            this.executeModule(target);
          }
        } else if (resolution.kind === "missing") {
          this.report(
            DiagnosticCatalog.importNotFound,
            { specifier: request.specifier, tried: resolution.tried.map((path) => JSON.stringify(path)).join(", ") },
            { file, pos: request.span.pos, end: request.span.end },
          );
        }
      }
      this.runStatements(statements, env);
    } finally {
      record.state = "done";
      this.stack.pop();
    }
  }

  private resolveImport(binding: ImportBinding, file: ParsedFile, node: ts.Node, env: Env): Value {
    const resolution = this.host.resolve(file, binding.specifier);
    switch (resolution.kind) {
      case "sdk":
        return this.sdkExport(binding.imported, node, env);
      case "external":
        return this.unknown({ kind: "external", name: binding.imported, specifier: binding.specifier }, node, env);
      case "missing":
        return INVALID;
      case "file": {
        const target = this.moduleFor(resolution.path);
        if (!target) return INVALID;
        target.imported = true;
        this.executeModule(target);
        if (binding.imported === "*") return { kind: "namespace", path: target.file.path };
        return this.exportOf(target, binding.imported, node, env, new Set());
      }
    }
  }

  private sdkExport(name: string, node: ts.Node, env: Env): Value {
    if (name === "*") return { kind: "sdkNamespace" };
    if (name === "default") {
      return this.unknown({ kind: "missing", name: "default", detail: '"assetflow" has no default export' }, node, env);
    }
    if (name === "DEFAULT_RETRY_DELAY_MS") return { kind: "number", value: 300_000 };
    if (name === "DEFAULT_MAX_ACTIVE_RUNS") return { kind: "number", value: 16 };
    return { kind: "sdk", name };
  }

  private exportOf(record: ModuleRecord, name: string, node: ts.Node, env: Env, seen: Set<ModuleRecord>): Value {
    if (seen.has(record)) {
      return this.unknown({ kind: "missing", name, detail: "the re-exports form a cycle" }, node, env);
    }
    seen.add(record);
    const summary = record.file.summary;
    const entry = summary.exports.get(name);
    if (entry?.kind === "local") {
      const binding = record.scope.get(entry.local);
      if (!binding) {
        return this.unknown(
          { kind: "missing", name, detail: `${record.file.display} exports it, but the compiler found no declaration` },
          node,
          env,
        );
      }
      if (binding.kind === "import") return this.resolveImport(binding.binding, record.file, node, env);
      return this.readBinding(binding, entry.local, node, env);
    }
    if (entry?.kind === "reexport") {
      const resolution = this.host.resolve(record.file, entry.specifier);
      if (resolution.kind === "sdk") return this.sdkExport(entry.imported, node, env);
      if (resolution.kind === "external") {
        return this.unknown({ kind: "external", name: entry.imported, specifier: entry.specifier }, node, env);
      }
      if (resolution.kind === "missing") return INVALID;
      const target = this.moduleFor(resolution.path);
      if (!target) return INVALID;
      this.executeModule(target);
      if (entry.imported === "*") return { kind: "namespace", path: target.file.path };
      return this.exportOf(target, entry.imported, node, env, seen);
    }
    if (name !== "default") {
      for (const star of summary.starExports) {
        const resolution = this.host.resolve(record.file, star.specifier);
        if (resolution.kind === "sdk") return this.sdkExport(name, node, env);
        if (resolution.kind !== "file") continue;
        const target = this.moduleFor(resolution.path);
        if (!target || !this.hasExport(target, name, new Set())) continue;
        this.executeModule(target);
        return this.exportOf(target, name, node, env, seen);
      }
    }
    return this.unknown(
      { kind: "missing", name, detail: `the module ${JSON.stringify(record.file.display)} does not export it` },
      node,
      env,
    );
  }

  private hasExport(record: ModuleRecord, name: string, seen: Set<ModuleRecord>): boolean {
    if (seen.has(record)) return false;
    seen.add(record);
    if (record.file.summary.exports.has(name)) return true;
    return record.file.summary.starExports.some((star) => {
      const resolution = this.host.resolve(record.file, star.specifier);
      if (resolution.kind !== "file") return false;
      const target = this.moduleFor(resolution.path);
      return target !== undefined && this.hasExport(target, name, seen);
    });
  }

  // ---- names -------------------------------------------------------------------

  private lookup(name: string, node: ts.Node, env: Env): Value {
    const binding = env.scope.lookup(name);
    if (binding) return this.readBinding(binding, name, node, env);
    if (name === "undefined") return UNDEFINED;
    if (name === "NaN") return { kind: "number", value: Number.NaN };
    if (name === "Infinity") return { kind: "number", value: Number.POSITIVE_INFINITY };
    if (GLOBALS.has(name)) return { kind: "global", name };
    return this.unknown(
      { kind: "missing", name, detail: "declare it, or import it from a file of this project" },
      node,
      env,
    );
  }

  private readBinding(binding: Binding, name: string, node: ts.Node, env: Env): Value {
    switch (binding.kind) {
      case "value":
        return binding.value;
      case "tdz":
        return this.unknown({ kind: "uninitialized", name }, node, env);
      case "import": {
        const value = this.resolveImport(binding.binding, env.scope.file, node, env);
        if (value.kind !== "unknown") {
          const owner = findOwner(env.scope, name);
          owner?.set(name, { kind: "value", value });
        }
        return value;
      }
      case "lazy": {
        if (binding.value) return binding.value;
        if (binding.evaluating) return this.unknown({ kind: "uninitialized", name }, node, env);
        binding.evaluating = true;
        const declaration = binding.declaration;
        const lazyEnv: Env = { ...env, scope: binding.scope, mode: "inspect" };
        const initial = declaration.initializer
          ? this.evaluate(
              declaration.initializer,
              lazyEnv,
              isIdentifier(declaration.name) ? declaration.name.text : undefined,
            )
          : UNDEFINED;
        const holder = new Scope(undefined, binding.scope.file);
        this.bindPattern(declaration.name, initial, holder, lazyEnv);
        for (const [bound, value] of holder.entries()) {
          const target = binding.scope.get(bound);
          if (target?.kind === "lazy" && value.kind === "value") {
            target.value = value.value;
            target.evaluating = false;
          }
        }
        binding.evaluating = false;
        binding.value ??= this.runtime(node, env);
        return binding.value;
      }
    }
  }

  /** Binds the names of a binding pattern to parts of `value` in `scope`. */
  private bindPattern(name: ts.BindingName, value: Value, scope: Scope, env: Env): void {
    if (isIdentifier(name)) {
      scope.set(name.text, { kind: "value", value });
      return;
    }
    if (isObjectBindingPattern(name)) {
      const used: string[] = [];
      for (const element of name.elements) {
        if (element.dotDotDotToken) {
          let rest: Value;
          if (value.kind === "object") {
            const props = new Props([...value.props].filter(([key]) => !used.includes(key)));
            rest = value.unknownSpread
              ? { kind: "object", props, unknownSpread: value.unknownSpread }
              : { kind: "object", props };
          } else rest = value.kind === "unknown" ? value : this.runtime(element, env);
          this.bindPattern(element.name, rest, scope, env);
          continue;
        }
        const keyNode = element.propertyName ?? element.name;
        let key = propertyNameText(keyNode);
        if (key === undefined && isComputedPropertyName(keyNode)) {
          const computed = primitive(this.evaluate(keyNode.expression, env));
          key = computed === undefined || computed === null ? undefined : String(computed);
        }
        let part: Value = key === undefined ? this.runtime(element, env) : this.member(value, key, element, env);
        if (key !== undefined) used.push(key);
        if (part.kind === "undefined" && element.initializer)
          part = this.evaluate(element.initializer, { ...env, scope });
        this.bindPattern(element.name, part, scope, env);
      }
      return;
    }
    for (const [index, element] of name.elements.entries()) {
      if (isOmittedExpression(element)) continue;
      let part: Value;
      if (value.kind === "array") {
        part = element.dotDotDotToken
          ? { kind: "array", items: value.items.slice(index) }
          : (value.items[index] ?? UNDEFINED);
      } else part = value.kind === "unknown" ? value : this.runtime(element, env);
      if (part.kind === "undefined" && element.initializer)
        part = this.evaluate(element.initializer, { ...env, scope });
      this.bindPattern(element.name, part, scope, env);
    }
  }

  // ---- statements --------------------------------------------------------------

  private hoist(statements: readonly ts.Statement[], scope: Scope, env: Env): void {
    for (const statement of statements) {
      if (isFunctionDeclaration(statement) && statement.body) {
        const name = statement.name?.text ?? DEFAULT_EXPORT_LOCAL;
        const fn: FunctionValue = {
          kind: "function",
          node: statement,
          name: statement.name?.text ?? "default",
          scope,
          thisValue: undefined,
        };
        scope.set(name, { kind: "value", value: fn });
      } else if (isClassDeclaration(statement)) {
        scope.set(statement.name?.text ?? DEFAULT_EXPORT_LOCAL, { kind: "tdz", node: statement });
      } else if (isVariableStatement(statement)) {
        const flags = statement.declarationList.flags;
        const isLexical = (flags & (NodeFlags.Let | NodeFlags.Const)) !== 0;
        for (const declaration of statement.declarationList.declarations) {
          for (const bound of namesOf(declaration.name)) {
            if (!scope.has(bound)) {
              scope.set(bound, isLexical ? { kind: "tdz", node: declaration } : { kind: "value", value: UNDEFINED });
            }
          }
        }
      } else if (isEnumDeclaration(statement)) {
        scope.set(statement.name.text, { kind: "value", value: this.enumValue(statement, env) });
      }
    }
  }

  private enumValue(declaration: ts.EnumDeclaration, env: Env): Value {
    const props = new Props();
    let next = 0;
    for (const member of declaration.members) {
      const key = propertyNameText(member.name);
      if (key === undefined) continue;
      let value: Value;
      if (member.initializer) {
        value = this.evaluate(member.initializer, env);
        if (value.kind === "number") next = value.value + 1;
      } else value = { kind: "number", value: next++ };
      props.set(key, value);
    }
    return { kind: "object", props };
  }

  private execStatements(statements: readonly ts.Statement[], env: Env): Completion {
    this.hoist(statements, env.scope, env);
    return this.runStatements(statements, env);
  }

  private runStatements(statements: readonly ts.Statement[], env: Env): Completion {
    for (const statement of statements) {
      const completion = this.execStatement(statement, env);
      if (completion.kind !== "normal") return completion;
    }
    return NORMAL;
  }

  private execStatement(statement: ts.Statement, env: Env): Completion {
    switch (statement.kind) {
      case SK.VariableStatement: {
        const variables = statement as ts.VariableStatement;
        const ambient = hasModifier(variables, SK.DeclareKeyword);
        for (const declaration of variables.declarationList.declarations) {
          const name = isIdentifier(declaration.name) ? declaration.name.text : undefined;
          const value = ambient
            ? this.runtime(declaration, env)
            : declaration.initializer
              ? this.evaluate(declaration.initializer, env, name)
              : UNDEFINED;
          this.bindPattern(declaration.name, value, env.scope, env);
        }
        return NORMAL;
      }
      case SK.ExpressionStatement:
        this.evaluate((statement as ts.ExpressionStatement).expression, env);
        return NORMAL;
      case SK.ClassDeclaration: {
        const declaration = statement as ts.ClassDeclaration;
        const name = declaration.name?.text ?? DEFAULT_EXPORT_LOCAL;
        const value = this.defineClass(declaration, declaration.name?.text ?? "default", env);
        env.scope.set(name, { kind: "value", value });
        return NORMAL;
      }
      case SK.ExportAssignment: {
        const assignment = statement as ts.ExportAssignment;
        const value = this.evaluate(assignment.expression, env, "default");
        env.scope.set(DEFAULT_EXPORT_LOCAL, { kind: "value", value });
        return NORMAL;
      }
      case SK.ReturnStatement: {
        const expression = (statement as ts.ReturnStatement).expression;
        return { kind: "return", value: expression ? this.evaluate(expression, env) : UNDEFINED };
      }
      case SK.Block: {
        const scope = new Scope(env.scope, env.scope.file);
        return this.execStatements((statement as ts.Block).statements, { ...env, scope });
      }
      case SK.IfStatement: {
        const node = statement as ts.IfStatement;
        const condition = truthiness(this.evaluate(node.expression, env));
        if (condition === undefined) {
          this.warnNotFollowed(statement, "an `if` whose condition is only known at run time", env);
          return NORMAL;
        }
        if (condition) return this.execStatement(node.thenStatement, env);
        return node.elseStatement ? this.execStatement(node.elseStatement, env) : NORMAL;
      }
      case SK.ForOfStatement:
        return this.execForOf(statement as ts.ForOfStatement, env);
      case SK.TryStatement: {
        const node = statement as ts.TryStatement;
        const result = this.execStatement(node.tryBlock, env);
        if (node.finallyBlock) {
          const after = this.execStatement(node.finallyBlock, env);
          if (after.kind !== "normal") return after;
        }
        return result;
      }
      case SK.LabeledStatement:
        return this.execStatement((statement as ts.LabeledStatement).statement, env);
      case SK.BreakStatement:
        return { kind: "break" };
      case SK.ContinueStatement:
        return { kind: "continue" };
      case SK.ThrowStatement:
        return { kind: "stop" };
      case SK.FunctionDeclaration:
      case SK.EmptyStatement:
      case SK.ImportDeclaration:
      case SK.ExportDeclaration:
      case SK.InterfaceDeclaration:
      case SK.TypeAliasDeclaration:
      case SK.EnumDeclaration:
      case SK.ModuleDeclaration:
      case SK.ImportEqualsDeclaration:
      case SK.DebuggerStatement:
        return NORMAL;
      case SK.SwitchStatement:
        this.warnNotFollowed(statement, "a `switch`", env);
        return NORMAL;
      default:
        this.warnNotFollowed(statement, "a loop", env);
        return NORMAL;
    }
  }

  private execForOf(node: ts.ForOfStatement, env: Env): Completion {
    const iterable = this.evaluate(node.expression, env);
    if (iterable.kind !== "array" || node.awaitModifier) {
      this.warnNotFollowed(node, "a `for...of` over a list that is only known at run time", env);
      return NORMAL;
    }
    for (const item of iterable.items) {
      const scope = new Scope(env.scope, env.scope.file);
      const loopEnv = { ...env, scope };
      const initializer = node.initializer;
      if (isVariableDeclarationList(initializer)) {
        const declaration = initializer.declarations[0];
        if (declaration) this.bindPattern(declaration.name, item, scope, loopEnv);
      } else if (isIdentifier(initializer)) {
        this.assign(initializer, item, env);
      }
      const completion = this.execStatement(node.statement, loopEnv);
      if (completion.kind === "break") break;
      if (completion.kind === "return" || completion.kind === "stop") return completion;
    }
    return NORMAL;
  }

  /** Reports the first DAG construct inside a statement the interpreter cannot follow. */
  private warnNotFollowed(statement: ts.Node, where: string, env: Env): void {
    const found = this.findConstruct(statement, env, new Set());
    if (found) {
      this.report(
        DiagnosticCatalog.notFollowed,
        { construct: found.text, where },
        { file: env.scope.file, node: found.node },
      );
    }
  }

  /** A call that defines DAGs, tasks or dependencies inside `node`, if any. */
  private findConstruct(node: ts.Node, env: Env, visiting: Set<ts.Node>): { node: ts.Node; text: string } | undefined {
    const inspect: Env = { ...env, mode: "inspect", dag: undefined };
    let found: { node: ts.Node; text: string } | undefined;
    const visit = (child: ts.Node): void => {
      if (found) return;
      if (isCallExpression(child) || isNewExpression(child) || isDecorator(child)) {
        const callee = isDecorator(child)
          ? isCallExpression(child.expression)
            ? child.expression.expression
            : child.expression
          : child.expression;
        if (isIdentifier(callee) || isPropertyAccessExpression(callee)) {
          const text = shortText(callee, env.scope.file);
          if (isPropertyAccessExpression(callee) && ["precedes", "follows"].includes(callee.name.text)) {
            found = { node: child, text: `\`${text}(...)\`` };
            return;
          }
          const value = this.peek(callee, inspect);
          if (value.kind === "sdk" && ["dag", "task", "chain"].includes(value.name)) {
            found = { node: child, text: isDecorator(child) ? `\`@${text}(...)\`` : `\`${text}(...)\`` };
            return;
          }
          if (isNewExpression(child) && this.isOperatorClass(value, new Set())) {
            found = { node: child, text: `\`new ${text}(...)\`` };
            return;
          }
          if (isCallExpression(child) && value.kind === "function" && !visiting.has(value.node)) {
            let memo = this.constructMemo.get(value.node);
            if (memo === undefined && value.node.body) {
              visiting.add(value.node);
              memo = this.findConstruct(value.node.body, { ...inspect, scope: value.scope }, visiting) !== undefined;
              visiting.delete(value.node);
              this.constructMemo.set(value.node, memo);
            }
            if (memo) {
              found = { node: child, text: `\`${text}(...)\`, which defines DAGs or tasks,` };
              return;
            }
          }
        }
      }
      forEachChild(child, visit);
    };
    visit(node);
    return found;
  }

  /** Evaluates a name or property path without side effects. */
  private peek(node: ts.Expression, env: Env): Value {
    if (isIdentifier(node)) return this.lookup(node.text, node, env);
    if (isPropertyAccessExpression(node)) {
      return this.member(this.peek(node.expression, env), node.name.text, node, env);
    }
    return this.runtime(node, env);
  }

  private assign(target: ts.Expression, value: Value, env: Env): void {
    if (isIdentifier(target)) {
      for (let scope: Scope | undefined = env.scope; scope; scope = scope.parent) {
        const binding = scope.get(target.text);
        if (binding) {
          scope.set(target.text, { kind: "value", value });
          return;
        }
      }
      return;
    }
    if (isPropertyAccessExpression(target) && target.expression.kind === SK.ThisKeyword) {
      if (env.thisValue?.kind === "object") env.thisValue.props.set(target.name.text, value);
      return;
    }
    if (isPropertyAccessExpression(target) || isElementAccessExpression(target)) {
      const receiver = this.evaluate(target.expression, env);
      const key = isPropertyAccessExpression(target)
        ? target.name.text
        : primitive(this.evaluate(target.argumentExpression, env));
      if (receiver.kind === "object" && key !== undefined && key !== null && env.mode === "execute") {
        receiver.props.set(String(key), value);
      }
    }
  }

  // ---- expressions -------------------------------------------------------------

  /** Evaluates an expression; `name` is the name a function or class expression gets (`const f = () => {}`). */
  evaluate(node: ts.Expression, env: Env, name?: string): Value {
    switch (node.kind) {
      case SK.StringLiteral:
      case SK.NoSubstitutionTemplateLiteral:
        return { kind: "string", value: (node as ts.StringLiteral).text };
      case SK.NumericLiteral:
        return { kind: "number", value: Number((node as ts.NumericLiteral).text) };
      case SK.TrueKeyword:
        return { kind: "boolean", value: true };
      case SK.FalseKeyword:
        return { kind: "boolean", value: false };
      case SK.NullKeyword:
        return NULL;
      case SK.Identifier:
        return this.lookup((node as ts.Identifier).text, node, env);
      case SK.ThisKeyword:
        return env.thisValue ?? this.runtime(node, env);
      case SK.ParenthesizedExpression:
      case SK.AsExpression:
      case SK.SatisfiesExpression:
      case SK.NonNullExpression:
      case SK.TypeAssertionExpression:
        return this.evaluate(
          (node as ts.ParenthesizedExpression | ts.AsExpression | ts.NonNullExpression).expression,
          env,
          name,
        );
      case SK.TemplateExpression:
        return this.evaluateTemplate(node as ts.TemplateExpression, env);
      case SK.ArrayLiteralExpression:
        return this.evaluateArray(node as ts.ArrayLiteralExpression, env);
      case SK.ObjectLiteralExpression:
        return this.evaluateObject(node as ts.ObjectLiteralExpression, env);
      case SK.PropertyAccessExpression: {
        const access = node as ts.PropertyAccessExpression;
        return this.member(this.evaluate(access.expression, env), access.name.text, node, env);
      }
      case SK.ElementAccessExpression: {
        const access = node as ts.ElementAccessExpression;
        const receiver = this.evaluate(access.expression, env);
        const key = this.evaluate(access.argumentExpression, env);
        if (key.kind === "unknown") return key;
        const text = primitive(key);
        if (receiver.kind === "array" && typeof text === "number") return receiver.items[text] ?? UNDEFINED;
        if (text === undefined || text === null) return this.runtime(node, env);
        return this.member(receiver, String(text), node, env);
      }
      case SK.CallExpression:
        return this.evaluateCall(node as ts.CallExpression, env);
      case SK.NewExpression:
        return this.evaluateNew(node as ts.NewExpression, env);
      case SK.TaggedTemplateExpression:
        return this.evaluateTaggedTemplate(node as ts.TaggedTemplateExpression, env);
      case SK.BinaryExpression:
        return this.evaluateBinary(node as ts.BinaryExpression, env);
      case SK.PrefixUnaryExpression:
        return this.evaluatePrefix(node as ts.PrefixUnaryExpression, env);
      case SK.ConditionalExpression: {
        const conditional = node as ts.ConditionalExpression;
        const condition = this.evaluate(conditional.condition, env);
        const test = truthiness(condition);
        if (test === undefined)
          return condition.kind === "unknown" ? condition : this.runtime(conditional.condition, env);
        return this.evaluate(test ? conditional.whenTrue : conditional.whenFalse, env, name);
      }
      case SK.ArrowFunction:
      case SK.FunctionExpression: {
        const fn = node as ts.ArrowFunction | ts.FunctionExpression;
        const declared = isFunctionExpression(fn) ? fn.name?.text : undefined;
        return {
          kind: "function",
          node: fn,
          name: declared ?? name ?? "",
          scope: env.scope,
          thisValue: isArrowFunction(fn) ? env.thisValue : undefined,
        };
      }
      case SK.ClassExpression: {
        const declaration = node as ts.ClassExpression;
        return this.defineClass(declaration, declaration.name?.text ?? name ?? "", env);
      }
      case SK.VoidExpression:
        return UNDEFINED;
      default:
        return this.runtime(node, env);
    }
  }

  private evaluateTemplate(node: ts.TemplateExpression, env: Env): Value {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      const value = this.evaluate(span.expression, env);
      if (value.kind === "unknown") return value;
      const part = primitive(value);
      if (part === undefined && value.kind !== "undefined") return this.runtime(span.expression, env);
      text += String(part) + span.literal.text;
    }
    return { kind: "string", value: text };
  }

  private evaluateArray(node: ts.ArrayLiteralExpression, env: Env): Value {
    const items: Value[] = [];
    for (const element of node.elements) {
      if (isSpreadElement(element)) {
        const spread = this.evaluate(element.expression, env);
        if (spread.kind === "array") items.push(...spread.items);
        else if (spread.kind === "unknown") return spread;
        else return this.runtime(element, env);
      } else if (isOmittedExpression(element)) items.push(UNDEFINED);
      else items.push(this.evaluate(element, env));
    }
    return { kind: "array", items };
  }

  private evaluateObject(node: ts.ObjectLiteralExpression, env: Env): Value {
    const props = new Props();
    let unknownSpread: UnknownValue | undefined;
    const file = env.scope.file;
    for (const property of node.properties) {
      if (isSpreadAssignment(property)) {
        const spread = this.evaluate(property.expression, env);
        if (spread.kind === "object") {
          for (const [key, value] of spread.props) props.set(key, value);
          if (spread.unknownSpread) unknownSpread = spread.unknownSpread;
        } else if (spread.kind === "unknown") unknownSpread = spread;
        continue;
      }
      let key = property.name ? propertyNameText(property.name) : undefined;
      if (key === undefined && property.name && isComputedPropertyName(property.name)) {
        const computed = primitive(this.evaluate(property.name.expression, env));
        if (computed !== undefined && computed !== null) key = String(computed);
      }
      if (key === undefined) {
        unknownSpread = this.runtime(property, env);
        continue;
      }
      if (isPropertyAssignment(property)) props.set(key, this.evaluate(property.initializer, env, key));
      else if (isShorthandPropertyAssignment(property)) props.set(key, this.lookup(key, property.name, env));
      else if (isMethodDeclaration(property)) {
        props.set(key, { kind: "function", node: property, name: key, scope: env.scope, thisValue: undefined });
      } else props.set(key, this.runtime(property, env));
    }
    const origin: Site = { file, node };
    return unknownSpread ? { kind: "object", props, origin, unknownSpread } : { kind: "object", props, origin };
  }

  private evaluateBinary(node: ts.BinaryExpression, env: Env): Value {
    const operator = node.operatorToken.kind;
    if (operator === SK.EqualsToken) {
      const value = this.evaluate(node.right, env);
      if (env.mode === "execute") this.assign(node.left, value, env);
      return value;
    }
    if (operator === SK.CommaToken) {
      this.evaluate(node.left, env);
      return this.evaluate(node.right, env);
    }
    const left = this.evaluate(node.left, env);
    if (operator === SK.QuestionQuestionToken) {
      if (left.kind === "unknown") return left;
      return left.kind === "null" || left.kind === "undefined" ? this.evaluate(node.right, env) : left;
    }
    if (operator === SK.BarBarToken || operator === SK.AmpersandAmpersandToken) {
      const test = truthiness(left);
      if (test === undefined) return left.kind === "unknown" ? left : this.runtime(node, env);
      const takeLeft = operator === SK.BarBarToken ? test : !test;
      return takeLeft ? left : this.evaluate(node.right, env);
    }
    const right = this.evaluate(node.right, env);
    if (left.kind === "unknown") return left;
    if (right.kind === "unknown") return right;
    const a = primitive(left);
    const b = primitive(right);
    if ((a === undefined && left.kind !== "undefined") || (b === undefined && right.kind !== "undefined")) {
      return this.runtime(node, env);
    }
    const x = a as string | number | boolean | null | undefined;
    const y = b as string | number | boolean | null | undefined;
    switch (operator) {
      case SK.PlusToken:
        return typeof x === "string" || typeof y === "string"
          ? { kind: "string", value: String(x) + String(y) }
          : { kind: "number", value: Number(x) + Number(y) };
      case SK.MinusToken:
        return { kind: "number", value: Number(x) - Number(y) };
      case SK.AsteriskToken:
        return { kind: "number", value: Number(x) * Number(y) };
      case SK.SlashToken:
        return { kind: "number", value: Number(x) / Number(y) };
      case SK.PercentToken:
        return { kind: "number", value: Number(x) % Number(y) };
      case SK.AsteriskAsteriskToken:
        return { kind: "number", value: Number(x) ** Number(y) };
      case SK.EqualsEqualsEqualsToken:
        return { kind: "boolean", value: x === y };
      case SK.ExclamationEqualsEqualsToken:
        return { kind: "boolean", value: x !== y };
      case SK.EqualsEqualsToken:
        // biome-ignore lint/suspicious/noDoubleEquals: evaluates the user's own operator
        return { kind: "boolean", value: x == y };
      case SK.ExclamationEqualsToken:
        // biome-ignore lint/suspicious/noDoubleEquals: evaluates the user's own operator
        return { kind: "boolean", value: x != y };
      case SK.LessThanToken:
        return { kind: "boolean", value: (x ?? 0) < (y ?? 0) };
      case SK.GreaterThanToken:
        return { kind: "boolean", value: (x ?? 0) > (y ?? 0) };
      case SK.LessThanEqualsToken:
        return { kind: "boolean", value: (x ?? 0) <= (y ?? 0) };
      case SK.GreaterThanEqualsToken:
        return { kind: "boolean", value: (x ?? 0) >= (y ?? 0) };
      default:
        return this.runtime(node, env);
    }
  }

  private evaluatePrefix(node: ts.PrefixUnaryExpression, env: Env): Value {
    const operand = this.evaluate(node.operand, env);
    if (operand.kind === "unknown") return operand;
    switch (node.operator) {
      case SK.MinusToken:
        return operand.kind === "number" ? { kind: "number", value: -operand.value } : this.runtime(node, env);
      case SK.PlusToken: {
        const value = primitive(operand);
        return value === undefined ? this.runtime(node, env) : { kind: "number", value: Number(value) };
      }
      case SK.ExclamationToken: {
        const test = truthiness(operand);
        return test === undefined ? this.runtime(node, env) : { kind: "boolean", value: !test };
      }
      default:
        return this.runtime(node, env);
    }
  }

  /** A property of a value. */
  private member(receiver: Value, name: string, node: ts.Node, env: Env): Value {
    switch (receiver.kind) {
      case "unknown":
        return receiver;
      case "object":
        return receiver.props.get(name) ?? receiver.unknownSpread ?? UNDEFINED;
      case "array":
        if (name === "length") return { kind: "number", value: receiver.items.length };
        return { kind: "method", receiver, name };
      case "string":
        if (name === "length") return { kind: "number", value: receiver.value.length };
        return { kind: "method", receiver, name };
      case "asset":
        if (name === "name" || name === "uri" || name === "group") return { kind: "string", value: receiver[name] };
        if (name === "key") return { kind: "string", value: receiver.key };
        if (name === "extra") return jsonToValue(receiver.extra);
        return { kind: "method", receiver, name };
      case "alias":
        if (name === "name" || name === "group") return { kind: "string", value: receiver[name] };
        return { kind: "method", receiver, name };
      case "ref":
        if (name === "name" || name === "uri") return fromPrimitive(receiver[name]);
        return { kind: "method", receiver, name };
      case "all":
      case "any":
        if (name === "conditions") return { kind: "array", items: receiver.conditions };
        return { kind: "method", receiver, name };
      case "task":
        if (name === "taskId") return { kind: "string", value: receiver.taskId };
        return { kind: "method", receiver, name };
      case "sdk":
        if (receiver.name === "Asset" && name === "ref") return { kind: "sdk", name: "Asset.ref" };
        return this.runtime(node, env);
      case "sdkNamespace":
        return this.sdkExport(name, node, env);
      case "namespace": {
        const target = this.moduleFor(receiver.path);
        return target ? this.exportOf(target, name, node, env, new Set()) : INVALID;
      }
      case "global":
        if (receiver.name === "process" && name === "env") return { kind: "global", name: "process.env" };
        if (receiver.name === "process.env") {
          return this.unknown({ kind: "env", text: `process.env.${name}` }, node, env);
        }
        if (receiver.name === "Math" && name in MATH_CONSTANTS) {
          return { kind: "number", value: MATH_CONSTANTS[name as keyof typeof MATH_CONSTANTS] };
        }
        return { kind: "method", receiver, name };
      case "ctx":
        if (name === "outletEvents" || name === "inletEvents") return { kind: "ctxEvents", events: name };
        return this.runtime(node, env);
      case "ctxEvents":
      case "outletAccessor":
        return { kind: "method", receiver, name };
      default:
        return this.runtime(node, env);
    }
  }

  /** The arguments of a call, spreads expanded; an unknown value when a spread is not a known list. */
  private evaluateArguments(args: readonly ts.Expression[] | undefined, env: Env): Value[] | UnknownValue {
    const values: Value[] = [];
    for (const argument of args ?? []) {
      if (isSpreadElement(argument)) {
        const spread = this.evaluate(argument.expression, env);
        if (spread.kind === "array") values.push(...spread.items);
        else return spread.kind === "unknown" ? spread : this.runtime(argument, env);
      } else values.push(this.evaluate(argument, env));
    }
    return values;
  }

  private evaluateCall(node: ts.CallExpression, env: Env): Value {
    if (node.expression.kind === SK.SuperKeyword || node.expression.kind === SK.ImportKeyword) {
      return this.runtime(node, env);
    }
    const callee = this.evaluate(node.expression, env);
    const args = this.evaluateArguments(node.arguments, env);
    if (!Array.isArray(args)) return args;
    return this.call(callee, args, node, env);
  }

  private call(callee: Value, args: Value[], node: ts.CallExpression, env: Env): Value {
    switch (callee.kind) {
      case "sdk":
        switch (callee.name) {
          case "all":
          case "any":
            return makeCombined(this, callee.name, args, { file: env.scope.file, node });
          case "Asset.ref":
            return makeRef(this, args[0], { file: env.scope.file, node });
          case "dag":
            if (args.length >= 2) return this.defineFunctionalDag(args, node, env);
            return {
              kind: "decorator",
              decorator: "dag",
              options: args[0] ?? UNDEFINED,
              site: { file: env.scope.file, node },
            };
          case "task": {
            const [first, second] = args;
            if ((first?.kind === "function" || first?.kind === "unknown") && second === undefined && env.dag) {
              return this.defineFunctionTask(undefined, first, node, env);
            }
            if (first?.kind === "function" && second === undefined)
              return this.defineFunctionTask(undefined, first, node, env);
            if (second?.kind === "function" || second?.kind === "unknown")
              return this.defineFunctionTask(first, second, node, env);
            if (second !== undefined) {
              this.report(
                DiagnosticCatalog.invalidDecorator,
                {
                  message:
                    "Use @task() with parentheses (or @task({ ... })) on a method of a @dag class; bare @task is not supported.",
                },
                { file: env.scope.file, node },
              );
              return INVALID;
            }
            return {
              kind: "decorator",
              decorator: "task",
              options: first ?? UNDEFINED,
              site: { file: env.scope.file, node },
            };
          }
          case "chain":
            return this.chain(args, node, env);
          case "registerUriScheme": {
            const scheme = args[0];
            if (env.mode === "execute") {
              this.report(
                DiagnosticCatalog.customUriScheme,
                { scheme: scheme?.kind === "string" ? scheme.value.toLowerCase() : "custom" },
                { file: env.scope.file, node },
              );
            }
            return UNDEFINED;
          }
          default:
            return this.callOf(node, env);
        }
      case "method":
        return this.callMethod(callee.receiver, callee.name, args, node, env);
      case "function":
        return this.callFunction(callee, args, node, env);
      case "global":
        if (callee.name === "String" && args[0]) {
          const value = primitive(args[0]);
          if (value !== undefined || args[0].kind === "undefined") return { kind: "string", value: String(value) };
        }
        if (callee.name === "Number" && args[0]) {
          const value = primitive(args[0]);
          if (value !== undefined) return { kind: "number", value: Number(value) };
        }
        return this.callOf(node, env);
      case "unknown":
        return callee.reason.kind === "env" || callee.reason.kind === "invalid" ? callee : this.callOf(node, env);
      default:
        return this.callOf(node, env);
    }
  }

  private callMethod(receiver: Value, name: string, args: Value[], node: ts.CallExpression, env: Env): Value {
    const site: Site = { file: env.scope.file, node };
    if (isConditionValue(receiver) && (name === "and" || name === "or")) {
      return makeCombined(this, name === "and" ? "all" : "any", [receiver, ...args], site);
    }
    if (receiver.kind === "task" && (name === "precedes" || name === "follows")) {
      if (env.mode !== "execute") return this.runtime(node, env);
      if (name === "precedes") {
        this.link([receiver], args, site, "precedes()");
        return args.at(-1) ?? UNDEFINED;
      }
      this.link(args, [receiver], site, "follows()");
      return receiver;
    }
    if (receiver.kind === "ctxEvents" && name === "get") {
      return receiver.events === "outletEvents"
        ? { kind: "outletAccessor", target: args[0] ?? UNDEFINED }
        : this.runtime(node, env);
    }
    if (receiver.kind === "array" && name === "join") {
      const separator = args[0] === undefined ? "," : primitive(args[0]);
      const parts = receiver.items.map(primitive);
      if (typeof separator === "string" && parts.every((part) => part !== undefined)) {
        return { kind: "string", value: parts.map((part) => (part === null ? "" : String(part))).join(separator) };
      }
    }
    if (receiver.kind === "array" && name === "concat") {
      const items = [...receiver.items];
      for (const argument of args) {
        if (argument.kind === "array") items.push(...argument.items);
        else items.push(argument);
      }
      return { kind: "array", items };
    }
    if (receiver.kind === "string") {
      const text = receiver.value;
      const strings = args.map(primitive);
      if (strings.every((part) => part !== undefined)) {
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
                value:
                  name === "replace" ? text.replace(strings[0], strings[1]) : text.replaceAll(strings[0], strings[1]),
              };
            }
            break;
          case "padStart":
          case "padEnd":
            if (typeof strings[0] === "number") {
              const fill = typeof strings[1] === "string" ? strings[1] : " ";
              return {
                kind: "string",
                value: name === "padStart" ? text.padStart(strings[0], fill) : text.padEnd(strings[0], fill),
              };
            }
            break;
        }
      }
    }
    if (receiver.kind === "global") {
      if (receiver.name === "Object" && name === "freeze" && args[0]) return args[0];
      if (receiver.name === "Date" && name === "UTC" && args.every((argument) => argument.kind === "number")) {
        const [year = 0, month = 0, ...rest] = args.map((argument) =>
          argument.kind === "number" ? argument.value : 0,
        );
        return { kind: "number", value: Date.UTC(year, month, ...rest) };
      }
      if (receiver.name === "process.env") return this.unknown({ kind: "env", text: "process.env" }, node, env);
    }
    return this.callOf(node, env);
  }

  /** Runs a user function with its parameters bound to the arguments (execute mode only). */
  private callFunction(fn: FunctionValue, args: Value[], node: ts.CallExpression, env: Env, thisValue?: Value): Value {
    const body = fn.node.body;
    if (env.mode !== "execute" || !body || fn.node.asteriskToken || env.depth >= MAX_DEPTH) {
      return this.callOf(node, env);
    }
    const scope = new Scope(fn.scope, fn.scope.file);
    const callEnv: Env = {
      scope,
      dag: env.dag,
      thisValue: isArrowFunction(fn.node) ? fn.thisValue : thisValue,
      mode: "execute",
      depth: env.depth + 1,
    };
    this.bindParameters(fn.node.parameters, args, scope, callEnv);
    let result: Value;
    if (isBlock(body)) {
      const completion = this.execStatements(body.statements, callEnv);
      result = completion.kind === "return" ? completion.value : UNDEFINED;
    } else result = this.evaluate(body, callEnv);
    const isAsync = hasModifier(fn.node, SK.AsyncKeyword);
    return isAsync ? this.callOf(node, env) : result;
  }

  private bindParameters(
    parameters: readonly ts.ParameterDeclaration[],
    args: readonly Value[],
    scope: Scope,
    env: Env,
  ): void {
    let index = 0;
    for (const parameter of parameters) {
      if (isIdentifier(parameter.name) && parameter.name.text === "this") continue;
      let value: Value;
      if (parameter.dotDotDotToken) value = { kind: "array", items: args.slice(index) };
      else value = args[index] ?? UNDEFINED;
      if (value.kind === "undefined" && parameter.initializer) value = this.evaluate(parameter.initializer, env);
      this.bindPattern(parameter.name, value, scope, env);
      index++;
    }
  }

  private evaluateTaggedTemplate(node: ts.TaggedTemplateExpression, env: Env): Value {
    const tag = this.evaluate(node.tag, env);
    const template = node.template;
    const strings: string[] = [];
    const values: Value[] = [];
    if (isNoSubstitutionTemplateLiteral(template)) strings.push(template.text);
    else {
      strings.push(template.head.text);
      for (const span of template.templateSpans) {
        values.push(this.evaluate(span.expression, env));
        strings.push(span.literal.text);
      }
    }
    if (tag.kind === "sdk" && tag.name === "assets") {
      return parseAssetsTemplate(this, strings, values, { file: env.scope.file, node });
    }
    if (tag.kind === "unknown") return tag;
    return this.callOf(node, env);
  }

  private evaluateNew(node: ts.NewExpression, env: Env): Value {
    const callee = this.evaluate(node.expression, env);
    const args = this.evaluateArguments(node.arguments, env);
    const site: Site = { file: env.scope.file, node };
    if (!Array.isArray(args)) return args;
    const firstSite: Site = { file: env.scope.file, node: node.arguments?.[0] ?? node };
    if (callee.kind === "sdk") {
      switch (callee.name) {
        case "Asset":
          return makeAsset(this, args[0], firstSite);
        case "AssetAlias":
          return makeAlias(this, args, firstSite);
        case "AssetRef":
          return makeRef(this, args[0], site);
        case "AssetAll":
        case "AssetAny": {
          const list = args[0];
          if (list?.kind === "unknown") return list;
          return makeCombined(
            this,
            callee.name === "AssetAll" ? "all" : "any",
            list?.kind === "array" ? list.items : [],
            site,
          );
        }
        case "CronTriggerTimetable":
          return makeTimetable(this, "cronTrigger", args, site);
        case "CronDataIntervalTimetable":
          return makeTimetable(this, "cron", args, site);
        case "AssetOrTimeSchedule":
          return makeAssetOrTime(this, args[0], site);
        case "Metadata":
          return { kind: "metadata", asset: args[0] ?? UNDEFINED, alias: args[2] };
        case "BashOperator":
        case "SQLExecuteQueryOperator":
        case "BaseOperator":
          return this.newOperator(callee, args, node, env);
        default:
          return this.runtime(node, env);
      }
    }
    if (callee.kind === "global" && callee.name === "Date") return makeDate(this, args, site);
    if (callee.kind === "class") {
      if (this.isOperatorClass(callee, new Set())) return this.newOperator(callee, args, node, env);
      const base = this.unresolvedBase(callee, new Set());
      if (base && env.dag && env.mode === "execute" && looksLikeTaskOptions(args[0])) {
        this.report(
          DiagnosticCatalog.unknownClass,
          { name: callee.name, dagId: env.dag.settings.dagId, reason: base },
          site,
        );
      }
      return this.runtime(node, env);
    }
    if (callee.kind === "unknown" && env.dag && env.mode === "execute" && looksLikeTaskOptions(args[0])) {
      const reason =
        callee.reason.kind === "external"
          ? `it comes from the package ${JSON.stringify(callee.reason.specifier)}, which the compiler does not read`
          : "its class cannot be found";
      this.report(
        DiagnosticCatalog.unknownClass,
        { name: shortText(node.expression, env.scope.file), dagId: env.dag.settings.dagId, reason },
        site,
      );
    }
    return callee.kind === "unknown" ? callee : this.runtime(node, env);
  }

  // ---- classes -------------------------------------------------------------------

  private defineClass(node: ts.ClassLikeDeclaration, name: string, env: Env): Value {
    const value: ClassValue = { kind: "class", node, name, scope: env.scope };
    for (const decorator of decoratorsOf(node)) {
      const applied = this.evaluate(decorator.expression, env);
      const site: Site = { file: env.scope.file, node: decorator };
      if (applied.kind === "sdk" && applied.name === "dag") {
        this.report(
          DiagnosticCatalog.invalidDecorator,
          {
            message:
              "Use @dag() with parentheses (or @dag({ dagId, schedule })) on a class; bare @dag is not supported.",
          },
          site,
        );
      } else if (applied.kind === "decorator" && applied.decorator === "dag" && env.mode === "execute") {
        this.defineDagClass(value, applied.options, decorator, env);
      } else if (applied.kind === "decorator" && applied.decorator === "task") {
        this.report(
          DiagnosticCatalog.invalidDecorator,
          { message: "@task() decorates methods; use @dag() on a class." },
          site,
        );
      }
    }
    return value;
  }

  /** The value of a class's `extends` clause, or undefined when it has none. */
  private heritageOf(value: ClassValue, env: Env): Value | undefined {
    if (value.parent !== undefined) return value.parent ?? undefined;
    const clause = value.node.heritageClauses?.find((heritage) => heritage.token === SK.ExtendsKeyword);
    const expression = clause?.types[0]?.expression;
    const parent = expression
      ? this.evaluate(expression, { ...env, scope: value.scope, mode: "inspect", dag: undefined })
      : undefined;
    value.parent = parent ?? null;
    return parent;
  }

  private isOperatorClass(value: Value, seen: Set<ts.Node>): boolean {
    if (value.kind === "sdk") return SDK_OPERATORS.has(value.name);
    if (value.kind !== "class" || seen.has(value.node)) return false;
    seen.add(value.node);
    const parent = this.heritageOf(value, this.inspectEnv(value.scope));
    return parent !== undefined && this.isOperatorClass(parent, seen);
  }

  /** Why a class's ancestry cannot be followed, or undefined when it can. */
  private unresolvedBase(value: ClassValue, seen: Set<ts.Node>): string | undefined {
    if (seen.has(value.node)) return undefined;
    seen.add(value.node);
    const parent = this.heritageOf(value, this.inspectEnv(value.scope));
    if (!parent) return undefined;
    if (parent.kind === "class") return this.unresolvedBase(parent, seen);
    if (parent.kind === "unknown") {
      return parent.reason.kind === "external"
        ? `it extends \`${parent.reason.name}\` from the package ${JSON.stringify(parent.reason.specifier)}, which the compiler does not read`
        : "its base class cannot be found";
    }
    return undefined;
  }

  private inspectEnv(scope: Scope): Env {
    return { scope, dag: undefined, thisValue: undefined, mode: "inspect", depth: 0 };
  }

  private memberName(member: ts.ClassElement): string | undefined {
    return member.name ? propertyNameText(member.name) : undefined;
  }

  private constructorOf(value: ClassValue): ts.ConstructorDeclaration | undefined {
    return value.node.members.find(
      (member): member is ts.ConstructorDeclaration => isConstructorDeclaration(member) && member.body !== undefined,
    );
  }

  /** The classes of a class's ancestry written in user code, most derived first. */
  private classChain(value: ClassValue): ClassValue[] {
    const chain: ClassValue[] = [];
    let current: Value | undefined = value;
    while (current?.kind === "class") {
      const next: ClassValue = current;
      if (chain.some((item) => item.node === next.node)) break;
      chain.push(next);
      current = this.heritageOf(next, this.inspectEnv(next.scope));
    }
    return chain;
  }

  private findMethod(
    chain: readonly ClassValue[],
    name: string,
  ): { method: ts.MethodDeclaration; owner: ClassValue } | undefined {
    for (const owner of chain) {
      for (const member of owner.node.members) {
        if (isMethodDeclaration(member) && member.body && !hasModifier(member, SK.StaticKeyword)) {
          if (this.memberName(member) === name) return { method: member, owner };
        }
      }
    }
    return undefined;
  }

  /** Runs a class's construction on `instance`: base classes, field initializers, constructor body. */
  private constructInstance(value: ClassValue, instance: ObjectValue, args: Value[], env: Env): void {
    if (env.depth >= MAX_DEPTH) return;
    const classEnv: Env = {
      scope: new Scope(value.scope, value.scope.file),
      dag: env.dag,
      thisValue: instance,
      mode: "execute",
      depth: env.depth + 1,
    };
    const parent = this.heritageOf(value, classEnv);
    const constructParent = (parentArgs: Value[]): void => {
      if (parent?.kind === "class") this.constructInstance(parent, instance, parentArgs, classEnv);
      else if (parent?.kind === "unknown") {
        reportUnknown(this, parent, {
          what: `The base class of ${value.name}`,
          hint: "declare it in this project, so the compiler sees the tasks it adds",
        });
      }
    };
    const ctor = this.constructorOf(value);
    if (!ctor?.body) {
      constructParent(args);
      this.initializeFields(value, instance, classEnv);
      return;
    }
    this.bindParameters(ctor.parameters, args, classEnv.scope, classEnv);
    let initialized = false;
    if (!parent) {
      this.initializeFields(value, instance, classEnv);
      initialized = true;
    }
    for (const statement of ctor.body.statements) {
      const superCall = superCallOf(statement);
      if (superCall) {
        const parentArgs = this.evaluateArguments(superCall.arguments, classEnv);
        constructParent(Array.isArray(parentArgs) ? parentArgs : []);
        if (!initialized) {
          this.initializeFields(value, instance, classEnv);
          initialized = true;
        }
        continue;
      }
      const completion = this.execStatement(statement, classEnv);
      if (completion.kind !== "normal") break;
    }
  }

  private initializeFields(value: ClassValue, instance: ObjectValue, env: Env): void {
    const ctor = this.constructorOf(value);
    for (const parameter of ctor?.parameters ?? []) {
      if (isIdentifier(parameter.name) && getModifiers(parameter)?.length) {
        const bound = env.scope.get(parameter.name.text);
        instance.props.set(parameter.name.text, bound?.kind === "value" ? bound.value : UNDEFINED);
      }
    }
    for (const member of value.node.members) {
      if (!isPropertyDeclaration(member) || hasModifier(member, SK.StaticKeyword)) continue;
      if (hasModifier(member, SK.DeclareKeyword)) continue;
      const name = this.memberName(member);
      if (name === undefined) continue;
      const field = member.initializer ? this.evaluate(member.initializer, env, name) : UNDEFINED;
      instance.props.set(name, field);
    }
  }

  // ---- DAGs ------------------------------------------------------------------------

  private openDag(settings: DagSettingsModel, site: Site, scheduleSite: Site): DagBuild {
    const build: DagBuild = {
      key: this.nextDagKey++,
      settings,
      tasks: new Map(),
      edges: [],
      site: locate(site),
      scheduleSite: locate(scheduleSite),
      open: true,
    };
    this.builds.set(build.key, build);
    return build;
  }

  private finishDag(build: DagBuild): DagModel {
    build.open = false;
    this.builds.delete(build.key);
    const { dagId } = build.settings;
    const upstream = new Map<string, string[]>();
    for (const edge of build.edges) {
      const up = build.tasks.has(edge.upstream);
      const down = build.tasks.has(edge.downstream);
      if (!up || !down) {
        const missing = up ? edge.downstream : edge.upstream;
        const known = [...build.tasks.keys()].join(", ") || "(none)";
        this.report(
          DiagnosticCatalog.taskNotFound,
          { dagId, upstream: edge.upstream, downstream: edge.downstream, missing, known },
          edge.site,
        );
      } else if (edge.upstream === edge.downstream) {
        this.report(DiagnosticCatalog.dependencyCycle, { dagId, cycle: [edge.upstream, edge.upstream] }, edge.site);
      } else {
        const parents = upstream.get(edge.downstream);
        if (!parents) upstream.set(edge.downstream, [edge.upstream]);
        else if (!parents.includes(edge.upstream)) parents.push(edge.upstream);
      }
    }
    if (build.edges.length >= 2) {
      const cycle = findTaskCycle([...build.tasks.keys()], upstream);
      if (cycle) {
        const first = build.tasks.get(cycle[0] ?? "");
        this.report(DiagnosticCatalog.dependencyCycle, { dagId, cycle }, first?.site ?? build.site);
      }
    }
    for (const [taskId, parents] of upstream)
      if (parents.length > 1)
        upstream.set(
          taskId,
          sortedBy(parents, (id) => id),
        );
    const settings = build.settings;
    const model: DagModel = {
      dagId: settings.dagId,
      description: settings.description,
      schedule: settings.schedule,
      scheduleLeaves: settings.scheduleLeaves,
      condition: settings.condition,
      startDate: settings.startDate,
      catchup: settings.catchup,
      maxActiveRuns: settings.maxActiveRuns,
      tags: settings.tags,
      params: settings.params,
      key: build.key,
      tasks: build.tasks,
      upstream,
      site: build.site,
      scheduleSite: build.scheduleSite,
    };
    this.stack.at(-1)?.dags.push(model);
    return model;
  }

  private defineFunctionalDag(args: Value[], node: ts.CallExpression, env: Env): Value {
    const site: Site = { file: env.scope.file, node };
    if (env.mode !== "execute") return this.runtime(node, env);
    const [options, build] = args;
    if (build?.kind !== "function") {
      if (build?.kind === "unknown") {
        reportUnknown(this, build, {
          what: "The build function of this DAG",
          hint: "pass an arrow function or a function declared in this project",
        });
        return INVALID;
      }
      this.report(
        DiagnosticCatalog.invalidDag,
        {
          message:
            "dag(options, build) takes a function as its second argument, as in dag({ dagId: 'etl' }, () => { task(...) }).",
        },
        site,
      );
      return INVALID;
    }
    const optionsSite: Site = { file: env.scope.file, node: node.arguments[0] ?? node };
    const parsed = parseDagSettings(this, options, {
      where: (dagId) => (dagId === undefined ? describeDagCall(options) : `dag "${dagId}"`),
      site: optionsSite,
    });
    if (!parsed) return INVALID;
    if (hasModifier(build.node, SK.AsyncKeyword)) {
      this.report(
        DiagnosticCatalog.invalidDag,
        {
          message: `The build function of DAG "${parsed.settings.dagId}" returned a Promise: declare tasks synchronously; put async work inside task functions.`,
        },
        { file: build.scope.file, node: build.node },
      );
      return INVALID;
    }
    const dagBuild = this.openDag(parsed.settings, site, parsed.scheduleSite);
    this.callFunction(build, [], node, { ...env, dag: dagBuild });
    this.finishDag(dagBuild);
    return { kind: "dag", dagId: parsed.settings.dagId };
  }

  private defineDagClass(value: ClassValue, options: Value, decorator: ts.Decorator, env: Env): void {
    const file = value.scope.file;
    const site: Site = { file, node: value.node.name ?? decorator };
    const className = value.name;
    const optionsSite: Site = {
      file,
      node: isCallExpression(decorator.expression) ? (decorator.expression.arguments[0] ?? decorator) : decorator,
    };
    const parsed = parseDagSettings(this, options, {
      where: () => `@dag of class "${className}"`,
      site: optionsSite,
      defaultDagId: className,
    });
    if (!parsed) return;
    const build = this.openDag(parsed.settings, site, parsed.scheduleSite);
    const instance: ObjectValue = { kind: "object", props: new Props() };
    const buildEnv: Env = { ...env, dag: build };
    this.constructInstance(value, instance, [], buildEnv);
    const chain = this.classChain(value);
    const records: { methodName: string; options: Value; site: Site; member: ts.ClassElement }[] = [];
    for (const owner of [...chain].reverse()) {
      const ownerEnv: Env = { ...buildEnv, scope: owner.scope, thisValue: undefined };
      for (const member of owner.node.members) {
        for (const memberDecorator of decoratorsOf(member)) {
          const applied = this.evaluate(memberDecorator.expression, { ...ownerEnv, mode: "inspect" });
          const decoratorSite: Site = { file: owner.scope.file, node: memberDecorator };
          const isBare = applied.kind === "sdk" && applied.name === "task";
          if (!isBare && !(applied.kind === "decorator" && applied.decorator === "task")) continue;
          const methodName = this.memberName(member) ?? "(computed)";
          if (isBare) {
            this.report(
              DiagnosticCatalog.invalidDecorator,
              {
                message:
                  "Use @task() with parentheses (or @task({ ... })) on a method of a @dag class; bare @task is not supported.",
              },
              decoratorSite,
            );
            continue;
          }
          const misuse = describeMisuse(member);
          if (misuse) {
            this.report(
              DiagnosticCatalog.invalidDecorator,
              {
                message: `@task() can only decorate a public instance method of a @dag class, not the ${misuse} "${methodName}".`,
              },
              decoratorSite,
            );
            continue;
          }
          records.push({
            methodName,
            options: applied.kind === "decorator" ? applied.options : UNDEFINED,
            site: { file: owner.scope.file, node: member.name ?? member },
            member,
          });
        }
      }
    }
    const parsedRecords = records.map((record) => ({
      record,
      options: parseTaskOptions(
        this,
        record.options,
        TASK_OPTION_KEYS,
        `@task of method "${className}.${record.methodName}"`,
        `task "${record.methodName}"`,
        record.site,
      ),
    }));
    const taskIdByMethod = new Map<string, string>();
    for (const { record, options: taskOptions } of parsedRecords) {
      taskIdByMethod.set(record.methodName, taskOptions?.taskId ?? record.methodName);
    }
    const resolve = (name: string): string => taskIdByMethod.get(name) ?? name;
    for (const { record, options: taskOptions } of parsedRecords) {
      if (!taskOptions) continue;
      const taskId = resolve(record.methodName);
      const names = (key: "args" | "after"): string[] => {
        const list = taskOptions[key];
        if (list === undefined) return [];
        if (list.kind === "unknown") {
          reportUnknown(this, list, { what: `The option "${key}" of task "${taskId}"`, hint: CONSTANT_HINT });
          return [];
        }
        if (list.kind !== "array" || !list.items.every((item) => item.kind === "string")) {
          this.report(
            DiagnosticCatalog.invalidOption,
            {
              option: key,
              where: `@task of method "${className}.${record.methodName}"`,
              problem: `${key} must list method names or task ids (strings)`,
            },
            record.site,
          );
          return [];
        }
        return list.items.map((item) => (item.kind === "string" ? resolve(item.value) : ""));
      };
      const args = names("args");
      const after = names("after");
      const task = this.addTask(build, taskId, "task", taskOptions, record.site);
      if (!task) continue;
      for (const upstream of [...args, ...after]) build.edges.push({ upstream, downstream: taskId, site: task.site });
      const method = this.findMethod(chain, record.methodName);
      if (method) this.collectTouches(method.method, method.owner.scope, task, build, instance);
    }
    this.finishDag(build);
  }

  private addTask(
    build: DagBuild,
    taskId: string,
    operator: string,
    options: {
      outlets: readonly (AssetValue | AliasValue)[];
      inlets: readonly (AssetValue | AliasValue)[];
      retries: number;
      retryDelayMs: number;
      executionTimeoutMs: number | null;
    },
    site: Site,
  ): TaskModel | undefined {
    if (build.tasks.has(taskId)) {
      this.report(DiagnosticCatalog.duplicateTask, { dagId: build.settings.dagId, taskId }, site);
      return undefined;
    }
    const task: TaskModel = {
      taskId: detach(taskId),
      operator: detach(operator),
      outlets: options.outlets,
      inlets: options.inlets,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
      executionTimeoutMs: options.executionTimeoutMs,
      site: locate(site),
      addedThroughAliases: NO_ASSETS,
    };
    build.tasks.set(taskId, task);
    return task;
  }

  private defineFunctionTask(
    options: Value | undefined,
    fn: FunctionValue | UnknownValue,
    node: ts.CallExpression,
    env: Env,
  ): Value {
    const site: Site = { file: env.scope.file, node };
    if (env.mode !== "execute") return this.runtime(node, env);
    const declared = options?.kind === "object" ? options.props.get("taskId") : undefined;
    const fnName = fn.kind === "function" ? fn.name : "";
    const name = declared?.kind === "string" ? declared.value : fnName;
    const build = env.dag;
    if (!build) {
      this.report(DiagnosticCatalog.outsideDag, { what: `task ${name ? `"${name}"` : "(anonymous function)"}` }, site);
      return INVALID;
    }
    const where = `task ${name ? `"${name}" ` : ""}of DAG "${build.settings.dagId}"`;
    const parsed = parseTaskOptions(
      this,
      options,
      TASK_OPTION_KEYS,
      where,
      `task ${name ? `"${name}"` : "(anonymous)"}`,
      site,
    );
    if (!parsed) return INVALID;
    const taskId = parsed.taskId ?? (fnName || undefined);
    if (!taskId) {
      if (fn.kind === "unknown") {
        reportUnknown(this, fn, {
          what: `The function of a task of DAG "${build.settings.dagId}"`,
          hint: 'define it in this project, or give the task an id: task({ taskId: "my_task" }, fn)',
        });
        return INVALID;
      }
      this.report(
        DiagnosticCatalog.invalidTask,
        {
          message: `A task of DAG "${build.settings.dagId}" has no taskId: pass task({ taskId: "my_task" }, fn) or a named function.`,
        },
        site,
      );
      return INVALID;
    }
    const handles = (key: "args" | "after"): TaskHandleValue[] =>
      this.taskHandles(parsed[key], key, taskId, build, site);
    const argIds = handles("args");
    const task = this.addTask(build, taskId, "task", parsed, site);
    for (const upstream of argIds) build.edges.push({ upstream: upstream.taskId, downstream: taskId, site });
    for (const upstream of handles("after")) build.edges.push({ upstream: upstream.taskId, downstream: taskId, site });
    if (task && fn.kind === "function") this.collectTouches(fn.node, fn.scope, task, build, fn.thisValue);
    return { kind: "task", dagKey: build.key, dagId: build.settings.dagId, taskId };
  }

  private taskHandles(
    list: Value | undefined,
    key: string,
    taskId: string,
    build: DagBuild,
    site: Site,
  ): TaskHandleValue[] {
    if (list === undefined) return [];
    if (list.kind === "unknown") {
      reportUnknown(this, list, {
        what: `The option "${key}" of task "${taskId}"`,
        hint: "pass task handles or operators of the same DAG",
      });
      return [];
    }
    if (list.kind !== "array") {
      this.report(
        DiagnosticCatalog.invalidOption,
        {
          option: key,
          where: `task "${taskId}" of DAG "${build.settings.dagId}"`,
          problem: `${key} must be a list of task handles`,
        },
        site,
      );
      return [];
    }
    const result: TaskHandleValue[] = [];
    for (const [index, item] of list.items.entries()) {
      if (item.kind === "task") {
        if (item.dagKey !== build.key) {
          this.report(DiagnosticCatalog.crossDagDependency, { upstream: item.taskId, downstream: taskId }, site);
          continue;
        }
        result.push(item);
      } else if (item.kind === "unknown") {
        reportUnknown(this, item, {
          what: `${capitalize(key)}[${index}] of task "${taskId}"`,
          hint: "pass the handle returned by task(...) or an operator of the same DAG",
        });
      } else {
        this.report(
          DiagnosticCatalog.invalidOption,
          {
            option: `${key}.${index}`,
            where: `task "${taskId}" of DAG "${build.settings.dagId}"`,
            problem: `expected a task handle or operator, got ${describeValueKind(item)}`,
          },
          site,
        );
      }
    }
    return result;
  }

  private newOperator(callee: Value, args: Value[], node: ts.NewExpression, env: Env): Value {
    const site: Site = { file: env.scope.file, node };
    if (env.mode !== "execute") return this.runtime(node, env);
    const className = callee.kind === "class" ? callee.name : callee.kind === "sdk" ? callee.name : "Operator";
    const plan = this.resolveOperator(callee, args, env);
    if (plan.kind === "unknown") {
      this.report(
        DiagnosticCatalog.unknownClass,
        { name: className, dagId: env.dag?.settings.dagId ?? "(none)", reason: plan.reason },
        site,
      );
      return this.runtime(node, env);
    }
    const options = plan.options;
    const declaredTaskId = options?.kind === "object" ? options.props.get("taskId") : undefined;
    const taskIdHint = declaredTaskId?.kind === "string" ? ` "${declaredTaskId.value}"` : "";
    const build = env.dag;
    if (!build) {
      this.report(DiagnosticCatalog.outsideDag, { what: `${className}${taskIdHint}` }, site);
      return INVALID;
    }
    const where = `${className}${taskIdHint} of DAG "${build.settings.dagId}"`;
    let baseOptions: Value | undefined = options;
    if (options?.kind === "object") {
      const own = plan.ownKeys;
      const props = options.props.without(own);
      baseOptions = options.unknownSpread
        ? {
            kind: "object",
            props,
            ...(options.origin ? { origin: options.origin } : {}),
            unknownSpread: options.unknownSpread,
          }
        : { kind: "object", props, ...(options.origin ? { origin: options.origin } : {}) };
    }
    const known = plan.ownKeys.length > 0 ? operatorKeys(plan.base, plan.ownKeys) : OPERATOR_BASE_KEYS;
    const whereWithHint =
      plan.ownKeys.length > 0 || plan.base === className
        ? where
        : `${where} (its constructor passes these options to super(...))`;
    const parsed = parseTaskOptions(this, baseOptions, known, whereWithHint, `${className}${taskIdHint}`, site);
    if (!parsed) return INVALID;
    if (parsed.taskId === undefined) {
      this.report(
        DiagnosticCatalog.invalidOption,
        {
          option: "taskId",
          where,
          problem: "an operator needs a task id: add taskId to its options",
        },
        site,
      );
      return INVALID;
    }
    const taskId = parsed.taskId;
    const task = this.addTask(build, taskId, className, parsed, site);
    for (const upstream of this.taskHandles(parsed.after, "after", taskId, build, site)) {
      build.edges.push({ upstream: upstream.taskId, downstream: taskId, site });
    }
    if (task && callee.kind === "class") {
      const chain = this.classChain(callee);
      for (const methodName of ["preExecute", "execute", "postExecute"]) {
        const method = this.findMethod(chain, methodName);
        if (method) this.collectTouches(method.method, method.owner.scope, task, build, undefined);
      }
    }
    return { kind: "task", dagKey: build.key, dagId: build.settings.dagId, taskId };
  }

  /** Follows an operator class's constructors down to the SDK operator it extends, binding arguments. */
  private resolveOperator(
    callee: Value,
    args: Value[],
    env: Env,
  ):
    | { kind: "operator"; base: string; options: Value | undefined; ownKeys: readonly string[] }
    | { kind: "unknown"; reason: string } {
    let current: Value | undefined = callee;
    let currentArgs = args;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (current?.kind === "sdk") {
        return {
          kind: "operator",
          base: current.name,
          options: currentArgs[0],
          ownKeys: SDK_OPERATOR_OWN_KEYS.get(current.name) ?? [],
        };
      }
      if (current?.kind !== "class") break;
      const parent = this.heritageOf(current, env);
      const ctor = this.constructorOf(current);
      if (ctor?.body) {
        const scope = new Scope(current.scope, current.scope.file);
        const ctorEnv: Env = { scope, dag: env.dag, thisValue: undefined, mode: "inspect", depth: env.depth + 1 };
        this.bindParameters(ctor.parameters, currentArgs, scope, ctorEnv);
        let superArgs: Value[] | undefined;
        for (const statement of ctor.body.statements) {
          const superCall = superCallOf(statement);
          if (superCall) {
            const evaluated = this.evaluateArguments(superCall.arguments, ctorEnv);
            superArgs = Array.isArray(evaluated) ? evaluated : [evaluated];
            break;
          }
          if (isVariableStatement(statement)) this.execStatement(statement, ctorEnv);
        }
        if (!superArgs) {
          return {
            kind: "unknown",
            reason: `the constructor of ${current.name} calls super(...) in a way the compiler cannot follow`,
          };
        }
        currentArgs = superArgs;
      }
      current = parent;
    }
    return { kind: "unknown", reason: "its base class cannot be followed" };
  }

  private chain(args: Value[], node: ts.CallExpression, env: Env): Value {
    const site: Site = { file: env.scope.file, node };
    if (env.mode !== "execute") return UNDEFINED;
    const lists = args.map((element) => (element.kind === "array" ? element.items : [element]));
    for (let index = 1; index < lists.length; index++) {
      this.link(lists[index - 1] ?? [], lists[index] ?? [], site, "chain()");
    }
    return UNDEFINED;
  }

  private link(upstream: readonly Value[], downstream: readonly Value[], site: Site, what: string): void {
    const check = (value: Value): TaskHandleValue | undefined => {
      if (value.kind === "task") return value;
      if (value.kind === "unknown") {
        reportUnknown(this, value, {
          what: `A task passed to ${what}`,
          hint: "pass the handles returned by task(...) or operators",
        });
        return undefined;
      }
      this.report(
        DiagnosticCatalog.invalidTask,
        {
          message: `Dependencies link tasks, but got ${describeValueKind(value)}. Pass the handles returned by task(...) or operators.`,
        },
        site,
      );
      return undefined;
    };
    const ups = upstream.map(check).filter((value) => value !== undefined);
    const downs = downstream.map(check).filter((value) => value !== undefined);
    for (const up of ups) {
      for (const down of downs) {
        if (up.dagKey !== down.dagKey) {
          this.report(DiagnosticCatalog.crossDagDependency, { upstream: up.taskId, downstream: down.taskId }, site);
          continue;
        }
        const build = this.builds.get(up.dagKey);
        if (!build?.open) {
          this.report(
            DiagnosticCatalog.invalidDag,
            {
              message: `Cannot add the dependency ${up.taskId} -> ${down.taskId}: DAG "${up.dagId}" is already built. Declare tasks and dependencies inside dag(options, () => { ... }).`,
            },
            site,
          );
          continue;
        }
        build.edges.push({ upstream: up.taskId, downstream: down.taskId, site });
      }
    }
  }

  // ---- task bodies -------------------------------------------------------------------

  /**
   * Reads a task's function or method (never runs it) for the assets it
   * touches: `yield new Metadata(...)`, `ctx.outletEvents.get(...)` (and
   * `.add(...)` through an alias), `ctx.inletEvents.get(...)`; checks them
   * against the task's outlets and inlets.
   */
  private collectTouches(
    fn: ts.FunctionLikeDeclaration,
    closure: Scope,
    task: TaskModel,
    build: DagBuild,
    thisValue: Value | undefined,
  ): void {
    if (!fn.body) return;
    const file = closure.file;
    if (!mentionsTouches(file, fn.body)) return;
    const scope = new Scope(closure, file);
    const env: Env = { scope, dag: undefined, thisValue, mode: "inspect", depth: 0 };
    const parameters = fn.parameters.filter(
      (parameter) => !(isIdentifier(parameter.name) && parameter.name.text === "this"),
    );
    for (const [index, parameter] of parameters.entries()) {
      const value: Value =
        index === 0
          ? { kind: "ctx" }
          : this.unknown({ kind: "parameter", name: shortText(parameter.name, file) }, parameter, env);
      this.bindPattern(parameter.name, value, scope, env);
    }
    const dagId = build.settings.dagId;
    const declares = (list: readonly (AssetValue | AliasValue)[], item: AssetValue | AliasValue | string): boolean =>
      list.some((declared) =>
        typeof item === "string"
          ? declared.kind === "alias" && declared.name === item
          : item.kind === "asset"
            ? declared.kind === "asset" && declared.key === item.key
            : declared.kind === "alias" && declared.name === item.name,
      );
    const target = (value: Value, call: () => string, site: Site): AssetValue | AliasValue | undefined => {
      if (value.kind === "asset" || value.kind === "alias") return value;
      if (value.kind === "unknown" && value.reason.kind === "invalid") return undefined;
      const reason =
        value.kind === "unknown"
          ? value.reason.kind === "parameter"
            ? `its argument is the parameter \`${value.reason.name}\``
            : "its argument is not known at build time"
          : `its argument is ${describeValueKind(value)}`;
      this.report(DiagnosticCatalog.touchUnchecked, { call: call(), taskId: task.taskId, reason }, site);
      return undefined;
    };
    // One walker for the whole body: `current` is the environment of the node being visited,
    // saved and restored around the nodes that open a scope (no closure per node).
    let current = env;
    const within = (scope: Scope, node: ts.Node): void => {
      const saved = current;
      current = { ...current, scope };
      forEachChild(node, visit);
      current = saved;
    };
    const visit = (node: ts.Node): void => {
      if (isBlock(node) || isModuleBlock(node)) {
        const declares = node.statements.some(
          (statement) => isVariableStatement(statement) || isFunctionDeclaration(statement),
        );
        if (declares) within(this.lazyScope(node.statements, current.scope), node);
        else forEachChild(node, visit);
        return;
      }
      if (isFunctionLike(node) && node !== fn) {
        const inner = new Scope(current.scope, file);
        for (const parameter of node.parameters) {
          for (const name of namesOf(parameter.name)) {
            inner.set(name, {
              kind: "value",
              value: this.unknown({ kind: "parameter", name }, parameter, current),
            });
          }
        }
        within(inner, node);
        return;
      }
      if ((isForOfStatement(node) || isForInStatement(node)) && isVariableDeclarationList(node.initializer)) {
        const inner = new Scope(current.scope, file);
        for (const declaration of node.initializer.declarations) {
          for (const name of namesOf(declaration.name)) {
            inner.set(name, { kind: "value", value: this.unknown(RUNTIME, declaration, current) });
          }
        }
        within(inner, node);
        return;
      }
      if (!isCallExpression(node) && !isNewExpression(node)) {
        forEachChild(node, visit);
        return;
      }
      const site: Site = { file, node };
      if (isCallExpression(node) && isPropertyAccessExpression(node.expression)) {
        const method = node.expression.name.text;
        const receiverNode = node.expression.expression;
        if (method === "get") {
          const receiver = this.evaluate(receiverNode, current);
          if (receiver.kind === "ctxEvents" && node.arguments[0]) {
            const argument = node.arguments[0];
            const call = () => `ctx.${receiver.events}.get(${shortText(argument, file)})`;
            const item = target(this.evaluate(argument, current), call, site);
            if (item && receiver.events === "outletEvents") {
              const declared = declares(task.outlets, item);
              if (!declared)
                this.report(
                  DiagnosticCatalog.outletEventsNotOutlet,
                  { taskId: task.taskId, dagId, target: describeTarget(item) },
                  site,
                );
            } else if (item) {
              const declared = declares(task.inlets, item);
              if (!declared)
                this.report(
                  DiagnosticCatalog.inletEventsNotInlet,
                  { taskId: task.taskId, dagId, target: describeTarget(item) },
                  site,
                );
            }
          }
        } else if (method === "add" && isCallExpression(receiverNode) && node.arguments[0]) {
          const accessor = this.evaluate(receiverNode, current);
          if (accessor.kind === "outletAccessor" && accessor.target.kind === "alias") {
            const added = this.evaluate(node.arguments[0], current);
            if (added.kind === "asset") task.addedThroughAliases = [...task.addedThroughAliases, added];
            else {
              const argument = node.arguments[0];
              target(added, () => `ctx.outletEvents.get(...).add(${shortText(argument, file)})`, site);
            }
          }
        }
      } else if (isNewExpression(node)) {
        const callee = this.peek(node.expression, current);
        if (callee.kind === "sdk" && callee.name === "Metadata" && node.arguments?.[0]) {
          const first = node.arguments[0];
          const call = () => `new Metadata(${shortText(first, file)}, ...)`;
          const asset = this.evaluate(node.arguments[0], current);
          const optionsNode = node.arguments[2];
          const options = optionsNode ? this.evaluate(optionsNode, current) : undefined;
          const aliasValue = options?.kind === "object" ? options.props.get("alias") : undefined;
          const aliasName =
            aliasValue?.kind === "string"
              ? aliasValue.value
              : aliasValue?.kind === "alias"
                ? aliasValue.name
                : undefined;
          if (aliasValue && aliasValue.kind !== "undefined" && aliasName === undefined) {
            target(aliasValue, () => `the alias of ${call()}`, site);
          } else if (asset.kind === "alias") {
            this.report(
              DiagnosticCatalog.invalidAsset,
              {
                message: `Metadata needs an Asset as its first argument, got an AssetAlias. Pass new Metadata(myAsset, { ... }, { alias: "${asset.name}" }).`,
              },
              site,
            );
          } else {
            const item = target(asset, call, site);
            if (aliasName !== undefined) {
              if (!declares(task.outlets, aliasName)) {
                this.report(
                  DiagnosticCatalog.metadataNotOutlet,
                  { taskId: task.taskId, dagId, target: `alias ${JSON.stringify(aliasName)}` },
                  site,
                );
              }
              if (item?.kind === "asset") task.addedThroughAliases = [...task.addedThroughAliases, item];
            } else if (item?.kind === "asset" && !declares(task.outlets, item)) {
              this.report(
                DiagnosticCatalog.metadataNotOutlet,
                { taskId: task.taskId, dagId, target: describeTarget(item) },
                site,
              );
            }
          }
        }
      }
      forEachChild(node, visit);
    };
    visit(fn.body);
  }

  /** A scope whose consts are evaluated when first read. */
  private lazyScope(statements: readonly ts.Statement[], parent: Scope): Scope {
    const scope = new Scope(parent, parent.file);
    for (const statement of statements) {
      if (isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          for (const name of namesOf(declaration.name)) {
            scope.set(name, { kind: "lazy", declaration, scope, evaluating: false });
          }
        }
      } else if (isFunctionDeclaration(statement) && statement.name) {
        scope.set(statement.name.text, {
          kind: "value",
          value: { kind: "function", node: statement, name: statement.name.text, scope, thisValue: undefined },
        });
      }
    }
    return scope;
  }
}

const MATH_CONSTANTS = { PI: Math.PI, E: Math.E } as const;

const operatorKeysCache = new Map<string, readonly string[]>();

/** The options an SDK operator accepts: the base options and its own. */
function operatorKeys(base: string, own: readonly string[]): readonly string[] {
  let keys = operatorKeysCache.get(base);
  if (!keys) {
    keys = [...OPERATOR_BASE_KEYS, ...own];
    operatorKeysCache.set(base, keys);
  }
  return keys;
}

/** Cheap text test before walking a task body: does it mention outlet or inlet events, or Metadata? */
function mentionsTouches(file: ParsedFile, body: ts.Node): boolean {
  const words = ["outletEvents", "inletEvents", "Metadata"];
  for (const [local, binding] of file.summary.imports)
    if (binding.imported === "Metadata" && local !== "Metadata") words.push(local);
  const text = file.text.slice(body.pos, body.end);
  for (const word of words) if (text.includes(word)) return true;
  return false;
}

/** The scope that binds `name` (the nearest one). */
function findOwner(scope: Scope, name: string): Scope | undefined {
  for (let current: Scope | undefined = scope; current; current = current.parent) {
    if (current.has(name)) return current;
  }
  return undefined;
}

function namesOf(name: ts.BindingName): string[] {
  if (isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) if (!isOmittedExpression(element)) names.push(...namesOf(element.name));
  return names;
}

function superCallOf(statement: ts.Statement): ts.CallExpression | undefined {
  if (!isExpressionStatement(statement)) return undefined;
  const expression = statement.expression;
  return isCallExpression(expression) && expression.expression.kind === SK.SuperKeyword ? expression : undefined;
}

function looksLikeTaskOptions(value: Value | undefined): boolean {
  return value?.kind === "object" && value.props.has("taskId");
}

function describeDagCall(options: Value | undefined): string {
  const dagId = options?.kind === "object" ? options.props.get("dagId") : undefined;
  return dagId?.kind === "string" ? `dag "${dagId.value}"` : "dag()";
}

function describeMisuse(member: ts.ClassElement): string | undefined {
  if (isGetAccessorDeclaration(member)) return "getter";
  if (isSetAccessorDeclaration(member)) return "setter";
  if (!isMethodDeclaration(member)) return "field";
  const isStatic = hasModifier(member, SK.StaticKeyword);
  const isPrivate = member.name !== undefined && isPrivateIdentifier(member.name);
  if (isStatic || isPrivate) return `${isStatic ? "static " : ""}${isPrivate ? "private " : ""}method`;
  return undefined;
}

function jsonToValue(json: unknown): Value {
  if (Array.isArray(json)) return { kind: "array", items: json.map(jsonToValue) };
  if (typeof json === "object" && json !== null) {
    return {
      kind: "object",
      props: new Props(Object.entries(json).map(([key, item]) => [key, jsonToValue(item)] as const)),
    };
  }
  return fromPrimitive(json);
}

/** Kahn's algorithm over arrays, for DAGs with few tasks (no maps to allocate). */
function hasCycleSmall(taskIds: readonly string[], upstream: ReadonlyMap<string, readonly string[]>): boolean {
  const remaining = taskIds.map((taskId) => upstream.get(taskId)?.length ?? 0);
  const done = taskIds.map(() => false);
  let progress = true;
  let count = 0;
  while (progress) {
    progress = false;
    for (let index = 0; index < taskIds.length; index++) {
      if (done[index] || remaining[index] !== 0) continue;
      done[index] = true;
      count++;
      progress = true;
      const taskId = taskIds[index];
      for (let child = 0; child < taskIds.length; child++) {
        const parents = upstream.get(taskIds[child] as string);
        if (parents && taskId !== undefined && parents.includes(taskId)) remaining[child] = (remaining[child] ?? 0) - 1;
      }
    }
  }
  return count !== taskIds.length;
}

/** A cycle among task dependencies, in run order, or undefined (the SDK's `topologicalSort`). */
function findTaskCycle(
  taskIds: readonly string[],
  upstream: ReadonlyMap<string, readonly string[]>,
): string[] | undefined {
  // Kahn's algorithm first: most DAGs have no cycle, and this is linear.
  if (taskIds.length <= 32 && !hasCycleSmall(taskIds, upstream)) return undefined;
  const remaining = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const taskId of taskIds) {
    const parents = upstream.get(taskId);
    remaining.set(taskId, parents?.length ?? 0);
    for (const parent of parents ?? []) {
      const children = downstream.get(parent);
      if (children) children.push(taskId);
      else downstream.set(parent, [taskId]);
    }
  }
  const ready = taskIds.filter((taskId) => remaining.get(taskId) === 0);
  let done = 0;
  while (ready.length > 0) {
    const taskId = ready.pop() as string;
    done++;
    for (const child of downstream.get(taskId) ?? []) {
      const left = (remaining.get(child) ?? 0) - 1;
      remaining.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (done === taskIds.length) return undefined;
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  let cycle: string[] | undefined;
  const visit = (taskId: string): void => {
    if (cycle) return;
    const seen = state.get(taskId);
    if (seen === "done") return;
    if (seen === "visiting") {
      cycle = [...path.slice(path.indexOf(taskId)), taskId].reverse();
      return;
    }
    state.set(taskId, "visiting");
    path.push(taskId);
    for (const parent of [...(upstream.get(taskId) ?? [])].sort()) visit(parent);
    path.pop();
    state.set(taskId, "done");
  };
  for (const taskId of taskIds) visit(taskId);
  return cycle;
}
