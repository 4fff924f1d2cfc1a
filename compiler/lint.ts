/**
 * Lint rules over the whole project's DAGs (DESIGN.md section 3). Rules that
 * look at one asset or one task (invalid and pattern-looking URIs, `Metadata`
 * and `outletEvents` on undeclared outlets) run where the interpreter meets
 * them; the rules here need every DAG: a consumer scheduled on an asset that
 * nothing produces, and cycles between DAGs through assets.
 */
import { createDiagnostic, type Diagnostic, DiagnosticCatalog } from "./diagnostics.js";
import type { DagModel } from "./model.js";
import type { AliasValue, AssetValue, ConditionValue, RefValue } from "./values.js";
import { compareCodePoints, describeTarget } from "./values.js";

type Leaf = AssetValue | AliasValue | RefValue;

/** An edge from a producing DAG to a consuming one (DAGs by index), through a leaf of the consumer's schedule. */
interface Edge {
  readonly to: number;
  readonly leaf: Leaf;
}

const NONE: readonly number[] = [];

/**
 * What the DAGs produce, by asset key and alias name (assets added through
 * aliases at run time count), as lists of DAG indexes; by name and URI only
 * when a schedule uses `Asset.ref`.
 */
class Producers {
  readonly assets = new Map<string, number[]>();
  readonly aliases = new Map<string, number[]>();
  /** `Asset.ref` outlets, by the name or URI they name. */
  private readonly refNames = new Map<string, number[]>();
  private readonly refUris = new Map<string, number[]>();
  private names: Map<string, number[]> | undefined;
  private uris: Map<string, number[]> | undefined;

  constructor(private readonly dags: readonly DagModel[]) {
    for (const [index, dag] of dags.entries()) {
      for (const task of dag.tasks.values()) {
        for (const item of task.outlets) {
          if (item.kind === "alias") add(this.aliases, item.name, index);
          else if (item.kind === "ref") {
            if (item.name !== undefined) add(this.refNames, item.name, index);
            else add(this.refUris, item.uri ?? "", index);
          } else add(this.assets, item.key, index);
        }
        for (const item of task.addedThroughAliases) add(this.assets, item.key, index);
      }
    }
  }

  of(leaf: Leaf): readonly number[] {
    if (leaf.kind === "asset") {
      const byRef = [...(this.refNames.get(leaf.name) ?? NONE), ...(this.refUris.get(leaf.uri) ?? NONE)];
      const direct = this.assets.get(leaf.key) ?? NONE;
      return byRef.length === 0 ? direct : [...new Set([...direct, ...byRef])].sort((a, b) => a - b);
    }
    if (leaf.kind === "alias") return this.aliases.get(leaf.name) ?? NONE;
    if (!this.names || !this.uris) {
      const names = new Map<string, number[]>();
      const uris = new Map<string, number[]>();
      for (const [index, dag] of this.dags.entries()) {
        for (const task of dag.tasks.values()) {
          for (const item of [...task.outlets, ...task.addedThroughAliases]) {
            if (item.kind !== "asset") continue;
            add(names, item.name, index);
            add(uris, item.uri, index);
          }
        }
      }
      this.names = names;
      this.uris = uris;
    }
    const direct = (leaf.name !== undefined ? this.names.get(leaf.name) : this.uris.get(leaf.uri ?? "")) ?? NONE;
    const byRef = (leaf.name !== undefined ? this.refNames.get(leaf.name) : this.refUris.get(leaf.uri ?? "")) ?? NONE;
    return byRef.length === 0 ? direct : [...new Set([...direct, ...byRef])].sort((a, b) => a - b);
  }
}

/** Adds a producer; DAGs come one after the other, so a repeat is always the last one. */
function add(map: Map<string, number[]>, key: string, index: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [index]);
  else if (list[list.length - 1] !== index) list.push(index);
}

/**
 * The leaves of a condition: assets, aliases and refs. URI patterns are left
 * out: they usually match files written outside the project.
 */
function leaves(condition: ConditionValue | undefined, into: Leaf[] = []): Leaf[] {
  if (!condition || condition.kind === "pattern") return into;
  if (condition.kind === "asset" || condition.kind === "alias" || condition.kind === "ref") into.push(condition);
  else for (const inner of condition.conditions) leaves(inner, into);
  return into;
}

/**
 * Runs the project-wide lint rules over the DAGs of the manifest: `AF4004`
 * for a schedule on an asset nothing produces (no task, no watcher), `AF4005` for DAGs that trigger
 * each other through assets.
 */
export function lintProject(dags: readonly DagModel[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const producers = new Producers(dags);
  const outgoing: Edge[][] = dags.map(() => []);
  for (const [index, dag] of dags.entries()) {
    let reported: Set<string> | undefined;
    for (const leaf of leaves(dag.condition)) {
      const from = producers.of(leaf);
      // An asset with watchers is produced by them.
      if (from.length === 0 && leaf.kind === "asset" && leaf.watchers) continue;
      if (from.length === 0) {
        const target = describeTarget(leaf);
        reported ??= new Set();
        if (!reported.has(target)) {
          reported.add(target);
          diagnostics.push(
            createDiagnostic(DiagnosticCatalog.unproducedAsset, { dagId: dag.dagId, target }, dag.scheduleSite),
          );
        }
        continue;
      }
      for (const producer of from) {
        const edges = outgoing[producer] as Edge[];
        if (!edges.some((edge) => edge.to === index)) edges.push({ to: index, leaf });
      }
    }
  }
  diagnostics.push(...assetCycles(dags, outgoing));
  return diagnostics;
}

/** One warning per group of DAGs that trigger each other through assets (a strongly connected component). */
function assetCycles(dags: readonly DagModel[], outgoing: readonly Edge[][]): Diagnostic[] {
  // Kahn's algorithm drops every DAG that is not on a cycle and not downstream of one; most projects end here.
  const incoming = dags.map(() => 0);
  for (const edges of outgoing) for (const edge of edges) incoming[edge.to] = (incoming[edge.to] ?? 0) + 1;
  const ready: number[] = [];
  for (const [index, count] of incoming.entries()) if (count === 0) ready.push(index);
  const removed = dags.map(() => false);
  let left = dags.length;
  while (ready.length > 0) {
    const index = ready.pop() as number;
    removed[index] = true;
    left--;
    for (const edge of outgoing[index] ?? []) {
      const count = (incoming[edge.to] ?? 0) - 1;
      incoming[edge.to] = count;
      if (count === 0) ready.push(edge.to);
    }
  }
  if (left === 0) return [];
  // Tarjan's algorithm over what is left, in DAG id order for stable messages.
  const order = dags
    .map((_, index) => index)
    .filter((index) => !removed[index])
    .sort((a, b) => compareCodePoints(dags[a]?.dagId ?? "", dags[b]?.dagId ?? ""));
  const next = (index: number): Edge[] =>
    [...(outgoing[index] ?? [])]
      .filter((edge) => !removed[edge.to])
      .sort((a, b) => compareCodePoints(dags[a.to]?.dagId ?? "", dags[b.to]?.dagId ?? ""));
  const indexOf = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  const connect = (node: number): void => {
    indexOf.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const edge of next(node)) {
      if (!indexOf.has(edge.to)) {
        connect(edge.to);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(edge.to) ?? 0));
      } else if (onStack.has(edge.to)) {
        low.set(node, Math.min(low.get(node) ?? 0, indexOf.get(edge.to) ?? 0));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: number[] = [];
      let member: number | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of order) if (!indexOf.has(node)) connect(node);
  const diagnostics: Diagnostic[] = [];
  for (const component of components) {
    const start = component.reduce((best, node) =>
      compareCodePoints(dags[node]?.dagId ?? "", dags[best]?.dagId ?? "") < 0 ? node : best,
    );
    const selfLoop = next(start).some((edge) => edge.to === start);
    if (component.length === 1 && !selfLoop) continue;
    const dag = dags[start];
    if (!dag) continue;
    const cycle = cyclePath(start, new Set(component), next, dags);
    diagnostics.push(createDiagnostic(DiagnosticCatalog.assetCycle, { cycle }, dag.site));
  }
  return diagnostics;
}

/** A shortest path from `start` back to itself inside the component, as `a -> b (on asset "x") -> a (on ...)`. */
function cyclePath(
  start: number,
  members: ReadonlySet<number>,
  next: (node: number) => Edge[],
  dags: readonly DagModel[],
): string[] {
  const name = (node: number) => dags[node]?.dagId ?? "";
  const previous = new Map<number, { from: number; leaf: Leaf }>();
  const queue = [start];
  let closing: { from: number; leaf: Leaf } | undefined;
  while (queue.length > 0 && !closing) {
    const node = queue.shift() as number;
    for (const edge of next(node)) {
      if (!members.has(edge.to)) continue;
      if (edge.to === start) {
        closing = { from: node, leaf: edge.leaf };
        break;
      }
      if (!previous.has(edge.to)) {
        previous.set(edge.to, { from: node, leaf: edge.leaf });
        queue.push(edge.to);
      }
    }
  }
  const steps: string[] = [];
  if (closing) {
    steps.unshift(`${name(start)} (on ${describeTarget(closing.leaf)})`);
    let current = closing.from;
    while (current !== start) {
      const step = previous.get(current);
      if (!step) break;
      steps.unshift(`${name(current)} (on ${describeTarget(step.leaf)})`);
      current = step.from;
    }
  }
  return [name(start), ...steps];
}
