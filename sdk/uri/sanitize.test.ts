import { describe, expect, it } from "vitest";
import { AssetUriError, ErrorCode, isAssetflowError } from "../errors.js";
import { captureWarnings } from "../warnings.js";
import { uriHoldsCredentials } from "./credentials.js";
import {
  looksLikePattern,
  MAX_ASSET_URI_LENGTH,
  type ParsedUri,
  registerUriScheme,
  sanitizeUri,
  sanitizeUriWithRules,
  UriWarningCode,
} from "./sanitize.js";
import { formatParsedUri, maskUriPassword, quoteUri } from "./schemes.js";

/** The sanitized URI of `input`. */
const clean = (input: string): string => sanitizeUri(input).uri;

/** The AssetUriError that sanitizing `input` throws. */
function rejection(input: string): AssetUriError {
  try {
    sanitizeUri(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AssetUriError);
    return error as AssetUriError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe("rule 1: a non-empty string of at most 1500 characters", () => {
  it("rejects a value that is not a string", () => {
    const error = rejection(42 as never);
    expect(error.message).toContain("must be a string");
    expect(error.details).toEqual({ uri: "42", rule: "string" });
  });

  it("rejects the empty string and says it is empty", () => {
    const error = rejection("");
    expect(error.message).toMatch(/empty/);
    expect(error.details).toEqual({ uri: "", rule: "non-empty" });
  });

  it("accepts exactly 1500 characters", () => {
    const input = `s3://b/${"k".repeat(MAX_ASSET_URI_LENGTH - 7)}`;
    expect(input).toHaveLength(1500);
    expect(clean(input)).toBe(input);
  });

  it("rejects 1501 characters, names the 1500 limit and cuts the quoted URI", () => {
    const error = rejection("x".repeat(1501));
    expect(error.message).toContain("1500");
    expect(error.message).toContain("1501 characters long");
    expect(error.message).toContain('x..."');
    expect(error.message.length).toBeLessThan(400);
    expect(error.details["rule"]).toBe("max-length");
  });

  it.each([" ", "   ", "\t", "\u00a0\u2003"])("rejects the whitespace-only URI %j", (input) => {
    const error = rejection(input);
    expect(error.message).toContain("only whitespace");
    expect(error.details["rule"]).toBe("not-blank");
  });

  it.each([
    ["a\nb", "U+000A"],
    ["s3://b/\u0000", "U+0000"],
    ["a\u007fb", "U+007F"],
    ["a\u0085b", "U+0085"],
  ])("rejects the control character in %j and names it", (input, code) => {
    const error = rejection(input);
    expect(error.message).toContain(code);
    expect(error.message).toContain("remove it");
    expect(error.details["rule"]).toBe("no-control-characters");
  });

  it("quotes control characters escaped so the message stays on one line", () => {
    expect(rejection("a\nb").message).toContain('"a\\nb"');
  });

  it.each([
    [" s3://b/k", "leading"],
    ["s3://b/k ", "trailing"],
    ["\u00a0example", "leading"],
  ])("rejects surrounding whitespace in %j", (input, where) => {
    const error = rejection(input);
    expect(error.message).toContain(`has ${where} whitespace`);
    expect(error.details["rule"]).toBe("no-surrounding-whitespace");
  });
});

describe("rule 2: only RFC 3986 characters", () => {
  it("rejects non-ASCII letters and tells to percent-encode them", () => {
    const error = rejection("èxample_datašet");
    expect(error.message).toContain("percent-encode");
    expect(error.message).toContain('"%C3%A8"');
    expect(error.details).toEqual({ uri: "èxample_datašet", rule: "rfc3986-characters" });
  });

  it.each(["a b", 's3://b/"k"', "s3://b/<k>", "a\\b", "a^b", "a`b", "s3://b/{k}", "a|b", "emoji-😀"])(
    "rejects %j and tells to percent-encode",
    (input) => {
      expect(rejection(input).message).toContain("percent-encode");
    },
  );

  it("names the position of the first bad character", () => {
    expect(rejection("s3://b/a b").message).toContain('contains " " at character 9');
  });

  it("accepts every unreserved and reserved character", () => {
    const input = "s3://b/AZaz09-._~:@!$&'()*+,;=";
    expect(clean(input)).toBe(input);
  });

  it.each(["100%.csv", "s3://b/%zz", "s3://b/k%2"])("rejects the stray %% in %j and shows %%25", (input) => {
    const error = rejection(input);
    expect(error.message).toContain('percent-encode a literal "%" as "%25"');
    expect(error.details["rule"]).toBe("percent-escape");
  });

  it("accepts percent-escapes", () => {
    expect(clean("s3://b/a%20b%2F")).toBe("s3://b/a%20b%2F");
  });

  it("applies before the x- and no-scheme shortcuts", () => {
    expect(rejection("x-thing://è").message).toContain("percent-encode");
    expect(rejection("plain name").message).toContain("percent-encode");
  });
});

describe("rule 3: no scheme, kept verbatim", () => {
  it.each(["example_asset", "foo/bar", "//example/asset", "Foo/Bar//?b=2&a=1#frag", "input_2022*.csv", "2024:01:01"])(
    "keeps %j as written",
    (input) => {
      expect(sanitizeUri(input)).toEqual({ uri: input, warnings: [] });
    },
  );

  it("keeps a scheme-less authority with a password verbatim, without warning", () => {
    expect(sanitizeUri("//user:secret@host/x")).toEqual({ uri: "//user:secret@host/x", warnings: [] });
  });
});

describe("rule 4: scheme case, reserved schemes, x- schemes", () => {
  it("lower-cases the scheme", () => {
    expect(clean("S3://bucket/key")).toBe("s3://bucket/key");
    expect(clean("HTTPS://Example.com/Data")).toBe("https://Example.com/Data");
  });

  it.each(["airflow://example_asset", "AIRFLOW://x", "assetflow://internal", "AssetFlow:thing"])(
    "rejects the reserved scheme in %j",
    (input) => {
      const error = rejection(input);
      expect(error.message).toContain("reserved");
      expect(error.message).toContain('"x-');
      expect(error.details["rule"]).toBe("reserved-scheme");
    },
  );

  it("suggests the same URI with an x- scheme", () => {
    expect(rejection("airflow://example_asset").message).toContain('"x-airflow://example_asset"');
  });

  it.each(["x-my-thing://foobarbaz", "X-Foo://A/B/", "x-q://h/p?b=2&a=1#f", "x-cred://user:secret@host/x", "x-t:"])(
    "keeps %j verbatim, skipping every later rule",
    (input) => {
      expect(sanitizeUri(input)).toEqual({ uri: input, warnings: [] });
    },
  );

  it("treats a scheme without an authority as a URI", () => {
    expect(clean("URN:isbn:0451450523")).toBe("urn:isbn:0451450523");
    expect(clean("Mailto:Someone@Example.com")).toBe("mailto:Someone@Example.com");
  });
});

describe("authority parsing", () => {
  it("rejects a port that is not a number", () => {
    const error = rejection("ftp://host:abc/f");
    expect(error.message).toContain("port that is not a number");
    expect(error.details["rule"]).toBe("port");
  });

  it("never repeats a password that an unencoded slash split off as a port", () => {
    const error = rejection("ftp://user:pa/ss@host/f");
    expect(error.message).not.toContain("pa/ss");
    expect(error.message).not.toContain('"pa"');
    expect(error.details["uri"]).toBe("ftp://user:***@host/f");
  });

  it("drops an empty port", () => {
    expect(clean("s3://bucket:/key")).toBe("s3://bucket/key");
  });

  it("keeps an IPv6 host and its port", () => {
    expect(clean("http://[2001:DB8::1]:8080/x/")).toBe("http://[2001:DB8::1]:8080/x");
  });

  it.each(["http://[::1/x", "http://[::1]x/y"])("rejects the malformed IP literal in %j", (input) => {
    expect(rejection(input).details["rule"]).toBe("host");
  });
});

describe("rule 5: user info", () => {
  it("drops user info with a password and returns a warning", () => {
    const { uri, warnings } = sanitizeUri("ftp://user:password@localhost/foo.txt");
    expect(uri).toBe("ftp://localhost/foo.txt");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.code).toBe(UriWarningCode.passwordDropped);
    expect(warnings[0]?.code).toBe("URI_PASSWORD_DROPPED");
    expect(warnings[0]?.message).toContain("the password was removed");
    expect(warnings[0]?.message).toContain("Do not put credentials in asset URIs");
    expect(warnings[0]?.message).toContain('"ftp://localhost/foo.txt"');
  });

  it("drops a percent-encoded password (user%3Apass@) and secret query parameters, with the same warning", () => {
    for (const [input, expected] of [
      ["ftp://user%3Ahunter2@localhost/foo.txt", "ftp://localhost/foo.txt"],
      ["ftp://user%3ahunter2@localhost/foo.txt", "ftp://localhost/foo.txt"],
      ["s3://bucket/key?password=hunter2&version=2", "s3://bucket/key?version=2"],
      ["s3://bucket/key?db_password=hunter2&Access%5FToken=hunter2&api-key=hunter2", "s3://bucket/key"],
      ["https://h/p?token=hunter2#frag", "https://h/p"],
    ] as const) {
      const { uri, warnings } = sanitizeUri(input);
      expect(uri, input).toBe(expected);
      expect(warnings.map((warning) => warning.code)).toEqual([UriWarningCode.passwordDropped]);
      expect(warnings[0]?.message).not.toContain("hunter2");
      expect(warnings[0]?.message).toContain("Do not put credentials in asset URIs");
    }
    expect(sanitizeUri("s3://bucket/key?password=hunter2").warnings[0]?.message).toContain('"password"');
    // Keys that only look alike stay.
    expect(sanitizeUri("s3://bucket/key?passes=2&version=1").warnings).toEqual([]);
  });

  it("uriHoldsCredentials says what the API refuses in URIs kept verbatim", () => {
    expect(uriHoldsCredentials("x-vault://admin:hunter2@host/p")).toBe(true);
    expect(uriHoldsCredentials("x-vault://admin%3Ahunter2@host/p")).toBe(true);
    expect(uriHoldsCredentials("x-vault://host/p?secret=1")).toBe(true);
    expect(uriHoldsCredentials("x-vault://admin@host/p?v=1")).toBe(false);
    expect(uriHoldsCredentials("plain_name")).toBe(false);
  });

  it("never repeats the password in the warning", () => {
    const [warning] = sanitizeUri("ftp://user:hunter2@localhost/foo.txt").warnings;
    expect(warning?.message).not.toContain("hunter2");
    expect(warning?.message).toContain("user:***@");
  });

  it("returns warnings without emitting them", () => {
    const { warnings } = captureWarnings(() => sanitizeUri("ftp://user:password@localhost/foo.txt"));
    expect(warnings).toEqual([]);
  });

  it("drops an empty password and a password holding an unencoded @", () => {
    expect(sanitizeUri("ftp://user:@host/f").uri).toBe("ftp://host/f");
    expect(sanitizeUri("ftp://user:p@ss@host/f").uri).toBe("ftp://host/f");
  });

  it("keeps a user name alone", () => {
    expect(sanitizeUri("abfss://filesystem@account.dfs.core.windows.net/path")).toEqual({
      uri: "abfss://filesystem@account.dfs.core.windows.net/path",
      warnings: [],
    });
  });

  it("drops empty user info without a warning", () => {
    expect(sanitizeUri("s3://@bucket/key")).toEqual({ uri: "s3://bucket/key", warnings: [] });
  });

  it("masks the password when another rule rejects the URI", () => {
    const error = rejection("postgres://admin:hunter2@db/shop");
    expect(error.message).not.toContain("hunter2");
    expect(error.details["uri"]).toBe("postgres://admin:***@db/shop");
  });
});

describe("rule 6: query, fragment and trailing slashes", () => {
  it("sorts query pairs by key", () => {
    expect(clean("s3://b/k?b=2&a=1")).toBe("s3://b/k?a=1&b=2");
  });

  it("sorts pairs with the same key by value and keeps duplicates", () => {
    expect(clean("s3://b/k?a=2&b=1&a=1&a=2")).toBe("s3://b/k?a=1&a=2&a=2&b=1");
  });

  it("drops pairs with an empty or missing value and empty segments", () => {
    expect(clean("s3://b/k?a=&b=1&&flag&c=3")).toBe("s3://b/k?b=1&c=3");
  });

  it("drops the question mark when no pair is left", () => {
    expect(clean("s3://b/k?")).toBe("s3://b/k");
    expect(clean("s3://b/k?a=&b")).toBe("s3://b/k");
  });

  it("keeps query escapes as written", () => {
    expect(clean("s3://b/k?q=a%2fb&p=A+B")).toBe("s3://b/k?p=A+B&q=a%2fb");
  });

  it("sorts in code-unit order, upper case before lower case", () => {
    expect(clean("s3://b/k?a=1&B=2&_=3")).toBe("s3://b/k?B=2&_=3&a=1");
  });

  it("drops the fragment", () => {
    expect(clean("s3://b/k#frag")).toBe("s3://b/k");
    expect(clean("s3://b/k?a=1#x?b=2")).toBe("s3://b/k?a=1");
  });

  it("strips trailing slashes of the path", () => {
    expect(clean("S3://Bucket/Key//")).toBe("s3://Bucket/Key");
    expect(clean("file:///123/456/")).toBe("file:///123/456");
  });

  it("keeps inner double slashes", () => {
    expect(clean("s3://b/a//b")).toBe("s3://b/a//b");
  });

  it("turns an empty path into /", () => {
    expect(clean("s3://bucket")).toBe("s3://bucket/");
    expect(clean("s3://bucket///")).toBe("s3://bucket/");
    expect(clean("s3://bucket?a=1")).toBe("s3://bucket/?a=1");
    expect(clean("custom:")).toBe("custom:/");
  });
});

describe("rule 7: host, path and escapes keep their case", () => {
  it("keeps the host's case, so hosts differing in case are different assets", () => {
    expect(clean("s3://Example/asset")).toBe("s3://Example/asset");
    expect(clean("s3://example/asset")).not.toBe(clean("s3://Example/asset"));
  });

  it("keeps the path's case", () => {
    expect(clean("s3://b/Key.CSV")).toBe("s3://b/Key.CSV");
  });

  it("keeps the case of escapes", () => {
    expect(clean("s3://b/a%2fb")).toBe("s3://b/a%2fb");
    expect(clean("s3://b/a%2fb")).not.toBe(clean("s3://b/a%2Fb"));
  });
});

describe("rule 8: built-in scheme rules", () => {
  it("leaves file URIs to the generic steps", () => {
    expect(clean("FILE:///Data/x.csv/")).toBe("file:///Data/x.csv");
    expect(clean("file://host/x")).toBe("file://host/x");
  });

  it.each(["s3", "gs", "gcs"])("requires a bucket for %s", (scheme) => {
    expect(clean(`${scheme}://bucket/key`)).toBe(`${scheme}://bucket/key`);
    const error = rejection(`${scheme}://`);
    expect(error.message).toBe(
      `Asset URI "${scheme}://" has no bucket: ${scheme} URIs need a bucket name, as in "${scheme}://my-bucket/path/key".`,
    );
    expect(error.details).toEqual({ uri: `${scheme}://`, rule: `${scheme}-bucket` });
  });

  it("rejects an s3 URI with a single slash, which has no bucket", () => {
    expect(rejection("s3:/bucket/key").message).toContain("bucket");
  });

  it("gives postgres the default port 5432", () => {
    expect(clean("postgres://example.com/database/schema/table")).toBe(
      "postgres://example.com:5432/database/schema/table",
    );
  });

  it("keeps an explicit postgres port, written as a plain number", () => {
    expect(clean("postgres://example.com:1234/database/schema/table")).toBe(
      "postgres://example.com:1234/database/schema/table",
    );
    expect(clean("postgres://example.com:01234/d/s/t")).toBe("postgres://example.com:1234/d/s/t");
  });

  it("turns postgresql into postgres and an empty schema into default", () => {
    expect(clean("PostgreSQL://Host/db//orders/")).toBe("postgres://Host:5432/db/default/orders");
  });

  it.each([
    ["postgres://example.com/database/table", "postgres-path"],
    ["postgres://example.com/d/s/t/extra", "postgres-path"],
    ["postgres://example.com//s/t", "postgres-path"],
    ["postgres://example.com/d/s/", "postgres-path"],
    ["postgres:///d/s/t", "postgres-host"],
    ["postgres://user@/d/s/t", "postgres-host"],
    ["postgres://h:0/d/s/t", "postgres-port"],
    ["postgres://h:65536/d/s/t", "postgres-port"],
  ])("rejects %j (%s)", (input, rule) => {
    const error = rejection(input);
    expect(error.details["rule"]).toBe(rule);
    expect(error.message).toMatch(/postgres:\/\/db\.example\.com|default 5432/);
  });

  it("gives mysql the default port 3306 and turns mariadb into mysql", () => {
    expect(clean("mysql://example.com/database/table")).toBe("mysql://example.com:3306/database/table");
    expect(clean("mariadb://example.com/database/table")).toBe("mysql://example.com:3306/database/table");
    expect(clean("mysql://example.com:3307/d/t")).toBe("mysql://example.com:3307/d/t");
  });

  it.each([
    ["mysql://example.com/database", "mysql-path"],
    ["mysql://example.com/d/s/t", "mysql-path"],
    ["mariadb:///d/t", "mariadb-host"],
    ["mysql://h:70000/d/t", "mysql-port"],
  ])("rejects %j (%s)", (input, rule) => {
    expect(rejection(input).details["rule"]).toBe(rule);
  });

  it("requires a path for sqlite", () => {
    expect(clean("sqlite:///data/app.db")).toBe("sqlite:///data/app.db");
    for (const input of ["sqlite://", "sqlite:///", "sqlite:"]) {
      const error = rejection(input);
      expect(error.details["rule"]).toBe("sqlite-path");
      expect(error.message).toContain('"sqlite:///data/app.db"');
    }
  });

  it("requires a project and /dataset/table for bigquery", () => {
    expect(clean("bigquery://my-project/dataset/table")).toBe("bigquery://my-project/dataset/table");
    expect(rejection("bigquery:///dataset/table").details["rule"]).toBe("bigquery-project");
    expect(rejection("bigquery://my-project/dataset").details["rule"]).toBe("bigquery-path");
    expect(rejection("bigquery://my-project/d/t/x").details["rule"]).toBe("bigquery-path");
  });

  it("gives other schemes the generic steps only", () => {
    expect(clean("snowflake://my_db/my_schema/my_table")).toBe("snowflake://my_db/my_schema/my_table");
    expect(clean("HTTP://Host:80/A/?z=1&y=2#f")).toBe("http://Host:80/A?y=2&z=1");
  });
});

describe("error messages", () => {
  it("are AssetUriErrors with the ASSET_URI_INVALID code", () => {
    const error = rejection("s3://");
    expect(isAssetflowError(error)).toBe(true);
    expect(error.code).toBe(ErrorCode.assetUriInvalid);
  });

  it("quote long URIs cut after 100 characters", () => {
    const quoted = quoteUri(`s3://b/${"k".repeat(200)}`);
    expect(quoted).toBe(JSON.stringify(`s3://b/${"k".repeat(93)}...`));
  });

  it("mask passwords in quoted URIs", () => {
    expect(maskUriPassword("ftp://user:secret@host/f")).toBe("ftp://user:***@host/f");
    expect(maskUriPassword("//user:secret@host/f")).toBe("//user:***@host/f");
    expect(maskUriPassword("ftp://user@host:21/f")).toBe("ftp://user@host:21/f");
    expect(maskUriPassword("postgres://h:5432/db/s@x")).toBe("postgres://h:5432/db/s@x");
    expect(maskUriPassword("plain")).toBe("plain");
  });
});

describe("sanitizeUri is idempotent", () => {
  it.each([
    "s3://bucket",
    "S3://Bucket/Key//?b=2&a=1#f",
    "ftp://user:pw@host/f",
    "postgresql://h/db//t",
    "mariadb://h/d/t",
    "custom:",
    "urn:a/b/",
    "file://",
    "http://[::1]:80",
  ])("leaves the sanitized form of %j unchanged", (input) => {
    const once = clean(input);
    expect(clean(once)).toBe(once);
  });
});

describe("registerUriScheme", () => {
  it("runs the registered rule after the generic steps", () => {
    let seen: ParsedUri | undefined;
    registerUriScheme("kafka", (uri) => {
      seen ??= uri; // the first call; the rule runs again to check that its result is stable
      return { ...uri, port: uri.port ?? "9092" };
    });
    expect(sanitizeUri("KAFKA://u:p@Cluster/orders/?b=2&a=1#f")).toMatchObject({
      uri: "kafka://Cluster:9092/orders?a=1&b=2",
    });
    expect(seen).toEqual({
      scheme: "kafka",
      userinfo: undefined,
      host: "Cluster",
      port: undefined,
      path: "/orders",
      query: "a=1&b=2",
      fragment: undefined,
    });
  });

  it("matches the scheme in any case and replaces an earlier rule", () => {
    registerUriScheme("Queue", (uri) => ({ ...uri, path: "/first" }));
    registerUriScheme("queue", (uri) => ({ ...uri, path: "/second" }));
    expect(clean("queue://h/q")).toBe("queue://h/second");
  });

  it("lets a rule reject a URI with its own AssetUriError", () => {
    registerUriScheme("topic", (uri) => {
      if (!uri.host) throw new AssetUriError('topic URIs need a cluster, as in "topic://cluster/name".');
      return uri;
    });
    expect(() => clean("topic:///name")).toThrow('topic URIs need a cluster, as in "topic://cluster/name".');
  });

  it("wraps any other error of a rule in an AssetUriError that keeps the cause", () => {
    const cause = new TypeError("boom");
    registerUriScheme("fragile", () => {
      throw cause;
    });
    const error = rejection("fragile://h/x");
    expect(error.message).toContain('was rejected by the "fragile" scheme rule (boom)');
    expect(error.message).toContain('registerUriScheme("fragile", ...)');
    expect(error.cause).toBe(cause);
    expect(error.details["rule"]).toBe("scheme:fragile");
  });

  it("rejects a rule whose result changes when sanitized again", () => {
    registerUriScheme("growing", (uri) => ({ ...uri, path: `${uri.path}/x` }));
    const error = rejection("growing://h/p");
    expect(error.message).toContain('"growing://h/p/x"');
    expect(error.message).toContain("leaves unchanged");
    expect(error.details["rule"]).toBe("scheme-rule-output");
  });

  it("rejects a rule whose result does not parse back to itself", () => {
    registerUriScheme("slashy", (uri) => ({ ...uri, host: "a/b" }));
    expect(rejection("slashy://h/p").details["rule"]).toBe("scheme-rule-output");
  });

  it("rejects a rule that returns an invalid asset URI", () => {
    registerUriScheme("sneaky", (uri) => ({ ...uri, scheme: "airflow" }));
    const error = rejection("sneaky://h/p");
    expect(error.message).toContain("invalid asset URI");
    expect(error.message).toContain("reserved");
  });

  it("rejects a rule that returns something other than a ParsedUri", () => {
    registerUriScheme("broken", () => ({ scheme: "broken" }) as never);
    expect(rejection("broken://h/p").message).toContain("not a ParsedUri");
  });

  it.each(["airflow", "AssetFlow"])("refuses the reserved scheme %j", (scheme) => {
    expect(() => registerUriScheme(scheme, (uri) => uri)).toThrow(/reserved/);
  });

  it.each(["x-mine", "X-Mine"])("refuses the x- scheme %j", (scheme) => {
    expect(() => registerUriScheme(scheme, (uri) => uri)).toThrow(AssetUriError);
    expect(() => registerUriScheme(scheme, (uri) => uri)).toThrow(/kept verbatim/);
  });

  it.each(["s3", "GS", "postgresql", "file"])("refuses the built-in scheme %j", (scheme) => {
    expect(() => registerUriScheme(scheme, (uri) => uri)).toThrow(/built-in/);
  });

  it.each(["", "9p", "my scheme", "kafka:", "a_b"])("refuses the invalid scheme name %j", (scheme) => {
    expect(() => registerUriScheme(scheme, (uri) => uri)).toThrow(/invalid scheme name/);
  });

  it("refuses a rule that is not a function", () => {
    expect(() => registerUriScheme("lazy", "nope" as never)).toThrow(/not a function/);
  });
});

describe("looksLikePattern (rule 9)", () => {
  it.each([
    "input_2022*.csv",
    "input_\\d+.csv",
    "s3://bucket/input_*.csv",
    "s3://bucket/input_[0-9].csv",
    "s3://bucket/{a,b}.csv",
    "file:///data/\\w+",
    "input_?.csv",
  ])("flags %j", (uri) => {
    expect(looksLikePattern(uri)).toBe(true);
  });

  it.each([
    "s3://bucket/input.csv",
    "s3://bucket/input.csv?v=1",
    "s3://bucket/input.csv#*",
    "s3://bucket/k?glob=*",
    "http://[::1]/x",
    "example_asset",
    "x-thing://a/b",
    "s3://bucket/[]",
  ])("does not flag %j", (uri) => {
    expect(looksLikePattern(uri)).toBe(false);
  });

  it("accepts pattern-looking URIs as literals", () => {
    expect(clean("s3://bucket/input_2022*.csv")).toBe("s3://bucket/input_2022*.csv");
    expect(clean("s3://bucket/input_[0-9].csv")).toBe("s3://bucket/input_[0-9].csv");
  });
});

describe("formatParsedUri", () => {
  it("writes an authority only when the URI has one", () => {
    const base = { userinfo: undefined, port: undefined, query: undefined, fragment: undefined };
    expect(formatParsedUri({ ...base, scheme: "file", host: "", path: "/x" })).toBe("file:///x");
    expect(formatParsedUri({ ...base, scheme: "urn", host: undefined, path: "a:b" })).toBe("urn:a:b");
    expect(
      formatParsedUri({ scheme: "s", userinfo: "u", host: "h", port: "1", path: "/p", query: "a=1", fragment: "f" }),
    ).toBe("s://u@h:1/p?a=1#f");
  });
});

describe("sanitizeUriWithRules", () => {
  it("runs the given rules, not the registered ones, with the same checks of their output", () => {
    registerUriScheme("ledger", (uri) => ({ ...uri, path: "/registered" }));
    const rules = new Map([["ledger", (uri: ParsedUri): ParsedUri => ({ ...uri, host: uri.host?.toLowerCase() })]]);
    expect(sanitizeUriWithRules("LEDGER://Books/2026/", rules).uri).toBe("ledger://books/2026");
    expect(sanitizeUri("ledger://Books/2026").uri).toBe("ledger://Books/registered");
    expect(sanitizeUriWithRules("ledger://Books/2026", new Map()).uri).toBe("ledger://Books/2026");
    const unstable = new Map([["ledger", (uri: ParsedUri): ParsedUri => ({ ...uri, path: `${uri.path}-v1` })]]);
    expect(() => sanitizeUriWithRules("ledger://books/2026", unstable)).toThrow(/which sanitizes to/);
  });
});
