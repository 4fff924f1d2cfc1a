/**
 * What code may do to the asset graph without running it: whether a piece of
 * syntax reaches an SDK construct that defines DAGs, tasks or dependencies,
 * directly or through the user functions it calls.
 */
import { ts } from "ts-morph";
import type { Interpreter } from "./interpreter.js";
import { sdkEffectOf } from "./sdk-semantics.js";
import { type Env, shortText } from "./support.js";

const { forEachChild, isCallExpression, isDecorator, isIdentifier, isNewExpression, isPropertyAccessExpression } = ts;

/** A construct found in code: the node, and how messages name it. */
export interface FoundConstruct {
  readonly node: ts.Node;
  readonly text: string;
}

/** Finds the SDK constructs code reaches; memoizes per function for one run of modules. */
export class Reachability {
  private readonly memo = new Map<ts.Node, boolean>();

  constructor(private readonly vm: Interpreter) {}

  /** Forgets what it learnt (syntax trees may be released or replaced). */
  clear(): void {
    this.memo.clear();
  }

  /** A call that defines DAGs, tasks or dependencies inside `node`, if any. */
  findConstruct(node: ts.Node, env: Env): FoundConstruct | undefined {
    return this.find(node, env, new Set());
  }

  private find(node: ts.Node, env: Env, visiting: Set<ts.Node>): FoundConstruct | undefined {
    const inspect: Env = { ...env, mode: "inspect", dag: undefined };
    let found: FoundConstruct | undefined;
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
          const value = this.vm.expressions.peek(callee, inspect);
          if (value.kind === "sdk" && sdkEffectOf(value) === "graph") {
            found = { node: child, text: isDecorator(child) ? `\`@${text}(...)\`` : `\`${text}(...)\`` };
            return;
          }
          if (isNewExpression(child) && this.vm.classes.isOperatorClass(value, new Set())) {
            found = { node: child, text: `\`new ${text}(...)\`` };
            return;
          }
          if (isCallExpression(child) && value.kind === "function" && !visiting.has(value.node)) {
            let memo = this.memo.get(value.node);
            if (memo === undefined && value.node.body) {
              visiting.add(value.node);
              memo = this.find(value.node.body, { ...inspect, scope: value.scope }, visiting) !== undefined;
              visiting.delete(value.node);
              this.memo.set(value.node, memo);
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
}
