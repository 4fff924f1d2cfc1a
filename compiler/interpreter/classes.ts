/**
 * Classes and decorators: class values and their ancestry, `@dag` classes
 * (constructed field by field, their `@task` methods read into tasks), and
 * operators (SDK operators and user classes extending them, followed through
 * their constructors down to the options the SDK operator receives).
 */

import { ts } from "ts-morph";
import type { z } from "zod";
import { taskDecoratorOptionsSchema } from "../../sdk/option-schemas.js";
import { operatorOptionsSchema, parseDagSettings, parseTaskOptions } from "../definitions.js";
import { DiagnosticCatalog } from "../diagnostics.js";
import { CONSTANT_HINT, INVALID, reportUnknown } from "../semantics.js";
import { hasModifier } from "../source.js";
import { unquotedEventData } from "../template-lint.js";
import {
  type ClassValue,
  type FunctionValue,
  type ObjectValue,
  Props,
  propertySite,
  Scope,
  type Site,
  UNDEFINED,
  type UnknownValue,
  type Value,
} from "../values.js";
import { defineAssetDefinition } from "./asset-definitions.js";
import type { Interpreter } from "./interpreter.js";
import { sdkOperatorKeys } from "./sdk-semantics.js";
import {
  BudgetExceeded,
  decoratorsOf,
  type Env,
  MAX_DEPTH,
  propertyNameText,
  shortText,
  superCallOf,
} from "./support.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  getModifiers,
  isCallExpression,
  isClassStaticBlockDeclaration,
  isConstructorDeclaration,
  isGetAccessorDeclaration,
  isIdentifier,
  isMethodDeclaration,
  isPrivateIdentifier,
  isPropertyDeclaration,
  isSetAccessorDeclaration,
  isVariableStatement,
  SyntaxKind: SK,
} = ts;

/** Defines classes, constructs `@dag` classes and operators. */
export class ClassEvaluator {
  /** The accepted options of each SDK operator (base options and its own), built once per compilation. */
  private readonly operatorSchemas = new Map<string, z.ZodType>();

  constructor(private readonly vm: Interpreter) {}

  /**
   * Defines a class: its static fields and blocks run, then its decorators; a
   * `@dag(...)` class becomes a DAG at once, as when the file is loaded.
   */
  defineClass(node: ts.ClassLikeDeclaration, name: string, env: Env): Value {
    const value: ClassValue = { kind: "class", node, name, scope: env.scope, statics: new Props() };
    if (env.mode === "execute") this.initializeStatics(value, env);
    for (const decorator of decoratorsOf(node)) {
      const applied = this.vm.expressions.evaluate(decorator.expression, env);
      const site: Site = { file: env.scope.file, node: decorator };
      if (applied.kind === "sdk" && applied.name === "dag") {
        this.vm.report(
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
        this.vm.report(
          DiagnosticCatalog.invalidDecorator,
          { message: "@task() decorates methods; use @dag() on a class." },
          site,
        );
      } else if (env.mode === "execute" && applied.kind !== "decorator") {
        this.vm.reachability.notFollowed(decorator, env, "the compiler does not run decorators of its own", [applied]);
      }
    }
    if (env.mode === "execute") this.defineAssetMethods(value, env);
    return value;
  }

  /**
   * `@asset(...)` and `@asset.multi(...)` on static methods: each defines its
   * asset's DAG when the class is defined, with `this` the class.
   */
  private defineAssetMethods(value: ClassValue, env: Env): void {
    for (const member of value.node.members) {
      const decorators = decoratorsOf(member);
      if (decorators.length === 0 || !isMethodDeclaration(member)) continue;
      for (const decorator of decorators) {
        const applied = this.vm.expressions.evaluate(decorator.expression, { ...env, dag: undefined });
        if (applied.kind !== "decorator" || (applied.decorator !== "asset" && applied.decorator !== "assetMulti")) {
          continue;
        }
        const site: Site = { file: value.scope.file, node: decorator };
        const methodName = memberName(member) ?? "(computed)";
        const name = applied.decorator === "asset" ? "@asset()" : "@asset.multi()";
        const isPrivate = member.name !== undefined && isPrivateIdentifier(member.name);
        if (!hasModifier(member, SK.StaticKeyword) || isPrivate) {
          const kind = `${hasModifier(member, SK.StaticKeyword) ? "static " : ""}${isPrivate ? "private " : ""}method`;
          this.vm.report(
            DiagnosticCatalog.invalidDecorator,
            {
              message: `${name} can only decorate a public static method (the function that materializes the asset; \`this\` is the class), not the ${kind} "${methodName}".`,
            },
            site,
          );
          continue;
        }
        defineAssetDefinition(
          this.vm,
          applied.decorator === "asset" ? "asset" : "multi",
          applied.options,
          { node: member, scope: value.scope, thisValue: value, name: methodName },
          { file: value.scope.file, node: member.name ?? member },
        );
      }
    }
  }

  /** Runs the static field initializers and static blocks of a class, in order, with `this` the class. */
  private initializeStatics(value: ClassValue, env: Env): void {
    const staticEnv: Env = { ...env, scope: new Scope(value.scope, value.scope.file), thisValue: value };
    for (const member of value.node.members) {
      if (isPropertyDeclaration(member) && hasModifier(member, SK.StaticKeyword)) {
        const name = memberName(member);
        const field = member.initializer
          ? this.vm.expressions.evaluate(member.initializer, staticEnv, name)
          : UNDEFINED;
        if (name !== undefined) value.statics?.set(name, field);
      } else if (isClassStaticBlockDeclaration(member)) {
        this.vm.statements.execStatements(member.body.statements, {
          ...staticEnv,
          scope: new Scope(staticEnv.scope, value.scope.file),
        });
      }
    }
  }

  /**
   * `new C(...)` of a user class: an operator becomes a task of the DAG being
   * built; any other class becomes an instance, its constructor run.
   */
  construct(callee: ClassValue, args: Value[], node: ts.NewExpression, env: Env): Value {
    if (this.isOperatorClass(callee, new Set())) return this.newOperator(callee, args, node, env);
    const base = this.unresolvedBase(callee, new Set());
    if (base && env.dag && env.mode === "execute" && looksLikeTaskOptions(args[0])) {
      this.vm.report(
        DiagnosticCatalog.unknownClass,
        { name: callee.name, dagId: env.dag.settings.dagId, reason: base.reason },
        { file: env.scope.file, node },
      );
    }
    if (env.mode !== "execute") return this.vm.runtime(node, env);
    const instance: ObjectValue = base
      ? { kind: "object", props: new Props(), proto: callee, unknownSpread: base.value }
      : { kind: "object", props: new Props(), proto: callee };
    this.constructInstance(callee, instance, args, env);
    return instance;
  }

  /** A member of an instance of a user class: own properties first, then methods and getters of its classes. */
  instanceMember(instance: ObjectValue, name: string, node?: ts.Node, env?: Env): Value {
    const proto = instance.proto;
    if (!proto) return UNDEFINED;
    const chain = this.classChain(proto);
    for (const owner of chain) {
      for (const member of owner.node.members) {
        if (hasModifier(member, SK.StaticKeyword) || memberName(member) !== name) continue;
        if (isMethodDeclaration(member) && member.body) {
          return { kind: "function", node: member, name, scope: owner.scope, thisValue: undefined };
        }
        if (isGetAccessorDeclaration(member) && member.body) {
          if (!node || !env || env.mode !== "execute") return env ? this.vm.runtime(node ?? member, env) : UNDEFINED;
          const getter: FunctionValue = {
            kind: "function",
            node: member,
            name,
            scope: owner.scope,
            thisValue: undefined,
          };
          return this.vm.statements.callFunction(getter, [], node, env, instance);
        }
      }
    }
    const last = chain.at(-1);
    const parent = last ? this.heritageOf(last, inspectEnv(last.scope)) : undefined;
    if (parent?.kind === "unknown") return parent;
    return instance.unknownSpread ?? UNDEFINED;
  }

  /** Sets a property of an object: through a setter of its class, if it has one. */
  setInstanceMember(instance: ObjectValue, key: string, value: Value, node: ts.Node, env: Env): void {
    if (instance.proto) {
      for (const owner of this.classChain(instance.proto)) {
        for (const member of owner.node.members) {
          if (
            isSetAccessorDeclaration(member) &&
            member.body &&
            memberName(member) === key &&
            !hasModifier(member, SK.StaticKeyword)
          ) {
            const setter: FunctionValue = {
              kind: "function",
              node: member,
              name: key,
              scope: owner.scope,
              thisValue: undefined,
            };
            this.vm.statements.callFunction(setter, [value], node, env, instance);
            return;
          }
        }
      }
    }
    instance.props.set(key, value);
  }

  /** A static member of a user class: its static fields and methods, then its base class's. */
  staticMember(value: ClassValue, name: string, node: ts.Node, env: Env): Value {
    if (value.statics?.has(name)) return value.statics.get(name) as Value;
    for (const member of value.node.members) {
      if (!hasModifier(member, SK.StaticKeyword) || memberName(member) !== name) continue;
      if (isMethodDeclaration(member) && member.body) {
        return { kind: "function", node: member, name, scope: value.scope, thisValue: undefined };
      }
      if (isGetAccessorDeclaration(member) && member.body) {
        if (env.mode !== "execute") return this.vm.runtime(node, env);
        const getter: FunctionValue = {
          kind: "function",
          node: member,
          name,
          scope: value.scope,
          thisValue: undefined,
        };
        return this.vm.statements.callFunction(getter, [], node, env, value);
      }
    }
    if (name === "name") return { kind: "string", value: value.name };
    const parent = this.heritageOf(value, inspectEnv(value.scope));
    if (parent?.kind === "class") return this.staticMember(parent, name, node, env);
    if (parent?.kind === "unknown") return parent;
    if (parent !== undefined) return this.vm.runtime(node, env);
    return UNDEFINED;
  }

  /** Sets a static field of a user class. */
  setStaticMember(value: ClassValue, key: string, field: Value, _env: Env): void {
    value.statics ??= new Props();
    value.statics.set(key, field);
  }

  /** True when `value` is `type` or extends it. */
  extendsClass(value: ClassValue, type: ClassValue): boolean {
    return this.classChain(value).some((item) => item.node === type.node);
  }

  /** Warns when `new X(...)` of a class the compiler cannot see may be an operator of the DAG being built. */
  reportUnknownClass(callee: UnknownValue, args: Value[], node: ts.NewExpression, env: Env): void {
    if (!env.dag || env.mode !== "execute" || !looksLikeTaskOptions(args[0])) return;
    const reason =
      callee.reason.kind === "external"
        ? `it comes from the package ${JSON.stringify(callee.reason.specifier)}, which the compiler does not read`
        : "its class cannot be found";
    this.vm.report(
      DiagnosticCatalog.unknownClass,
      { name: shortText(node.expression, env.scope.file), dagId: env.dag.settings.dagId, reason },
      { file: env.scope.file, node },
    );
  }

  /** The value of a class's `extends` clause, or undefined when it has none. */
  private heritageOf(value: ClassValue, env: Env): Value | undefined {
    if (value.parent !== undefined) return value.parent ?? undefined;
    const clause = value.node.heritageClauses?.find((heritage) => heritage.token === SK.ExtendsKeyword);
    const expression = clause?.types[0]?.expression;
    const parent = expression
      ? this.vm.expressions.evaluate(expression, { ...env, scope: value.scope, mode: "inspect", dag: undefined })
      : undefined;
    value.parent = parent ?? null;
    return parent;
  }

  /** True for an SDK operator, or a user class extending one. */
  isOperatorClass(value: Value, seen: Set<ts.Node>): boolean {
    if (value.kind === "sdk") return sdkOperatorKeys(value) !== undefined;
    if (value.kind !== "class" || seen.has(value.node)) return false;
    seen.add(value.node);
    const parent = this.heritageOf(value, inspectEnv(value.scope));
    return parent !== undefined && this.isOperatorClass(parent, seen);
  }

  /** Why a class's ancestry cannot be followed (and its unknown base), or undefined when it can. */
  private unresolvedBase(value: ClassValue, seen: Set<ts.Node>): { reason: string; value: UnknownValue } | undefined {
    if (seen.has(value.node)) return undefined;
    seen.add(value.node);
    const parent = this.heritageOf(value, inspectEnv(value.scope));
    if (!parent) return undefined;
    if (parent.kind === "class") return this.unresolvedBase(parent, seen);
    if (parent.kind === "unknown") {
      return {
        reason:
          parent.reason.kind === "external"
            ? `it extends \`${parent.reason.name}\` from the package ${JSON.stringify(parent.reason.specifier)}, which the compiler does not read`
            : "its base class cannot be found",
        value: parent,
      };
    }
    return undefined;
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
      current = this.heritageOf(next, inspectEnv(next.scope));
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
          if (memberName(member) === name) return { method: member, owner };
        }
      }
    }
    return undefined;
  }

  /** Runs a class's construction on `instance`: base classes, field initializers, constructor body. */
  private constructInstance(value: ClassValue, instance: ObjectValue, args: Value[], env: Env): void {
    if (env.depth >= MAX_DEPTH) throw new BudgetExceeded({ file: env.scope.file, node: value.node }, "depth");
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
        reportUnknown(this.vm, parent, {
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
    this.vm.statements.bindParameters(ctor.parameters, args, classEnv.scope, classEnv);
    let initialized = false;
    if (!parent) {
      this.initializeFields(value, instance, classEnv);
      initialized = true;
    }
    const statements = ctor.body.statements;
    this.vm.statements.hoist(statements, classEnv.scope, classEnv);
    for (const [index, statement] of statements.entries()) {
      const superCall = superCallOf(statement);
      if (superCall) {
        const parentArgs = this.vm.expressions.evaluateArguments(superCall.arguments, classEnv);
        constructParent(Array.isArray(parentArgs) ? parentArgs : []);
        if (!initialized) {
          this.initializeFields(value, instance, classEnv);
          initialized = true;
        }
        continue;
      }
      const completion = this.vm.statements.execStatement(statement, classEnv);
      if (completion.kind === "unknown") {
        const rest = statements.slice(index + 1);
        if (rest.length > 0)
          this.vm.reachability.skip(rest, classEnv, `code after ${completion.where}`, completion.site);
      }
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
      const name = memberName(member);
      if (name === undefined) continue;
      const field = member.initializer ? this.vm.expressions.evaluate(member.initializer, env, name) : UNDEFINED;
      instance.props.set(name, field);
    }
  }

  // ---- @dag classes ------------------------------------------------------------------

  private defineDagClass(value: ClassValue, options: Value, decorator: ts.Decorator, env: Env): void {
    const file = value.scope.file;
    const site: Site = { file, node: value.node.name ?? decorator };
    const className = value.name;
    const optionsSite: Site = {
      file,
      node: isCallExpression(decorator.expression) ? (decorator.expression.arguments[0] ?? decorator) : decorator,
    };
    const parsed = parseDagSettings(this.vm, options, {
      where: () => `@dag of class "${className}"`,
      site: optionsSite,
      defaultDagId: className,
    });
    if (!parsed) return;
    const dags = this.vm.dags;
    const build = dags.openDag(parsed.settings, site, parsed.scheduleSite);
    const instance: ObjectValue = { kind: "object", props: new Props() };
    const buildEnv: Env = { ...env, dag: build };
    this.constructInstance(value, instance, [], buildEnv);
    const chain = this.classChain(value);
    const records: { methodName: string; options: Value; site: Site; member: ts.ClassElement }[] = [];
    for (const owner of [...chain].reverse()) {
      const ownerEnv: Env = { ...buildEnv, scope: owner.scope, thisValue: undefined };
      for (const member of owner.node.members) {
        for (const memberDecorator of decoratorsOf(member)) {
          // Decorators run when the class is defined, before any DAG is open.
          const applied = this.vm.expressions.evaluate(memberDecorator.expression, { ...ownerEnv, dag: undefined });
          const decoratorSite: Site = { file: owner.scope.file, node: memberDecorator };
          const isBare = applied.kind === "sdk" && applied.name === "task";
          if (!isBare && !(applied.kind === "decorator" && applied.decorator === "task")) continue;
          const methodName = memberName(member) ?? "(computed)";
          if (isBare) {
            this.vm.report(
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
            this.vm.report(
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
        this.vm,
        record.options,
        taskDecoratorOptionsSchema,
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
          reportUnknown(this.vm, list, { what: `The option "${key}" of task "${taskId}"`, hint: CONSTANT_HINT });
          return [];
        }
        if (list.kind !== "array" || !list.items.every((item) => item.kind === "string")) {
          this.vm.report(
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
      const task = dags.addTask(build, taskId, "task", taskOptions, record.site);
      if (!task) continue;
      for (const upstream of [...args, ...after]) build.edges.push({ upstream, downstream: taskId, site: task.site });
      const method = this.findMethod(chain, record.methodName);
      if (method) this.vm.taskBodies.collectTouches(method.method, method.owner.scope, task, build, instance);
    }
    dags.finishDag(build);
  }

  // ---- operators ---------------------------------------------------------------------

  /** `new SomeOperator({...})`: a task of the DAG being built. */
  newOperator(callee: Value, args: Value[], node: ts.NewExpression, env: Env): Value {
    const site: Site = { file: env.scope.file, node };
    if (env.mode !== "execute") return this.vm.runtime(node, env);
    const className = callee.kind === "class" ? callee.name : callee.kind === "sdk" ? callee.name : "Operator";
    const plan = this.resolveOperator(callee, args, env);
    if (plan.kind === "unknown") {
      this.vm.report(
        DiagnosticCatalog.unknownClass,
        { name: className, dagId: env.dag?.settings.dagId ?? "(none)", reason: plan.reason },
        site,
      );
      return this.vm.runtime(node, env);
    }
    const options = plan.options;
    const declaredTaskId = options?.kind === "object" ? options.props.get("taskId") : undefined;
    const taskIdHint = declaredTaskId?.kind === "string" ? ` "${declaredTaskId.value}"` : "";
    const build = env.dag;
    if (!build) {
      this.vm.report(DiagnosticCatalog.outsideDag, { what: `${className}${taskIdHint}` }, site);
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
    const known = this.optionsSchemaOf(plan.base, plan.ownKeys);
    const whereWithHint =
      plan.ownKeys.length > 0 || plan.base === className
        ? where
        : `${where} (its constructor passes these options to super(...))`;
    const parsed = parseTaskOptions(this.vm, baseOptions, known, whereWithHint, `${className}${taskIdHint}`, site);
    if (!parsed) return INVALID;
    if (parsed.taskId === undefined) {
      this.vm.report(
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
    if (plan.base === "BashOperator" && options?.kind === "object") {
      const command = options.props.get("bashCommand");
      const expressions = command?.kind === "string" ? unquotedEventData(command.value) : [];
      if (expressions.length > 0) {
        this.vm.report(
          DiagnosticCatalog.unquotedEventData,
          { taskId, dagId: build.settings.dagId, expressions },
          propertySite(options, "bashCommand") ?? site,
        );
      }
    }
    const dags = this.vm.dags;
    const task = dags.addTask(build, taskId, className, parsed, site);
    for (const upstream of dags.taskHandles(parsed.after, "after", taskId, build, site)) {
      build.edges.push({ upstream: upstream.taskId, downstream: taskId, site });
    }
    if (task && callee.kind === "class") {
      const chain = this.classChain(callee);
      for (const methodName of ["preExecute", "execute", "postExecute"]) {
        const method = this.findMethod(chain, methodName);
        if (method) this.vm.taskBodies.collectTouches(method.method, method.owner.scope, task, build, undefined);
      }
    }
    return { kind: "task", dagKey: build.key, dagId: build.settings.dagId, taskId };
  }

  /** The schema of an SDK operator's base options, naming its own options too. */
  private optionsSchemaOf(base: string, own: readonly string[]): z.ZodType {
    let schema = this.operatorSchemas.get(base);
    if (!schema) {
      schema = operatorOptionsSchema(own);
      this.operatorSchemas.set(base, schema);
    }
    return schema;
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
          ownKeys: sdkOperatorKeys(current) ?? [],
        };
      }
      if (current?.kind !== "class") break;
      const parent = this.heritageOf(current, env);
      const ctor = this.constructorOf(current);
      if (ctor?.body) {
        const scope = new Scope(current.scope, current.scope.file);
        const ctorEnv: Env = { scope, dag: env.dag, thisValue: undefined, mode: "inspect", depth: env.depth + 1 };
        this.vm.statements.bindParameters(ctor.parameters, currentArgs, scope, ctorEnv);
        let superArgs: Value[] | undefined;
        for (const statement of ctor.body.statements) {
          const superCall = superCallOf(statement);
          if (superCall) {
            const evaluated = this.vm.expressions.evaluateArguments(superCall.arguments, ctorEnv);
            superArgs = Array.isArray(evaluated) ? evaluated : [evaluated];
            break;
          }
          if (isVariableStatement(statement)) this.vm.statements.execStatement(statement, ctorEnv);
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
}

function inspectEnv(scope: Scope): Env {
  return { scope, dag: undefined, thisValue: undefined, mode: "inspect", depth: 0 };
}

function memberName(member: ts.ClassElement): string | undefined {
  return member.name ? propertyNameText(member.name) : undefined;
}

function looksLikeTaskOptions(value: Value | undefined): boolean {
  return value?.kind === "object" && value.props.has("taskId");
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
