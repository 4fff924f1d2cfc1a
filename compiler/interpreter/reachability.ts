/**
 * What code may do to the asset graph without running it. Decided by what
 * the code reaches, not by its text: a call reaches an SDK construct that
 * defines DAGs, tasks or dependencies when the callee is one (per the SDK
 * semantics table), or a user function, method or class that reaches one,
 * directly or through the functions it calls or is given.
 *
 * Two uses:
 * - {@link Reachability.skip}: code the compiler does not evaluate (the
 *   branches of a condition only known at run time, a loop over an unknown
 *   list) is an error where it reaches such a construct; what it may assign
 *   or change becomes unknown, so a value it may have changed is reported
 *   where it flows into a DAG;
 * - {@link Reachability.notFollowed}: a call the compiler cannot run (an
 *   unknown function, an async function, a method it does not know) is an
 *   error when its callee or arguments reach such a construct; the objects
 *   it is given may be changed, so they become unknown.
 *
 * In both, a `registerUriScheme` the code reaches is not a construct of the
 * graph but a change of the URI rules: each one is reported where it is
 * (AF2007), and the compiler's registry makes its scheme (or, when the
 * scheme is not known, every scheme a project can register) unknown, so
 * that the assets of that scheme created afterwards are errors.
 */
import { ts } from "ts-morph";
import { DiagnosticCatalog } from "../diagnostics.js";
import {
  type ClassValue,
  type FunctionValue,
  locate,
  type Scope,
  type Site,
  type UnknownValue,
  type Value,
} from "../values.js";
import type { Interpreter } from "./interpreter.js";
import { sdkEffectOf } from "./sdk-semantics.js";
import { type Env, namesOf, shortText } from "./support.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  forEachChild,
  isArrayLiteralExpression,
  isBinaryExpression,
  isBlock,
  isCallExpression,
  isCaseBlock,
  isCatchClause,
  isClassDeclaration,
  isClassLike,
  isDecorator,
  isDeleteExpression,
  isElementAccessExpression,
  isForInStatement,
  isForOfStatement,
  isForStatement,
  isFunctionDeclaration,
  isFunctionLike,
  isIdentifier,
  isIterationStatement,
  isLabeledStatement,
  isNewExpression,
  isObjectLiteralExpression,
  isPostfixUnaryExpression,
  isPrefixUnaryExpression,
  isPropertyAccessExpression,
  isShorthandPropertyAssignment,
  isSourceFile,
  isSpreadAssignment,
  isSpreadElement,
  isStringLiteralLike,
  isSwitchStatement,
  isTaggedTemplateExpression,
  isVariableDeclarationList,
  isVariableStatement,
  SyntaxKind: SK,
} = ts;

/** A construct found in code: where it is written (when it is), and how messages name it. */
export interface FoundConstruct {
  readonly site: Site | undefined;
  readonly text: string;
}

/** Methods that change their receiver. */
const MUTATING_METHODS = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "add",
  "delete",
  "clear",
]);

/** A `registerUriScheme(...)` that code reaches: where (the call, or the call of a function that reaches it) and its scheme. */
export interface SchemeRegistration {
  /** Undefined for a registration of a value held (`registerUriScheme` itself passed around): the caller's site counts. */
  readonly site: Site | undefined;
  /** The scheme argument as far as known without running the code (undefined: not known). */
  readonly scheme: Value | undefined;
  /** The call that reaches it when it is in a function (`setup(...)`), for messages. */
  readonly via?: string;
}

/** What a scan of some code found: a graph construct it reaches, whether it may leave early, the URI schemes it registers. */
interface Scan {
  found: FoundConstruct | undefined;
  leaves: boolean;
  /** Only collected when asked (code skipped, calls not followed): all of them, not the first. */
  schemes: SchemeRegistration[];
}

const REGISTER_URI_SCHEME = "registerUriScheme";

function isSchemeRegistration(value: Value | undefined): boolean {
  return value?.kind === "sdk" && value.name === REGISTER_URI_SCHEME && value.member === undefined;
}

/**
 * The statement whose parts are skipped, when `break` or `continue` in them
 * may target it: they end a round or the statement, not the code around it.
 */
export interface Enclosing {
  readonly kind: "loop" | "switch";
  /** The label the statement carries, if any. */
  readonly label: string | undefined;
}

/** Finds what code may do to the graph and to the values around it. */
export class Reachability {
  /** Per closure scope, per function node: the construct the function reaches (null: none). */
  private memo = new WeakMap<Scope, Map<ts.Node, FoundConstruct | null>>();
  /** Per closure scope, per function or class node: the URI scheme registrations it reaches. */
  private schemeMemo = new WeakMap<Scope, Map<ts.Node, readonly SchemeRegistration[]>>();

  constructor(private readonly vm: Interpreter) {}

  /** Forgets what it learnt (syntax trees may be released or replaced). */
  clear(): void {
    this.memo = new WeakMap();
    this.schemeMemo = new WeakMap();
  }

  /** A construct that defines DAGs, tasks or dependencies which `node` reaches, if any. */
  findConstruct(node: ts.Node, env: Env): FoundConstruct | undefined {
    return this.scanNodes([node], env, new Set(), undefined, false).found;
  }

  /**
   * Skips code the compiler does not evaluate: reports the first construct it
   * reaches that defines DAGs, tasks or dependencies (an error), and every
   * URI scheme registration it reaches (their schemes become unknown), and
   * makes unknown what it may assign or change. Returns true when it may
   * leave the enclosing block early (`return`, `break`, `continue`, `throw`;
   * with `enclosing`, a `break` or `continue` that targets that loop or
   * `switch` does not leave it).
   */
  skip(nodes: readonly ts.Node[], env: Env, where: string, site: Site, enclosing?: Enclosing): boolean {
    if (env.mode !== "execute") return false;
    const havoc: UnknownValue = { kind: "unknown", reason: { kind: "skipped", where }, at: site };
    const scan = this.scanNodes(nodes, env, new Set(), havoc, true, enclosing);
    if (scan.found) {
      this.vm.report(DiagnosticCatalog.notFollowed, { construct: scan.found.text, where }, scan.found.site ?? site);
    }
    for (const registration of scan.schemes) {
      const reason = registration.via
        ? `it is reached by ${registration.via}, in ${where}, which the compiler does not run`
        : `it is in ${where}, which the compiler does not run`;
      this.vm.uriSchemes.notRun(registration.site ?? site, registration.scheme, reason);
    }
    return scan.leaves;
  }

  /**
   * A call the compiler does not run. Reports it when one of `values` (its
   * callee and arguments) reaches a construct that defines DAGs, tasks or
   * dependencies; the objects among them may be changed by the call, so they
   * become unknown. Returns the unknown result of the call.
   */
  notFollowed(node: ts.Node, env: Env, why: string, values: readonly Value[]): UnknownValue {
    const site: Site = { file: env.scope.file, node };
    const result = resultOf(node, site);
    if (env.mode !== "execute") return result;
    for (const value of values) {
      const found = this.valueReaches(value, new Set());
      if (found) {
        this.vm.report(
          DiagnosticCatalog.callNotFollowed,
          {
            call: `${callText(node, env)}(...)`,
            why,
            construct: found.text,
            at: found.site && describeSite(found.site) !== describeSite(site) ? ` (${describeSite(found.site)})` : "",
          },
          site,
        );
        break;
      }
    }
    const changed: UnknownValue = {
      kind: "unknown",
      reason: { kind: "skipped", where: `the call \`${callText(node, env)}(...)\`` },
      at: site,
    };
    for (const value of values.slice(1)) havocDeep(value, changed, new Set());
    const call = `\`${callText(node, env)}(...)\``;
    const registrations: SchemeRegistration[] = [];
    for (const value of values) this.valueSchemes(value, new Set(), registrations);
    for (const registration of registrations) {
      this.vm.uriSchemes.notRun(
        site,
        registration.scheme,
        `it is reached by ${call}, which the compiler does not run (${why})`,
      );
    }
    return result;
  }

  /** The URI scheme registrations a value reaches when code calls it or what it holds. */
  private valueSchemes(value: Value, seen: Set<unknown>, into: SchemeRegistration[]): void {
    eachCallable(value, seen, (callable) => {
      if (callable.kind === "function")
        into.push(...this.functionSchemes(callable.scope, callable.node, callable.thisValue));
      else if (callable.kind === "class") into.push(...this.functionSchemes(callable.scope, callable.node, undefined));
      else if (isSchemeRegistration(callable)) into.push({ site: undefined, scheme: undefined });
      return false;
    });
  }

  /** The URI scheme registrations a function or class reaches (through the functions it calls), memoized. */
  private functionSchemes(scope: Scope, node: ts.Node, thisValue: Value | undefined): readonly SchemeRegistration[] {
    let byNode = this.schemeMemo.get(scope);
    if (!byNode) {
      byNode = new Map();
      this.schemeMemo.set(scope, byNode);
    }
    const known = byNode.get(node);
    if (known) return known;
    byNode.set(node, []); // recursion: what it reaches through itself is what it reaches
    const body = isFunctionLike(node) ? (node as ts.FunctionLikeDeclaration).body : node;
    const found = body
      ? this.scanNodes([body], inspectEnv(scope, thisValue), new Set([node]), undefined, true).schemes
      : [];
    byNode.set(node, found);
    return found;
  }

  /** The construct a value reaches when code calls it or what it holds. */
  valueReaches(value: Value, seen: Set<unknown>): FoundConstruct | undefined {
    let found: FoundConstruct | undefined;
    eachCallable(value, seen, (callable) => {
      switch (callable.kind) {
        case "function":
          found = this.functionReaches(callable, new Set());
          break;
        case "class":
          found = this.classReaches(callable, new Set());
          break;
        case "sdk":
          if (sdkEffectOf(callable) === "graph" && !isSchemeRegistration(callable))
            found = { site: undefined, text: `\`${callable.name}\` from "assetflow"` };
          break;
        case "task":
          found = {
            site: undefined,
            text: `the task ${JSON.stringify(callable.taskId)}, whose dependencies it may change`,
          };
          break;
      }
      return found !== undefined;
    });
    return found;
  }

  private functionReaches(fn: FunctionValue, visiting: Set<ts.Node>): FoundConstruct | undefined {
    if (!fn.node.body || visiting.has(fn.node)) return undefined;
    let byNode = this.memo.get(fn.scope);
    if (!byNode) {
      byNode = new Map();
      this.memo.set(fn.scope, byNode);
    }
    const known = byNode.get(fn.node);
    if (known !== undefined) return known ?? undefined;
    visiting.add(fn.node);
    const env = inspectEnv(fn.scope, fn.thisValue);
    const found = this.scanNodes([fn.node.body], env, visiting, undefined, false).found;
    visiting.delete(fn.node);
    byNode.set(fn.node, found ?? null);
    return found;
  }

  private classReaches(value: ClassValue, visiting: Set<ts.Node>): FoundConstruct | undefined {
    if (visiting.has(value.node)) return undefined;
    if (this.vm.classes.isOperatorClass(value, new Set())) {
      return { site: { file: value.scope.file, node: value.node }, text: `the operator class ${value.name}` };
    }
    visiting.add(value.node);
    const found = this.scanNodes([value.node], inspectEnv(value.scope, undefined), visiting, undefined, false).found;
    visiting.delete(value.node);
    return found;
  }

  /**
   * Walks code: finds the first graph construct it reaches, whether it may
   * leave early, (with `havoc`) makes unknown what it may change, and (with
   * `schemes`) collects every URI scheme registration it reaches.
   */
  private scanNodes(
    nodes: readonly ts.Node[],
    env: Env,
    visiting: Set<ts.Node>,
    havoc: UnknownValue | undefined,
    schemes: boolean,
    enclosing?: Enclosing,
  ): Scan {
    const scan: Scan = { found: undefined, leaves: false, schemes: [] };
    const file = env.scope.file;
    const inspect: Env = { ...env, mode: "inspect", dag: undefined };
    /** Names declared inside the code being scanned, innermost last: writes to them stay inside. */
    const locals: Set<string>[] = [];
    /** Loops, switches and labels inside the code being scanned (or the statement it is part of): a `break` to them stays inside, a `continue` to a loop too. */
    let loopDepth = enclosing?.kind === "loop" ? 1 : 0;
    let switchDepth = enclosing?.kind === "switch" ? 1 : 0;
    let functionDepth = 0;
    const labels: string[] = enclosing?.label !== undefined ? [enclosing.label] : [];
    const isLocal = (name: string): boolean => locals.some((set) => set.has(name));
    /** Registrations reached through a call in this code: reported at the call. */
    const viaCall = (node: ts.Node, via: string, reached: readonly SchemeRegistration[]): void => {
      for (const registration of reached) scan.schemes.push({ site: { file, node }, scheme: registration.scheme, via });
    };
    const found = (node: ts.Node, text: string): void => {
      scan.found ??= { site: { file, node }, text };
    };
    const peek = (expression: ts.Expression): Value => this.vm.expressions.peek(expression, inspect);
    const rootValue = (expression: ts.Expression): Value | undefined => {
      let root = expression;
      while (
        root.kind === SK.ParenthesizedExpression ||
        root.kind === SK.NonNullExpression ||
        root.kind === SK.AsExpression
      ) {
        root = (root as ts.ParenthesizedExpression).expression;
      }
      if (isIdentifier(root) && isLocal(root.text)) return undefined;
      if (isIdentifier(root) || isPropertyAccessExpression(root) || root.kind === SK.ThisKeyword) return peek(root);
      if (isElementAccessExpression(root)) return rootValue(root.expression);
      return undefined;
    };
    const write = (target: ts.Expression): void => {
      if (!havoc) return;
      if (isIdentifier(target)) {
        if (isLocal(target.text)) return;
        for (let scope: Scope | undefined = env.scope; scope; scope = scope.parent) {
          if (scope.get(target.text)) {
            scope.set(target.text, { kind: "value", value: havoc });
            return;
          }
        }
        return;
      }
      if (isArrayLiteralExpression(target)) {
        for (const element of target.elements) write(isSpreadElement(element) ? element.expression : element);
        return;
      }
      if (isObjectLiteralExpression(target)) {
        for (const property of target.properties) {
          if (isShorthandPropertyAssignment(property)) write(property.name);
          else if (isSpreadAssignment(property)) write(property.expression);
          else if (property.kind === SK.PropertyAssignment) write((property as ts.PropertyAssignment).initializer);
        }
        return;
      }
      if (isBinaryExpression(target) && target.operatorToken.kind === SK.EqualsToken) {
        write(target.left);
        return;
      }
      if (isPropertyAccessExpression(target) || isElementAccessExpression(target)) {
        const value = rootValue(target.expression);
        if (value) havocShallow(value, havoc);
      }
    };
    const checkCall = (
      node: ts.CallExpression | ts.NewExpression | ts.Decorator | ts.TaggedTemplateExpression,
    ): void => {
      const callee = isDecorator(node)
        ? isCallExpression(node.expression)
          ? node.expression.expression
          : node.expression
        : isTaggedTemplateExpression(node)
          ? node.tag
          : node.expression;
      const text = shortText(callee, file);
      if (isPropertyAccessExpression(callee)) {
        const method = callee.name.text;
        if (method === "precedes" || method === "follows") found(node, `\`${text}(...)\``);
        if (havoc && MUTATING_METHODS.has(method)) {
          const receiver = rootValue(callee.expression);
          if (receiver) havocShallow(receiver, havoc);
        }
      }
      const value = isIdentifier(callee) && isLocal(callee.text) ? undefined : peek(callee);
      if (isSchemeRegistration(value)) {
        if (schemes) {
          const first = isCallExpression(node) ? node.arguments[0] : undefined;
          // The scheme as far as known without running anything (a literal or a constant); otherwise not known.
          const scheme: Value | undefined = !first
            ? undefined
            : isStringLiteralLike(first)
              ? { kind: "string", value: first.text }
              : (isIdentifier(first) && !isLocal(first.text)) || isPropertyAccessExpression(first)
                ? peek(first)
                : undefined;
          scan.schemes.push({ site: { file, node }, scheme });
        }
      } else if (value?.kind === "sdk" && sdkEffectOf(value) === "graph") {
        found(node, isDecorator(node) ? `\`@${text}(...)\`` : `\`${text}(...)\``);
      } else if (value && isNewExpression(node) && this.vm.classes.isOperatorClass(value, new Set())) {
        found(node, `\`new ${text}(...)\``);
      } else if (value?.kind === "function" && !visiting.has(value.node)) {
        if (this.functionReaches(value, visiting)) found(node, `\`${text}(...)\` (which defines DAGs or tasks)`);
        if (schemes) viaCall(node, `\`${text}(...)\``, this.functionSchemes(value.scope, value.node, value.thisValue));
      } else if (value?.kind === "class" && isNewExpression(node) && !visiting.has(value.node)) {
        if (this.classReaches(value, visiting)) found(node, `\`new ${text}(...)\` (which defines DAGs or tasks)`);
        if (schemes) viaCall(node, `\`new ${text}(...)\``, this.functionSchemes(value.scope, value.node, undefined));
      } else if (value?.kind === "global" && value.name === "Object" && havoc && isCallExpression(node)) {
        const target = node.arguments[0];
        const receiver = target ? rootValue(target) : undefined;
        if (receiver) havocShallow(receiver, havoc);
      }
      const args = isCallExpression(node) || isNewExpression(node) ? (node.arguments ?? []) : [];
      const userFunction = value?.kind === "function" || value?.kind === "class";
      for (const argument of args) {
        const expression = isSpreadElement(argument) ? argument.expression : argument;
        if (!isIdentifier(expression) && !isPropertyAccessExpression(expression)) continue;
        const argumentValue = rootValue(expression);
        if (!argumentValue) continue;
        const reached = this.valueReaches(argumentValue, new Set());
        if (reached)
          found(node, `\`${text}(...)\` (given \`${shortText(expression, file)}\`, which defines DAGs or tasks)`);
        if (schemes) {
          const given: SchemeRegistration[] = [];
          this.valueSchemes(argumentValue, new Set(), given);
          viaCall(node, `\`${text}(...)\` (given \`${shortText(expression, file)}\`)`, given);
        }
        // A function the compiler does not know may change what it is given.
        if (havoc && !(userFunction || value?.kind === "sdk" || value?.kind === "global" || value?.kind === "method")) {
          havocDeep(argumentValue, havoc, new Set());
        }
      }
    };
    const declareBlock = (statements: readonly ts.Statement[]): Set<string> => {
      const names = new Set<string>();
      for (const statement of statements) {
        if (isVariableStatement(statement)) {
          for (const declaration of statement.declarationList.declarations)
            for (const name of namesOf(declaration.name)) names.add(name);
        } else if ((isFunctionDeclaration(statement) || isClassDeclaration(statement)) && statement.name) {
          names.add(statement.name.text);
        }
      }
      return names;
    };
    const visit = (node: ts.Node): void => {
      if (scan.found && !havoc && !schemes) return;
      if (isFunctionLike(node) || isClassLike(node)) {
        const names = new Set<string>();
        if (isFunctionLike(node))
          for (const parameter of node.parameters) for (const name of namesOf(parameter.name)) names.add(name);
        if (isClassLike(node) && node.name) names.add(node.name.text);
        locals.push(names);
        functionDepth++;
        forEachChild(node, visit);
        functionDepth--;
        locals.pop();
        return;
      }
      if (isBlock(node) || isSourceFile(node) || isCaseBlock(node)) {
        const statements = isCaseBlock(node)
          ? node.clauses.flatMap((clause) => [...clause.statements])
          : node.statements;
        locals.push(declareBlock(statements));
        forEachChild(node, visit);
        locals.pop();
        return;
      }
      if (isCatchClause(node)) {
        locals.push(new Set(node.variableDeclaration ? namesOf(node.variableDeclaration.name) : []));
        forEachChild(node, visit);
        locals.pop();
        return;
      }
      if (isIterationStatement(node, false) || isSwitchStatement(node)) {
        const names = new Set<string>();
        if (
          (isForStatement(node) || isForOfStatement(node) || isForInStatement(node)) &&
          node.initializer &&
          isVariableDeclarationList(node.initializer)
        ) {
          for (const declaration of node.initializer.declarations)
            for (const name of namesOf(declaration.name)) names.add(name);
        }
        locals.push(names);
        const isLoop = !isSwitchStatement(node);
        if (isLoop) loopDepth++;
        else switchDepth++;
        forEachChild(node, visit);
        if (isLoop) loopDepth--;
        else switchDepth--;
        locals.pop();
        return;
      }
      if (isLabeledStatement(node)) {
        labels.push(node.label.text);
        forEachChild(node, visit);
        labels.pop();
        return;
      }
      if (isVariableStatement(node) && locals.length === 0) {
        // A declaration at the top of the skipped code itself: the names are its own.
        locals.push(declareBlock([node]));
      }
      switch (node.kind) {
        case SK.ReturnStatement:
        case SK.ThrowStatement:
          if (functionDepth === 0) scan.leaves = true;
          break;
        case SK.BreakStatement:
        case SK.ContinueStatement: {
          const label = (node as ts.BreakStatement).label?.text;
          const targets = node.kind === SK.BreakStatement ? loopDepth + switchDepth : loopDepth;
          if (functionDepth === 0 && (label !== undefined ? !labels.includes(label) : targets === 0))
            scan.leaves = true;
          break;
        }
      }
      if (isCallExpression(node) || isNewExpression(node) || isDecorator(node) || isTaggedTemplateExpression(node)) {
        checkCall(node);
      } else if (isBinaryExpression(node) && isAssignment(node.operatorToken.kind)) {
        write(node.left);
      } else if ((isPrefixUnaryExpression(node) || isPostfixUnaryExpression(node)) && isUpdate(node.operator)) {
        write(node.operand);
      } else if (isDeleteExpression(node)) {
        write(node.expression);
      } else if ((isForOfStatement(node) || isForInStatement(node)) && !isVariableDeclarationList(node.initializer)) {
        write(node.initializer as ts.Expression);
      }
      forEachChild(node, visit);
    };
    for (const node of nodes) visit(node);
    return scan;
  }
}

/**
 * Calls `visit` with each function, class, SDK export and task a value is or
 * holds (what calling it, or what it holds, may run), until `visit` returns true.
 */
function eachCallable(value: Value, seen: Set<unknown>, visit: (callable: Value) => boolean): boolean {
  if (seen.has(value)) return false;
  seen.add(value);
  switch (value.kind) {
    case "function":
    case "class":
    case "sdk":
    case "task":
      return visit(value);
    case "method":
      return eachCallable(value.receiver, seen, visit);
    case "array":
      return value.items.some((item) => eachCallable(item, seen, visit));
    case "object":
      for (const [, item] of value.props) if (eachCallable(item, seen, visit)) return true;
      return value.proto ? visit(value.proto) : false;
    case "unknown":
      return (value.mayBe ?? []).some((candidate) => eachCallable(candidate, seen, visit));
    default:
      return false;
  }
}

function inspectEnv(scope: Scope, thisValue: Value | undefined): Env {
  return { scope, dag: undefined, thisValue, mode: "inspect", depth: 0 };
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= SK.FirstAssignment && kind <= SK.LastAssignment;
}

function isUpdate(operator: ts.SyntaxKind): boolean {
  return operator === SK.PlusPlusToken || operator === SK.MinusMinusToken;
}

/** Marks an object or list as changed by code the compiler could not follow. */
function havocShallow(value: Value, havoc: UnknownValue): void {
  if ((value.kind === "object" || value.kind === "array") && !value.frozen) value.havoc ??= havoc;
}

/** Marks an object or list, and what it holds, as changed by code the compiler could not follow. */
function havocDeep(value: Value, havoc: UnknownValue, seen: Set<Value>): void {
  if (seen.has(value)) return;
  seen.add(value);
  if (value.kind === "array") {
    for (const item of value.items) havocDeep(item, havoc, seen);
    havocShallow(value, havoc);
  } else if (value.kind === "object") {
    for (const [, item] of value.props) havocDeep(item, havoc, seen);
    havocShallow(value, havoc);
  }
}

/** The unknown result of a call the compiler does not run. */
function resultOf(node: ts.Node, site: Site): UnknownValue {
  if (isCallExpression(node) || isNewExpression(node)) {
    return { kind: "unknown", reason: { kind: "call", callee: { file: site.file, node: node.expression } }, at: site };
  }
  if (isTaggedTemplateExpression(node)) {
    return { kind: "unknown", reason: { kind: "call", callee: { file: site.file, node: node.tag } }, at: site };
  }
  return { kind: "unknown", reason: { kind: "runtime" }, at: site };
}

function callText(node: ts.Node, env: Env): string {
  const callee =
    isCallExpression(node) || isNewExpression(node)
      ? node.expression
      : isTaggedTemplateExpression(node)
        ? node.tag
        : node;
  const text = shortText(callee, env.scope.file);
  return isNewExpression(node) ? `new ${text}` : text;
}

/** `file:line` of a site, for messages. */
function describeSite(site: Site): string {
  const location = locate(site);
  return `${location.file}:${location.line}`;
}
