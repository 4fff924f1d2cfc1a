import { resolve } from "node:path";

/**
 * `ASSETFLOW_HOME`, default `./.assetflow`, as an absolute path. In a module
 * of its own (no store code) so that the CLI can print paths and help without
 * loading the database drivers.
 *
 * @example
 * ```ts
 * const logs = join(assetflowHome(), "logs");
 * ```
 */
export function assetflowHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ASSETFLOW_HOME ?? ".assetflow");
}
