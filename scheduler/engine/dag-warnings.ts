/**
 * DAG warnings: problems of a registered DAG that do not stop it from running
 * but that users must see. Registration computes them from the manifest and
 * replaces the DAG's stored warnings each time it registers the DAG, so a fixed
 * DAG loses its warning at its next registration. Today's one kind:
 * `self-triggering`, a DAG scheduled on an asset or alias its own tasks emit
 * (each run triggers the next, forever).
 */
import type { DagManifest } from "../../sdk/manifest/schema.js";
import { assetConditionOf, conditionLeaves } from "../condition-evaluator.js";
import type { EngineContext, Executor } from "./context.js";

/** A warning about one DAG. */
export interface DagWarning {
  readonly dagId: string;
  /** What kind of problem: `self-triggering`. */
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
      const consumed =
        outlet.kind === "alias"
          ? aliases.has(outlet.name)
          : assets.has(`${outlet.name}\n${outlet.uri}`) || names.has(outlet.name) || uris.has(outlet.uri);
      if (!consumed) continue;
      const target =
        outlet.kind === "alias"
          ? `alias "${outlet.name}"`
          : outlet.name === outlet.uri
            ? `asset "${outlet.uri}"`
            : `asset "${outlet.name}" (${outlet.uri})`;
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
