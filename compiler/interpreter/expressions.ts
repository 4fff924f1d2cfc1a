/**
 * Expression evaluation: literals, names, templates, arrays and objects
 * (spreads included), operators (assignments, updates, logical, arithmetic,
 * comparisons, `typeof`, `in`, `instanceof`), optional chains, members,
 * calls and `new`. Calls dispatch on what the callee is: an SDK export (the
 * SDK semantics table), a user function or method, a method of a known value,
 * or a built-in.
 *
 * Every subexpression with effects is evaluated, even when an earlier part
 * is unknown; a part that is not evaluated at all (the branches of a
 * condition only known at run time) goes through {@link Reachability.skip}.
 */
import { ts } from "ts-morph";
import { makeCombined, makeDate } from "../semantics.js";
import {
  isConditionValue,
  itemsOf,
  NULL,
  Props,
  type Site,
  UNDEFINED,
  type UnknownValue,
  type Value,
} from "../values.js";
import { entriesOf, propertyKey, sameValue, stringOf } from "./builtins.js";
import type { Interpreter } from "./interpreter.js";
import { callSdk, constructSdk, sdkExport, sdkMember, tagSdk } from "./sdk-semantics.js";
import { numberOf } from "./statements.js";
import { type Env, fromPrimitive, jsonToValue, primitive, propertyNameText, truthiness } from "./support.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  isArrowFunction,
  isComputedPropertyName,
  isElementAccessExpression,
  isFunctionExpression,
  isGetAccessorDeclaration,
  isIdentifier,
  isMethodDeclaration,
  isNoSubstitutionTemplateLiteral,
  isOmittedExpression,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isSetAccessorDeclaration,
  isShorthandPropertyAssignment,
  isSpreadAssignment,
  isSpreadElement,
  NodeFlags,
  SyntaxKind: SK,
} = ts;

/** An optional chain that met `null` or `undefined` at a `?.`: the whole chain is `undefined`. */
const SHORT_CIRCUIT = Symbol("short-circuit");
type ChainResult = Value | typeof SHORT_CIRCUIT;

/** Compound assignment operators and the binary operator each applies. */
const COMPOUND: ReadonlyMap<ts.SyntaxKind, ts.SyntaxKind> = new Map([
  [SK.PlusEqualsToken, SK.PlusToken],
  [SK.MinusEqualsToken, SK.MinusToken],
  [SK.AsteriskEqualsToken, SK.AsteriskToken],
  [SK.SlashEqualsToken, SK.SlashToken],
  [SK.PercentEqualsToken, SK.PercentToken],
  [SK.AsteriskAsteriskEqualsToken, SK.AsteriskAsteriskToken],
  [SK.AmpersandEqualsToken, SK.AmpersandToken],
  [SK.BarEqualsToken, SK.BarToken],
  [SK.CaretEqualsToken, SK.CaretToken],
  [SK.LessThanLessThanEqualsToken, SK.LessThanLessThanToken],
  [SK.GreaterThanGreaterThanEqualsToken, SK.GreaterThanGreaterThanToken],
  [SK.GreaterThanGreaterThanGreaterThanEqualsToken, SK.GreaterThanGreaterThanGreaterThanToken],
]);

/** Evaluates expressions to static values. */
export class ExpressionEvaluator {
  /**
   * The variable each call's result is assigned to (`const orders = asset(...)`), when it is one.
   * A plain map emptied after each module run ({@link ExpressionEvaluator.forgetAssignedNames}):
   * a name is set just before its call is evaluated, and a weak map keyed by every such call
   * of the whole compilation cost the garbage collector more than the evaluation it served.
   */
  private readonly assignedNames = new Map<ts.Node, string>();

  /** The variable `call`'s result is assigned to, if its value is being assigned to one. */
  assignedName(call: ts.CallExpression): string | undefined {
    return this.assignedNames.get(call);
  }

  /** Drops the assigned names of the calls evaluated so far (their module has run), so no syntax tree stays alive. */
  forgetAssignedNames(): void {
    this.assignedNames.clear();
  }

  constructor(private readonly vm: Interpreter) {}

  /** Evaluates an expression; `name` is the name a function or class expression gets (`const f = () => {}`). */
  evaluate(node: ts.Expression, env: Env, name?: string): Value {
    if (name !== undefined && node.kind === SK.CallExpression) this.assignedNames.set(node, name);
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
      case SK.RegularExpressionLiteral:
        return this.regexp(node as ts.RegularExpressionLiteral, env);
      case SK.Identifier:
        return this.vm.modules.lookup((node as ts.Identifier).text, node, env);
      case SK.ThisKeyword:
        return env.thisValue ?? this.vm.runtime(node, env);
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
      case SK.PropertyAccessExpression:
      case SK.ElementAccessExpression:
      case SK.CallExpression: {
        const result = this.chain(
          node as ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression,
          env,
        );
        return result === SHORT_CIRCUIT ? UNDEFINED : result;
      }
      case SK.NewExpression:
        return this.evaluateNew(node as ts.NewExpression, env);
      case SK.TaggedTemplateExpression:
        return this.evaluateTaggedTemplate(node as ts.TaggedTemplateExpression, env);
      case SK.BinaryExpression:
        return this.evaluateBinary(node as ts.BinaryExpression, env);
      case SK.PrefixUnaryExpression:
        return this.evaluatePrefix(node as ts.PrefixUnaryExpression, env);
      case SK.PostfixUnaryExpression: {
        const postfix = node as ts.PostfixUnaryExpression;
        return this.update(postfix.operand, postfix.operator === SK.PlusPlusToken ? 1 : -1, false, env);
      }
      case SK.TypeOfExpression:
        return this.typeOf(this.evaluate((node as ts.TypeOfExpression).expression, env));
      case SK.VoidExpression:
        this.evaluate((node as ts.VoidExpression).expression, env);
        return UNDEFINED;
      case SK.DeleteExpression:
        return this.delete((node as ts.DeleteExpression).expression, env);
      case SK.AwaitExpression:
        return this.evaluate((node as ts.AwaitExpression).expression, env);
      case SK.ConditionalExpression: {
        const conditional = node as ts.ConditionalExpression;
        const condition = this.evaluate(conditional.condition, env);
        const test = truthiness(condition);
        if (test === undefined) {
          return this.skipped(
            [conditional.whenTrue, conditional.whenFalse],
            condition,
            conditional.condition,
            env,
            "a condition only known at run time",
          );
        }
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
        return this.vm.classes.defineClass(declaration, declaration.name?.text ?? name ?? "", env);
      }
      default:
        return this.vm.runtime(node, env);
    }
  }

  /** Evaluates a name or property path without side effects (no getters, no calls). */
  peek(node: ts.Expression, env: Env): Value {
    if (isIdentifier(node)) return this.vm.modules.lookup(node.text, node, env);
    if (isPropertyAccessExpression(node)) {
      const receiver = this.peek(node.expression, env);
      if (receiver.kind === "object" && receiver.proto) return this.vm.classes.instanceMember(receiver, node.name.text);
      return this.member(receiver, node.name.text, node, { ...env, mode: "inspect" });
    }
    if (node.kind === SK.ParenthesizedExpression)
      return this.peek((node as ts.ParenthesizedExpression).expression, env);
    if (node.kind === SK.ThisKeyword) return env.thisValue ?? this.vm.runtime(node, env);
    return this.vm.runtime(node, env);
  }

  /** Evaluates the parts of an optional chain, or a member access or call. */
  private chain(
    node: ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression,
    env: Env,
  ): ChainResult {
    if (node.kind === SK.CallExpression) return this.evaluateCall(node as ts.CallExpression, env);
    const receiver = this.chainPart(node.expression, env);
    if (receiver === SHORT_CIRCUIT) return SHORT_CIRCUIT;
    const key = isPropertyAccessExpression(node)
      ? node.name.text
      : this.evaluate((node as ts.ElementAccessExpression).argumentExpression, env);
    if (node.questionDotToken && (receiver.kind === "null" || receiver.kind === "undefined")) return SHORT_CIRCUIT;
    if (typeof key === "string") return this.member(receiver, key, node, env);
    // An element read with a key only known at run time may be any of the receiver's.
    if (key.kind === "unknown") return withMayBe(key, [receiver]);
    if (receiver.kind === "array" && key.kind === "number") {
      const items = itemsOf(receiver);
      return Array.isArray(items) ? (items[key.value] ?? UNDEFINED) : items;
    }
    const text = propertyKey(key);
    if (text === undefined) return this.vm.runtime(node, env);
    return this.member(receiver, text, node, env);
  }

  /** A part of an optional chain: short-circuits are passed on, not turned into `undefined`. */
  private chainPart(node: ts.Expression, env: Env): ChainResult {
    if ((node.flags & NodeFlags.OptionalChain) !== 0) {
      if (
        node.kind === SK.PropertyAccessExpression ||
        node.kind === SK.ElementAccessExpression ||
        node.kind === SK.CallExpression
      ) {
        return this.chain(node as ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression, env);
      }
    }
    return this.evaluate(node, env);
  }

  private regexp(node: ts.RegularExpressionLiteral, env: Env): Value {
    const text = node.text;
    const slash = text.lastIndexOf("/");
    try {
      const regexp = new RegExp(text.slice(1, slash), text.slice(slash + 1));
      return { kind: "regexp", source: regexp.source, flags: regexp.flags };
    } catch {
      return this.vm.runtime(node, env);
    }
  }

  private evaluateTemplate(node: ts.TemplateExpression, env: Env): Value {
    let text = node.head.text;
    let failed: UnknownValue | undefined;
    for (const span of node.templateSpans) {
      const value = this.evaluate(span.expression, env);
      if (failed) continue;
      if (value.kind === "unknown") failed = value;
      else {
        const part = stringOf(value);
        if (part === undefined) failed = this.vm.runtime(span.expression, env);
        else text += part + span.literal.text;
      }
    }
    return failed ?? { kind: "string", value: text };
  }

  private evaluateArray(node: ts.ArrayLiteralExpression, env: Env): Value {
    const items: Value[] = [];
    let failed: UnknownValue | undefined;
    for (const element of node.elements) {
      if (isSpreadElement(element)) {
        const spread = this.evaluate(element.expression, env);
        const spreadItems = this.vm.builtins.iterate(spread);
        if (Array.isArray(spreadItems)) items.push(...spreadItems);
        else failed ??= spreadItems ?? this.vm.runtime(element, env);
      } else if (isOmittedExpression(element)) items.push(UNDEFINED);
      else items.push(this.evaluate(element, env));
    }
    return failed ?? { kind: "array", items };
  }

  private evaluateObject(node: ts.ObjectLiteralExpression, env: Env): Value {
    const props = new Props();
    let unknownSpread: UnknownValue | undefined;
    const file = env.scope.file;
    for (const property of node.properties) {
      if (isSpreadAssignment(property)) {
        const spread = this.evaluate(property.expression, env);
        if (spread.kind === "object" && !spread.proto) {
          if (spread.havoc) unknownSpread = spread.havoc;
          else for (const [key, value] of entriesOf(spread) as [string, Value][]) props.set(key, value);
          if (spread.unknownSpread) unknownSpread = spread.unknownSpread;
        } else if (spread.kind === "unknown") unknownSpread = spread;
        else if (spread.kind !== "null" && spread.kind !== "undefined") {
          const entries = entriesOf(spread);
          if (Array.isArray(entries)) for (const [key, value] of entries) props.set(key, value);
          else unknownSpread = entries ?? this.vm.runtime(property, env);
        }
        continue;
      }
      let key = property.name ? propertyNameText(property.name) : undefined;
      if (key === undefined && property.name && isComputedPropertyName(property.name)) {
        key = propertyKey(this.evaluate(property.name.expression, env));
      }
      if (key === undefined) {
        if (isPropertyAssignment(property)) this.evaluate(property.initializer, env);
        unknownSpread = this.vm.runtime(property, env);
        continue;
      }
      if (isPropertyAssignment(property)) props.set(key, this.evaluate(property.initializer, env, key));
      else if (isShorthandPropertyAssignment(property)) props.set(key, this.vm.modules.lookup(key, property.name, env));
      else if (isMethodDeclaration(property)) {
        props.set(key, { kind: "function", node: property, name: key, scope: env.scope, thisValue: undefined });
      } else if (isGetAccessorDeclaration(property) || isSetAccessorDeclaration(property)) {
        // Accessors run when read: the compiler does not run them, and says so if they define DAGs.
        if (env.mode === "execute")
          this.vm.reachability.skip([property], env, "a getter or setter", { file, node: property });
        props.set(key, this.vm.runtime(property, env));
      } else props.set(key, this.vm.runtime(property, env));
    }
    const origin: Site = { file, node };
    return unknownSpread ? { kind: "object", props, origin, unknownSpread } : { kind: "object", props, origin };
  }

  // ---- operators -----------------------------------------------------------------------

  private evaluateBinary(node: ts.BinaryExpression, env: Env): Value {
    const operator = node.operatorToken.kind;
    if (operator === SK.EqualsToken) {
      const value = this.evaluate(node.right, env, isIdentifier(node.left) ? node.left.text : undefined);
      if (env.mode === "execute") this.vm.statements.assign(node.left, value, env);
      return value;
    }
    if (operator === SK.CommaToken) {
      this.evaluate(node.left, env);
      return this.evaluate(node.right, env);
    }
    if (
      operator === SK.BarBarEqualsToken ||
      operator === SK.AmpersandAmpersandEqualsToken ||
      operator === SK.QuestionQuestionEqualsToken
    ) {
      const current = this.evaluate(node.left, env);
      const keep = this.shortCircuits(operator, current);
      if (keep === undefined) {
        return this.skipped([node.right, node.left], current, node.left, env, "a value only known at run time");
      }
      if (keep) return current;
      const value = this.evaluate(node.right, env);
      if (env.mode === "execute") this.vm.statements.assign(node.left, value, env);
      return value;
    }
    const compound = COMPOUND.get(operator);
    if (compound !== undefined) {
      const current = this.evaluate(node.left, env);
      const right = this.evaluate(node.right, env);
      const value = this.operate(compound, current, right, node, env);
      if (env.mode === "execute") this.vm.statements.assign(node.left, value, env);
      return value;
    }
    const left = this.evaluate(node.left, env);
    if (
      operator === SK.QuestionQuestionToken ||
      operator === SK.BarBarToken ||
      operator === SK.AmpersandAmpersandToken
    ) {
      const keep = this.shortCircuits(operator, left);
      if (keep === undefined) {
        const value = this.skipped([node.right], left, node.left, env, "a value only known at run time");
        return value.kind === "unknown" ? withMayBe(value, [left]) : value;
      }
      return keep ? left : this.evaluate(node.right, env);
    }
    return this.operate(operator, left, this.evaluate(node.right, env), node, env);
  }

  /** Whether a logical operator keeps its left operand (true), evaluates the right one (false), or cannot tell. */
  private shortCircuits(operator: ts.SyntaxKind, left: Value): boolean | undefined {
    if (operator === SK.QuestionQuestionToken || operator === SK.QuestionQuestionEqualsToken) {
      if (left.kind === "unknown") return undefined;
      return left.kind !== "null" && left.kind !== "undefined";
    }
    const test = truthiness(left);
    if (test === undefined) return undefined;
    return operator === SK.BarBarToken || operator === SK.BarBarEqualsToken ? test : !test;
  }

  /**
   * The value of an expression whose parts `nodes` the compiler does not
   * evaluate (the branches of an unknown condition): they are reported if
   * they may define DAGs, and what they may change becomes unknown.
   */
  private skipped(nodes: readonly ts.Node[], cause: Value, at: ts.Node, env: Env, where: string): Value {
    if (env.mode === "execute") this.vm.reachability.skip(nodes, env, where, { file: env.scope.file, node: at });
    const unknown = cause.kind === "unknown" ? cause : this.vm.runtime(at, env);
    // What the skipped parts name without running anything (`cond ? makeA : makeB`) it may be.
    const named = nodes.flatMap((node) => (isNamePath(node) ? [this.peek(node, env)] : []));
    return withMayBe(unknown, named);
  }

  /** Applies a binary operator to two evaluated operands. */
  private operate(operator: ts.SyntaxKind, left: Value, right: Value, node: ts.Node, env: Env): Value {
    if (left.kind === "unknown") return left;
    if (right.kind === "unknown") return right;
    switch (operator) {
      case SK.EqualsEqualsEqualsToken:
      case SK.ExclamationEqualsEqualsToken: {
        const same = sameValue(left, right);
        if (same === undefined) return this.vm.runtime(node, env);
        return { kind: "boolean", value: operator === SK.EqualsEqualsEqualsToken ? same : !same };
      }
      case SK.InKeyword:
        return this.inOperator(left, right, node, env);
      case SK.InstanceOfKeyword:
        return this.instanceOf(left, right, node, env);
    }
    const x = operandOf(left);
    const y = operandOf(right);
    if (x === NOT_PRIMITIVE || y === NOT_PRIMITIVE) {
      if (
        (operator === SK.EqualsEqualsToken || operator === SK.ExclamationEqualsToken) &&
        isReference(left) &&
        isReference(right)
      ) {
        const same = sameValue(left, right);
        if (same !== undefined) return { kind: "boolean", value: operator === SK.EqualsEqualsToken ? same : !same };
      }
      return this.vm.runtime(node, env);
    }
    const result = applyOperator(operator, x, y);
    return result === NOT_PRIMITIVE ? this.vm.runtime(node, env) : fromPrimitive(result);
  }

  private inOperator(key: Value, target: Value, node: ts.Node, env: Env): Value {
    const name = propertyKey(key);
    if (name === undefined) return this.vm.runtime(node, env);
    if (target.kind === "object" && !target.havoc && !target.unknownSpread && !target.proto) {
      return { kind: "boolean", value: target.props.has(name) };
    }
    if (target.kind === "array") {
      const items = itemsOf(target);
      if (!Array.isArray(items)) return items;
      const index = Number(name);
      return {
        kind: "boolean",
        value: name === "length" || (Number.isInteger(index) && index >= 0 && index < items.length),
      };
    }
    return this.vm.runtime(node, env);
  }

  private instanceOf(value: Value, type: Value, node: ts.Node, env: Env): Value {
    if (type.kind === "class") {
      if (value.kind !== "object" || !value.proto) return { kind: "boolean", value: false };
      return { kind: "boolean", value: this.vm.classes.extendsClass(value.proto, type) };
    }
    if (type.kind === "sdk" && type.member === undefined) {
      const byKind: Partial<Record<string, Value["kind"][]>> = {
        Asset: ["asset"],
        AssetAlias: ["alias"],
        AssetRef: ["ref"],
        AssetAll: ["all"],
        AssetAny: ["any"],
      };
      const kinds = byKind[type.name];
      if (kinds) return { kind: "boolean", value: kinds.includes(value.kind) };
    }
    if (type.kind === "global" && type.name === "Array") return { kind: "boolean", value: value.kind === "array" };
    return this.vm.runtime(node, env);
  }

  private evaluatePrefix(node: ts.PrefixUnaryExpression, env: Env): Value {
    if (node.operator === SK.PlusPlusToken || node.operator === SK.MinusMinusToken) {
      return this.update(node.operand, node.operator === SK.PlusPlusToken ? 1 : -1, true, env);
    }
    const operand = this.evaluate(node.operand, env);
    if (operand.kind === "unknown") return operand;
    if (node.operator === SK.ExclamationToken) {
      const test = truthiness(operand);
      return test === undefined ? this.vm.runtime(node, env) : { kind: "boolean", value: !test };
    }
    const x = operandOf(operand);
    if (x === NOT_PRIMITIVE) return this.vm.runtime(node, env);
    switch (node.operator) {
      case SK.MinusToken:
        return { kind: "number", value: -Number(x) };
      case SK.PlusToken:
        return { kind: "number", value: Number(x) };
      case SK.TildeToken:
        return { kind: "number", value: ~Number(x) };
      default:
        return this.vm.runtime(node, env);
    }
  }

  /** `x++`, `--x`, ... on a name or property. */
  private update(target: ts.Expression, delta: number, prefix: boolean, env: Env): Value {
    const current = this.evaluate(target, env);
    if (current.kind === "unknown") {
      if (env.mode === "execute") this.vm.statements.assign(target, current, env);
      return current;
    }
    const old = numberOf(current);
    if (old === undefined) return this.vm.runtime(target, env);
    if (env.mode === "execute") this.vm.statements.assign(target, { kind: "number", value: old + delta }, env);
    return { kind: "number", value: prefix ? old + delta : old };
  }

  private typeOf(value: Value): Value {
    const type = typeName(value);
    return type === undefined ? value : { kind: "string", value: type };
  }

  private delete(target: ts.Expression, env: Env): Value {
    if (!isPropertyAccessExpression(target) && !isElementAccessExpression(target))
      return { kind: "boolean", value: true };
    const receiver = this.evaluate(target.expression, env);
    const key = isPropertyAccessExpression(target)
      ? target.name.text
      : propertyKey(this.evaluate(target.argumentExpression, env));
    if (env.mode === "execute" && receiver.kind === "object" && !receiver.frozen) {
      if (key === undefined) receiver.havoc ??= this.vm.runtime(target, env);
      else receiver.props.delete(key);
    }
    return { kind: "boolean", value: true };
  }

  // ---- members -------------------------------------------------------------------------

  /** A property of a value. */
  member(receiver: Value, name: string, node: ts.Node, env: Env): Value {
    switch (receiver.kind) {
      case "unknown":
        return receiver;
      case "object":
        if (receiver.havoc) return receiver.havoc;
        if (receiver.props.has(name)) return receiver.props.get(name) as Value;
        if (receiver.proto) return this.vm.classes.instanceMember(receiver, name, node, env);
        return receiver.unknownSpread ?? UNDEFINED;
      case "array": {
        const known = this.vm.builtins.valueMember(receiver, name);
        if (known) return known;
        if (/^(0|[1-9][0-9]*)$/.test(name)) {
          const items = itemsOf(receiver);
          return Array.isArray(items) ? (items[Number(name)] ?? UNDEFINED) : items;
        }
        return { kind: "method", receiver, name };
      }
      case "string": {
        const known = this.vm.builtins.valueMember(receiver, name);
        if (known) return known;
        if (/^(0|[1-9][0-9]*)$/.test(name)) {
          const char = receiver.value[Number(name)];
          return char === undefined ? UNDEFINED : { kind: "string", value: char };
        }
        return { kind: "method", receiver, name };
      }
      case "number":
      case "boolean":
        return { kind: "method", receiver, name };
      case "regexp":
        return this.vm.builtins.valueMember(receiver, name) ?? { kind: "method", receiver, name };
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
      case "pattern":
        if (name === "pattern") return { kind: "string", value: receiver.pattern };
        if (name === "captures") return jsonToValue([...receiver.captures]);
        return { kind: "method", receiver, name };
      case "all":
      case "any":
        if (name === "conditions") return { kind: "array", items: [...receiver.conditions], frozen: true };
        return { kind: "method", receiver, name };
      case "task":
        if (name === "taskId") return { kind: "string", value: receiver.taskId };
        return { kind: "method", receiver, name };
      case "sdk":
        return sdkMember(this.vm, receiver, name, node, env);
      case "sdkNamespace":
        return sdkExport(this.vm, name, node, env);
      case "namespace":
        return this.vm.modules.namespaceMember(receiver.path, name, node, env);
      case "global":
        return this.vm.builtins.globalMember(receiver.name, name, node, env) ?? { kind: "method", receiver, name };
      case "class":
        return this.vm.classes.staticMember(receiver, name, node, env);
      case "function":
        if (name === "name") return { kind: "string", value: receiver.name };
        return { kind: "method", receiver, name };
      case "ctx":
        if (name === "outletEvents" || name === "inletEvents") return { kind: "ctxEvents", events: name };
        return this.vm.runtime(node, env);
      case "ctxEvents":
      case "outletAccessor":
        return { kind: "method", receiver, name };
      default:
        return this.vm.runtime(node, env);
    }
  }

  /** Sets a property (`receiver[key] = value`); a key only known at run time makes the object unknown. */
  setMember(receiver: Value, key: string | undefined, value: Value, node: ts.Node, env: Env): void {
    if (receiver.kind === "object") {
      if (receiver.frozen || receiver.havoc) return;
      if (key === undefined) receiver.havoc = this.vm.runtime(node, env);
      else this.vm.classes.setInstanceMember(receiver, key, value, node, env);
      return;
    }
    if (receiver.kind === "array") {
      if (receiver.frozen || receiver.havoc) return;
      const index = key === undefined ? Number.NaN : Number(key);
      if (key === "length" && value.kind === "number") {
        const before = receiver.items.length;
        receiver.items.length = value.value;
        if (value.value > before) receiver.items.fill(UNDEFINED, before);
      } else if (key !== undefined && /^(0|[1-9][0-9]*)$/.test(key)) {
        while (receiver.items.length < index) receiver.items.push(UNDEFINED);
        receiver.items[index] = value;
      } else receiver.havoc = this.vm.runtime(node, env);
      return;
    }
    if (receiver.kind === "class" && key !== undefined) this.vm.classes.setStaticMember(receiver, key, value, env);
  }

  // ---- calls ---------------------------------------------------------------------------

  /** The arguments of a call, spreads expanded; an unknown value when a spread is not a known list. */
  evaluateArguments(args: readonly ts.Expression[] | undefined, env: Env): Value[] | UnknownValue {
    const values: Value[] = [];
    let failed: UnknownValue | undefined;
    for (const argument of args ?? []) {
      if (isSpreadElement(argument)) {
        const spread = this.evaluate(argument.expression, env);
        const items = this.vm.builtins.iterate(spread);
        if (Array.isArray(items)) values.push(...items);
        else failed ??= items ?? this.vm.runtime(argument, env);
      } else values.push(this.evaluate(argument, env));
    }
    return failed ?? values;
  }

  private evaluateCall(node: ts.CallExpression, env: Env): ChainResult {
    if (node.expression.kind === SK.SuperKeyword || node.expression.kind === SK.ImportKeyword) {
      this.evaluateArguments(node.arguments, env);
      return this.vm.runtime(node, env);
    }
    let target: ts.Expression = node.expression;
    while (target.kind === SK.ParenthesizedExpression) target = (target as ts.ParenthesizedExpression).expression;
    let callee: Value;
    let thisValue: Value | undefined;
    if (isPropertyAccessExpression(target) || isElementAccessExpression(target)) {
      const receiver = this.chainPart(target.expression, env);
      if (receiver === SHORT_CIRCUIT) return SHORT_CIRCUIT;
      if (target.questionDotToken && (receiver.kind === "null" || receiver.kind === "undefined")) return SHORT_CIRCUIT;
      const key = isPropertyAccessExpression(target)
        ? target.name.text
        : propertyKey(this.evaluate(target.argumentExpression, env));
      callee =
        key === undefined
          ? withMayBe(this.vm.runtime(target, env), [receiver])
          : this.member(receiver, key, target, env);
      thisValue = receiver;
    } else {
      const evaluated = this.chainPart(target, env);
      if (evaluated === SHORT_CIRCUIT) return SHORT_CIRCUIT;
      callee = evaluated;
    }
    if (node.questionDotToken && (callee.kind === "null" || callee.kind === "undefined")) return SHORT_CIRCUIT;
    const args = this.evaluateArguments(node.arguments, env);
    if (!Array.isArray(args)) {
      return this.vm.reachability.notFollowed(node, env, "its arguments are only known at run time", [callee]);
    }
    return this.call(callee, args, node, env, thisValue);
  }

  /** Calls a value with evaluated arguments (`thisValue`: the receiver of a method call). */
  call(callee: Value, args: Value[], node: ts.CallExpression, env: Env, thisValue?: Value): Value {
    switch (callee.kind) {
      case "sdk":
        return callSdk(this.vm, callee, args, node, env);
      case "method":
        return this.callMethod(callee.receiver, callee.name, args, node, env);
      case "function":
        return this.vm.statements.callFunction(callee, args, node, env, thisValue);
      case "global":
        return this.vm.builtins.callGlobal(callee.name, args) ?? this.unfollowed(node, env, callee, args);
      case "unknown": {
        const result = this.unfollowed(node, env, callee, args);
        return callee.reason.kind === "env" || callee.reason.kind === "invalid" ? callee : result;
      }
      default:
        return this.unfollowed(node, env, callee, args);
    }
  }

  /** A call the compiler does not run: reported when it may define DAGs, and unknown. */
  private unfollowed(
    node: ts.CallExpression,
    env: Env,
    callee: Value,
    args: readonly Value[],
    receiver?: Value,
  ): UnknownValue {
    if (env.mode !== "execute") return this.vm.callOf(node, env);
    const values = receiver ? [receiver, callee, ...args] : [callee, ...args];
    return this.vm.reachability.notFollowed(node, env, "the compiler cannot run it", values);
  }

  private callMethod(receiver: Value, name: string, args: Value[], node: ts.CallExpression, env: Env): Value {
    const site: Site = { file: env.scope.file, node };
    if (isConditionValue(receiver) && (name === "and" || name === "or")) {
      return makeCombined(this.vm, name === "and" ? "all" : "any", [receiver, ...args], site);
    }
    if (receiver.kind === "task" && (name === "precedes" || name === "follows")) {
      if (env.mode !== "execute") return this.vm.runtime(node, env);
      if (name === "precedes") {
        this.vm.dags.link([receiver], args, site, "precedes()");
        return args.at(-1) ?? UNDEFINED;
      }
      this.vm.dags.link(args, [receiver], site, "follows()");
      return receiver;
    }
    if (receiver.kind === "ctxEvents" && name === "get") {
      return receiver.events === "outletEvents"
        ? { kind: "outletAccessor", target: args[0] ?? UNDEFINED }
        : this.vm.runtime(node, env);
    }
    if (receiver.kind === "function" && (name === "call" || name === "apply")) {
      const [thisArg, ...rest] = args;
      let callArgs: Value[] | UnknownValue = rest;
      if (name === "apply") {
        const list = rest[0];
        callArgs =
          list === undefined || list.kind === "undefined" || list.kind === "null"
            ? []
            : (this.vm.builtins.iterate(list) ?? this.vm.runtime(node, env));
      }
      if (!Array.isArray(callArgs)) return this.unfollowed(node, env, receiver, args);
      return this.vm.statements.callFunction(receiver, callArgs, node, env, thisArg);
    }
    if (env.mode === "inspect" && mutates(name)) return this.vm.callOf(node, env);
    const known = this.vm.builtins.callMethod(receiver, name, args, node, env);
    if (known !== undefined) return known;
    return this.unfollowed(node, env, { kind: "method", receiver, name }, args, receiver);
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
    if (tag.kind === "sdk") return tagSdk(this.vm, tag, strings, values, node, env);
    if (env.mode !== "execute") return tag.kind === "unknown" ? tag : this.vm.callOf(node, env);
    const result = this.vm.reachability.notFollowed(node, env, "the compiler cannot run it", [tag, ...values]);
    return tag.kind === "unknown" ? tag : result;
  }

  private evaluateNew(node: ts.NewExpression, env: Env): Value {
    const callee = this.evaluate(node.expression, env);
    const args = this.evaluateArguments(node.arguments, env);
    const site: Site = { file: env.scope.file, node };
    if (!Array.isArray(args)) {
      return env.mode === "execute"
        ? this.vm.reachability.notFollowed(node, env, "its arguments are only known at run time", [callee])
        : args;
    }
    if (callee.kind === "sdk") return constructSdk(this.vm, callee, args, node, env);
    if (callee.kind === "global") {
      if (callee.name === "Date") return makeDate(this.vm, args, site);
      const known = this.vm.builtins.construct(callee.name, args);
      if (known) return known;
    }
    if (callee.kind === "class") return this.vm.classes.construct(callee, args, node, env);
    if (callee.kind === "unknown") this.vm.classes.reportUnknownClass(callee, args, node, env);
    if (env.mode !== "execute") return callee.kind === "unknown" ? callee : this.vm.runtime(node, env);
    const result = this.vm.reachability.notFollowed(node, env, "the compiler cannot run it", [callee, ...args]);
    return callee.kind === "unknown" ? callee : result;
  }
}

const NOT_PRIMITIVE = Symbol("not primitive");
type Primitive = string | number | boolean | null | undefined;

/** The primitive JavaScript turns an operand into (lists become their joined strings). */
function operandOf(value: Value): Primitive | typeof NOT_PRIMITIVE {
  if (value.kind === "undefined") return undefined;
  const converted = primitive(value);
  if (converted !== undefined) return converted;
  if (value.kind === "array" || value.kind === "regexp") return stringOf(value) ?? NOT_PRIMITIVE;
  return NOT_PRIMITIVE;
}

function isReference(value: Value): boolean {
  return primitive(value) === undefined && value.kind !== "undefined";
}

/** Applies a binary operator as JavaScript does, on primitives. */
function applyOperator(operator: ts.SyntaxKind, x: Primitive, y: Primitive): Primitive | typeof NOT_PRIMITIVE {
  // biome-ignore lint/suspicious/noExplicitAny: evaluates the user's own operators on primitives
  const a = x as any;
  // biome-ignore lint/suspicious/noExplicitAny: evaluates the user's own operators on primitives
  const b = y as any;
  switch (operator) {
    case SK.PlusToken:
      return a + b;
    case SK.MinusToken:
      return a - b;
    case SK.AsteriskToken:
      return a * b;
    case SK.SlashToken:
      return a / b;
    case SK.PercentToken:
      return a % b;
    case SK.AsteriskAsteriskToken:
      return a ** b;
    case SK.EqualsEqualsToken:
      // biome-ignore lint/suspicious/noDoubleEquals: evaluates the user's own operator
      return a == b;
    case SK.ExclamationEqualsToken:
      // biome-ignore lint/suspicious/noDoubleEquals: evaluates the user's own operator
      return a != b;
    case SK.LessThanToken:
      return a < b;
    case SK.GreaterThanToken:
      return a > b;
    case SK.LessThanEqualsToken:
      return a <= b;
    case SK.GreaterThanEqualsToken:
      return a >= b;
    case SK.AmpersandToken:
      return a & b;
    case SK.BarToken:
      return a | b;
    case SK.CaretToken:
      return a ^ b;
    case SK.LessThanLessThanToken:
      return a << b;
    case SK.GreaterThanGreaterThanToken:
      return a >> b;
    case SK.GreaterThanGreaterThanGreaterThanToken:
      return a >>> b;
    default:
      return NOT_PRIMITIVE;
  }
}

/** What `typeof` says of a value, or undefined when it is not known. */
function typeName(value: Value): string | undefined {
  switch (value.kind) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
      return value.kind;
    case "unknown":
      return undefined;
    case "function":
    case "class":
    case "method":
      return "function";
    case "sdk":
      return value.name.endsWith("Schema") && value.member === undefined ? "object" : "function";
    case "global":
      return value.name === "Math" || value.name === "JSON" || value.name === "console" || value.name.includes(".")
        ? "object"
        : value.name === "process" || value.name === "globalThis" || value.name === "Reflect" || value.name === "Intl"
          ? "object"
          : "function";
    default:
      return "object";
  }
}

/** Methods that change their receiver: not called while only reading a task body. */
function mutates(name: string): boolean {
  return ["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin", "assign"].includes(
    name,
  );
}

/** An unknown value that may be one of `values` too (only the known ones are kept). */
function withMayBe(value: UnknownValue, values: readonly Value[]): UnknownValue {
  const known = values.filter((candidate) => candidate.kind !== "unknown" || candidate.mayBe);
  if (known.length === 0) return value;
  return { ...value, mayBe: [...(value.mayBe ?? []), ...known] };
}

/** A name or a property path (`a`, `a.b.c`, `(a)`): read without running anything. */
function isNamePath(node: ts.Node): node is ts.Expression {
  if (isIdentifier(node)) return true;
  if (isPropertyAccessExpression(node)) return isNamePath(node.expression);
  if (node.kind === SK.ParenthesizedExpression) return isNamePath((node as ts.ParenthesizedExpression).expression);
  return false;
}
