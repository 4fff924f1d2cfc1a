/**
 * The hash stored beside a DAG's manifest text (`dag.manifest_hash`).
 */
import { createHash } from "node:crypto";

/**
 * The SHA-256 (hex) of a DAG's manifest text. Every statement that writes
 * `dag.manifest` writes this to `dag.manifest_hash` too, so that a process
 * holding the parsed manifest checks it is current by the hash alone.
 *
 * @example
 * ```ts
 * manifestHash(stableStringify(dag, 0)); // "9f86d081..."
 * ```
 */
export function manifestHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
