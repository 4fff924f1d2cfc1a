/**
 * The environment tasks run in. A task host (and every command a task
 * starts) gets the worker's environment minus assetflow's internals: no
 * `ASSETFLOW_API_TOKEN`, no `ASSETFLOW_DATABASE_URL` (nor any other
 * `ASSETFLOW_*DATABASE_URL`), no `ASSETFLOW_HOME`, and no `ASSETFLOW_CONN_<ID>`.
 * Connections stay in the host's memory: SQL runs on them there, and a bash
 * command gets `ASSETFLOW_CONN_<ID>` only for the connections it names
 * (`BashOperator({ connIds })`).
 */

/** True for the variables of assetflow's own processes that tasks never see. */
export function isAssetflowInternal(name: string): boolean {
  return /^ASSETFLOW_(HOME|API_TOKEN|CONN_.+|.*DATABASE_URL)$/.test(name);
}

/** What {@link splitTaskEnvironment} makes of a worker's environment. */
export interface TaskEnvironment {
  /** The environment of task hosts and their commands. */
  readonly env: Record<string, string>;
  /** The connection URIs, by variable name (`ASSETFLOW_CONN_WAREHOUSE`), kept out of {@link env}. */
  readonly connections: Record<string, string>;
}

/**
 * Splits a worker's environment into the task environment and the connections.
 *
 * @example
 * ```ts
 * const { env, connections } = splitTaskEnvironment(process.env);
 * fork(hostEntry, [home], { env }); // then hand `connections` over the IPC channel
 * ```
 */
export function splitTaskEnvironment(source: Readonly<Record<string, string | undefined>>): TaskEnvironment {
  const env: Record<string, string> = {};
  const connections: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (name.startsWith("ASSETFLOW_CONN_")) connections[name] = value;
    if (!isAssetflowInternal(name)) env[name] = value;
  }
  return { env, connections };
}

/** The variable a connection id is read from: `ASSETFLOW_CONN_<ID>` (upper-cased). */
export function connectionVariable(connId: string): string {
  return `ASSETFLOW_CONN_${connId.toUpperCase()}`;
}
