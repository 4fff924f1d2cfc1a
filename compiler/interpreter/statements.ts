/**
 * Statements and control flow: declarations (hoisted as JavaScript does),
 * blocks, `if`, loops, `try`, `return` and friends; binding patterns,
 * assignments, and calls of user functions (their parameters bound, their
 * body run).
 */
import { ts } from "ts-morph";
import { DiagnosticCatalog } from "../diagnostics.js";
import { DEFAULT_EXPORT_LOCAL, hasModifier } from "../source.js";
import { type FunctionValue, Props, Scope, UNDEFINED, type Value } from "../values.js";
import type { Interpreter } from "./interpreter.js";
import {
  type Completion,
  type Env,
  MAX_DEPTH,
  NORMAL,
  namesOf,
  primitive,
  propertyNameText,
  truthiness,
} from "./support.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  isArrowFunction,
  isBlock,
  isClassDeclaration,
  isComputedPropertyName,
  isElementAccessExpression,
  isEnumDeclaration,
  isFunctionDeclaration,
  isIdentifier,
  isObjectBindingPattern,
  isOmittedExpression,
  isPropertyAccessExpression,
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

  /** Runs statements in order until one completes abruptly. */
  runStatements(statements: readonly ts.Statement[], env: Env): Completion {
    for (const statement of statements) {
      const completion = this.execStatement(statement, env);
      if (completion.kind !== "normal") return completion;
    }
    return NORMAL;
  }

  /** Runs one statement. */
  execStatement(statement: ts.Statement, env: Env): Completion {
    const expressions = this.vm.expressions;
    switch (statement.kind) {
      case SK.VariableStatement: {
        const variables = statement as ts.VariableStatement;
        const ambient = hasModifier(variables, SK.DeclareKeyword);
        for (const declaration of variables.declarationList.declarations) {
          const name = isIdentifier(declaration.name) ? declaration.name.text : undefined;
          const value = ambient
            ? this.vm.runtime(declaration, env)
            : declaration.initializer
              ? expressions.evaluate(declaration.initializer, env, name)
              : UNDEFINED;
          this.bindPattern(declaration.name, value, env.scope, env);
        }
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
    const iterable = this.vm.expressions.evaluate(node.expression, env);
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
    const found = this.vm.reachability.findConstruct(statement, env);
    if (found) {
      this.vm.report(
        DiagnosticCatalog.notFollowed,
        { construct: found.text, where },
        { file: env.scope.file, node: found.node },
      );
    }
  }

  /** Assigns to a name or a property of a known object. */
  assign(target: ts.Expression, value: Value, env: Env): void {
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
      const receiver = this.vm.expressions.evaluate(target.expression, env);
      const key = isPropertyAccessExpression(target)
        ? target.name.text
        : primitive(this.vm.expressions.evaluate(target.argumentExpression, env));
      if (receiver.kind === "object" && key !== undefined && key !== null && env.mode === "execute") {
        receiver.props.set(String(key), value);
      }
    }
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
          let rest: Value;
          if (value.kind === "object") {
            const props = new Props([...value.props].filter(([key]) => !used.includes(key)));
            rest = value.unknownSpread
              ? { kind: "object", props, unknownSpread: value.unknownSpread }
              : { kind: "object", props };
          } else rest = value.kind === "unknown" ? value : this.vm.runtime(element, env);
          this.bindPattern(element.name, rest, scope, env);
          continue;
        }
        const keyNode = element.propertyName ?? element.name;
        let key = propertyNameText(keyNode);
        if (key === undefined && isComputedPropertyName(keyNode)) {
          const computed = primitive(expressions.evaluate(keyNode.expression, env));
          key = computed === undefined || computed === null ? undefined : String(computed);
        }
        let part: Value =
          key === undefined ? this.vm.runtime(element, env) : expressions.member(value, key, element, env);
        if (key !== undefined) used.push(key);
        if (part.kind === "undefined" && element.initializer)
          part = expressions.evaluate(element.initializer, { ...env, scope });
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
      } else part = value.kind === "unknown" ? value : this.vm.runtime(element, env);
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
        value = this.vm.expressions.evaluate(parameter.initializer, env);
      this.bindPattern(parameter.name, value, scope, env);
      index++;
    }
  }

  /** Runs a user function with its parameters bound to the arguments (execute mode only). */
  callFunction(fn: FunctionValue, args: Value[], node: ts.CallExpression, env: Env, thisValue?: Value): Value {
    const body = fn.node.body;
    if (env.mode !== "execute" || !body || fn.node.asteriskToken || env.depth >= MAX_DEPTH) {
      return this.vm.callOf(node, env);
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
    } else result = this.vm.expressions.evaluate(body, callEnv);
    const isAsync = hasModifier(fn.node, SK.AsyncKeyword);
    return isAsync ? this.vm.callOf(node, env) : result;
  }
}
