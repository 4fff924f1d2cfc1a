/**
 * Lint rules over the whole project's DAGs (DESIGN.md section 3). Rules that
 * look at one asset or one task (invalid and pattern-looking URIs, `Metadata`
 * and `outletEvents` on undeclared outlets) run where the interpreter meets
 * them; the rules here need every DAG: a consumer scheduled on an asset that
 * nothing produces, and cycles between DAGs through assets.
 */
import { createDiagnostic, type Diagnostic, DiagnosticCatalog } from "./diagnostics.js";
import { compare } from "./manifest.js";
import type { DagModel } from "./model.js";
import type { AliasValue, AssetValue, ConditionValue, RefValue } from "./values.js";
import { describeTarget } from "./values.js";

/** What the DAGs of a project produce: assets by key, names and URIs, and aliases by name. */
interface Produced {
  readonly assets: Map<string, Set<string>>;
  readonly names: Map<string, Set<string>>;
  readonly uris: Map<string, Set<string>>;
  readonly aliases: Map<string, Set<string>>;
}

function add(map: Map<string, Set<string>>, key: string, dagId: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(dagId);
}

function producedBy(dags: readonly DagModel[]): Produced {
  const produced: Produced = { assets: new Map(), names: new Map(), uris: new Map(), aliases: new Map() };
  for (const dag of dags) {
    for (const task of dag.tasks.values()) {
      for (const list of [task.outlets, task.addedThroughAliases]) {
        for (const item of list) {
          if (item.kind === "alias") add(produced.aliases, item.name, dag.dagId);
          else {
            add(produced.assets, item.key, dag.dagId);
            add(produced.names, item.name, dag.dagId);
            add(produced.uris, item.uri, dag.dagId);
          }
        }
      }
    }
  }
  return produced;
}

/** The leaves of a condition: assets, aliases and refs. */
function leaves(condition: ConditionValue | undefined): Leaf[] {
  if (!condition) return [];
  if (condition.kind === "asset" || condition.kind === "alias" || condition.kind === "ref") return [condition];
  return condition.conditions.flatMap(leaves);
}

type Leaf = AssetValue | AliasValue | RefValue;

/** The DAGs that produce a leaf. */
function producersOf(leaf: Leaf, produced: Produced): ReadonlySet<string> {
  switch (leaf.kind) {
    case "asset":
      return produced.assets.get(leaf.key) ?? new Set();
    case "alias":
      return produced.aliases.get(leaf.name) ?? new Set();
    case "ref":
      return (leaf.name !== undefined ? produced.names.get(leaf.name) : produced.uris.get(leaf.uri ?? "")) ?? new Set();
  }
}

/** Runs the project-wide lint rules over the DAGs of the manifest. */
export function lintProject(dags: readonly DagModel[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const produced = producedBy(dags);
  const consumers = new Map<string, { dagId: string; leaf: Leaf }[]>();
  for (const dag of dags) {
    let reported: Set<string> | undefined;
    for (const leaf of leaves(dag.condition)) {
      const producers = producersOf(leaf, produced);
      if (producers.size === 0) {
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
      for (const producer of producers) {
        let list = consumers.get(producer);
        if (!list) {
          list = [];
          consumers.set(producer, list);
        }
        if (!list.some((edge) => edge.dagId === dag.dagId)) list.push({ dagId: dag.dagId, leaf });
      }
    }
  }
  diagnostics.push(...assetCycles(dags, consumers));
  return diagnostics;
}

/** One warning per strongly connected group of DAGs that trigger each other through assets. */
function assetCycles(
  dags: readonly DagModel[],
  consumers: ReadonlyMap<string, readonly { dagId: string; leaf: Leaf }[]>,
): Diagnostic[] {
  const byId = new Map(dags.map((dag) => [dag.dagId, dag]));
  const ids = [...byId.keys()].sort(compare);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const sorted = new Map<string, { dagId: string; leaf: Leaf }[]>();
  for (const [id, edges] of consumers) {
    sorted.set(id, edges.length > 1 ? [...edges].sort((a, b) => compare(a.dagId, b.dagId)) : [...edges]);
  }
  const none: { dagId: string; leaf: Leaf }[] = [];
  const next = (id: string) => sorted.get(id) ?? none;
  const connect = (id: string): void => {
    index.set(id, counter);
    low.set(id, counter);
    counter++;
    stack.push(id);
    onStack.add(id);
    for (const edge of next(id)) {
      if (!index.has(edge.dagId)) {
        connect(edge.dagId);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(edge.dagId) ?? 0));
      } else if (onStack.has(edge.dagId)) {
        low.set(id, Math.min(low.get(id) ?? 0, index.get(edge.dagId) ?? 0));
      }
    }
    if (low.get(id) === index.get(id)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      components.push(component);
    }
  };
  for (const id of ids) if (!index.has(id)) connect(id);
  const diagnostics: Diagnostic[] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = [...component].sort(compare)[0];
    if (start === undefined) continue;
    const selfLoop = next(start).some((edge) => edge.dagId === start);
    if (component.length === 1 && !selfLoop) continue;
    const cycle = cyclePath(start, members, next);
    const dag = byId.get(start);
    if (dag) diagnostics.push(createDiagnostic(DiagnosticCatalog.assetCycle, { cycle }, dag.site));
  }
  return diagnostics;
}

/** A path from `start` back to itself inside the component, as `a -> b (on asset "x") -> a (on ...)`. */
function cyclePath(
  start: string,
  members: ReadonlySet<string>,
  next: (id: string) => { dagId: string; leaf: Leaf }[],
): string[] {
  const previous = new Map<string, { from: string; target: string }>();
  const queue = [start];
  let closing: { from: string; target: string } | undefined;
  const targetOf = (edge: { leaf: Leaf }) => describeTarget(edge.leaf);
  while (queue.length > 0 && !closing) {
    const id = queue.shift() as string;
    for (const edge of next(id)) {
      if (!members.has(edge.dagId)) continue;
      if (edge.dagId === start) {
        closing = { from: id, target: targetOf(edge) };
        break;
      }
      if (!previous.has(edge.dagId)) {
        previous.set(edge.dagId, { from: id, target: targetOf(edge) });
        queue.push(edge.dagId);
      }
    }
  }
  const steps: string[] = [];
  if (closing) {
    steps.unshift(`${start} (on ${closing.target})`);
    let current = closing.from;
    while (current !== start) {
      const step = previous.get(current);
      if (!step) break;
      steps.unshift(`${current} (on ${step.target})`);
      current = step.from;
    }
  }
  return [start, ...steps];
}
