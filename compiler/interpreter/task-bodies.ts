/**
 * Task-body inspection: reads a task's function or method, never running it,
 * for the assets it touches (`yield new Metadata(...)`,
 * `ctx.outletEvents.get(...)` and `.add(...)` through an alias,
 * `ctx.inletEvents.get(...)`), and checks them against the task's outlets and
 * inlets.
 */
import { ts } from "ts-morph";
import { DiagnosticCatalog } from "../diagnostics.js";
import type { TaskModel } from "../model.js";
import type { ParsedFile } from "../source.js";
import {
  type AliasValue,
  type AssetValue,
  describeTarget,
  describeValueKind,
  type InletValue,
  type RefValue,
  Scope,
  type Site,
  type UnknownReason,
  type Value,
} from "../values.js";
import type { Interpreter } from "./interpreter.js";
import { type DagBuild, type Env, namesOf, shortText } from "./support.js";

// Read once: the members of `ts` are getters, too slow to call on every node.
const {
  forEachChild,
  isBlock,
  isCallExpression,
  isForInStatement,
  isForOfStatement,
  isFunctionDeclaration,
  isFunctionLike,
  isIdentifier,
  isModuleBlock,
  isNewExpression,
  isPropertyAccessExpression,
  isVariableDeclarationList,
  isVariableStatement,
} = ts;

const RUNTIME: UnknownReason = Object.freeze({ kind: "runtime" });

/** Reads task bodies for the assets they touch. */
export class TaskBodyInspector {
  constructor(private readonly vm: Interpreter) {}

  /**
   * Reads a task's function or method (never runs it) for the assets it
   * touches: `yield new Metadata(...)`, `ctx.outletEvents.get(...)` (and
   * `.add(...)` through an alias), `ctx.inletEvents.get(...)`; checks them
   * against the task's outlets and inlets.
   */
  collectTouches(
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
          : this.vm.unknown({ kind: "parameter", name: shortText(parameter.name, file) }, parameter, env);
      this.vm.statements.bindPattern(parameter.name, value, scope, env);
    }
    const dagId = build.settings.dagId;
    const declares = (list: readonly InletValue[], item: InletValue | string): boolean =>
      list.some((declared) =>
        typeof item === "string"
          ? declared.kind === "alias" && declared.name === item
          : item.kind === "alias"
            ? declared.kind === "alias" && declared.name === item.name
            : declared.kind !== "alias" && mayResolveTo(declared, item),
      );
    const target = (value: Value, call: () => string, site: Site): InletValue | undefined => {
      if (value.kind === "asset" || value.kind === "alias" || value.kind === "ref") return value;
      if (value.kind === "unknown" && value.reason.kind === "invalid") return undefined;
      const reason =
        value.kind === "unknown"
          ? value.reason.kind === "parameter"
            ? `its argument is the parameter \`${value.reason.name}\``
            : "its argument is not known at build time"
          : `its argument is ${describeValueKind(value)}`;
      this.vm.report(DiagnosticCatalog.touchUnchecked, { call: call(), taskId: task.taskId, reason }, site);
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
              value: this.vm.unknown({ kind: "parameter", name }, parameter, current),
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
            inner.set(name, { kind: "value", value: this.vm.unknown(RUNTIME, declaration, current) });
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
          const receiver = this.vm.expressions.evaluate(receiverNode, current);
          if (receiver.kind === "ctxEvents" && node.arguments[0]) {
            const argument = node.arguments[0];
            const call = () => `ctx.${receiver.events}.get(${shortText(argument, file)})`;
            const item = target(this.vm.expressions.evaluate(argument, current), call, site);
            if (item && receiver.events === "outletEvents") {
              // A ref may name an outlet asset (or a ref outlet's asset), as the runtime decides.
              const declared = declares(task.outlets, item);
              if (!declared)
                this.vm.report(
                  DiagnosticCatalog.outletEventsNotOutlet,
                  { taskId: task.taskId, dagId, target: describeTarget(item) },
                  site,
                );
            } else if (item) {
              const declared = declares(task.inlets, item);
              if (!declared)
                this.vm.report(
                  DiagnosticCatalog.inletEventsNotInlet,
                  { taskId: task.taskId, dagId, target: describeTarget(item) },
                  site,
                );
            }
          }
        } else if (method === "add" && isCallExpression(receiverNode) && node.arguments[0]) {
          const accessor = this.vm.expressions.evaluate(receiverNode, current);
          if (accessor.kind === "outletAccessor" && accessor.target.kind === "alias") {
            const added = this.vm.expressions.evaluate(node.arguments[0], current);
            if (added.kind === "asset") task.addedThroughAliases = [...task.addedThroughAliases, added];
            else {
              const argument = node.arguments[0];
              target(added, () => `ctx.outletEvents.get(...).add(${shortText(argument, file)})`, site);
            }
          }
        }
      } else if (isNewExpression(node)) {
        const callee = this.vm.expressions.peek(node.expression, current);
        if (callee.kind === "sdk" && callee.name === "Metadata" && node.arguments?.[0]) {
          const first = node.arguments[0];
          const call = () => `new Metadata(${shortText(first, file)}, ...)`;
          const asset = this.vm.expressions.evaluate(node.arguments[0], current);
          const optionsNode = node.arguments[2];
          const options = optionsNode ? this.vm.expressions.evaluate(optionsNode, current) : undefined;
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
            this.vm.report(
              DiagnosticCatalog.invalidAsset,
              {
                message: `Metadata needs an Asset or an Asset.ref(...) as its first argument, got an AssetAlias. Pass new Metadata(myAsset, { ... }, { alias: "${asset.name}" }).`,
              },
              site,
            );
          } else {
            const item = target(asset, call, site);
            if (aliasName !== undefined) {
              if (!declares(task.outlets, aliasName)) {
                this.vm.report(
                  DiagnosticCatalog.metadataNotOutlet,
                  { taskId: task.taskId, dagId, target: `alias ${JSON.stringify(aliasName)}` },
                  site,
                );
              }
              if (item?.kind === "asset") task.addedThroughAliases = [...task.addedThroughAliases, item];
            } else if (item?.kind === "asset" && !declares(task.outlets, item)) {
              this.vm.report(
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

/** Cheap text test before walking a task body: does it mention outlet or inlet events, or Metadata? */
function mentionsTouches(file: ParsedFile, body: ts.Node): boolean {
  const text = file.text.slice(body.pos, body.end);
  for (const word of TOUCH_WORDS) if (text.includes(word)) return true;
  for (const [local, binding] of file.summary.imports)
    if (binding.imported === "Metadata" && local !== "Metadata" && text.includes(local)) return true;
  return false;
}

/** The words of {@link mentionsTouches} (besides a renamed import of `Metadata`). */
const TOUCH_WORDS: readonly string[] = ["outletEvents", "inletEvents", "Metadata"];

/**
 * Whether a declared inlet (an asset or an `Asset.ref`) may be what
 * `ctx.inletEvents.get(item)` reads, as the runtime decides once refs are
 * resolved: the same asset, a ref by the asset's name or URI, or two refs
 * whose asset only the run knows (a name ref and a URI ref).
 */
function mayResolveTo(declared: AssetValue | RefValue, item: AssetValue | RefValue): boolean {
  if (declared.kind === "asset" && item.kind === "asset") return declared.key === item.key;
  const asset = declared.kind === "asset" ? declared : item.kind === "asset" ? item : undefined;
  const ref = declared.kind === "ref" ? declared : (item as RefValue);
  if (asset) return ref.name !== undefined ? asset.name === ref.name : asset.uri === ref.uri;
  const other = item as RefValue;
  return (ref.name === undefined) !== (other.name === undefined) || (ref.name ?? ref.uri) === (other.name ?? other.uri);
}
