/**
 * Asset URI sanitization: the URI rules of DESIGN.md section 2, applied in
 * their order. The sanitized URI is half of an asset's identity and is stored,
 * so the output of {@link sanitizeUri} for a given input must never change
 * without a migration.
 *
 * The parser is written by hand on purpose: WHATWG `URL` lower-cases hosts and
 * rewrites "special" schemes, and assetflow keeps host, path and escapes
 * exactly as written.
 */

import { AssetUriError, ErrorCode, isAssetflowError } from "../errors.js";
import type { AssetflowWarning } from "../warnings.js";
import { secretQueryKeys, userInfoHoldsPassword } from "./credentials.js";
import { BUILT_IN_URI_SCHEMES, formatParsedUri, quoteUri, uriError } from "./schemes.js";

/**
 * A URI split into its RFC 3986 parts. Values are exactly as written (no
 * percent-decoding, case kept) except `scheme`, which is lower-case.
 *
 * The URI has an authority (`//...`) when any of `userinfo`, `host` and `port`
 * is defined: `file:///data` has `host: ""`, while `urn:isbn:123` has
 * `host: undefined`. A scheme rule receives the URI after the generic steps,
 * so `userinfo` never holds a password, `port` is digits only, `query` holds
 * the sorted pairs (undefined when none is left), `fragment` is undefined and
 * `path` has no trailing slash (it is `"/"` when empty).
 *
 * @example
 * ```ts
 * const parts: ParsedUri = {
 *   scheme: "s3", userinfo: undefined, host: "my-bucket", port: undefined,
 *   path: "/raw/orders.csv", query: undefined, fragment: undefined,
 * }; // s3://my-bucket/raw/orders.csv
 * ```
 */
export interface ParsedUri {
  /** Lower-case scheme, without the ":". */
  readonly scheme: string;
  /** The user info before "@", or undefined when there is none. */
  readonly userinfo: string | undefined;
  /** The host, case kept (`""` for an empty authority), or undefined when there is no authority. */
  readonly host: string | undefined;
  /** The port digits, or undefined when there is no port. */
  readonly port: string | undefined;
  /** The path, starting with "/" when there is an authority. */
  readonly path: string;
  /** The query without its "?", or undefined when there is none. */
  readonly query: string | undefined;
  /** The fragment without its "#", or undefined when there is none. */
  readonly fragment: string | undefined;
}

/**
 * A user-defined normalizer for one scheme, registered with
 * {@link registerUriScheme}. It receives the URI after the generic steps and
 * returns the normalized URI (a new object; never mutate the argument). To
 * reject a URI, throw an {@link AssetUriError} whose message names the rule
 * and the fix; any other error is wrapped in one. The result must be a stable
 * asset URI: sanitizing it again must give it back unchanged.
 *
 * @example
 * ```ts
 * const rule: UriSchemeRule = (uri) => {
 *   if (!uri.host) throw new AssetUriError('kafka URIs need a cluster, as in "kafka://cluster/topic".');
 *   return { ...uri, port: uri.port ?? "9092" };
 * };
 * ```
 */
export type UriSchemeRule = (uri: ParsedUri) => ParsedUri;

/**
 * The result of {@link sanitizeUri}: the URI to store, and the warnings the
 * caller should report (the sanitizer itself never emits them).
 *
 * @example
 * ```ts
 * const { uri, warnings }: SanitizedUri = sanitizeUri("s3://bucket/key");
 * ```
 */
export interface SanitizedUri {
  /** The sanitized URI, part of the asset's identity. */
  readonly uri: string;
  /** Things accepted but worth telling the user, such as a dropped password. */
  readonly warnings: AssetflowWarning[];
}

/**
 * Stable codes of the warnings {@link sanitizeUri} returns.
 *
 * @example
 * ```ts
 * sanitizeUri("ftp://u:p@host/f").warnings[0]?.code === UriWarningCode.passwordDropped; // true
 * ```
 */
export const UriWarningCode = {
  /**
   * The URI held a password or another secret and it was removed: a password in the user info (`user:secret@`,
   * also percent-encoded as `user%3Asecret@`) or a query parameter with a secret-looking key (`?password=...`,
   * `?token=...`, the keys of `isSecretKey`).
   */
  passwordDropped: "URI_PASSWORD_DROPPED",
} as const;

/** One of the codes of {@link UriWarningCode}. */
export type UriWarningCode = (typeof UriWarningCode)[keyof typeof UriWarningCode];

/**
 * The longest asset URI accepted, in characters.
 *
 * @example
 * ```ts
 * if (uri.length > MAX_ASSET_URI_LENGTH) console.log("too long");
 * ```
 */
export const MAX_ASSET_URI_LENGTH = 1500;

/**
 * Schemes no asset may use, in any case: they are kept for assetflow's (and
 * Airflow's) internals.
 *
 * @example
 * ```ts
 * RESERVED_URI_SCHEMES.includes("airflow"); // true
 * ```
 */
export const RESERVED_URI_SCHEMES: readonly string[] = Object.freeze(["airflow", "assetflow"]);

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const SCHEME_NAME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
/** RFC 3986 unreserved and reserved characters, as the body of a character class. */
const RFC3986_CLASS = "A-Za-z0-9\\-._~:/?#[\\]@!$&'()*+,;=";
/** One RFC 3986 character, or "%" (escapes are checked apart). */
const RFC3986_CHARACTER = new RegExp(`^[${RFC3986_CLASS}%]$`);
/** Only RFC 3986 characters and no "%": nothing for {@link checkCharacters} to look at one by one. */
const PLAIN_RFC3986 = new RegExp(`^[${RFC3986_CLASS}]*$`);
const HEX_DIGIT = /^[0-9A-Fa-f]$/;
const DIGITS = /^[0-9]+$/;
const EXAMPLE = '"s3://my-bucket/path/key"';

const userRules = new Map<string, UriSchemeRule>();

/**
 * Sanitizes an asset URI by the URI rules of DESIGN.md section 2, in order:
 *
 * 1. a non-empty string of at most 1500 characters, not only whitespace, no
 *    control characters, no leading or trailing whitespace;
 * 2. only RFC 3986 characters, and every "%" starts a `%XX` escape;
 * 3. no scheme (`example_asset`, `foo/bar`, `//example/asset`): kept verbatim;
 * 4. the scheme is lower-cased; `airflow` and `assetflow` are reserved; an
 *    `x-` scheme keeps the whole URI verbatim and skips the steps below;
 * 5. user info with a password (`user:secret@`, or `user%3Asecret@` with the
 *    colon percent-encoded) is dropped with a warning; a user name alone is
 *    kept; query parameters whose key looks secret (`password`, `token`,
 *    `api_key`, ... as `isSecretKey` says, percent-decoded) are dropped with a
 *    warning;
 * 6. query pairs are sorted by key then value as written (duplicates kept,
 *    pairs with an empty value dropped), the fragment is dropped, trailing
 *    slashes of the path are stripped and an empty path becomes "/";
 * 7. host, path and escapes keep their case;
 * 8. the scheme's rule runs (built-in, or registered with
 *    {@link registerUriScheme}).
 *
 * The port, when present, must be digits (RFC 3986); an empty port (`host:`)
 * is dropped. The function is pure: it returns warnings and never emits them.
 *
 * @throws {@link AssetUriError} when a rule is broken; the message names the
 * rule, quotes the URI and says how to fix it, and `details` holds
 * `{ uri, rule }` with any password masked.
 *
 * @example
 * ```ts
 * sanitizeUri("S3://Bucket/Key//?b=2&a=1#top").uri; // "s3://Bucket/Key?a=1&b=2"
 * sanitizeUri("postgres://db/shop//orders").uri;   // "postgres://db:5432/shop/default/orders"
 * sanitizeUri("ftp://user:secret@host/f.txt");     // { uri: "ftp://host/f.txt", warnings: [URI_PASSWORD_DROPPED] }
 * ```
 */
export function sanitizeUri(input: string): SanitizedUri {
  return sanitize(input, true, userRules);
}

/**
 * {@link sanitizeUri} with the scheme rules of `rules` (lower-case scheme to
 * rule) in place of those registered with {@link registerUriScheme}: the same
 * steps, checks and errors. The compiler uses it to apply the rules a project
 * registers, as it reads them, without registering them in its own process.
 *
 * @example
 * ```ts
 * const rules = new Map([["kafka", (uri: ParsedUri) => ({ ...uri, port: uri.port ?? "9092" })]]);
 * sanitizeUriWithRules("kafka://cluster/orders", rules).uri; // "kafka://cluster:9092/orders"
 * ```
 */
export function sanitizeUriWithRules(input: string, rules: ReadonlyMap<string, UriSchemeRule>): SanitizedUri {
  return sanitize(input, true, rules);
}

/**
 * Adds a normalizer for a scheme of your own (for example `kafka`), run as
 * step 8 of {@link sanitizeUri} after the generic steps. Registering a scheme
 * again replaces its rule. Reserved schemes (`airflow`, `assetflow`), `x-`
 * schemes (always kept verbatim) and built-in schemes (the same on every
 * machine) are refused with an {@link AssetUriError}.
 *
 * Rules live in this module: register them before any asset with the
 * scheme is created. In a project, a rule a DAG file registers applies to the
 * DAG files loaded after it in every process (the runtime loads the
 * registering files first; README "The asset graph at build time").
 *
 * @example
 * ```ts
 * registerUriScheme("kafka", (uri) => {
 *   if (!uri.host) throw new AssetUriError('Asset URI has no cluster: kafka URIs need one, as in "kafka://cluster/topic".');
 *   return { ...uri, port: uri.port ?? "9092" };
 * });
 * sanitizeUri("kafka://cluster/orders").uri; // "kafka://cluster:9092/orders"
 * ```
 */
export function registerUriScheme(scheme: string, rule: UriSchemeRule): void {
  const problem = uriSchemeProblem(scheme, rule);
  if (problem) throw problem;
  userRules.set(scheme.toLowerCase(), rule);
}

/**
 * The scheme rules {@link registerUriScheme} registered in this process, by
 * lower-case scheme: a copy.
 *
 * @internal The runtime's DAG file loader applies, before it loads a DAG
 * file, the rules the DAG files before it registered (see
 * {@link replaceRegisteredUriSchemes}).
 * @example
 * ```ts
 * const before = registeredUriSchemes();
 * ```
 */
export function registeredUriSchemes(): Map<string, UriSchemeRule> {
  return new Map(userRules);
}

/**
 * Replaces the scheme rules registered in this process with `rules` (by
 * lower-case scheme, as {@link registeredUriSchemes} returns them).
 *
 * @internal For the runtime's DAG file loader: a DAG file is loaded, and its
 * tasks run, with the rules in force when the DAG processor loaded it.
 * @example
 * ```ts
 * replaceRegisteredUriSchemes(new Map()); // no rule of the project's
 * ```
 */
export function replaceRegisteredUriSchemes(rules: ReadonlyMap<string, UriSchemeRule>): void {
  userRules.clear();
  for (const [scheme, rule] of rules) userRules.set(scheme, rule);
}

/**
 * The rules of {@link registerUriScheme}, written once: the error it throws
 * for these arguments (an invalid scheme name; a reserved, `x-` or built-in
 * scheme; a rule that is not a function), or undefined when they are fine.
 * Pure: the compiler reports the same error at the call.
 *
 * @example
 * ```ts
 * uriSchemeProblem("s3", (uri) => uri)?.message; // 'registerUriScheme("s3") names the built-in scheme "s3": ...'
 * ```
 */
export function uriSchemeProblem(scheme: unknown, rule: unknown): AssetUriError | undefined {
  const refuse = (problem: string, fix: string): AssetUriError =>
    new AssetUriError(`registerUriScheme(${JSON.stringify(scheme)}) ${problem}: ${fix}`, {
      details: { scheme, rule: "register-scheme" },
    });
  if (typeof scheme !== "string" || !SCHEME_NAME.test(scheme)) {
    return refuse(
      "got an invalid scheme name",
      'a scheme is a letter followed by letters, digits, "+", "-" or ".", given without ":", as in "kafka".',
    );
  }
  const name = scheme.toLowerCase();
  if (RESERVED_URI_SCHEMES.includes(name)) {
    return refuse(`uses the reserved scheme "${name}"`, "airflow and assetflow are reserved; register another scheme.");
  }
  if (name.startsWith("x-")) {
    return refuse(
      `names an "x-" scheme`,
      'URIs with an "x-" scheme are always kept verbatim and never normalized; register a scheme without "x-".',
    );
  }
  if (BUILT_IN_URI_SCHEMES.has(name)) {
    return refuse(
      `names the built-in scheme "${name}"`,
      "built-in scheme rules are the same on every machine and cannot be replaced; use a scheme of your own.",
    );
  }
  if (typeof rule !== "function") {
    return refuse("got a rule that is not a function", "pass a function (uri: ParsedUri) => ParsedUri.");
  }
  return undefined;
}

/**
 * True when the URI looks like a glob or a regular expression (rule 9): its
 * path holds `*`, a `\d`-style escape, a `[0-9]`-style class or a `{a,b}`
 * group, or, for a plain string without a scheme, a `?`. Such a URI is
 * accepted as a literal, but assets never match patterns, so the compiler
 * warns. For a URI with a scheme only the path is looked at (`?` there starts
 * the query). Never throws.
 *
 * @example
 * ```ts
 * looksLikePattern("input_2022*.csv");        // true
 * looksLikePattern("s3://bucket/input_[0-9].csv"); // true
 * looksLikePattern("s3://bucket/input.csv?v=1");   // false
 * ```
 */
export function looksLikePattern(uri: string): boolean {
  let path = uri;
  const scheme = SCHEME.exec(uri);
  if (scheme) {
    path = cutAt(cutAt(uri.slice(scheme[0].length), "#"), "?");
    if (path.startsWith("//")) {
      const slash = path.indexOf("/", 2);
      path = slash < 0 ? "" : path.slice(slash);
    }
  } else if (path.includes("?")) {
    return true;
  }
  return path.includes("*") || /\\[A-Za-z.]/.test(path) || /\[[^\]]+\]/.test(path) || /\{[^{}]+\}/.test(path);
}

function cutAt(text: string, delimiter: string): string {
  const at = text.indexOf(delimiter);
  return at < 0 ? text : text.slice(0, at);
}

function sanitize(input: string, checkRuleOutput: boolean, rules: ReadonlyMap<string, UriSchemeRule>): SanitizedUri {
  checkShape(input);
  checkCharacters(input);

  const schemeMatch = SCHEME.exec(input);
  if (!schemeMatch) return { uri: input, warnings: [] };

  const scheme = schemeMatch[1]!.toLowerCase();
  if (RESERVED_URI_SCHEMES.includes(scheme)) {
    const rest = input.slice(schemeMatch[0].length);
    throw uriError(
      input,
      "reserved-scheme",
      `uses the scheme "${scheme}", which is reserved for assetflow's internals (airflow and assetflow are reserved in any case)`,
      `use a scheme of your own, or an "x-" scheme that is kept verbatim, as in ${quoteUri(`x-${scheme}:${rest}`)}.`,
    );
  }
  if (scheme.startsWith("x-")) return { uri: input, warnings: [] };

  const parsed = parse(input, scheme, schemeMatch[0].length);

  const passwordDropped = userInfoHoldsPassword(parsed.userinfo);
  const secretKeys = secretQueryKeys(parsed.query);
  const generic: ParsedUri = {
    ...parsed,
    userinfo: passwordDropped || parsed.userinfo === "" ? undefined : parsed.userinfo,
    path: stripTrailingSlashes(parsed.path) || "/",
    query: sortQuery(parsed.query),
    fragment: undefined,
  };

  const uri = formatParsedUri(applySchemeRule(generic, input, checkRuleOutput, rules));
  const warnings: AssetflowWarning[] = [];
  const dropped = [
    ...(passwordDropped ? ["a password: the password was removed, together with the rest of the user info"] : []),
    ...(secretKeys.length > 0
      ? [`secret query parameters (${secretKeys.map((key) => JSON.stringify(key)).join(", ")}): they were removed`]
      : []),
  ];
  if (dropped.length > 0) {
    warnings.push({
      code: UriWarningCode.passwordDropped,
      message:
        `Asset URI ${quoteUri(input)} contained ${dropped.join("; and ")}, and the asset's URI is ${JSON.stringify(uri)}. ` +
        "Do not put credentials in asset URIs: they are stored and shown in clear text. Keep them in a connection instead.",
    });
  }
  return { uri, warnings };
}

/** Rule 1: a non-empty, not blank string of at most 1500 characters, no control characters, no surrounding whitespace. */
function checkShape(input: unknown): asserts input is string {
  if (typeof input !== "string") {
    throw new AssetUriError(
      `Asset URI must be a string, got ${input === null ? "null" : typeof input}: pass the URI as a string, as in ${EXAMPLE}.`,
      { details: { uri: String(input), rule: "string" } },
    );
  }
  if (input.length === 0) {
    throw new AssetUriError(
      `Asset URI is empty: give the asset a URI, as in ${EXAMPLE}, or a plain name, as in "daily_orders".`,
      { details: { uri: input, rule: "non-empty" } },
    );
  }
  if (input.length > MAX_ASSET_URI_LENGTH) {
    throw uriError(
      input,
      "max-length",
      `is ${input.length} characters long, more than the limit of ${MAX_ASSET_URI_LENGTH}`,
      `shorten it to at most ${MAX_ASSET_URI_LENGTH} characters, for example by moving details into the asset's extra.`,
    );
  }
  if (input.trim() === "") {
    throw uriError(
      input,
      "not-blank",
      "is only whitespace",
      `give the asset a URI, as in ${EXAMPLE}, or a plain name, as in "daily_orders".`,
    );
  }
  for (let index = 0; index < input.length; index++) {
    const code = input.charCodeAt(index);
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) {
      throw uriError(
        input,
        "no-control-characters",
        `contains the control character U+${code.toString(16).toUpperCase().padStart(4, "0")} at character ${index + 1}`,
        "remove it; control characters (line breaks, tabs, ...) are never part of a URI.",
      );
    }
  }
  if (input.trim() !== input) {
    const where = input.trimStart() !== input ? "leading" : "trailing";
    throw uriError(
      input,
      "no-surrounding-whitespace",
      `has ${where} whitespace`,
      "remove the whitespace around the URI.",
    );
  }
}

/** Rule 2: only RFC 3986 characters, and "%" only in `%XX` escapes. */
function checkCharacters(input: string): void {
  if (PLAIN_RFC3986.test(input)) return;
  let index = 0;
  for (const character of input) {
    if (!RFC3986_CHARACTER.test(character)) {
      throw uriError(
        input,
        "rfc3986-characters",
        `contains ${JSON.stringify(character)} at character ${index + 1}, which is not allowed in a URI`,
        `asset URIs use only RFC 3986 characters (ASCII letters, digits, "-._~", %-escapes and ":/?#[]@!$&'()*+,;="); ` +
          `percent-encode anything else${encodingHint(character)}.`,
      );
    }
    if (character === "%" && !(HEX_DIGIT.test(input[index + 1] ?? "") && HEX_DIGIT.test(input[index + 2] ?? ""))) {
      throw uriError(
        input,
        "percent-escape",
        `has a "%" at character ${index + 1} that does not start a %-escape`,
        'a "%" must be followed by two hex digits, as in "%20"; percent-encode a literal "%" as "%25".',
      );
    }
    index += character.length;
  }
}

function encodingHint(character: string): string {
  try {
    return `, as ${JSON.stringify(character)} becomes "${encodeURIComponent(character)}"`;
  } catch {
    return ""; // a lone surrogate has no UTF-8 encoding
  }
}

/** Splits what follows "scheme:" into authority, path, query and fragment (RFC 3986 section 3). */
function parse(input: string, scheme: string, start: number): ParsedUri {
  let rest = input.slice(start);
  let fragment: string | undefined;
  let query: string | undefined;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf("?");
  if (question >= 0) {
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  if (!rest.startsWith("//")) {
    return { scheme, userinfo: undefined, host: undefined, port: undefined, path: rest, query, fragment };
  }
  const slash = rest.indexOf("/", 2);
  const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  // The last "@" ends the user info, so a password holding an unencoded "@" is still dropped whole.
  const at = authority.lastIndexOf("@");
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const { host, port } = splitHostPort(authority.slice(at + 1), input);
  return { scheme, userinfo, host, port, path, query, fragment };
}

function splitHostPort(hostPort: string, input: string): { host: string; port: string | undefined } {
  let host: string;
  let portPart: string | undefined;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    const after = close < 0 ? "" : hostPort.slice(close + 1);
    if (close < 0 || (after !== "" && !after.startsWith(":"))) {
      throw uriError(
        input,
        "host",
        `has the malformed IP literal host ${JSON.stringify(hostPort)}`,
        'write an IPv6 host in brackets, optionally followed by ":port", as in "s3://[2001:db8::1]:9000/bucket".',
      );
    }
    host = hostPort.slice(0, close + 1);
    portPart = after === "" ? undefined : after.slice(1);
  } else {
    const colon = hostPort.indexOf(":");
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    portPart = colon < 0 ? undefined : hostPort.slice(colon + 1);
  }
  if (portPart === undefined || portPart === "") return { host, port: undefined };
  if (!DIGITS.test(portPart)) {
    throw uriError(
      input,
      "port",
      "has a port that is not a number", // the "port" may be the start of a password: never repeat it
      'write the port as digits, as in "db.example.com:5432"; if this is a user name and password, remove them, ' +
        "since credentials do not belong in asset URIs.",
    );
  }
  return { host, port: portPart };
}

function stripTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}

/** Rule 6: pairs sorted by key then value as written; duplicates kept; empty values dropped. */
function sortQuery(query: string | undefined): string | undefined {
  if (query === undefined) return undefined;
  const secret = new Set(secretQueryKeys(query));
  const pairs: [string, string][] = [];
  for (const part of query.split("&")) {
    const equals = part.indexOf("=");
    if (equals < 0 || equals === part.length - 1) continue;
    if (secret.has(part.slice(0, equals))) continue;
    pairs.push([part.slice(0, equals), part.slice(equals + 1)]);
  }
  if (pairs.length === 0) return undefined;
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return pairs.map(([key, value]) => `${key}=${value}`).join("&");
}

/** Code-unit order, the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rule 8: the built-in rule or the registered one; a registered rule's output must be a stable URI. */
function applySchemeRule(
  uri: ParsedUri,
  input: string,
  checkRuleOutput: boolean,
  rules: ReadonlyMap<string, UriSchemeRule>,
): ParsedUri {
  const builtIn = BUILT_IN_URI_SCHEMES.get(uri.scheme);
  if (builtIn) return builtIn(uri, input);
  const rule = rules.get(uri.scheme);
  if (!rule) return uri;

  const registered = `registerUriScheme(${JSON.stringify(uri.scheme)}, ...)`;
  let result: ParsedUri;
  try {
    result = rule({ ...uri });
  } catch (error) {
    if (isAssetflowError(error) && error.code === ErrorCode.assetUriInvalid) throw error;
    throw uriError(
      input,
      `scheme:${uri.scheme}`,
      `was rejected by the "${uri.scheme}" scheme rule (${error instanceof Error ? error.message : String(error)})`,
      `change the URI so that the rule registered with ${registered} accepts it.`,
      error,
    );
  }
  if (!checkRuleOutput) return result;

  const fixRule = `fix the rule registered with ${registered}`;
  const output = isParsedUri(result) ? formatParsedUri(result) : undefined;
  if (output === undefined) {
    throw uriError(
      input,
      "scheme-rule-output",
      `was turned into something that is not a ParsedUri by the "${uri.scheme}" scheme rule`,
      `${fixRule} so that it returns an object with string scheme and path, and string or undefined userinfo, host, port, query and fragment.`,
    );
  }
  let again: string;
  try {
    again = sanitize(output, false, rules).uri;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw uriError(
      input,
      "scheme-rule-output",
      `was turned into the invalid asset URI ${quoteUri(output)} by the "${uri.scheme}" scheme rule (${reason})`,
      `${fixRule} so that it returns a valid asset URI.`,
      error,
    );
  }
  if (again !== output) {
    throw uriError(
      input,
      "scheme-rule-output",
      `was turned into ${quoteUri(output)} by the "${uri.scheme}" scheme rule, which sanitizes to ${quoteUri(again)} in turn`,
      `${fixRule} so that it returns a URI it leaves unchanged: an asset URI must keep its identity when sanitized again.`,
    );
  }
  return result;
}

function isParsedUri(value: unknown): value is ParsedUri {
  if (typeof value !== "object" || value === null) return false;
  const uri = value as Record<string, unknown>;
  const optional = (key: string) => uri[key] === undefined || typeof uri[key] === "string";
  return (
    typeof uri["scheme"] === "string" &&
    typeof uri["path"] === "string" &&
    ["userinfo", "host", "port", "query", "fragment"].every(optional)
  );
}
