/**
 * The SDK's rules applied to static values. The SDK writes each rule once, as
 * a pure function that returns problems (`optionProblems`, ...); the SDK
 * throws the first, and the compiler reports each here as a located
 * diagnostic with the SDK's code ({@link Diagnostic.rule}) and message.
 *
 * Values become probes: plain JavaScript the SDK's rules read. What the
 * compiler does not know becomes {@link UNKNOWN}, and problems about it are
 * left to the compiler's own "not known at build time" diagnostics.
 */
import type { z } from "zod";
import { Asset, AssetAlias, all, any } from "../sdk/asset.js";
import type { RuleResult } from "../sdk/asset-rules.js";
import { ErrorCode } from "../sdk/errors.js";
import { type OptionProblem, optionProblems } from "../sdk/options.js";
import { sdkRuleDiagnostic } from "./diagnostics.js";
import type { Reporter } from "./semantics.js";
import { type ObjectValue, propertySite, type Site, toJson, type UnknownValue, type Value } from "./values.js";

/** What a value the compiler does not know becomes in a probe. */
const UNKNOWN: unique symbol = Symbol("unknown at build time");

/** Assets and aliases pass the SDK's asset checks as this one alias (the rules ask what kind of thing, not which). */
const ASSET_PROBE = new AssetAlias("compiler-probe");

/** The other conditions are probes of their own SDK class, so that a rule describes them as the SDK does ("got an AssetRef"). */
const REF_PROBE = Asset.ref({ name: "compiler-probe" });
const PATTERN_PROBE = Asset.pattern("compiler://probe/{probe}");
const ALL_PROBE = all(ASSET_PROBE);
const ANY_PROBE = any(ASSET_PROBE);

/** A user function in a probe. */
const FUNCTION_PROBE = (): undefined => undefined;

/** The plain value the SDK's rules see for a static value; `seen` holds the lists and objects being probed (cycles). */
function probeOf(value: Value, seen: Value[]): unknown {
  switch (value.kind) {
    case "undefined":
      return undefined;
    case "string":
    case "number":
    case "boolean":
      return value.value;
    case "null":
      return null;
    case "date":
      return new Date(value.time);
    case "array": {
      if (value.havoc || seen.includes(value)) return UNKNOWN;
      seen.push(value);
      const items = value.items.map((item) => probeOf(item, seen));
      seen.pop();
      return items;
    }
    case "object": {
      if (value.havoc || value.unknownSpread || seen.includes(value)) return UNKNOWN;
      if (value.proto) return {};
      seen.push(value);
      const object: Record<string, unknown> = {};
      value.props.forEach((item, key) => {
        object[key] = probeOf(item, seen);
      });
      seen.pop();
      return object;
    }
    case "asset":
    case "alias":
      return ASSET_PROBE;
    case "ref":
      return REF_PROBE;
    case "pattern":
      return PATTERN_PROBE;
    case "all":
      return ALL_PROBE;
    case "any":
      return ANY_PROBE;
    case "function":
    case "class":
    case "method":
    case "sdk":
    case "global":
      return FUNCTION_PROBE;
    case "unknown":
      return UNKNOWN;
    default:
      // Tasks, conditions, timetables and the like: objects the option schemas take as they are.
      return { kind: value.kind };
  }
}

/** True when the probe holds something unknown on the way to `path`. */
function throughUnknown(probe: unknown, path: readonly PropertyKey[]): boolean {
  let node = probe;
  for (const key of path) {
    if (node === UNKNOWN) return true;
    if (typeof node !== "object" || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node === UNKNOWN;
}

/**
 * Checks an options object against one of the SDK's option schemas and
 * reports each problem the SDK would throw at the option it is about.
 * Returns false when there was one.
 */
export function checkOptions(
  reporter: Reporter,
  object: ObjectValue,
  schema: z.ZodType,
  where: string,
  site: Site,
): boolean {
  const probe = probeOf(object, []);
  if (probe === UNKNOWN) return true;
  let ok = true;
  for (const problem of optionProblems(schema, probe, where)) {
    if (throughUnknown(probe, problem.path)) continue;
    const key = problem.path[0];
    const at = typeof key === "string" ? (propertySite(object, key) ?? site) : site;
    reporter.report(sdkRuleDiagnostic(problem.code), { rule: problem.code, message: problem.message }, at);
    ok = false;
  }
  return ok;
}

/**
 * What one of the SDK's construction rules (`sdk/asset-rules.ts`) made of
 * static arguments: its value; an unknown value the rule stumbled on (for the
 * caller to word, with the option it was, when it was one); or a problem,
 * already reported where it is written.
 */
export type RuleOutcome<T> =
  | { readonly kind: "ok"; readonly value: T }
  | { readonly kind: "unknown"; readonly unknown: UnknownValue; readonly option?: string }
  | { readonly kind: "reported" };

/**
 * Runs one of the SDK's construction rules on static arguments. Option
 * objects are read shallowly (a spread the compiler cannot see is left
 * out, and then only an unknown option key is reported: anything else may
 * come from the spread). A problem about a value the compiler does not know
 * becomes that unknown value; any other is reported at the option it is about
 * with the SDK's code and message.
 *
 * An options object that code the compiler could not follow may have changed
 * (its `havoc` is set) is not checked at all: the outcome is that unknown
 * value and nothing is reported here. The caller's value (an asset, an alias)
 * is then unknown, and like any unknown value it is reported only where it is
 * needed (an outlet, a schedule); an unknown value that is never used gets no
 * diagnostic.
 */
export function applyRule<T>(
  reporter: Reporter,
  rule: (...probes: unknown[]) => RuleResult<T>,
  args: readonly (Value | undefined)[],
  site: Site,
): RuleOutcome<T> {
  const objects = args.filter((arg): arg is ObjectValue => arg?.kind === "object");
  for (const object of objects) if (object.havoc) return { kind: "unknown", unknown: object.havoc };
  const spread = objects.find((object) => object.unknownSpread)?.unknownSpread;
  const checked = rule(...args.map((arg) => (arg === undefined ? undefined : shallowProbe(arg))));
  if (checked.ok) return spread ? { kind: "unknown", unknown: spread } : { kind: "ok", value: checked.value };
  const { problem } = checked;
  const key = problem.path[0];
  const owner = typeof key === "string" ? objects.find((object) => object.props.has(key)) : undefined;
  if (typeof key === "string") {
    const value = owner?.props.get(key);
    const unknown = value && unknownIn(value);
    if (unknown) return { kind: "unknown", unknown, option: key };
  }
  if (spread && problem.code !== ErrorCode.optionUnknown) return { kind: "unknown", unknown: spread };
  reportProblem(reporter, problem, owner && typeof key === "string" ? (propertySite(owner, key) ?? site) : site);
  return { kind: "reported" };
}

/** Reports a problem of one of the SDK's rules at `site`, with the SDK's code and message. */
export function reportProblem(reporter: Reporter, problem: OptionProblem, site: Site): void {
  reporter.report(sdkRuleDiagnostic(problem.code), { rule: problem.code, message: problem.message }, site);
}

/**
 * The plain value the SDK's rules see for a static value, where any condition
 * (asset, alias, reference, pattern, all/any) counts as one, as the SDK's
 * `isCondition` does.
 */
export function operandProbe(value: Value): unknown {
  return probeOf(value, []);
}

/** A rule's argument as plain JavaScript, an options object's own keys only. */
function shallowProbe(value: Value): unknown {
  if (value.kind !== "object" || !value.unknownSpread || value.havoc) return probeOf(value, []);
  const object: Record<string, unknown> = {};
  for (const [key, item] of value.props) object[key] = probeOf(item, []);
  return object;
}

/** The first value the compiler does not know in `value`, where it is JSON-like data. */
function unknownIn(value: Value): UnknownValue | undefined {
  if (value.kind === "unknown") return value;
  const json = toJson(value);
  return !json.ok && json.value.kind === "unknown" ? json.value : undefined;
}
