/**
 * Secret masking, one rule for every place that shows data: values under
 * keys that look secret, at any depth, before they leave the server (the
 * store keeps what tasks wrote; the API never shows it), and known secret
 * values (the API token, database and connection passwords, environment
 * variables with secret-looking names) wherever they appear in a task's log.
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

/** Known secret values shorter than this are not masked in text: masking "a" or "1" would garble every line. */
const MIN_MASKED_LENGTH = 4;

/**
 * The secret values an environment holds, for {@link createTextMasker}: the
 * value of every variable whose name looks secret ({@link isSecretKey}:
 * `ASSETFLOW_API_TOKEN`, `PGPASSWORD`, `AWS_SECRET_ACCESS_KEY`, ...), every
 * `ASSETFLOW_CONN_<ID>` and `ASSETFLOW_*DATABASE_URL` value, and the password
 * of every value that is a URI with user info (as written and percent-decoded).
 *
 * @example
 * ```ts
 * secretValuesOf({ ASSETFLOW_DATABASE_URL: "postgres://u:s3cret@db/x", HOME: "/home/u" });
 * // ["postgres://u:s3cret@db/x", "s3cret"]
 * ```
 */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === "") continue;
    if (isSecretKey(name) || /^ASSETFLOW_(CONN_|.*DATABASE_URL$)/.test(name)) values.add(value);
    for (const password of uriPasswords(value)) values.add(password);
  }
  return [...values];
}

/** The password of a URI's user info, as written and percent-decoded (none when the value is not such a URI). */
function uriPasswords(value: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@\s]*)@/i.exec(value);
  const userInfo = match?.[1];
  if (userInfo === undefined) return [];
  const colon = userInfo.indexOf(":");
  const raw = colon === -1 ? "" : userInfo.slice(colon + 1);
  if (raw === "") return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {}
  return decoded === raw ? [raw] : [raw, decoded];
}

/**
 * A function that replaces every occurrence of the given secret values in a
 * text with {@link MASK} (longest first, so a URI is masked whole before its
 * password; values shorter than 4 characters are left alone).
 *
 * @example
 * ```ts
 * const mask = createTextMasker(secretValuesOf(process.env));
 * log.write(mask(line));
 * ```
 */
export function createTextMasker(secrets: Iterable<string>): (text: string) => string {
  const values = [...new Set(secrets)].filter((value) => value.length >= MIN_MASKED_LENGTH);
  if (values.length === 0) return (text) => text;
  values.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return (text) => text.replace(pattern, MASK);
}
