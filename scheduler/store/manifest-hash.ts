/**
 * The hash stored beside a DAG's manifest text (`dag.manifest_hash`).
 */
import * as crypto from "node:crypto";

/** One-shot hashing (Node 20.12+; half the cost of `createHash` for a registration's many small texts). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

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
  return oneShot ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex");
}
