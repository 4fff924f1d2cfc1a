/**
 * DAG warnings: problems of a registered DAG that do not stop it from running
 * but that users must see. Registration computes them from the manifest and
 * replaces the DAG's stored warnings each time it registers the DAG, so a fixed
 * DAG loses its warning at its next registration. Today's one kind:
 * `self-triggering`, a DAG scheduled on an asset or alias its own tasks emit
 * (each run triggers the next, forever), and `asset-cycle`, a DAG that
 * triggers itself through other DAGs (recomputed over every active DAG at
 * each registration, since a cycle spans files).
 */
import type { DagManifest } from "../../sdk/manifest/schema.js";
import { assetConditionOf, conditionLeaves } from "../condition-evaluator.js";
import type { EngineContext, Executor } from "./context.js";

/** A warning about one DAG. */
export interface DagWarning {
  readonly dagId: string;
  /** What kind of problem: `self-triggering` or `asset-cycle`. */
  readonly warningType: string;
  readonly message: string;
}

/**
 * The warnings of one DAG's manifest: `self-triggering` when its schedule
 * consumes an asset (by identity, name or URI) or an alias that one of its
 * tasks declares as outlet.
 *
 * @example
 * ```ts
 * dagWarningsOf(dag); // [{ dagId: "loop", warningType: "self-triggering", message: "..." }]
 * ```
 */
export function dagWarningsOf(dag: DagManifest): DagWarning[] {
  const condition = assetConditionOf(dag.schedule);
  if (!condition) return [];
  const leaves = conditionLeaves(condition);
  const assets = new Set(leaves.assets.map((asset) => `${asset.name}\n${asset.uri}`));
  const names = new Set(leaves.names);
  const uris = new Set(leaves.uris);
  const aliases = new Set(leaves.aliases);
  const loops: string[] = [];
  for (const task of dag.tasks) {
    for (const outlet of task.outlets) {
      let consumed: boolean;
      let target: string;
      if (outlet.kind === "alias") {
        consumed = aliases.has(outlet.name);
        target = `alias "${outlet.name}"`;
      } else if (outlet.kind === "ref") {
        // A ref outlet loops when the schedule names the same name (or URI), as an asset or a ref.
        consumed =
          "name" in outlet
            ? names.has(outlet.name) || leaves.assets.some((asset) => asset.name === outlet.name)
            : uris.has(outlet.uri) || leaves.assets.some((asset) => asset.uri === outlet.uri);
        target =
          "name" in outlet
            ? `Asset.ref({ name: ${JSON.stringify(outlet.name)} })`
            : `Asset.ref({ uri: ${JSON.stringify(outlet.uri)} })`;
      } else {
        consumed = assets.has(`${outlet.name}\n${outlet.uri}`) || names.has(outlet.name) || uris.has(outlet.uri);
        target = outlet.name === outlet.uri ? `asset "${outlet.uri}"` : `asset "${outlet.name}" (${outlet.uri})`;
      }
      if (!consumed) continue;
      loops.push(`${target}, an outlet of its task "${task.taskId}"`);
    }
  }
  if (loops.length === 0) return [];
  return [
    {
      dagId: dag.dagId,
      warningType: "self-triggering",
      message: `DAG "${dag.dagId}" is scheduled on its own outlet: ${loops.join("; ")}. Each run triggers the next, forever. Schedule it on another asset or drop the outlet.`,
    },
  ];
}

/**
 * The cycles of two or more DAGs that trigger each other through assets or
 * aliases (edges: a task's outlet consumed by another DAG's schedule), one
 * warning per DAG on a cycle, naming the DAGs of its group in id order.
 * Self-loops are `self-triggering` warnings, not these.
 *
 * @example
 * ```ts
 * cycleWarnings([["a", "b"], ["b", "a"]]); // warnings for "a" and "b"
 * ```
 */
export function cycleWarnings(edges: ReadonlyArray<readonly [string, string]>): DagWarning[] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) {
    if (from === to) continue;
    const list = next.get(from) ?? [];
    if (!list.includes(to)) list.push(to);
    next.set(from, list);
  }
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    for (;;) {
      const member = stack.pop() as string;
      onStack.delete(member);
      group.push(member);
      if (member === node) break;
    }
    if (group.length > 1) groups.push(group.sort());
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) connect(node);
  return groups.flatMap((group) =>
    group.map((dagId) => ({
      dagId,
      warningType: "asset-cycle",
      message: `DAG "${dagId}" triggers itself through other DAGs: ${group.join(", ")} trigger each other through assets. Each run schedules the next, forever. Break the cycle unless this is what you want.`,
    })),
  );
}

/**
 * Recomputes the `asset-cycle` warnings of every active DAG from the stored
 * references, inside the registration's transaction.
 */
export async function replaceCycleWarnings(ctx: EngineContext, trx: Executor): Promise<void> {
  const viaAssets = await trx
    .selectFrom("task_asset_reference as tr")
    .innerJoin("dag as d", "d.dag_id", "tr.dag_id")
    .innerJoin("dag_schedule_asset as s", "s.asset_id", "tr.asset_id")
    .select(["tr.dag_id as from", "s.dag_id as to"])
    .where("tr.direction", "=", "outlet")
    .where("d.is_active", "=", 1)
    .distinct()
    .execute();
  const viaAliases = await trx
    .selectFrom("task_asset_reference as tr")
    .innerJoin("dag as d", "d.dag_id", "tr.dag_id")
    .innerJoin("dag_schedule_alias as s", "s.alias_id", "tr.alias_id")
    .select(["tr.dag_id as from", "s.dag_id as to"])
    .where("tr.direction", "=", "outlet")
    .where("d.is_active", "=", 1)
    .distinct()
    .execute();
  const warnings = cycleWarnings([...viaAssets, ...viaAliases].map((edge) => [edge.from, edge.to] as const));
  await trx.deleteFrom("dag_warning").where("warning_type", "=", "asset-cycle").execute();
  const now = ctx.clock.now();
  const CHUNK = 500;
  for (let start = 0; start < warnings.length; start += CHUNK) {
    await trx
      .insertInto("dag_warning")
      .values(
        warnings.slice(start, start + CHUNK).map((warning) => ({
          dag_id: warning.dagId,
          warning_type: warning.warningType,
          message: warning.message,
          created_at: now,
        })),
      )
      .execute();
  }
}

/**
 * Replaces the stored warnings of the DAGs registered, inside the
 * registration's transaction (deactivating a DAG deletes its warnings).
 */
export async function replaceDagWarnings(
  ctx: EngineContext,
  trx: Executor,
  dags: readonly DagManifest[],
): Promise<void> {
  const ids = dags.map((dag) => dag.dagId);
  const now = ctx.clock.now();
  const CHUNK = 500;
  for (let start = 0; start < ids.length; start += CHUNK) {
    await trx
      .deleteFrom("dag_warning")
      .where("dag_id", "in", ids.slice(start, start + CHUNK))
      .execute();
  }
  // A manifest naming a DAG twice registers the last.
  const last = new Map(dags.map((dag) => [dag.dagId, dag]));
  const rows = [...last.values()].flatMap((dag) =>
    dagWarningsOf(dag).map((warning) => ({
      dag_id: warning.dagId,
      warning_type: warning.warningType,
      message: warning.message,
      created_at: now,
    })),
  );
  for (let start = 0; start < rows.length; start += CHUNK) {
    await trx
      .insertInto("dag_warning")
      .values(rows.slice(start, start + CHUNK))
      .execute();
  }
}
