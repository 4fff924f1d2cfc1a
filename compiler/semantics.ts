/**
 * What the SDK's constructors and helpers do, applied to static values:
 * `new Asset`, `new AssetAlias`, `Asset.ref`, `all`/`any`/`and`/`or`, the
 * `assets` tagged template, timetables, `AssetOrTimeSchedule`, schedules and
 * dates. Same rules and, where it matters, the same messages as the SDK, so a
 * manifest compiled from source equals one serialized from loaded DAGs.
 * URI rules and cron validation are the SDK's own functions.
 */
import { ASSET_OPTION_KEYS } from "../sdk/asset.js";
import { isAssetflowError } from "../sdk/errors.js";
import type { JsonObject } from "../sdk/json.js";
import type { ScheduleManifest, TimetableManifest } from "../sdk/manifest/schema.js";
import { closest } from "../sdk/options.js";
import { validateCron } from "../sdk/schedule.js";
import { parseUriPattern } from "../sdk/uri/pattern.js";
import { looksLikePattern, sanitizeUri, UriWarningCode } from "../sdk/uri/sanitize.js";
import { normalizeWatchers } from "../sdk/watchers.js";
import { DiagnosticCatalog, type DiagnosticDefinition } from "./diagnostics.js";
import {
  type AliasValue,
  type AssetValue,
  assetKeyOf,
  type CombinedValue,
  type ConditionValue,
  combine,
  describeValueKind,
  detach,
  detachJson,
  isConditionValue,
  type Location,
  type ObjectValue,
  Props,
  propertySite,
  type Site,
  siteText,
  toConditionNode,
  toJson,
  type UnknownValue,
  type Value,
} from "./values.js";

/** Where semantics report problems, and the caches of one compilation. */
export interface Reporter {
  report<A>(definition: DiagnosticDefinition<A>, args: A, at: Site | Location): void;
  readonly caches: CompilationCaches;
}

/** What the SDK's rules computed in one compilation, by input. */
export interface CompilationCaches {
  /** `sanitizeUri` results by URI as written. */
  readonly sanitized: Map<string, Sanitized>;
  /** Valid cron expressions, as `expression\0timezone`. */
  readonly validCron: Set<string>;
}

/** Empty caches for a new compilation. */
export function createCompilationCaches(): CompilationCaches {
  return { sanitized: new Map(), validCron: new Set() };
}

/** What an unknown value is used for, to word its diagnostic. */
export interface Need {
  /** "The dagId of this DAG", "An outlet of task \"load\"", ... */
  readonly what: string;
  /** How to fix it: "write it as a string literal or a constant". */
  readonly hint: string;
}

/** The default hint for a value that must be static. */
export const CONSTANT_HINT = "declare it as a constant (a literal, or a const of literals)";
/** The hint for an asset's URI. */
export const URI_HINT = "declare it as a constant or an AssetAlias";

/** Reports why a value is unknown, worded for the place that needs it. */
export function reportUnknown(reporter: Reporter, value: UnknownValue, need: Need): void {
  const what = value.what ?? need.what;
  const hint = value.hint ?? need.hint;
  const reason = value.reason;
  switch (reason.kind) {
    case "invalid":
      return;
    case "env":
      reporter.report(DiagnosticCatalog.runtimeEnv, { what, text: reason.text, hint }, value.at);
      return;
    case "call":
      reporter.report(
        DiagnosticCatalog.functionCall,
        { what, callee: `${siteText(reason.callee)}(...)`, hint },
        value.at,
      );
      return;
    case "external":
      reporter.report(
        DiagnosticCatalog.externalImport,
        { what, name: reason.name, specifier: reason.specifier, hint },
        value.at,
      );
      return;
    case "missing":
      reporter.report(DiagnosticCatalog.unknownName, { what, name: reason.name, hint: `${reason.detail}` }, value.at);
      return;
    case "uninitialized":
      reporter.report(DiagnosticCatalog.uninitialized, { what, name: reason.name }, value.at);
      return;
    case "parameter":
      reporter.report(
        DiagnosticCatalog.notStatic,
        { what, reason: `it is the parameter \`${reason.name}\`, whose value comes from the caller`, hint },
        value.at,
      );
      return;
    case "skipped":
      reporter.report(
        DiagnosticCatalog.notStatic,
        { what, reason: `it may be changed by ${reason.where}, which the compiler cannot follow`, hint },
        value.at,
      );
      return;
    case "runtime":
      reporter.report(
        DiagnosticCatalog.notStatic,
        { what, reason: `\`${"line" in value.at ? "it" : siteText(value.at)}\` is only known at run time`, hint },
        value.at,
      );
      return;
  }
}

/** An unknown value whose problem was already reported where it was made. */
export const INVALID: UnknownValue = Object.freeze({
  kind: "unknown",
  reason: Object.freeze({ kind: "invalid" }),
  at: Object.freeze({ file: "", line: 0, column: 0, length: 0 }),
});

/** Rejects keys of an option object that are not in `known`, like the SDK (with a "did you mean"). */
export function checkKeys(
  reporter: Reporter,
  object: ObjectValue,
  known: readonly string[],
  where: string,
  site: Site,
): boolean {
  if (object.havoc) {
    reportUnknown(reporter, object.havoc, { what: `The options of ${where}`, hint: CONSTANT_HINT });
    return false;
  }
  let ok = true;
  for (const key of object.props.keys()) {
    if (!known.includes(key)) {
      reporter.report(
        DiagnosticCatalog.unknownOption,
        { option: key, where, suggestion: closest(key, known), known },
        propertySite(object, key) ?? site,
      );
      ok = false;
    }
  }
  return ok;
}

// ---- URIs and assets ---------------------------------------------------------

/** The outcome of the SDK's `sanitizeUri` on one URI. */
export type Sanitized =
  | { ok: true; uri: string; passwordDropped: string | undefined; pattern: boolean }
  | { ok: false; message: string };

/** The SDK's `sanitizeUri`, memoized per compilation (it is pure: the compiler never registers URI schemes). */
export function sanitizeCached(caches: CompilationCaches, written: string): Sanitized {
  const sanitizeCache = caches.sanitized;
  let result = sanitizeCache.get(written);
  if (!result) {
    try {
      const sanitized = sanitizeUri(written);
      const dropped = sanitized.warnings.find((warning) => warning.code === UriWarningCode.passwordDropped);
      result = {
        ok: true,
        uri: detach(sanitized.uri),
        passwordDropped: dropped?.message,
        pattern: looksLikePattern(sanitized.uri),
      };
    } catch (error) {
      if (!isAssetflowError(error)) throw error;
      result = { ok: false, message: error.message };
    }
    if (sanitizeCache.size > 50_000) sanitizeCache.clear();
    sanitizeCache.set(result.ok && result.uri === written ? result.uri : detach(written), result);
  }
  return result;
}

const NO_EXTRA: AssetValue["extra"] = Object.freeze({});

/**
 * `new Asset(uri)`, `new Asset(uri, { name, group, extra, schema })` or
 * `new Asset({ uri, name, group, extra, schema })`. A `schema` (an extras
 * validator) is run-time code the compiler does not evaluate: the static
 * manifest has no JSON Schema; the DAG processor's manifest has it.
 */
export function makeAsset(
  reporter: Reporter,
  first: Value | undefined,
  second: Value | undefined,
  argumentSite: Site,
): Value {
  let argument = first;
  if ((first?.kind === "string" || first?.kind === "unknown") && second !== undefined && second.kind !== "undefined") {
    if (second.kind === "unknown") return withWhat(second, "The options of this asset", CONSTANT_HINT);
    if (second.kind !== "object" || second.props.has("uri")) {
      reporter.report(
        DiagnosticCatalog.invalidAsset,
        {
          message:
            second.kind === "object"
              ? 'new Asset(uri, {...}) got a second "uri" in its options: give the URI once.'
              : `The options of new Asset(uri, {...}) must be an object such as { schema }, got ${describeValueKind(second)}.`,
        },
        argumentSite,
      );
      return INVALID;
    }
    argument = {
      kind: "object",
      props: new Props([["uri", first], ...second.props]),
      ...(second.origin ? { origin: second.origin } : {}),
      ...(second.unknownSpread ? { unknownSpread: second.unknownSpread } : {}),
    };
  }
  let uriValue: Value | undefined;
  let nameValue: Value | undefined;
  let group = "asset";
  let extra: AssetValue["extra"] = NO_EXTRA;
  let watchers: readonly JsonObject[] | undefined;
  let uriSite = argumentSite;
  if (argument?.kind === "string" || argument?.kind === "unknown") {
    uriValue = argument;
  } else if (argument?.kind === "object") {
    if (!checkKeys(reporter, argument, ASSET_OPTION_KEYS, "new Asset({...})", argumentSite)) {
      return INVALID;
    }
    if (argument.havoc ?? argument.unknownSpread)
      return asUri(argument.havoc ?? (argument.unknownSpread as UnknownValue));
    uriValue = argument.props.get("uri");
    nameValue = argument.props.get("name");
    const groupValue = argument.props.get("group");
    if (groupValue?.kind === "string") group = groupValue.value;
    else if (groupValue?.kind === "unknown") return withWhat(groupValue, "The group of this asset", CONSTANT_HINT);
    else if (groupValue !== undefined && groupValue.kind !== "undefined") {
      reporter.report(
        DiagnosticCatalog.invalidAsset,
        { message: `Asset option "group" must be a string, got ${describeValueKind(groupValue)}.` },
        argumentSite,
      );
      return INVALID;
    }
    const extraValue = argument.props.get("extra");
    if (extraValue !== undefined && extraValue.kind !== "undefined") {
      if (extraValue.kind === "unknown") return withWhat(extraValue, "The extra of this asset", CONSTANT_HINT);
      const json = toJson(extraValue);
      if (!json.ok) {
        if (json.value.kind === "unknown") return withWhat(json.value, "The extra of this asset", CONSTANT_HINT);
        reporter.report(
          DiagnosticCatalog.invalidAsset,
          {
            message: `The extra of this asset is not JSON${json.path ? `: key "${json.path}" holds ${describeValueKind(json.value)}` : ""}. Extras must be plain JSON objects.`,
          },
          argumentSite,
        );
        return INVALID;
      }
      if (typeof json.json !== "object" || json.json === null || Array.isArray(json.json)) {
        reporter.report(
          DiagnosticCatalog.invalidAsset,
          { message: `The extra of this asset must be a plain JSON object such as { "owner": "sales" }.` },
          argumentSite,
        );
        return INVALID;
      }
      extra = detachJson(json.json as AssetValue["extra"]);
    }
    const watchersValue = argument.props.get("watchers");
    if (watchersValue !== undefined && watchersValue.kind !== "undefined") {
      if (watchersValue.kind === "unknown") return withWhat(watchersValue, "The watchers of this asset", CONSTANT_HINT);
      const json = toJson(watchersValue);
      if (!json.ok) {
        if (json.value.kind === "unknown") return withWhat(json.value, "The watchers of this asset", CONSTANT_HINT);
        reporter.report(
          DiagnosticCatalog.invalidAsset,
          { message: `The watchers of this asset are not plain JSON${json.path ? ` (at "${json.path}")` : ""}.` },
          argumentSite,
        );
        return INVALID;
      }
      try {
        // The SDK's own rule (names, required options), applied to the static value.
        watchers = normalizeWatchers(json.json, "this asset").map((w) => detachJson(w as JsonObject));
      } catch (error) {
        reporter.report(DiagnosticCatalog.invalidAsset, { message: (error as Error).message }, argumentSite);
        return INVALID;
      }
    }
  } else {
    reporter.report(
      DiagnosticCatalog.invalidAsset,
      {
        message: `new Asset() takes a URI string or { uri, name, group, extra, schema }, got ${argument ? describeValueKind(argument) : "nothing"}.`,
      },
      argumentSite,
    );
    return INVALID;
  }
  if (uriValue?.kind === "unknown") return asUri(uriValue);
  if (nameValue?.kind === "unknown") return withWhat(nameValue, "The name of this asset", CONSTANT_HINT);
  const uriText = uriValue?.kind === "string" ? uriValue.value : undefined;
  const nameText = nameValue?.kind === "string" ? nameValue.value : undefined;
  if (
    (uriValue && uriValue.kind !== "string" && uriValue.kind !== "undefined") ||
    (nameValue && nameValue.kind !== "string" && nameValue.kind !== "undefined")
  ) {
    reporter.report(
      DiagnosticCatalog.invalidAsset,
      { message: "The uri and name of an asset must be strings." },
      argumentSite,
    );
    return INVALID;
  }
  const written = uriText ?? nameText;
  if (written === undefined) {
    reporter.report(
      DiagnosticCatalog.invalidAsset,
      {
        message:
          'new Asset({...}) needs a "uri" or a "name": pass new Asset("s3://bucket/key") or new Asset({ uri, name }).',
      },
      argumentSite,
    );
    return INVALID;
  }
  if (argument?.kind === "object" && uriValue?.kind === "string") {
    uriSite = argumentSite;
  }
  const sanitized = sanitizeCached(reporter.caches, written);
  if (!sanitized.ok) {
    reporter.report(DiagnosticCatalog.invalidUri, { message: sanitized.message }, uriSite);
    return INVALID;
  }
  if (sanitized.passwordDropped)
    reporter.report(DiagnosticCatalog.uriWarning, { message: sanitized.passwordDropped }, uriSite);
  if (sanitized.pattern) reporter.report(DiagnosticCatalog.patternUri, { uri: sanitized.uri }, uriSite);
  const candidate = nameText ?? (sanitized.passwordDropped ? sanitized.uri : written);
  const name = candidate === sanitized.uri ? sanitized.uri : detach(candidate);
  if (name.trim() === "" || name.length > 1500) {
    reporter.report(
      DiagnosticCatalog.invalidAsset,
      {
        message: `Asset name ${JSON.stringify(name.slice(0, 80))} is invalid: a name must be a non-blank string of at most 1500 characters.`,
      },
      argumentSite,
    );
    return INVALID;
  }
  const key = detach(assetKeyOf({ name, uri: sanitized.uri }));
  return {
    kind: "asset",
    name,
    uri: sanitized.uri,
    group: detach(group),
    extra,
    key,
    ...(watchers && watchers.length > 0 ? { watchers } : {}),
  };
}

function asUri(value: UnknownValue): UnknownValue {
  return withWhat(value, "The URI of this asset", URI_HINT);
}

function withWhat(value: UnknownValue, what: string, hint: string): UnknownValue {
  return value.what ? value : { ...value, what, hint };
}

/** `new AssetAlias(name, { group })`. */
export function makeAlias(reporter: Reporter, args: readonly Value[], argumentSite: Site): Value {
  const name = args[0];
  if (name?.kind === "unknown") return withWhat(name, "The name of this alias", CONSTANT_HINT);
  if (name?.kind !== "string" || name.value.trim() === "" || name.value.length > 1500) {
    reporter.report(
      DiagnosticCatalog.invalidAsset,
      {
        message: `AssetAlias name must be a non-blank string of at most 1500 characters, got ${name ? describeValueKind(name) : "undefined"}: pass new AssetAlias("my-task-outputs").`,
      },
      argumentSite,
    );
    return INVALID;
  }
  let group = "asset";
  const options = args[1];
  if (options?.kind === "unknown") return withWhat(options, "The options of this alias", CONSTANT_HINT);
  if (options?.kind === "object") {
    if (!checkKeys(reporter, options, ["group"], `new AssetAlias("${name.value}", {...})`, argumentSite)) {
      return INVALID;
    }
    const groupValue = options.props.get("group");
    if (groupValue?.kind === "unknown") return withWhat(groupValue, "The group of this alias", CONSTANT_HINT);
    if (groupValue?.kind === "string") group = groupValue.value;
  }
  return { kind: "alias", name: detach(name.value), group: detach(group) };
}

/** `Asset.ref({ name })` or `Asset.ref({ uri })`. */
export function makeRef(reporter: Reporter, argument: Value | undefined, site: Site): Value {
  const fail = (message: string): Value => {
    reporter.report(DiagnosticCatalog.invalidAsset, { message }, site);
    return INVALID;
  };
  if (argument?.kind === "unknown") return withWhat(argument, "The argument of Asset.ref()", CONSTANT_HINT);
  if (argument?.kind !== "object" || argument.props.size !== 1) {
    return fail(
      'Asset.ref() takes exactly one of { name } or { uri }: pass Asset.ref({ name: "bucket-1" }) or Asset.ref({ uri: "s3://b/k" }).',
    );
  }
  const name = argument.props.get("name");
  const uri = argument.props.get("uri");
  if (name?.kind === "unknown") return withWhat(name, "The name of this Asset.ref()", CONSTANT_HINT);
  if (uri?.kind === "unknown") return withWhat(uri, "The URI of this Asset.ref()", URI_HINT);
  if (name?.kind === "string") {
    if (name.value.trim() === "" || name.value.length > 1500) {
      return fail(
        `Asset.ref({ name }) needs a non-blank name of at most 1500 characters: pass the name of an asset declared elsewhere, as in Asset.ref({ name: "bucket-1" }).`,
      );
    }
    return { kind: "ref", name: detach(name.value), uri: undefined };
  }
  if (uri?.kind === "string") {
    const sanitized = sanitizeCached(reporter.caches, uri.value);
    if (!sanitized.ok) {
      reporter.report(DiagnosticCatalog.invalidUri, { message: sanitized.message }, site);
      return INVALID;
    }
    return { kind: "ref", name: undefined, uri: sanitized.uri };
  }
  return fail(
    'Asset.ref() takes exactly one of { name } or { uri }: pass Asset.ref({ name: "bucket-1" }) or Asset.ref({ uri: "s3://b/k" }).',
  );
}

/** `Asset.pattern(text)` and `new AssetPattern(text)`: the SDK's pattern rules, reported instead of thrown. */
export function makePattern(reporter: Reporter, argument: Value | undefined, site: Site): Value {
  if (argument?.kind === "unknown") return withWhat(argument, "The text of this Asset.pattern()", CONSTANT_HINT);
  if (argument?.kind !== "string") {
    reporter.report(
      DiagnosticCatalog.invalidPattern,
      {
        message: `Asset.pattern() takes the pattern as a string, such as Asset.pattern("s3://landing/{date}/orders.csv"), got ${argument ? describeValueKind(argument) : "nothing"}.`,
      },
      site,
    );
    return INVALID;
  }
  const parsed = parseUriPattern(argument.value);
  if (!parsed.ok) {
    reporter.report(DiagnosticCatalog.invalidPattern, { message: parsed.problem }, site);
    return INVALID;
  }
  return { kind: "pattern", pattern: detach(parsed.pattern.text), captures: parsed.pattern.captures.map(detach) };
}

// ---- conditions --------------------------------------------------------------

/** Checks condition operands like the SDK; unknown operands are reported as `need`. */
export function conditionOperands(
  reporter: Reporter,
  operands: readonly Value[],
  describeOperand: (index: number) => string,
  site: Site,
): ConditionValue[] | undefined {
  const result: ConditionValue[] = [];
  for (const [index, operand] of operands.entries()) {
    if (operand.kind === "unknown") {
      reportUnknown(reporter, operand, { what: capitalize(describeOperand(index)), hint: URI_HINT });
      return undefined;
    }
    if (!isConditionValue(operand)) {
      const hint =
        operand.kind === "string"
          ? ` Wrap the URI: new Asset(${JSON.stringify(operand.value)}).`
          : " Use an Asset, an AssetAlias, Asset.ref(...), Asset.pattern(...), or a condition made with and/or/all/any.";
      reporter.report(
        DiagnosticCatalog.invalidCondition,
        { message: `${capitalize(describeOperand(index))} is ${describeValueKind(operand)}, not an asset.${hint}` },
        site,
      );
      return undefined;
    }
    result.push(operand);
  }
  return result;
}

/** `all(...)` and `any(...)`. */
export function makeCombined(
  reporter: Reporter,
  kind: "all" | "any",
  operands: readonly Value[],
  site: Site,
): CombinedValue | UnknownValue {
  if (operands.length === 0) {
    reporter.report(
      DiagnosticCatalog.invalidCondition,
      {
        message: `${kind}() needs at least one asset: an empty condition would never (or always) hold. Pass assets, as in ${kind}(a, b).`,
      },
      site,
    );
    return INVALID;
  }
  const checked = conditionOperands(reporter, operands, (index) => `operand ${index + 1} of ${kind}()`, site);
  return checked ? combine(kind, checked) : INVALID;
}

/** The `assets` tagged template: `&` binds tighter than `|`, parentheses group. */
export function parseAssetsTemplate(
  reporter: Reporter,
  strings: readonly string[],
  values: readonly Value[],
  site: Site,
): Value {
  type Token = { kind: "operand"; value: ConditionValue } | { kind: "and" | "or" | "open" | "close" };
  const source = strings.reduce((text, part, index) => (index === 0 ? part : `${text}\${${index - 1}}${part}`), "");
  const fail = (problem: string): Value => {
    reporter.report(
      DiagnosticCatalog.invalidCondition,
      {
        message:
          source.trim() === ""
            ? // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows template syntax to the user
              "assets`` is empty: a condition needs at least one asset, as in assets`${a} & ${b}`."
            : `Invalid condition in assets\`${source}\`: ${problem}. Write it as assets\`\${a} & (\${b} | \${c})\`.`,
      },
      site,
    );
    return INVALID;
  };
  const tokens: Token[] = [];
  for (const [index, part] of strings.entries()) {
    for (const char of part) {
      if (char === "&") tokens.push({ kind: "and" });
      else if (char === "|") tokens.push({ kind: "or" });
      else if (char === "(") tokens.push({ kind: "open" });
      else if (char === ")") tokens.push({ kind: "close" });
      else if (!/\s/.test(char)) {
        return fail(`unexpected ${JSON.stringify(char)}; only & | ( ) and interpolated assets are allowed`);
      }
    }
    if (index < values.length) {
      const value = values[index] as Value;
      if (value.kind === "unknown") {
        reportUnknown(reporter, value, { what: `\${${index}} of assets\`...\``, hint: URI_HINT });
        return INVALID;
      }
      if (!isConditionValue(value)) {
        return fail(`\${${index}} is ${describeValueKind(value)}, not an asset`);
      }
      tokens.push({ kind: "operand", value });
    }
  }
  let position = 0;
  let failure: string | undefined;
  const parseExpression = (): ConditionValue | undefined => {
    const terms: ConditionValue[] = [];
    const first = parseTerm();
    if (!first) return undefined;
    terms.push(first);
    while (tokens[position]?.kind === "or") {
      position++;
      const term = parseTerm();
      if (!term) return undefined;
      terms.push(term);
    }
    return terms.length === 1 ? terms[0] : combine("any", terms);
  };
  const parseTerm = (): ConditionValue | undefined => {
    const factors: ConditionValue[] = [];
    const first = parseFactor();
    if (!first) return undefined;
    factors.push(first);
    while (tokens[position]?.kind === "and") {
      position++;
      const factor = parseFactor();
      if (!factor) return undefined;
      factors.push(factor);
    }
    return factors.length === 1 ? factors[0] : combine("all", factors);
  };
  const parseFactor = (): ConditionValue | undefined => {
    const token = tokens[position++];
    if (!token) {
      failure = "expected an asset or '(' but the condition ended";
      return undefined;
    }
    if (token.kind === "operand") return token.value;
    if (token.kind === "open") {
      const inner = parseExpression();
      if (!inner) return undefined;
      if (tokens[position++]?.kind !== "close") {
        failure = "missing ')'";
        return undefined;
      }
      return inner;
    }
    failure = `expected an asset or '(' but found ${describeToken(token.kind)}`;
    return undefined;
  };
  const condition = parseExpression();
  if (!condition) return fail(failure ?? "invalid condition");
  const rest = tokens[position];
  if (rest) {
    if (rest.kind === "operand" || rest.kind === "open") {
      return fail(
        `expected '&' or '|' before ${describeToken(rest.kind)}: two operands in a row need an operator between them`,
      );
    }
    return fail(
      rest.kind === "close" ? "unexpected ')' with no matching '('" : `unexpected ${describeToken(rest.kind)}`,
    );
  }
  return condition;
}

function describeToken(kind: "operand" | "and" | "or" | "open" | "close"): string {
  return { operand: "an asset", and: "'&'", or: "'|'", open: "'('", close: "')'" }[kind];
}

// ---- schedules ---------------------------------------------------------------

/** The SDK's `validateCron`, memoized per compilation for valid expressions; returns the error message of an invalid one. */
export function checkCron(
  caches: CompilationCaches,
  expression: string,
  timezone: string,
  where: string,
): string | undefined {
  const cronCache = caches.validCron;
  const key = `${expression}\u0000${timezone}`;
  if (cronCache.has(key)) return undefined;
  try {
    validateCron(expression, timezone, where);
  } catch (error) {
    if (isAssetflowError(error)) return error.message;
    throw error;
  }
  cronCache.add(key);
  return undefined;
}

/** `new CronTriggerTimetable(expression, { timezone })` and `new CronDataIntervalTimetable(...)`. */
export function makeTimetable(
  reporter: Reporter,
  kind: "cron" | "cronTrigger",
  args: readonly Value[],
  site: Site,
): Value {
  const className = kind === "cron" ? "CronDataIntervalTimetable" : "CronTriggerTimetable";
  const [expression, options] = args;
  if (expression?.kind === "unknown") return withWhat(expression, `The cron expression of ${className}`, CONSTANT_HINT);
  let timezone = "UTC";
  if (options?.kind === "unknown") return withWhat(options, `The options of ${className}`, CONSTANT_HINT);
  if (options?.kind === "object") {
    if (!checkKeys(reporter, options, ["timezone"], className, site)) return INVALID;
    const zone = options.props.get("timezone");
    if (zone?.kind === "unknown") return withWhat(zone, `The time zone of ${className}`, CONSTANT_HINT);
    if (zone?.kind === "string") timezone = zone.value;
  }
  if (expression?.kind !== "string") {
    reporter.report(
      DiagnosticCatalog.invalidSchedule,
      {
        message: `The cron expression of ${className} must be a non-empty string such as "0 6 * * *" or "@daily", got ${expression ? describeValueKind(expression) : "undefined"}.`,
      },
      site,
    );
    return INVALID;
  }
  const problem = checkCron(reporter.caches, expression.value, timezone, className);
  if (problem) {
    reporter.report(DiagnosticCatalog.invalidSchedule, { message: problem }, site);
    return INVALID;
  }
  return { kind: "timetable", timetable: { kind, expression: detach(expression.value), timezone: detach(timezone) } };
}

/** `new AssetOrTimeSchedule({ timetable, assets })`. */
export function makeAssetOrTime(reporter: Reporter, options: Value | undefined, site: Site): Value {
  if (options?.kind === "unknown") return withWhat(options, "The options of AssetOrTimeSchedule", CONSTANT_HINT);
  if (options?.kind !== "object") {
    reporter.report(
      DiagnosticCatalog.invalidSchedule,
      {
        message:
          "AssetOrTimeSchedule takes { timetable, assets }, as in new AssetOrTimeSchedule({ timetable: new CronTriggerTimetable('0 1 * * *'), assets: [a] }).",
      },
      site,
    );
    return INVALID;
  }
  if (!checkKeys(reporter, options, ["timetable", "assets"], "AssetOrTimeSchedule", site)) return INVALID;
  const timetableValue = options.props.get("timetable");
  let timetable: TimetableManifest;
  if (timetableValue?.kind === "unknown")
    return withWhat(timetableValue, "The timetable of AssetOrTimeSchedule", CONSTANT_HINT);
  if (timetableValue?.kind === "string") {
    const problem = checkCron(reporter.caches, timetableValue.value, "UTC", 'the "timetable" of AssetOrTimeSchedule');
    if (problem) {
      reporter.report(DiagnosticCatalog.invalidSchedule, { message: problem }, site);
      return INVALID;
    }
    timetable = { kind: "cron", expression: detach(timetableValue.value), timezone: "UTC" };
  } else if (timetableValue?.kind === "timetable") {
    timetable = timetableValue.timetable;
  } else {
    reporter.report(
      DiagnosticCatalog.invalidSchedule,
      {
        message: `AssetOrTimeSchedule "timetable" must be a CronTriggerTimetable, a CronDataIntervalTimetable or a cron string, got ${timetableValue ? describeValueKind(timetableValue) : "undefined"}.`,
      },
      site,
    );
    return INVALID;
  }
  const condition = toCondition(
    reporter,
    options.props.get("assets") ?? { kind: "undefined" },
    "AssetOrTimeSchedule assets",
    site,
  );
  if (!condition) return INVALID;
  return { kind: "assetOrTime", timetable, condition };
}

/** A list of assets means all of them; a single condition stays itself (the SDK's `toCondition`). */
export function toCondition(reporter: Reporter, value: Value, where: string, site: Site): ConditionValue | undefined {
  if (value.kind === "array") {
    if (value.items.length === 0) {
      reporter.report(
        DiagnosticCatalog.invalidCondition,
        {
          message: `The ${where} is an empty list: list at least one asset, or use schedule: null for a DAG that runs only when triggered.`,
        },
        site,
      );
      return undefined;
    }
    const operands = conditionOperands(reporter, value.items, (index) => `item ${index} of the ${where}`, site);
    return operands ? combine("all", operands) : undefined;
  }
  if (value.kind === "unknown") {
    reportUnknown(reporter, value, { what: capitalize(`the ${where}`), hint: URI_HINT });
    return undefined;
  }
  const operands = conditionOperands(reporter, [value], () => `the ${where}`, site);
  return operands?.[0];
}

/** A DAG's schedule in the manifest, and the assets and aliases it names (for their group and extra). */
export interface NormalizedSchedule {
  readonly schedule: ScheduleManifest;
  readonly leaves: readonly (AssetValue | AliasValue)[];
  /** The condition of an asset or asset-or-time schedule. */
  readonly condition?: ConditionValue;
}

/** The SDK's `normalizeSchedule` (and `scheduleLeaves`) on a static value. */
export function normalizeScheduleValue(
  reporter: Reporter,
  value: Value | undefined,
  where: string,
  site: Site,
): NormalizedSchedule | undefined {
  if (value === undefined || value.kind === "undefined" || value.kind === "null") {
    return { schedule: { kind: "none" }, leaves: [] };
  }
  if (value.kind === "unknown") {
    reportUnknown(reporter, value, { what: `The schedule of ${where}`, hint: CONSTANT_HINT });
    return undefined;
  }
  if (value.kind === "string") {
    if (value.value === "@once") return { schedule: { kind: "once" }, leaves: [] };
    const problem = checkCron(reporter.caches, value.value, "UTC", where);
    if (problem) {
      reporter.report(DiagnosticCatalog.invalidSchedule, { message: problem }, site);
      return undefined;
    }
    return { schedule: { kind: "cron", expression: detach(value.value), timezone: "UTC" }, leaves: [] };
  }
  if (value.kind === "timetable") return { schedule: { ...value.timetable }, leaves: [] };
  if (value.kind === "assetOrTime") {
    return {
      schedule: { kind: "assetOrTime", timetable: { ...value.timetable }, condition: toConditionNode(value.condition) },
      leaves: leavesOf(value.condition),
      condition: value.condition,
    };
  }
  if (value.kind === "array" || isConditionValue(value)) {
    const condition = toCondition(reporter, value, `schedule of ${where}`, site);
    if (!condition) return undefined;
    return { schedule: { kind: "assets", condition: toConditionNode(condition) }, leaves: leavesOf(value), condition };
  }
  reporter.report(
    DiagnosticCatalog.invalidSchedule,
    {
      message: `The schedule of ${where} is ${describeValueKind(value)}. Use null, a cron string such as "@daily" or "0 6 * * *", an asset or condition, a list of assets, a timetable, or an AssetOrTimeSchedule.`,
    },
    site,
  );
  return undefined;
}

function leavesOf(value: Value): (AssetValue | AliasValue)[] {
  const leaves: (AssetValue | AliasValue)[] = [];
  const walk = (node: Value): void => {
    if (node.kind === "array") node.items.forEach(walk);
    else if (node.kind === "assetOrTime") walk(node.condition);
    else if (node.kind === "all" || node.kind === "any") node.conditions.forEach(walk);
    else if (node.kind === "asset" || node.kind === "alias") leaves.push(node);
  };
  walk(value);
  return leaves;
}

// ---- dates -------------------------------------------------------------------

/** `new Date(...)` with constant arguments. */
export function makeDate(reporter: Reporter, args: readonly Value[], site: Site): Value {
  for (const argument of args) if (argument.kind === "unknown") return withWhat(argument, "This date", CONSTANT_HINT);
  if (args.length === 0) {
    return {
      kind: "unknown",
      reason: { kind: "runtime" },
      at: site,
      what: "This date",
      hint: 'pass a fixed date such as new Date("2024-01-01T00:00:00Z")',
    };
  }
  const [first] = args;
  if (args.length === 1 && first?.kind === "string") {
    const time = new Date(first.value).getTime();
    return { kind: "date", time, text: first.value, local: hasLocalTime(first.value) };
  }
  if (args.length === 1 && first?.kind === "number")
    return { kind: "date", time: new Date(first.value).getTime(), text: String(first.value), local: false };
  if (args.length === 1 && first?.kind === "date") return first;
  if (args.every((argument) => argument.kind === "number")) {
    const numbers = args.map((argument) => (argument.kind === "number" ? argument.value : 0));
    const [year = 0, month = 0, ...rest] = numbers;
    const time = new Date(year, month, ...(rest as [number?, number?, number?, number?, number?])).getTime();
    return { kind: "date", time, text: `new Date(${numbers.join(", ")})`, local: true };
  }
  reporter.report(
    DiagnosticCatalog.invalidOption,
    { option: "startDate", where: "new Date(...)", problem: "pass an ISO date string or numbers" },
    site,
  );
  return INVALID;
}

/** True for a date string with a time but no zone, which `new Date` reads in local time. */
function hasLocalTime(text: string): boolean {
  const match = /^\d{4}-\d{2}-\d{2}[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(.*)$/.exec(text.trim());
  if (!match) return !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(text.trim()) && !/(Z|[+-]\d{2}:?\d{2}|GMT|UTC)/i.test(text);
  return !/^(Z|[+-]\d{2}:?\d{2})$/i.test((match[2] ?? "").trim());
}

/** Upper-cases the first letter. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
