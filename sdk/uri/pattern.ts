/**
 * URI patterns: `s3://landing/{date}/orders_{part}.csv` subscribes a consumer
 * to every asset whose URI matches. The rules live here once: the SDK throws
 * the problems {@link parseUriPattern} returns, the compiler reports them, and
 * the scheduler segments the normalized text the manifest carries
 * ({@link segmentPattern}) to route events (see `pattern-index.ts`).
 *
 * Syntax:
 * - `{name}` captures one or more characters of one path segment (no `/`);
 *   a segment may mix literal text and captures (`orders_{part}.csv`), with
 *   literal text between two captures.
 * - `{**name}` captures one or more whole segments (`sales/2025/01`); it must
 *   be a whole segment, and a pattern has at most one.
 * - Names are identifiers (`[A-Za-z_][A-Za-z0-9_]*`), unique in a pattern.
 * - The scheme is literal; there is no query and no fragment. Everything else
 *   follows the URI rules, so the pattern is normalized like an asset URI
 *   (lower-case scheme, default ports, no trailing slash).
 */
import { isAssetflowError } from "../errors.js";
import { type SanitizedUri, sanitizeUri } from "./sanitize.js";

/** A capture in a pattern segment. */
export interface PatternCapture {
  readonly capture: string;
}

/** One `/`-separated segment of a pattern. */
export type PatternSegment =
  | { readonly kind: "literal"; readonly text: string }
  /** Literal text and `{name}` captures; `shape` is the segment with every name removed (`orders_{}.csv`). */
  | {
      readonly kind: "template";
      readonly parts: readonly (string | PatternCapture)[];
      readonly shape: string;
      readonly prefix: string;
    }
  | { readonly kind: "rest"; readonly capture: string };

/** A parsed pattern. */
export interface UriPattern {
  /** The normalized pattern text, as the manifest stores it. */
  readonly text: string;
  readonly segments: readonly PatternSegment[];
  /** Capture names in order of appearance. */
  readonly captures: readonly string[];
}

/** The outcome of {@link parseUriPattern}: the pattern, or what is wrong with it and how to fix it. */
export type PatternParseResult =
  | { readonly ok: true; readonly pattern: UriPattern }
  | { readonly ok: false; readonly problem: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PATTERN_LENGTH = 1500;

interface Token {
  readonly capture: string;
  readonly rest: boolean;
}

/**
 * Validates and normalizes a URI pattern written by a user, by the URI rules
 * of `sanitize` (the scheme rules registered so far; the compiler passes the
 * rules the project registered, as its code runs).
 *
 * @example
 * ```ts
 * const result = parseUriPattern("S3://landing/{date}/orders_{part}.csv");
 * if (result.ok) result.pattern.text; // "s3://landing/{date}/orders_{part}.csv"
 * ```
 */
export function parseUriPattern(
  input: unknown,
  sanitize: (uri: string) => SanitizedUri = sanitizeUri,
): PatternParseResult {
  if (typeof input !== "string" || input.trim() === "") {
    return fail(
      `A URI pattern must be a non-empty string such as "s3://landing/{date}/orders.csv", got ${typeof input === "string" ? JSON.stringify(input) : typeof input}.`,
    );
  }
  if (input.length > MAX_PATTERN_LENGTH) {
    return fail(`The URI pattern is ${input.length} characters long: at most ${MAX_PATTERN_LENGTH} are allowed.`);
  }
  const quoted = JSON.stringify(input);
  const split = splitCaptures(input, quoted);
  if (typeof split === "string") return fail(split);
  const { literals, tokens } = split;
  if (tokens.length === 0) {
    return fail(
      `The URI pattern ${quoted} has no capture such as {date}: for one asset, use new Asset(${quoted}) instead.`,
    );
  }
  const names = new Set<string>();
  for (const token of tokens) {
    if (names.has(token.capture)) {
      return fail(
        `The URI pattern ${quoted} uses the capture name "${token.capture}" twice: give each capture its own name.`,
      );
    }
    names.add(token.capture);
  }
  if (tokens.filter((token) => token.rest).length > 1) {
    return fail(`The URI pattern ${quoted} has more than one {**...} capture: at most one may span several segments.`);
  }
  const literalText = literals.join("");
  const badCharacter = literalText.match(/[?#]/)?.[0];
  if (badCharacter !== undefined) {
    return fail(
      `The URI pattern ${quoted} has a ${badCharacter === "?" ? "query" : "fragment"}: patterns match the scheme, host and path only. Remove everything from "${badCharacter}".`,
    );
  }
  const schemeEnd = input.indexOf("://");
  if (schemeEnd !== -1 && (literals[0] as string).length < schemeEnd) {
    return fail(
      `The URI pattern ${quoted} has a capture in its scheme: write the scheme out, as in "s3://{bucket}/...".`,
    );
  }
  // Normalize like an asset URI: each capture stands in as a unique plain word.
  let base = "afcapture";
  while (literalText.includes(base)) base += "x";
  const placeholder = (index: number) => `${base}${index}z`;
  let sample = literals[0] as string;
  tokens.forEach((_, index) => {
    sample += placeholder(index) + (literals[index + 1] as string);
  });
  let sanitized: string;
  try {
    const result = sanitize(sample);
    if (result.warnings.length > 0) {
      return fail(`The URI pattern ${quoted} is not a stable URI: ${result.warnings[0]?.message ?? ""}`);
    }
    sanitized = result.uri;
  } catch (error) {
    if (!isAssetflowError(error)) throw error;
    return fail(`The URI pattern ${quoted} breaks a URI rule: ${error.message}`);
  }
  let text = sanitized;
  for (const [index, token] of tokens.entries()) {
    const parts = text.split(placeholder(index));
    if (parts.length !== 2) {
      return fail(
        `The URI pattern ${quoted} puts {${token.capture}} where the URI rules drop it: move it into the path.`,
      );
    }
    text = parts.join(`{${token.rest ? "**" : ""}${token.capture}}`);
  }
  const segmented = segmentPattern(text);
  return typeof segmented === "string" ? fail(segmented) : { ok: true, pattern: segmented };
}

/**
 * Splits normalized pattern text into segments. The scheduler calls it on the
 * manifest's (already validated) text; {@link parseUriPattern} on the
 * normalized form of user input. Returns the pattern, or a sentence that
 * says what is wrong.
 *
 * @example
 * ```ts
 * segmentPattern("s3://lake/{**path}/_SUCCESS"); // segments: s3:, "", lake, rest(path), _SUCCESS
 * ```
 */
export function segmentPattern(text: string): UriPattern | string {
  const quoted = JSON.stringify(text);
  const segments: PatternSegment[] = [];
  const captures: string[] = [];
  for (const segment of text.split("/")) {
    const split = splitCaptures(segment, quoted);
    if (typeof split === "string") return split;
    const { literals, tokens } = split;
    if (tokens.length === 0) {
      segments.push({ kind: "literal", text: segment });
      continue;
    }
    const rest = tokens.find((token) => token.rest);
    if (rest) {
      if (tokens.length > 1 || literals.some((literal) => literal !== "")) {
        return `The URI pattern ${quoted} has {**${rest.capture}} inside the segment "${segment}": a {**...} capture must be a whole segment, as in "s3://lake/{**path}/_SUCCESS".`;
      }
      segments.push({ kind: "rest", capture: rest.capture });
      captures.push(rest.capture);
      continue;
    }
    const parts: (string | PatternCapture)[] = [];
    for (const [index, token] of tokens.entries()) {
      if (index > 0 && literals[index] === "") {
        return `The URI pattern ${quoted} has {${tokens[index - 1]?.capture}}{${token.capture}} side by side in "${segment}": put literal text between two captures (such as "{${tokens[index - 1]?.capture}}_{${token.capture}}").`;
      }
      if (literals[index] !== "") parts.push(literals[index] as string);
      parts.push({ capture: token.capture });
      captures.push(token.capture);
    }
    const last = literals[tokens.length] as string;
    if (last !== "") parts.push(last);
    segments.push({ kind: "template", parts, shape: literals.join("{}"), prefix: literals[0] as string });
  }
  if (captures.length === 0) return `The URI pattern ${quoted} has no capture such as {date}.`;
  if (new Set(captures).size !== captures.length) return `The URI pattern ${quoted} uses a capture name twice.`;
  if (segments.filter((segment) => segment.kind === "rest").length > 1) {
    return `The URI pattern ${quoted} has more than one {**...} capture.`;
  }
  return { text, segments, captures };
}

/**
 * Splits text into literal pieces and the captures between them
 * (`literals.length === tokens.length + 1`), or says what is malformed.
 */
function splitCaptures(text: string, quoted: string): { literals: string[]; tokens: Token[] } | string {
  const literals: string[] = [];
  const tokens: Token[] = [];
  let current = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === "}") {
      return `The URI pattern ${quoted} has a "}" without its "{" at character ${index + 1}.`;
    }
    if (char !== "{") {
      current += char;
      index++;
      continue;
    }
    const close = text.indexOf("}", index + 1);
    const nested = text.indexOf("{", index + 1);
    if (close === -1 || (nested !== -1 && nested < close)) {
      return `The URI pattern ${quoted} has a "{" without its "}" at character ${index + 1}: write captures as {name}.`;
    }
    const body = text.slice(index + 1, close);
    const rest = body.startsWith("**");
    const name = rest ? body.slice(2) : body;
    if (!NAME.test(name)) {
      return `The URI pattern ${quoted} has the capture {${body}}: a capture is {name} or {**name}, where name is made of letters, digits and "_" (not starting with a digit).`;
    }
    literals.push(current);
    tokens.push({ capture: name, rest });
    current = "";
    index = close + 1;
  }
  literals.push(current);
  return { literals, tokens };
}

/**
 * Matches a sanitized asset URI against a pattern; returns the captures, or
 * null. `{name}` captures are as short as the rest of their segment allows,
 * left to right; `{**name}` takes the segments the others leave.
 *
 * @example
 * ```ts
 * matchUriPattern(pattern, "s3://landing/2025-01-01/orders_7.csv"); // { date: "2025-01-01", part: "7" }
 * ```
 */
export function matchUriPattern(pattern: UriPattern, uri: string): Record<string, string> | null {
  const match = patternRegExp(pattern).exec(uri);
  if (!match) return null;
  const captures: Record<string, string> = {};
  pattern.captures.forEach((name, index) => {
    captures[name] = match[index + 1] as string;
  });
  return captures;
}

const regExps = new WeakMap<UriPattern, RegExp>();

function patternRegExp(pattern: UriPattern): RegExp {
  let regExp = regExps.get(pattern);
  if (!regExp) {
    const source = pattern.segments
      .map((segment) => {
        if (segment.kind === "literal") return escapeRegExp(segment.text);
        if (segment.kind === "rest") return "([^/]+(?:/[^/]+)*)";
        return templateSource(segment.parts);
      })
      .join("/");
    regExp = new RegExp(`^${source}$`);
    regExps.set(pattern, regExp);
  }
  return regExp;
}

/** The regular expression source of a template segment, without anchors. */
export function templateSource(parts: readonly (string | PatternCapture)[]): string {
  return parts.map((part) => (typeof part === "string" ? escapeRegExp(part) : "([^/]+?)")).join("");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function fail(problem: string): PatternParseResult {
  return { ok: false, problem };
}
