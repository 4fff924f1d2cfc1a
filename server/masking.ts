/**
 * Masking of values under keys that look secret, at any depth, before they
 * leave the server. The store keeps what tasks wrote (the seed's security
 * note: do not put credentials in extras); the API never shows it.
 */

/** What a masked value reads as. */
export const MASK = "***";

/** Key fragments that mark a value as secret (compared case-insensitively, ignoring `-`, `_`, `.` and spaces). */
const SECRET_KEY_FRAGMENTS = ["password", "passwd", "secret", "token", "apikey", "credential", "privatekey"];

/**
 * True when a key looks like it holds a secret: `password`, `db_password`,
 * `clientSecret`, `accessToken`, `api_key`, `API-KEY`, `apikey`,
 * `credentials`, `private_key`, ...
 *
 * @example
 * ```ts
 * isSecretKey("Private_Key"); // true
 * isSecretKey("row_count"); // false
 * ```
 */
export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_.\s]/g, "");
  return SECRET_KEY_FRAGMENTS.some((fragment) => normalized.includes(fragment));
}

/**
 * A copy of `value` in which every value under a secret-looking key (see
 * {@link isSecretKey}), in objects at any depth and inside arrays, is `"***"`.
 *
 * @example
 * ```ts
 * maskSecrets({ db: { password: "x", host: "h" } }); // { db: { password: "***", host: "h" } }
 * ```
 */
export function maskSecrets<T>(value: T): T {
  return maskValue(value) as T;
}

function maskValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskValue);
  if (value === null || typeof value !== "object") return value;
  // fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isSecretKey(key) ? MASK : maskValue(item)]),
  );
}
