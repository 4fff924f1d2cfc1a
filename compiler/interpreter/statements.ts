/**
 * Statements and control flow: declarations (hoisted as JavaScript does),
 * blocks, `if`, `switch`, every loop (`for`, `for...of`, `for...in`, `while`,
 * `do`), labels, `try`/`catch`/`finally`, `throw`; binding patterns,
 * assignments (destructuring and compound ones included), and calls of user
 * functions (parameters bound, body run). Each statement and call takes a
 * step of the module's budget.
 *
 * What depends on a value the compiler cannot know (a condition, the list a
 * loop goes through) is skipped through {@link Reachability.skip}, which
 * reports it when it may define DAGs or tasks and marks what it may change.
 */
import { ts } from "ts-morph";
import { DEFAULT_EXPORT_LOCAL, hasModifier } from "../source.js";
import {
  type FunctionValue,
  itemsOf,
  Props,
  Scope,
  type Site,
  UNDEFINED,
  type UnknownValue,
  type Value,
} from "../values.js";
import { propertyKey, sameValue } from "./builtins.js";
import type { Interpreter } from "./interpreter.js";
import type { Enclosing } from "./reachability.js";
import {
  BudgetExceeded,
  type Completion,
  type Env,
  MAX_DEPTH,
  NORMAL,
  namesOf,
  primitive,
  propertyNameText,
  Thrown,
  truthiness,
} from "./support.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  isArrayLiteralExpression,
  isArrowFunction,
  isBlock,
  isCaseClause,
  isClassDeclaration,
  isComputedPropertyName,
  isElementAccessExpression,
  isEnumDeclaration,
  isFunctionDeclaration,
  isIdentifier,
  isObjectBindingPattern,
  isObjectLiteralExpression,
  isOmittedExpression,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isShorthandPropertyAssignment,
  isSpreadAssignment,
  isSpreadElement,
  isVariableDeclarationList,
  isVariableStatement,
  NodeFlags,
  SyntaxKind: SK,
} = ts;

/** Runs statements and user functions. */
export class StatementRunner {
  constructor(private readonly vm: Interpreter) {}

  /** Binds the function declarations, classes, variables and enums of a block before it runs. */
  hoist(statements: readonly ts.Statement[], scope: Scope, env: Env): void {
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
        value = this.vm.expressions.evaluate(member.initializer, env);
        if (value.kind === "number") next = value.value + 1;
      } else value = { kind: "number", value: next++ };
      props.set(key, value);
    }
    return { kind: "object", props };
  }

  /** Hoists and runs the statements of a block. */
  execStatements(statements: readonly ts.Statement[], env: Env): Completion {
    this.hoist(statements, env.scope, env);
    return this.runStatements(statements, env);
  }

  /**
   * Runs statements in order until one completes abruptly. After a statement
   * that may have ended the block early in a way the compiler cannot know,
   * the rest is skipped (and reported if it defines DAGs).
   */
  runStatements(statements: readonly ts.Statement[], env: Env): Completion {
    for (let index = 0; index < statements.length; index++) {
      const completion = this.execStatement(statements[index] as ts.Statement, env);
      if (completion.kind === "unknown") {
        const rest = statements.slice(index + 1);
        if (rest.length > 0) this.vm.reachability.skip(rest, env, `code after ${completion.where}`, completion.site);
        return completion;
      }
      if (completion.kind !== "normal") return completion;
    }
    return NORMAL;
  }

  /** Runs one statement; `label` is the label the statement carries, for `continue label`. */
  execStatement(statement: ts.Statement, env: Env, label?: string): Completion {
    this.vm.tick(statement, env);
    const expressions = this.vm.expressions;
    switch (statement.kind) {
      case SK.VariableStatement: {
        const variables = statement as ts.VariableStatement;
        const ambient = hasModifier(variables, SK.DeclareKeyword);
        this.declare(variables.declarationList, env.scope, env, ambient);
        return NORMAL;
      }
      case SK.ExpressionStatement:
        expressions.evaluate((statement as ts.ExpressionStatement).expression, env);
        return NORMAL;
      case SK.ClassDeclaration: {
        const declaration = statement as ts.ClassDeclaration;
        const name = declaration.name?.text ?? DEFAULT_EXPORT_LOCAL;
        const value = this.vm.classes.defineClass(declaration, declaration.name?.text ?? "default", env);
        env.scope.set(name, { kind: "value", value });
        return NORMAL;
      }
      case SK.ExportAssignment: {
        const assignment = statement as ts.ExportAssignment;
        const value = expressions.evaluate(assignment.expression, env, "default");
        env.scope.set(DEFAULT_EXPORT_LOCAL, { kind: "value", value });
        return NORMAL;
      }
      case SK.ReturnStatement: {
        const expression = (statement as ts.ReturnStatement).expression;
        return { kind: "return", value: expression ? expressions.evaluate(expression, env) : UNDEFINED };
      }
      case SK.Block: {
        const scope = new Scope(env.scope, env.scope.file);
        return this.execStatements((statement as ts.Block).statements, { ...env, scope });
      }
      case SK.IfStatement: {
        const node = statement as ts.IfStatement;
        const condition = truthiness(expressions.evaluate(node.expression, env));
        if (condition === undefined) {
          const branches = node.elseStatement ? [node.thenStatement, node.elseStatement] : [node.thenStatement];
          return this.skip(branches, env, "an `if` whose condition is only known at run time", statement);
        }
        if (condition) return this.execStatement(node.thenStatement, env);
        return node.elseStatement ? this.execStatement(node.elseStatement, env) : NORMAL;
      }
      case SK.ForStatement:
        return this.execFor(statement as ts.ForStatement, env, label);
      case SK.ForOfStatement:
        return this.execForOf(statement as ts.ForOfStatement, env, label);
      case SK.ForInStatement:
        return this.execForIn(statement as ts.ForInStatement, env, label);
      case SK.WhileStatement:
      case SK.DoStatement:
        return this.execWhile(statement as ts.WhileStatement | ts.DoStatement, env, label);
      case SK.SwitchStatement:
        return this.execSwitch(statement as ts.SwitchStatement, env);
      case SK.TryStatement:
        return this.execTry(statement as ts.TryStatement, env);
      case SK.LabeledStatement: {
        const labeled = statement as ts.LabeledStatement;
        const completion = this.execStatement(labeled.statement, env, labeled.label.text);
        return completion.kind === "break" && completion.label === labeled.label.text ? NORMAL : completion;
      }
      case SK.BreakStatement:
        return { kind: "break", label: (statement as ts.BreakStatement).label?.text };
      case SK.ContinueStatement:
        return { kind: "continue", label: (statement as ts.ContinueStatement).label?.text };
      case SK.ThrowStatement: {
        const value = expressions.evaluate((statement as ts.ThrowStatement).expression, env);
        throw new Thrown(value, { file: env.scope.file, node: statement });
      }
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
      default:
        return this.skip([statement], env, "a statement the compiler does not evaluate", statement);
    }
  }

  /** Skips statements the compiler cannot follow: reported when they may define DAGs; what they may change becomes unknown. */
  private skip(nodes: readonly ts.Node[], env: Env, where: string, at: ts.Node, enclosing?: Enclosing): Completion {
    const site: Site = { file: env.scope.file, node: at };
    const mayLeave = this.vm.reachability.skip(nodes, env, where, site, enclosing);
    return mayLeave ? { kind: "unknown", where, site } : NORMAL;
  }

  /** Declares the variables of a declaration list in `scope`, evaluating their initializers. */
  private declare(list: ts.VariableDeclarationList, scope: Scope, env: Env, ambient = false): void {
    for (const declaration of list.declarations) {
      const name = isIdentifier(declaration.name) ? declaration.name.text : undefined;
      const value = ambient
        ? this.vm.runtime(declaration, env)
        : declaration.initializer
          ? this.vm.expressions.evaluate(declaration.initializer, { ...env, scope }, name)
          : UNDEFINED;
      this.bindPattern(declaration.name, value, scope, env);
    }
  }

  // ---- loops -------------------------------------------------------------------------

  /**
   * What a loop does after its body completed: `stop` ends the loop with
   * `completion` (undefined: normally), `next` goes to the next round.
   */
  private afterBody(
    completion: Completion,
    label: string | undefined,
  ): { readonly stop: true; readonly completion: Completion } | { readonly stop: false } {
    switch (completion.kind) {
      case "normal":
        return { stop: false };
      case "break":
        return completion.label === undefined || completion.label === label
          ? { stop: true, completion: NORMAL }
          : { stop: true, completion };
      case "continue":
        return completion.label === undefined || completion.label === label
          ? { stop: false }
          : { stop: true, completion };
      default:
        return { stop: true, completion };
    }
  }

  private execFor(node: ts.ForStatement, env: Env, label: string | undefined): Completion {
    const file = env.scope.file;
    let scope = new Scope(env.scope, file);
    const initializer = node.initializer;
    const perRound: string[] = [];
    if (initializer && isVariableDeclarationList(initializer)) {
      this.declare(initializer, scope, { ...env, scope });
      if ((initializer.flags & NodeFlags.Let) !== 0) {
        for (const declaration of initializer.declarations) perRound.push(...namesOf(declaration.name));
      }
    } else if (initializer) this.vm.expressions.evaluate(initializer, { ...env, scope });
    for (;;) {
      const roundEnv: Env = { ...env, scope };
      this.vm.tick(node, roundEnv);
      if (node.condition) {
        const test = truthiness(this.vm.expressions.evaluate(node.condition, roundEnv));
        if (test === undefined) {
          return this.skip(loopParts(node), roundEnv, "a `for` loop whose condition is only known at run time", node, {
            kind: "loop",
            label,
          });
        }
        if (!test) return NORMAL;
      }
      const completion = this.execStatement(node.statement, roundEnv);
      const next = this.afterBody(completion, label);
      if (next.stop) return next.completion;
      if (perRound.length > 0) {
        // Each round has its own `let` bindings (closures made in the body keep theirs).
        const copy = new Scope(env.scope, file);
        for (const name of perRound) {
          const binding = scope.get(name);
          if (binding) copy.set(name, binding.kind === "value" ? { kind: "value", value: binding.value } : binding);
        }
        scope = copy;
      }
      if (node.incrementor) this.vm.expressions.evaluate(node.incrementor, { ...env, scope });
    }
  }

  private execForOf(node: ts.ForOfStatement, env: Env, label: string | undefined): Completion {
    const iterable = this.vm.expressions.evaluate(node.expression, env);
    const items = node.awaitModifier ? undefined : this.vm.builtins.iterate(iterable);
    if (items === undefined || !Array.isArray(items)) {
      return this.skip(
        [node.initializer, node.statement],
        env,
        "a `for...of` over a list that is only known at run time",
        node,
        { kind: "loop", label },
      );
    }
    // A list is read as the loop goes (as JavaScript does): items pushed by the body are visited.
    const live = iterable.kind === "array" ? iterable : undefined;
    for (let index = 0; index < (live ? live.items.length : items.length); index++) {
      if (live?.havoc) {
        return this.skip(
          [node.statement],
          env,
          "a `for...of` over a list changed by code the compiler cannot follow",
          node,
          { kind: "loop", label },
        );
      }
      const item = (live ? live.items[index] : items[index]) as Value;
      const completion = this.runRound(node.initializer, item, node.statement, env, node);
      const next = this.afterBody(completion, label);
      if (next.stop) return next.completion;
    }
    return NORMAL;
  }

  private execForIn(node: ts.ForInStatement, env: Env, label: string | undefined): Completion {
    const target = this.vm.expressions.evaluate(node.expression, env);
    const entries = this.vm.builtins.keysForIn(target);
    if (entries === undefined || !Array.isArray(entries)) {
      return this.skip(
        [node.initializer, node.statement],
        env,
        "a `for...in` over an object that is only known at run time",
        node,
        { kind: "loop", label },
      );
    }
    for (const key of entries) {
      const completion = this.runRound(node.initializer, { kind: "string", value: key }, node.statement, env, node);
      const next = this.afterBody(completion, label);
      if (next.stop) return next.completion;
    }
    return NORMAL;
  }

  /** One round of a `for...of` or `for...in`: binds the loop variable to `item` and runs the body. */
  private runRound(
    initializer: ts.ForInitializer,
    item: Value,
    body: ts.Statement,
    env: Env,
    loop: ts.Node,
  ): Completion {
    const scope = new Scope(env.scope, env.scope.file);
    const roundEnv: Env = { ...env, scope };
    this.vm.tick(loop, roundEnv);
    if (isVariableDeclarationList(initializer)) {
      const declaration = initializer.declarations[0];
      if (declaration) this.bindPattern(declaration.name, item, scope, roundEnv);
    } else this.assign(initializer, item, env);
    return this.execStatement(body, roundEnv);
  }

  private execWhile(node: ts.WhileStatement | ts.DoStatement, env: Env, label: string | undefined): Completion {
    const isDo = node.kind === SK.DoStatement;
    for (let round = 0; ; round++) {
      this.vm.tick(node, env);
      if (!isDo || round > 0) {
        const test = truthiness(this.vm.expressions.evaluate(node.expression, env));
        if (test === undefined) {
          return this.skip(
            [node.expression, node.statement],
            env,
            `a \`${isDo ? "do...while" : "while"}\` loop whose condition is only known at run time`,
            node,
            { kind: "loop", label },
          );
        }
        if (!test) return NORMAL;
      }
      const completion = this.execStatement(node.statement, env);
      const next = this.afterBody(completion, label);
      if (next.stop) return next.completion;
    }
  }

  private execSwitch(node: ts.SwitchStatement, env: Env): Completion {
    const discriminant = this.vm.expressions.evaluate(node.expression, env);
    const clauses = node.caseBlock.clauses;
    const scope = new Scope(env.scope, env.scope.file);
    const blockEnv: Env = { ...env, scope };
    for (const clause of clauses) this.hoist(clause.statements, scope, blockEnv);
    let matched = -1;
    for (let index = 0; index < clauses.length && matched < 0; index++) {
      const clause = clauses[index] as ts.CaseOrDefaultClause;
      if (!isCaseClause(clause)) continue;
      const same = sameValue(discriminant, this.vm.expressions.evaluate(clause.expression, blockEnv));
      if (same === undefined) {
        return this.skip(clauses.slice(index), blockEnv, "a `switch` on a value only known at run time", node, {
          kind: "switch",
          label: undefined,
        });
      }
      if (same) matched = index;
    }
    if (matched < 0) matched = clauses.findIndex((clause) => !isCaseClause(clause));
    if (matched < 0) return NORMAL;
    for (let index = matched; index < clauses.length; index++) {
      const completion = this.runStatements((clauses[index] as ts.CaseOrDefaultClause).statements, blockEnv);
      if (completion.kind === "break" && completion.label === undefined) return NORMAL;
      if (completion.kind !== "normal") return completion;
    }
    return NORMAL;
  }

  private execTry(node: ts.TryStatement, env: Env): Completion {
    let completion: Completion;
    let thrown: Thrown | undefined;
    try {
      completion = this.execStatement(node.tryBlock, env);
    } catch (error) {
      if (!(error instanceof Thrown)) throw error;
      thrown = error;
      completion = NORMAL;
    }
    if (thrown && node.catchClause) {
      const caught = thrown;
      thrown = undefined;
      const scope = new Scope(env.scope, env.scope.file);
      const declaration = node.catchClause.variableDeclaration;
      if (declaration) this.bindPattern(declaration.name, caught.value, scope, { ...env, scope });
      try {
        completion = this.execStatement(node.catchClause.block, { ...env, scope });
      } catch (error) {
        if (!(error instanceof Thrown) || !node.finallyBlock) throw error;
        thrown = error;
      }
    }
    if (node.finallyBlock) {
      const after = this.execStatement(node.finallyBlock, env);
      if (after.kind !== "normal") return after;
    }
    if (thrown) throw thrown;
    return completion;
  }

  // ---- assignments and bindings --------------------------------------------------------

  /** Assigns to a name, a property, or a destructuring pattern (`[a, b] = ...`, `({ a } = ...)`). */
  assign(target: ts.Expression, value: Value, env: Env): void {
    if (isIdentifier(target)) {
      this.assignName(target.text, value, env);
      return;
    }
    if (target.kind === SK.ParenthesizedExpression) {
      this.assign((target as ts.ParenthesizedExpression).expression, value, env);
      return;
    }
    if (isArrayLiteralExpression(target)) {
      const items = this.vm.builtins.iterate(value);
      for (const [index, element] of target.elements.entries()) {
        if (isOmittedExpression(element)) continue;
        if (isSpreadElement(element)) {
          const rest: Value = Array.isArray(items)
            ? { kind: "array", items: items.slice(index) }
            : this.unknownPart(items, value, element, env);
          this.assign(element.expression, rest, env);
          continue;
        }
        const part = Array.isArray(items) ? (items[index] ?? UNDEFINED) : this.unknownPart(items, value, element, env);
        this.assignWithDefault(element, part, env);
      }
      return;
    }
    if (isObjectLiteralExpression(target)) {
      const used: string[] = [];
      for (const property of target.properties) {
        if (isSpreadAssignment(property)) {
          this.assign(property.expression, this.restOf(value, used, property, env), env);
          continue;
        }
        if (isShorthandPropertyAssignment(property)) {
          const key = property.name.text;
          used.push(key);
          let part = this.vm.expressions.member(value, key, property, env);
          if (part.kind === "undefined" && property.objectAssignmentInitializer) {
            part = this.vm.expressions.evaluate(property.objectAssignmentInitializer, env);
          }
          this.assignName(key, part, env);
          continue;
        }
        if (isPropertyAssignment(property)) {
          const key = this.keyOf(property.name, env);
          if (key === undefined) {
            this.assignWithDefault(property.initializer, this.vm.runtime(property, env), env);
            continue;
          }
          used.push(key);
          this.assignWithDefault(property.initializer, this.vm.expressions.member(value, key, property, env), env);
        }
      }
      return;
    }
    if (isPropertyAccessExpression(target) || isElementAccessExpression(target)) {
      const receiver = this.vm.expressions.evaluate(target.expression, env);
      const key = isPropertyAccessExpression(target)
        ? target.name.text
        : propertyKey(this.vm.expressions.evaluate(target.argumentExpression, env));
      if (env.mode !== "execute") return;
      this.vm.expressions.setMember(receiver, key, value, target, env);
    }
  }

  /** `target = default` elements of a destructuring assignment. */
  private assignWithDefault(element: ts.Expression, value: Value, env: Env): void {
    if (element.kind === SK.BinaryExpression) {
      const binary = element as ts.BinaryExpression;
      if (binary.operatorToken.kind === SK.EqualsToken) {
        const part = value.kind === "undefined" ? this.vm.expressions.evaluate(binary.right, env) : value;
        this.assign(binary.left, part, env);
        return;
      }
    }
    this.assign(element, value, env);
  }

  private unknownPart(items: Value[] | UnknownValue | undefined, value: Value, node: ts.Node, env: Env): Value {
    if (items !== undefined && !Array.isArray(items)) return items;
    return value.kind === "unknown" ? value : this.vm.runtime(node, env);
  }

  /** Assigns to the nearest binding of `name`. */
  assignName(name: string, value: Value, env: Env): void {
    for (let scope: Scope | undefined = env.scope; scope; scope = scope.parent) {
      if (scope.get(name)) {
        scope.set(name, { kind: "value", value });
        return;
      }
    }
  }

  private keyOf(name: ts.PropertyName, env: Env): string | undefined {
    const literal = propertyNameText(name);
    if (literal !== undefined) return literal;
    if (isComputedPropertyName(name)) return propertyKey(this.vm.expressions.evaluate(name.expression, env));
    return undefined;
  }

  /** What a `...rest` of an object pattern gets: the properties not named before it. */
  private restOf(value: Value, used: readonly string[], node: ts.Node, env: Env): Value {
    if (value.kind === "object") {
      if (value.havoc) return value.havoc;
      const props = new Props([...value.props].filter(([key]) => !used.includes(key)));
      return value.unknownSpread
        ? { kind: "object", props, unknownSpread: value.unknownSpread }
        : { kind: "object", props };
    }
    return value.kind === "unknown" ? value : this.vm.runtime(node, env);
  }

  /** Binds the names of a binding pattern to parts of `value` in `scope`. */
  bindPattern(name: ts.BindingName, value: Value, scope: Scope, env: Env): void {
    const expressions = this.vm.expressions;
    if (isIdentifier(name)) {
      scope.set(name.text, { kind: "value", value });
      return;
    }
    if (isObjectBindingPattern(name)) {
      const used: string[] = [];
      for (const element of name.elements) {
        if (element.dotDotDotToken) {
          this.bindPattern(element.name, this.restOf(value, used, element, env), scope, env);
          continue;
        }
        const keyNode = element.propertyName ?? element.name;
        const key = isIdentifier(keyNode) ? keyNode.text : this.keyOf(keyNode as ts.PropertyName, env);
        let part: Value =
          key === undefined ? this.vm.runtime(element, env) : expressions.member(value, key, element, env);
        if (key !== undefined) used.push(key);
        if (part.kind === "undefined" && element.initializer)
          part = expressions.evaluate(element.initializer, { ...env, scope });
        this.bindPattern(element.name, part, scope, env);
      }
      return;
    }
    const items = value.kind === "array" ? itemsOf(value) : this.vm.builtins.iterate(value);
    for (const [index, element] of name.elements.entries()) {
      if (isOmittedExpression(element)) continue;
      let part: Value;
      if (Array.isArray(items)) {
        part = element.dotDotDotToken ? { kind: "array", items: items.slice(index) } : (items[index] ?? UNDEFINED);
      } else part = this.unknownPart(items, value, element, env);
      if (part.kind === "undefined" && element.initializer)
        part = expressions.evaluate(element.initializer, { ...env, scope });
      this.bindPattern(element.name, part, scope, env);
    }
  }

  /** Binds parameters to arguments (rest parameters and defaults included). */
  bindParameters(parameters: readonly ts.ParameterDeclaration[], args: readonly Value[], scope: Scope, env: Env): void {
    let index = 0;
    for (const parameter of parameters) {
      if (isIdentifier(parameter.name) && parameter.name.text === "this") continue;
      let value: Value;
      if (parameter.dotDotDotToken) value = { kind: "array", items: args.slice(index) };
      else value = args[index] ?? UNDEFINED;
      if (value.kind === "undefined" && parameter.initializer)
        value = this.vm.expressions.evaluate(parameter.initializer, { ...env, scope });
      this.bindPattern(parameter.name, value, scope, env);
      index++;
    }
  }

  // ---- calls -------------------------------------------------------------------------

  /**
   * Runs a user function with its parameters bound to the arguments. Only in
   * execute mode; generators and async functions are not run (a call of one
   * that may define DAGs is reported).
   */
  callFunction(fn: FunctionValue, args: Value[], node: ts.Node, env: Env, thisValue?: Value): Value {
    const body = fn.node.body;
    if (env.mode !== "execute" || !body) return this.vm.callOf(node, env);
    if (fn.node.asteriskToken || hasModifier(fn.node, SK.AsyncKeyword)) {
      return this.vm.reachability.notFollowed(
        node,
        env,
        fn.node.asteriskToken ? "it calls a generator function" : "it calls an async function",
        [fn, ...args],
      );
    }
    if (env.depth >= MAX_DEPTH) throw new BudgetExceeded({ file: env.scope.file, node }, "depth");
    this.vm.tick(node, env);
    const scope = new Scope(fn.scope, fn.scope.file);
    const callEnv: Env = {
      scope,
      dag: env.dag,
      thisValue: isArrowFunction(fn.node) ? fn.thisValue : thisValue,
      mode: "execute",
      depth: env.depth + 1,
    };
    this.bindParameters(fn.node.parameters, args, scope, callEnv);
    if (!isBlock(body)) return this.vm.expressions.evaluate(body, callEnv);
    const completion = this.execStatements(body.statements, callEnv);
    switch (completion.kind) {
      case "return":
        return completion.value;
      case "unknown":
        return { kind: "unknown", reason: { kind: "skipped", where: completion.where }, at: completion.site };
      default:
        return UNDEFINED;
    }
  }
}

/** The parts of a `for` loop that run each round. */
function loopParts(node: ts.ForStatement): ts.Node[] {
  const parts: ts.Node[] = [node.statement];
  if (node.condition) parts.push(node.condition);
  if (node.incrementor) parts.push(node.incrementor);
  return parts;
}

/** A primitive as a number, for update expressions. */
export function numberOf(value: Value): number | undefined {
  const converted = primitive(value);
  if (converted === undefined) return value.kind === "undefined" ? Number.NaN : undefined;
  return Number(converted);
}
