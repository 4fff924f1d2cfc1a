/**
 * The built-in scheme rules (DESIGN.md section 2, URI rule 8) and the small
 * helpers they share with the sanitizer: formatting a {@link ParsedUri} back
 * into a string, quoting a URI inside an error message, and building an
 * {@link AssetUriError} that names the rule, the place and the fix.
 *
 * Built-in rules are the same on every machine: they are part of the stored
 * identity contract, so they cannot be replaced with `registerUriScheme`.
 */

import { AssetUriError } from "../errors.js";
import { maskUriCredentials } from "./credentials.js";
import type { ParsedUri } from "./sanitize.js";

/**
 * A built-in scheme rule. It receives the URI after the generic steps (rules
 * 4 to 7) and the URI as written (for error messages), and returns the URI
 * normalized, or throws an {@link AssetUriError}.
 *
 * @internal
 * @example
 * ```ts
 * const rule: BuiltInUriSchemeRule = (uri) => uri; // the "file" rule
 * ```
 */
export type BuiltInUriSchemeRule = (uri: ParsedUri, input: string) => ParsedUri;

/** Longest part of a URI quoted in a message before it is cut. */
const QUOTE_LIMIT = 100;

const SCHEME_AND_AUTHORITY = /^((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/)([^/?#]*)/;

/**
 * Hides the password of a URI's user info (`user:secret@host` becomes
 * `user:***@host`, `user%3Asecret@host` becomes `user%3A***@host`) and the
 * values of secret query parameters, so that error messages and details
 * never repeat them. A
 * password holding an unencoded "/" (`user:pa/ss@host`, which parses as the
 * non-numeric port "pa") is hidden too.
 *
 * @internal
 * @example
 * ```ts
 * maskUriPassword("ftp://user:secret@host/f"); // "ftp://user:***@host/f"
 * ```
 */
export function maskUriPassword(uri: string): string {
  return maskUriCredentials(maskPlainPassword(uri));
}

function maskPlainPassword(uri: string): string {
  const match = SCHEME_AND_AUTHORITY.exec(uri);
  if (!match) return uri;
  const prefix = match[1]!;
  const authority = match[2]!;
  const colon = authority.indexOf(":");
  if (colon < 0 || authority.startsWith("[")) return uri;
  const at = authority.lastIndexOf("@");
  if (at > colon) return `${prefix}${authority.slice(0, colon)}:***@${uri.slice(prefix.length + at + 1)}`;
  if (at >= 0 || /^[0-9]*$/.test(authority.slice(colon + 1))) return uri;
  // No "@" in the authority and a port that is not a number: look for the "@" further on.
  const tail = uri.slice(prefix.length + colon + 1);
  const end = tail.search(/[?#]/);
  const lateAt = (end < 0 ? tail : tail.slice(0, end)).lastIndexOf("@");
  if (lateAt < 0) return uri;
  return `${prefix}${authority.slice(0, colon)}:***@${tail.slice(lateAt + 1)}`;
}

/**
 * Quotes a URI for an error message: password masked, cut after 100
 * characters, and JSON-escaped so control characters stay visible.
 *
 * @internal
 * @example
 * ```ts
 * quoteUri("s3://"); // "\"s3://\""
 * ```
 */
export function quoteUri(uri: string): string {
  const masked = maskUriPassword(uri);
  const cut = masked.length > QUOTE_LIMIT ? `${masked.slice(0, QUOTE_LIMIT)}...` : masked;
  return JSON.stringify(cut);
}

/**
 * Builds the error for a broken URI rule. The message reads
 * `Asset URI "<uri>" <problem>: <fix>` and the details hold the URI (password
 * masked) and the rule's stable id.
 *
 * @internal
 * @example
 * ```ts
 * throw uriError("s3://", "s3-bucket", "has no bucket", 's3 URIs need a bucket name, as in "s3://my-bucket/key".');
 * ```
 */
export function uriError(input: string, rule: string, problem: string, fix: string, cause?: unknown): AssetUriError {
  return new AssetUriError(`Asset URI ${quoteUri(input)} ${problem}: ${fix}`, {
    details: { uri: maskUriPassword(input), rule },
    cause,
  });
}

/**
 * Writes a {@link ParsedUri} back as a string. The URI has an authority
 * (`//...`) when any of `userinfo`, `host` or `port` is defined.
 *
 * @example
 * ```ts
 * formatParsedUri({
 *   scheme: "s3", userinfo: undefined, host: "bucket", port: undefined,
 *   path: "/key", query: "a=1", fragment: undefined,
 * }); // "s3://bucket/key?a=1"
 * ```
 */
export function formatParsedUri(uri: ParsedUri): string {
  let out = `${uri.scheme}:`;
  if (uri.userinfo !== undefined || uri.host !== undefined || uri.port !== undefined) {
    out += "//";
    if (uri.userinfo !== undefined) out += `${uri.userinfo}@`;
    out += uri.host ?? "";
    if (uri.port !== undefined) out += `:${uri.port}`;
  }
  out += uri.path;
  if (uri.query !== undefined) out += `?${uri.query}`;
  if (uri.fragment !== undefined) out += `#${uri.fragment}`;
  return out;
}

/** Path segments after the leading "/", or undefined when the path is not absolute. */
function segments(path: string): string[] | undefined {
  return path.startsWith("/") ? path.slice(1).split("/") : undefined;
}

/** Requires a non-empty host; `what` names it in the message ("bucket", "host", "project"). */
function requireHost(uri: ParsedUri, input: string, what: string, example: string): void {
  if (uri.host) return;
  throw uriError(
    input,
    `${uri.scheme}-${what}`,
    `has no ${what}`,
    `${uri.scheme} URIs need a ${what}${what === "bucket" ? " name" : ""}, as in "${example}".`,
  );
}

/** The port as a decimal number in 1-65535, or `fallback` when there is none. */
function databasePort(uri: ParsedUri, input: string, fallback: string): string {
  if (uri.port === undefined) return fallback;
  const port = Number(uri.port);
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return String(port);
  throw uriError(
    input,
    `${uri.scheme}-port`,
    `has the port "${uri.port}", outside 1-65535`,
    `write the server's port number, or leave the port out for the default ${fallback}.`,
  );
}

const bucketRule =
  (scheme: string): BuiltInUriSchemeRule =>
  (uri, input) => {
    requireHost(uri, input, "bucket", `${scheme}://my-bucket/path/key`);
    return uri;
  };

const postgresRule: BuiltInUriSchemeRule = (uri, input) => {
  requireHost(uri, input, "host", `${uri.scheme}://db.example.com:5432/database/schema/table`);
  const parts = segments(uri.path);
  if (parts?.length !== 3 || !parts[0] || !parts[2]) {
    throw uriError(
      input,
      `${uri.scheme}-path`,
      `does not name a table as /database/schema/table (its path is "${uri.path}")`,
      `${uri.scheme} URIs need the database, schema and table, as in "postgres://db.example.com/analytics/public/orders"; an empty schema ("/analytics//orders") means "default".`,
    );
  }
  const [database, schema, table] = parts;
  return {
    ...uri,
    scheme: "postgres",
    port: databasePort(uri, input, "5432"),
    path: `/${database}/${schema || "default"}/${table}`,
  };
};

const mysqlRule: BuiltInUriSchemeRule = (uri, input) => {
  requireHost(uri, input, "host", `${uri.scheme}://db.example.com:3306/database/table`);
  const parts = segments(uri.path);
  if (parts?.length !== 2 || !parts[0] || !parts[1]) {
    throw uriError(
      input,
      `${uri.scheme}-path`,
      `does not name a table as /database/table (its path is "${uri.path}")`,
      `${uri.scheme} URIs need the database and table, as in "mysql://db.example.com/shop/orders".`,
    );
  }
  return { ...uri, scheme: "mysql", port: databasePort(uri, input, "3306") };
};

const sqliteRule: BuiltInUriSchemeRule = (uri, input) => {
  if (uri.path === "" || uri.path === "/") {
    throw uriError(
      input,
      "sqlite-path",
      "has no database path",
      `sqlite URIs need the database file's path, as in "sqlite:///data/app.db".`,
    );
  }
  return uri;
};

const bigqueryRule: BuiltInUriSchemeRule = (uri, input) => {
  requireHost(uri, input, "project", "bigquery://my-project/dataset/table");
  const parts = segments(uri.path);
  if (parts?.length !== 2 || !parts[0] || !parts[1]) {
    throw uriError(
      input,
      "bigquery-path",
      `does not name a table as /dataset/table (its path is "${uri.path}")`,
      `bigquery URIs need the dataset and table after the project, as in "bigquery://my-project/dataset/table".`,
    );
  }
  return uri;
};

/**
 * The built-in scheme rules, keyed by lower-case scheme:
 *
 * - `file`: none;
 * - `s3`, `gs`, `gcs`: a bucket (the host) is required;
 * - `postgres`, `postgresql`: host and `/database/schema/table` required,
 *   port 1-65535 (default 5432), an empty schema becomes `default`, the
 *   scheme becomes `postgres`;
 * - `mysql`, `mariadb`: host and `/database/table` required, port 1-65535
 *   (default 3306), the scheme becomes `mysql`;
 * - `sqlite`: a path is required;
 * - `bigquery`: the project (the host) and `/dataset/table` are required.
 *
 * @example
 * ```ts
 * BUILT_IN_URI_SCHEMES.has("s3"); // true
 * ```
 */
export const BUILT_IN_URI_SCHEMES: ReadonlyMap<string, BuiltInUriSchemeRule> = new Map<string, BuiltInUriSchemeRule>([
  ["file", (uri) => uri],
  ["s3", bucketRule("s3")],
  ["gs", bucketRule("gs")],
  ["gcs", bucketRule("gcs")],
  ["postgres", postgresRule],
  ["postgresql", postgresRule],
  ["mysql", mysqlRule],
  ["mariadb", mysqlRule],
  ["sqlite", sqliteRule],
  ["bigquery", bigqueryRule],
]);
