/**
 * The one spelling of an asset's identity: the key of `(name, sanitized URI)`
 * that the SDK (`Asset.key`), the compiler, the scheduler and the server all
 * use. Pure, so every layer may import it.
 */

/**
 * The identity key of an asset: its name and its URI as `sanitizeUri` stored it.
 *
 * @example
 * ```ts
 * assetKey("orders", "s3://bucket/orders"); // '["orders","s3://bucket/orders"]'
 * ```
 */
export function assetKey(name: string, uri: string): string {
  // The text of JSON.stringify([name, uri]), without the array (registration computes thousands).
  return `[${JSON.stringify(name)},${JSON.stringify(uri)}]`;
}
