/**
 * Credentials in URIs, one rule for the SDK, the compiler and the API: a
 * password in the user info (`user:secret@`, or `user%3Asecret@` with the
 * colon percent-encoded) and query parameters whose key looks secret
 * (`?password=`, `?token=`, `?api_key=`: the keys of `isSecretKey`).
 */
import { isSecretKey } from "../masking.js";

/**
 * True when a URI still holds a credential that `sanitizeUri` drops from
 * the URIs it normalizes: a password in the user info (`user:secret@`,
 * `user%3Asecret@`) or a query parameter with a secret-looking key. For the
 * URIs it keeps verbatim (`x-` schemes), which the API refuses when this holds.
 *
 * @example
 * ```ts
 * uriHoldsCredentials("x-db://u:p@host/t"); // true
 * uriHoldsCredentials("x-api://host/t?token=abc"); // true
 * uriHoldsCredentials("s3://bucket/key?version=2"); // false
 * ```
 */
export function uriHoldsCredentials(uri: string): boolean {
  const match = /^[a-z][a-z0-9+.-]*:(\/\/([^/?#]*)@)?[^?#]*(\?([^#]*))?/i.exec(uri);
  if (!match) return false;
  return userInfoHoldsPassword(match[2]) || secretQueryKeys(match[4]).length > 0;
}

/** A password in the user info: `user:secret`, or the colon percent-encoded (`user%3Asecret`). */
export function userInfoHoldsPassword(userinfo: string | undefined): boolean {
  return userinfo !== undefined && /:|%3a/i.test(userinfo);
}

/** The keys of query parameters that look secret (percent-decoded), as written. */
export function secretQueryKeys(query: string | undefined): string[] {
  if (query === undefined) return [];
  const keys: string[] = [];
  for (const part of query.split("&")) {
    const key = part.split("=", 1)[0] ?? "";
    let decoded = key;
    try {
      decoded = decodeURIComponent(key.replaceAll("+", " "));
    } catch {}
    if (isSecretKey(decoded)) keys.push(key);
  }
  return keys;
}

/**
 * The URI with the credentials of {@link uriHoldsCredentials} masked for a
 * message: a percent-encoded password (`user%3A***@`) and the values of secret
 * query parameters (`?token=***`). (`maskUriPassword` masks a plain password.)
 *
 * @example
 * ```ts
 * maskUriCredentials("s3://u%3Apw@b/k?password=x&v=1"); // "s3://u%3A***@b/k?password=***&v=1"
 * ```
 */
export function maskUriCredentials(uri: string): string {
  const masked = uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*?%3a)[^/?#@]*@/i, "$1***@");
  const question = masked.indexOf("?");
  if (question < 0) return masked;
  const hash = masked.indexOf("#", question);
  const query = masked.slice(question + 1, hash < 0 ? undefined : hash);
  const secret = new Set(secretQueryKeys(query));
  if (secret.size === 0) return masked;
  const rewritten = query
    .split("&")
    .map((part) => {
      const key = part.split("=", 1)[0] ?? "";
      return secret.has(key) ? `${key}=***` : part;
    })
    .join("&");
  return `${masked.slice(0, question + 1)}${rewritten}${hash < 0 ? "" : masked.slice(hash)}`;
}
