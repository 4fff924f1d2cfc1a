/**
 * What the SDK's constructors and helpers do, applied to static values:
 * `new Asset`, `new AssetAlias`, `Asset.ref`, `all`/`any`/`and`/`or`, the
 * `assets` tagged template, timetables, `AssetOrTimeSchedule`, schedules and
 * dates. Same rules and, where it matters, the same messages as the SDK, so a
 * manifest compiled from source equals one serialized from loaded DAGs.
 * URI rules and cron validation are the SDK's own functions.
 */
import { checkAlias, checkAsset, checkRef, type Sanitize } from "../sdk/asset-rules.js";
import { parseAssetsTemplate as parseTemplate, type TemplateNode } from "../sdk/assets-template.js";
import { AssetflowError, isAssetflowError } from "../sdk/errors.js";
import type { JsonObject } from "../sdk/json.js";
import type { ScheduleManifest, TimetableManifest } from "../sdk/manifest/schema.js";
import { closest } from "../sdk/options.js";
import { validateCron } from "../sdk/schedule.js";
import { parseUriPattern } from "../sdk/uri/pattern.js";
import { looksLikePattern, sanitizeUriWithRules, type UriSchemeRule, UriWarningCode } from "../sdk/uri/sanitize.js";
import { DiagnosticCatalog, type DiagnosticDefinition } from "./diagnostics.js";
import { applyRule, operandProbe, type RuleOutcome, reportProblem } from "./sdk-rules.js";
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
  propertySite,
  type Site,
  siteText,
  toConditionNode,
  type UnknownValue,
  type Value,
} from "./values.js";

/** Where semantics report problems, and the caches of one compilation. */
export interface Reporter {
  report<A>(definition: DiagnosticDefinition<A>, args: A, at: Site | Location): void;
  readonly caches: CompilationCaches;
  /** An asset or `Asset.ref` with this sanitized URI was created at `site` (scheme rules registered later check it). */
  uriCreated(uri: string, site: Site): void;
}

/** What the SDK's rules computed in one compilation, by input, and the URI scheme rules they depend on. */
export interface CompilationCaches {
  /** `sanitizeUri` results by URI as written (under {@link CompilationCaches.uriSchemes}: clear it when they change). */
  readonly sanitized: Map<string, Sanitized>;
  /** Valid cron expressions, as `expression\0timezone`. */
  readonly validCron: Set<string>;
  /**
   * The scheme rules the project registered with `registerUriScheme` so far
   * (lower-case scheme to rule), as the code that registers them ran: the
   * compiler sanitizes URIs with these, as the SDK does at run time.
   */
  readonly uriSchemes: SchemeRules;
}

/**
 * Scheme rules by lower-case scheme, and the rule of every other scheme when
 * a registration whose scheme is not known may have given one a rule.
 */
export class SchemeRules extends Map<string, UriSchemeRule> {
  /** The rule of the schemes without one of their own (a rule that is not known), if any. */
  otherwise: UriSchemeRule | undefined;

  override get(scheme: string): UriSchemeRule | undefined {
    return super.get(scheme) ?? this.otherwise;
  }
}

/** Empty caches for a new compilation. */
export function createCompilationCaches(): CompilationCaches {
  return { sanitized: new Map(), validCron: new Set(), uriSchemes: new SchemeRules() };
}

/** Why the compiler does not know the rule of a URI's scheme: a registration it could not apply. */
export interface SchemeNotKnown {
  readonly uri: string;
  readonly scheme: string;
  /** "the rule of its scheme is registered by code the compiler does not run", ... */
  readonly why: string;
  /** Where that registration is, as `file:line:column`. */
  readonly at: string;
}

/**
 * Thrown by a registered scheme rule that the compiler evaluates when it
 * cannot tell the rule's result for a URI: `unknown` says why (for the
 * diagnostic at the asset), or `notKnown` when the rule itself is not known
 * (reported where the asset is created). A `signal` of the interpreter (its
 * step budget ran out) is passed on as it is.
 */
export class SchemeRuleEscape {
  constructor(
    readonly unknown: UnknownValue,
    readonly signal?: unknown,
    readonly notKnown?: SchemeNotKnown,
  ) {}
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
  | { ok: true; uri: string; passwordDropped: string | undefined }
  | { ok: false; code: string; message: string };

/**
 * The SDK's `sanitizeUri` with the scheme rules the project registered so
 * far, memoized per compilation. Throws {@link SchemeRuleEscape} (not
 * memoized) when a registered rule's result is not known.
 */
export function sanitizeCached(caches: CompilationCaches, written: string): Sanitized {
  const sanitizeCache = caches.sanitized;
  let result = sanitizeCache.get(written);
  if (!result) {
    try {
      const sanitized = sanitizeUriWithRules(written, caches.uriSchemes);
      const dropped = sanitized.warnings.find((warning) => warning.code === UriWarningCode.passwordDropped);
      result = {
        ok: true,
        uri: detach(sanitized.uri),
        passwordDropped: dropped?.message,
      };
    } catch (error) {
      if (!isAssetflowError(error)) throw error;
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof SchemeRuleEscape) throw cause.signal ?? cause;
      result = { ok: false, code: error.code, message: error.message };
    }
    if (sanitizeCache.size > 50_000) sanitizeCache.clear();
    sanitizeCache.set(result.ok && result.uri === written ? result.uri : detach(written), result);
  }
  return result;
}

const NO_EXTRA: AssetValue["extra"] = Object.freeze({});

/** The SDK's `sanitizeUri` for the SDK's rules, through this compilation's cache. */
function sanitizeFor(caches: CompilationCaches): Sanitize {
  return (written) => {
    const sanitized = sanitizeCached(caches, written);
    if (!sanitized.ok) throw new AssetflowError(sanitized.code, sanitized.message);
    return {
      uri: sanitized.uri,
      warnings: sanitized.passwordDropped
        ? [{ code: UriWarningCode.passwordDropped, message: sanitized.passwordDropped }]
        : [],
    };
  };
}

/** What each option of an asset is, to word a diagnostic about an unknown one. */
const ASSET_OPTION_NEEDS: Readonly<Record<string, Need>> = {
  uri: { what: "The URI of this asset", hint: URI_HINT },
  name: { what: "The name of this asset", hint: CONSTANT_HINT },
  group: { what: "The group of this asset", hint: CONSTANT_HINT },
  extra: { what: "The extra of this asset", hint: CONSTANT_HINT },
  watchers: { what: "The watchers of this asset", hint: CONSTANT_HINT },
};

/**
 * `new Asset(uri)`, `new Asset(uri, { name, group, extra, schema })` or
 * `new Asset({ uri, name, group, extra, schema })`, checked by the SDK's
 * `checkAsset`. A `schema` (an extras validator) is run-time code the
 * compiler does not evaluate: the static manifest has no JSON Schema; the DAG
 * processor's manifest has it.
 */
export function makeAsset(
  reporter: Reporter,
  first: Value | undefined,
  second: Value | undefined,
  argumentSite: Site,
): Value {
  if (first?.kind === "unknown") return asUri(first);
  if (second?.kind === "unknown") return withWhat(second, "The options of this asset", CONSTANT_HINT);
  const sanitize = sanitizeFor(reporter.caches);
  const outcome = withSchemeRules(reporter, argumentSite, () =>
    applyRule(reporter, (a, b) => checkAsset(a, b, sanitize), [first, second], argumentSite),
  );
  if (outcome.kind === "reported") return INVALID;
  if (outcome.kind === "unknown") {
    const need = (outcome.option && ASSET_OPTION_NEEDS[outcome.option]) || ASSET_OPTION_NEEDS.uri;
    return withWhat(outcome.unknown, need?.what ?? "This asset", need?.hint ?? URI_HINT);
  }
  const fields = outcome.value;
  if (fields.warnings.length > 0) {
    for (const warning of fields.warnings)
      reporter.report(DiagnosticCatalog.uriWarning, { message: warning.message }, argumentSite);
  }
  const uri = detach(fields.uri);
  reporter.uriCreated(uri, argumentSite);
  if (looksLikePattern(uri)) reporter.report(DiagnosticCatalog.patternUri, { uri }, argumentSite);
  const name = fields.name === fields.uri ? uri : detach(fields.name);
  const hasExtra = Object.keys(fields.extra).length > 0;
  return {
    kind: "asset",
    name,
    uri,
    group: detach(fields.group),
    extra: hasExtra ? detachJson(fields.extra as AssetValue["extra"]) : NO_EXTRA,
    key: detach(assetKeyOf({ name, uri })),
    ...(fields.watchers.length > 0 ? { watchers: fields.watchers.map((w) => detachJson(w as JsonObject)) } : {}),
  };
}

/**
 * Runs a rule that sanitizes URIs; when a registered scheme rule's result is
 * not known, reports why (an error, as the asset's identity would be a guess:
 * at `site` when the rule itself is not known) and returns `reported`.
 */
function withSchemeRules<T>(reporter: Reporter, site: Site, run: () => RuleOutcome<T>): RuleOutcome<T> {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof SchemeRuleEscape)) throw error;
    reportSchemeRuleEscape(reporter, error, site);
    return { kind: "reported" };
  }
}

/** Reports why a registered scheme rule's result is not known (at `site` when the rule itself is not known). */
function reportSchemeRuleEscape(reporter: Reporter, signal: SchemeRuleEscape, site: Site): void {
  if (signal.notKnown) reporter.report(DiagnosticCatalog.uriSchemeNotKnown, signal.notKnown, site);
  else reportUnknown(reporter, signal.unknown, SCHEME_RULE_NEED);
}

const SCHEME_RULE_NEED: Need = {
  what: "The result of a URI scheme rule registered with registerUriScheme",
  hint: "make the rule's result depend only on its argument and constants",
};

function asUri(value: UnknownValue): UnknownValue {
  return withWhat(value, "The URI of this asset", URI_HINT);
}

function withWhat(value: UnknownValue, what: string, hint: string): UnknownValue {
  return value.what ? value : { ...value, what, hint };
}

/** `new AssetAlias(name, { group })`, checked by the SDK's `checkAlias`. */
export function makeAlias(reporter: Reporter, args: readonly Value[], argumentSite: Site): Value {
  const [name, options] = args;
  if (name?.kind === "unknown") return withWhat(name, "The name of this alias", CONSTANT_HINT);
  if (options?.kind === "unknown") return withWhat(options, "The options of this alias", CONSTANT_HINT);
  const outcome = applyRule(reporter, checkAlias, [name, options], argumentSite);
  if (outcome.kind === "reported") return INVALID;
  if (outcome.kind === "unknown") return withWhat(outcome.unknown, "The group of this alias", CONSTANT_HINT);
  return { kind: "alias", name: detach(outcome.value.name), group: detach(outcome.value.group) };
}

/** `Asset.ref({ name })` or `Asset.ref({ uri })`, checked by the SDK's `checkRef`. */
export function makeRef(reporter: Reporter, argument: Value | undefined, site: Site): Value {
  if (argument?.kind === "unknown") return withWhat(argument, "The argument of Asset.ref()", CONSTANT_HINT);
  const sanitize = sanitizeFor(reporter.caches);
  const outcome = withSchemeRules(reporter, site, () =>
    applyRule(reporter, (by) => checkRef(by, sanitize), [argument], site),
  );
  if (outcome.kind === "reported") return INVALID;
  if (outcome.kind === "unknown") {
    return outcome.option === "name"
      ? withWhat(outcome.unknown, "The name of this Asset.ref()", CONSTANT_HINT)
      : withWhat(outcome.unknown, "The URI of this Asset.ref()", URI_HINT);
  }
  const ref = outcome.value;
  if (ref.uri !== undefined) reporter.uriCreated(ref.uri, site);
  return ref.name !== undefined
    ? { kind: "ref", name: detach(ref.name), uri: undefined }
    : { kind: "ref", name: undefined, uri: detach(ref.uri) };
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
  let parsed: ReturnType<typeof parseUriPattern>;
  try {
    parsed = parseUriPattern(argument.value, sanitizeFor(reporter.caches));
  } catch (error) {
    if (!(error instanceof SchemeRuleEscape)) throw error;
    reportSchemeRuleEscape(reporter, error, site);
    return INVALID;
  }
  if (!parsed.ok) {
    reporter.report(DiagnosticCatalog.invalidPattern, { message: parsed.problem }, site);
    return INVALID;
  }
  reporter.uriCreated(parsed.pattern.text, site);
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

/** The `assets` tagged template, parsed by the SDK's `parseAssetsTemplate` (`&` binds tighter than `|`, parentheses group). */
export function parseAssetsTemplate(
  reporter: Reporter,
  strings: readonly string[],
  values: readonly Value[],
  site: Site,
): Value {
  for (const [index, value] of values.entries()) {
    if (value.kind === "unknown") {
      reportUnknown(reporter, value, { what: `\${${index}} of assets\`...\``, hint: URI_HINT });
      return INVALID;
    }
  }
  const parsed = parseTemplate(strings, values.map(operandProbe));
  if (!parsed.ok) {
    reportProblem(reporter, parsed.problem, site);
    return INVALID;
  }
  const build = (node: TemplateNode): ConditionValue =>
    node.kind === "operand" ? (values[node.index] as ConditionValue) : combine(node.kind, node.items.map(build));
  return build(parsed.value);
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
