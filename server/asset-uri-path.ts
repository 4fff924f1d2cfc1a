/**
 * Asset URIs in the path of the queued-event endpoints: the seed's clients
 * percent-encode them (`/queuedEvent/s3%3A%2F%2Fbucket%2Fkey`), but Airflow's
 * API also accepts one written raw (`/queuedEvent/s3://bucket/key`), whose
 * slashes would otherwise split it into path segments no route matches. The
 * server rewrites the raw form into the encoded one before routing, so both
 * reach the same route with the same URI.
 */

/** The queued-event paths that end with an asset URI (with or without the DAG part). */
const QUEUED_EVENT_URI = /^(\/api\/v1\/(?:dags\/[^/?#]+\/)?assets\/queuedEvent\/)([^?#]*)(.*)$/;

/**
 * A request URL with a raw asset URI in a queued-event path rewritten to its
 * percent-encoded form; any other URL (an encoded URI included) unchanged.
 *
 * @example
 * ```ts
 * encodeRawAssetUri("/api/v1/dags/d/assets/queuedEvent/s3://bucket/key?before=2025-01-01T00:00:00Z");
 * // "/api/v1/dags/d/assets/queuedEvent/s3%3A%2F%2Fbucket%2Fkey?before=2025-01-01T00:00:00Z"
 * ```
 */
export function encodeRawAssetUri(url: string): string {
  const match = QUEUED_EVENT_URI.exec(url);
  if (!match) return url;
  const [, prefix = "", uri = "", rest = ""] = match;
  // An encoded URI has no "/" (nor ":" when encoded with encodeURIComponent): leave it to the router.
  if (!uri.includes("/") && !uri.includes(":")) return url;
  return `${prefix}${encodeURIComponent(uri)}${rest}`;
}
