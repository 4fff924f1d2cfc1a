import type { Dag } from "./definitions.js";

// Collectors live on globalThis so that DAG files bundled with their own copy
// of the SDK still register with the loader's copy.
const REGISTRY_KEY = Symbol.for("assetflow.registry.collectors");
const globalSlots = globalThis as unknown as Record<symbol, Dag[][] | undefined>;
const collectors: Dag[][] = globalSlots[REGISTRY_KEY] ?? [];
globalSlots[REGISTRY_KEY] = collectors;

/**
 * Hands a newly defined DAG to every active collector. Both authoring styles
 * call it once a DAG is built.
 */
export function registerDag(dag: Dag): void {
  for (const collector of collectors) collector.push(dag);
}

/**
 * Runs `fn` and returns the DAGs defined while it ran (in definition order),
 * with its result. The DAG-file loader wraps each file's import in it.
 *
 * @example
 * ```ts
 * const { dags } = await collectDags(() => import("./dags/producer.js"));
 * ```
 */
export async function collectDags<T>(fn: () => T | Promise<T>): Promise<{ result: T; dags: Dag[] }> {
  const dags: Dag[] = [];
  collectors.push(dags);
  try {
    return { result: await fn(), dags };
  } finally {
    collectors.splice(collectors.indexOf(dags), 1);
  }
}
