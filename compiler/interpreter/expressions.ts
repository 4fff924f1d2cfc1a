/**
 * Expression evaluation: literals, names, templates, arrays and objects
 * (spreads included), operators, members, calls and `new`. Calls dispatch on
 * what the callee is: an SDK export (the SDK semantics table), a user
 * function, a method of a known value, or a built-in.
 */
import { ts } from "ts-morph";
import { makeCombined, makeDate } from "../semantics.js";
import { isConditionValue, NULL, Props, type Site, UNDEFINED, type UnknownValue, type Value } from "../values.js";
import { callBuiltinMethod, callGlobal, globalMember } from "./builtins.js";
import type { Interpreter } from "./interpreter.js";
import { callSdk, constructSdk, sdkExport, sdkMember, tagSdk } from "./sdk-semantics.js";
import { type Env, fromPrimitive, jsonToValue, primitive, propertyNameText, truthiness } from "./support.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  isArrowFunction,
  isComputedPropertyName,
  isFunctionExpression,
  isIdentifier,
  isMethodDeclaration,
  isNoSubstitutionTemplateLiteral,
  isOmittedExpression,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isShorthandPropertyAssignment,
  isSpreadAssignment,
  isSpreadElement,
  SyntaxKind: SK,
} = ts;

/** Evaluates expressions to static values. */
export class ExpressionEvaluator {
  constructor(private readonly vm: Interpreter) {}

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
        if (text === undefined || text === null) return this.vm.runtime(node, env);
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
          return condition.kind === "unknown" ? condition : this.vm.runtime(conditional.condition, env);
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
      case SK.VoidExpression:
        return UNDEFINED;
      default:
        return this.vm.runtime(node, env);
    }
  }

  /** Evaluates a name or property path without side effects. */
  peek(node: ts.Expression, env: Env): Value {
    if (isIdentifier(node)) return this.vm.modules.lookup(node.text, node, env);
    if (isPropertyAccessExpression(node)) {
      return this.member(this.peek(node.expression, env), node.name.text, node, env);
    }
    return this.vm.runtime(node, env);
  }

  private evaluateTemplate(node: ts.TemplateExpression, env: Env): Value {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      const value = this.evaluate(span.expression, env);
      if (value.kind === "unknown") return value;
      const part = primitive(value);
      if (part === undefined && value.kind !== "undefined") return this.vm.runtime(span.expression, env);
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
        else return this.vm.runtime(element, env);
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
        unknownSpread = this.vm.runtime(property, env);
        continue;
      }
      if (isPropertyAssignment(property)) props.set(key, this.evaluate(property.initializer, env, key));
      else if (isShorthandPropertyAssignment(property)) props.set(key, this.vm.modules.lookup(key, property.name, env));
      else if (isMethodDeclaration(property)) {
        props.set(key, { kind: "function", node: property, name: key, scope: env.scope, thisValue: undefined });
      } else props.set(key, this.vm.runtime(property, env));
    }
    const origin: Site = { file, node };
    return unknownSpread ? { kind: "object", props, origin, unknownSpread } : { kind: "object", props, origin };
  }

  private evaluateBinary(node: ts.BinaryExpression, env: Env): Value {
    const operator = node.operatorToken.kind;
    if (operator === SK.EqualsToken) {
      const value = this.evaluate(node.right, env);
      if (env.mode === "execute") this.vm.statements.assign(node.left, value, env);
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
      if (test === undefined) return left.kind === "unknown" ? left : this.vm.runtime(node, env);
      const takeLeft = operator === SK.BarBarToken ? test : !test;
      return takeLeft ? left : this.evaluate(node.right, env);
    }
    const right = this.evaluate(node.right, env);
    if (left.kind === "unknown") return left;
    if (right.kind === "unknown") return right;
    const a = primitive(left);
    const b = primitive(right);
    if ((a === undefined && left.kind !== "undefined") || (b === undefined && right.kind !== "undefined")) {
      return this.vm.runtime(node, env);
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
        return this.vm.runtime(node, env);
    }
  }

  private evaluatePrefix(node: ts.PrefixUnaryExpression, env: Env): Value {
    const operand = this.evaluate(node.operand, env);
    if (operand.kind === "unknown") return operand;
    switch (node.operator) {
      case SK.MinusToken:
        return operand.kind === "number" ? { kind: "number", value: -operand.value } : this.vm.runtime(node, env);
      case SK.PlusToken: {
        const value = primitive(operand);
        return value === undefined ? this.vm.runtime(node, env) : { kind: "number", value: Number(value) };
      }
      case SK.ExclamationToken: {
        const test = truthiness(operand);
        return test === undefined ? this.vm.runtime(node, env) : { kind: "boolean", value: !test };
      }
      default:
        return this.vm.runtime(node, env);
    }
  }

  /** A property of a value. */
  member(receiver: Value, name: string, node: ts.Node, env: Env): Value {
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
      case "pattern":
        if (name === "pattern") return { kind: "string", value: receiver.pattern };
        if (name === "captures") return jsonToValue([...receiver.captures]);
        return { kind: "method", receiver, name };
      case "all":
      case "any":
        if (name === "conditions") return { kind: "array", items: receiver.conditions };
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
      case "global": {
        const known = globalMember(receiver.name, name);
        if (known === "env") return this.vm.unknown({ kind: "env", text: `process.env.${name}` }, node, env);
        return known ?? { kind: "method", receiver, name };
      }
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

  /** The arguments of a call, spreads expanded; an unknown value when a spread is not a known list. */
  evaluateArguments(args: readonly ts.Expression[] | undefined, env: Env): Value[] | UnknownValue {
    const values: Value[] = [];
    for (const argument of args ?? []) {
      if (isSpreadElement(argument)) {
        const spread = this.evaluate(argument.expression, env);
        if (spread.kind === "array") values.push(...spread.items);
        else return spread.kind === "unknown" ? spread : this.vm.runtime(argument, env);
      } else values.push(this.evaluate(argument, env));
    }
    return values;
  }

  private evaluateCall(node: ts.CallExpression, env: Env): Value {
    if (node.expression.kind === SK.SuperKeyword || node.expression.kind === SK.ImportKeyword) {
      return this.vm.runtime(node, env);
    }
    const callee = this.evaluate(node.expression, env);
    const args = this.evaluateArguments(node.arguments, env);
    if (!Array.isArray(args)) return args;
    return this.call(callee, args, node, env);
  }

  /** Calls a value with evaluated arguments. */
  call(callee: Value, args: Value[], node: ts.CallExpression, env: Env): Value {
    switch (callee.kind) {
      case "sdk":
        return callSdk(this.vm, callee, args, node, env);
      case "method":
        return this.callMethod(callee.receiver, callee.name, args, node, env);
      case "function":
        return this.vm.statements.callFunction(callee, args, node, env);
      case "global":
        return callGlobal(callee.name, args) ?? this.vm.callOf(node, env);
      case "unknown":
        return callee.reason.kind === "env" || callee.reason.kind === "invalid" ? callee : this.vm.callOf(node, env);
      default:
        return this.vm.callOf(node, env);
    }
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
    return callBuiltinMethod(receiver, name, args) ?? this.vm.callOf(node, env);
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
    if (tag.kind === "unknown") return tag;
    return this.vm.callOf(node, env);
  }

  private evaluateNew(node: ts.NewExpression, env: Env): Value {
    const callee = this.evaluate(node.expression, env);
    const args = this.evaluateArguments(node.arguments, env);
    const site: Site = { file: env.scope.file, node };
    if (!Array.isArray(args)) return args;
    if (callee.kind === "sdk") return constructSdk(this.vm, callee, args, node, env);
    if (callee.kind === "global" && callee.name === "Date") return makeDate(this.vm, args, site);
    if (callee.kind === "class") return this.vm.classes.construct(callee, args, node, env);
    if (callee.kind === "unknown") {
      this.vm.classes.reportUnknownClass(callee, args, node, env);
      return callee;
    }
    return this.vm.runtime(node, env);
  }
}
