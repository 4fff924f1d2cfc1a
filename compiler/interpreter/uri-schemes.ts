/**
 * URI scheme rules a project registers with `registerUriScheme(scheme, rule)`,
 * applied at compile time as the SDK applies them at run time: from the
 * registration on, the SDK's `sanitizeUri` steps run with the user's rule,
 * which the interpreter evaluates on each URI of its scheme. So the assets of
 * the static manifest have the keys and URIs they have when the code runs.
 *
 * A rule the compiler cannot evaluate (imported from a package, only known at
 * run time, a result that depends on something unknown) is an error: the
 * identity of the assets of its scheme would be a guess. So is a
 * registration the compiler does not run (in a skipped branch or loop, in
 * code after one, reached by a call it does not follow): it is reported where
 * it is, and from there on the scheme's rule is not known, so each asset of
 * the scheme created afterwards, in any module, is an error where it is
 * created (AF2015); when the scheme itself is not known, that holds for every
 * scheme a project can register. Built-in schemes are never affected.
 *
 * The runtime loads DAG files one after another, each with the rules the
 * files before it registered (in every process: see runtime/dag-files.ts),
 * running the modules each imports again: the compiler runs entries in the
 * same order, registered rules staying. An asset created before its scheme's rule is
 * registered, by the registering module itself or by a module that other
 * files import (which the runtime runs again, rule in force), gets another
 * URI when loaded again: that is an error at the asset (AF2016).
 */
import type { ts } from "ts-morph";
import { AssetUriError } from "../../sdk/errors.js";
import { type ParsedUri, type UriSchemeRule, uriSchemeProblem } from "../../sdk/uri/sanitize.js";
import { formatParsedUri } from "../../sdk/uri/schemes.js";
import { DiagnosticCatalog } from "../diagnostics.js";
import { operandProbe } from "../sdk-rules.js";
import { INVALID, type SchemeNotKnown, SchemeRuleEscape } from "../semantics.js";
import {
  describeValueKind,
  type FunctionValue,
  locate,
  Props,
  type Site,
  siteText,
  UNDEFINED,
  type UnknownValue,
  type Value,
} from "../values.js";
import type { Interpreter } from "./interpreter.js";
import { BudgetExceeded, type Env, Thrown } from "./support.js";

/**
 * The rule of a scheme whose registration the compiler could not apply (it is
 * reported there): each URI of the scheme is an error where its asset is
 * created, saying why and where that registration is.
 */
function notKnownRule(why: string, at: string): UriSchemeRule {
  return (uri) => {
    const notKnown: SchemeNotKnown = { uri: formatParsedUri(uri), scheme: uri.scheme, why, at };
    throw new SchemeRuleEscape(INVALID, undefined, notKnown);
  };
}

/** The first asset a module created of a scheme, before a rule of the scheme is registered. */
interface Created {
  readonly uri: string;
  readonly site: Site;
}

/** A function to pass to `uriSchemeProblem` as the rule: only the scheme name is checked. */
const ANY_RULE = (): void => {};

/** The keys of a {@link ParsedUri}, in the order of its type. */
const PARSED_URI_KEYS = ["scheme", "userinfo", "host", "port", "path", "query", "fragment"] as const;

/**
 * The scheme rules of one compilation: registered by the interpreter when it
 * runs `registerUriScheme(...)`, kept in the compilation's caches where the
 * URI rules read them.
 */
export class UriSchemeRegistry {
  /** The module that registered each scheme's rule: its rule goes when the module is forgotten. */
  private readonly owners = new Map<string, string>();
  /** The module whose registration of an unknown scheme set the rule of every other scheme. */
  private otherwiseOwner: string | undefined;
  /** Per scheme a project can register, per module: the first asset of it the module created (checked by registrations). */
  private readonly created = new Map<string, Map<string, Created>>();
  /**
   * Modules (not imported yet) that created an asset of a scheme before its rule was registered: AF2016
   * when a module imports one later (the runtime runs it again there, rule in force).
   */
  private readonly lateIfImported = new Map<
    string,
    { readonly first: Created; readonly scheme: string; readonly registration: string }
  >();
  /** Whether a scheme (lower-case) is one a project can register (not built-in, reserved or "x-"). */
  private readonly registrable = new Map<string, boolean>();

  constructor(private readonly vm: Interpreter) {}

  /**
   * `registerUriScheme(scheme, rule)` whose arguments passed the SDK's
   * checks (or are not known): registers the rule, or reports why the
   * compiler cannot apply it.
   */
  register(scheme: Value | undefined, rule: Value | undefined, node: ts.CallExpression, env: Env): void {
    const site = { file: env.scope.file, node };
    if (scheme?.kind !== "string") {
      const reason = scheme?.kind === "unknown" ? `its scheme ${unknownText(scheme)}` : "its scheme is not a string";
      this.notKnown(undefined, site, reason);
      return;
    }
    const name = scheme.value.toLowerCase();
    if (rule?.kind === "function") {
      this.checkCreatedBefore(name, site);
      this.set(name, this.interpreted(name, rule, node, env), env.scope.file.path);
      return;
    }
    const reason =
      rule?.kind === "unknown"
        ? `its rule ${unknownText(rule)}`
        : `its rule is ${rule ? describeValueKind(rule) : "missing"}, which the compiler does not evaluate`;
    this.notKnown(name, site, reason);
  }

  /**
   * A `registerUriScheme(...)` in code the compiler does not run (`reason`
   * says where), or reached from there: reported at `site`; its scheme's rule
   * (every scheme's, when the scheme is not known) is not known from here on.
   */
  notRun(site: Site, scheme: Value | undefined, reason: string): void {
    if (scheme?.kind === "string") {
      const name = scheme.value.toLowerCase();
      // A scheme the SDK refuses would make the registration throw when run: no rule either way.
      if (uriSchemeProblem(scheme.value, ANY_RULE)) {
        this.vm.report(DiagnosticCatalog.customUriScheme, { scheme: name, reason }, site);
        return;
      }
      this.notKnown(name, site, reason);
    } else this.notKnown(undefined, site, reason);
  }

  /** Records an asset (or reference) of `uri` created at `site`, for registrations of its scheme that come later. */
  uriCreated(uri: string, site: Site): void {
    const colon = uri.indexOf(":");
    if (colon <= 0) return;
    const scheme = uri.slice(0, colon);
    let registrable = this.registrable.get(scheme);
    if (registrable === undefined) {
      registrable = uriSchemeProblem(scheme, ANY_RULE) === undefined;
      this.registrable.set(scheme, registrable);
    }
    if (!registrable) return;
    const module = this.vm.modules.current()?.file.path;
    if (module === undefined) return;
    let byModule = this.created.get(scheme);
    if (!byModule) {
      byModule = new Map();
      this.created.set(scheme, byModule);
    }
    if (!byModule.has(module)) byModule.set(module, { uri, site });
  }

  /** Reports a registration the compiler cannot apply, and makes the rule of `scheme` (every scheme when undefined) not known. */
  private notKnown(scheme: string | undefined, site: Site, reason: string): void {
    this.vm.report(DiagnosticCatalog.customUriScheme, { scheme: scheme ?? "...", reason }, site);
    const location = locate(site);
    const at = `${location.file}:${location.line}:${location.column}`;
    this.checkCreatedBefore(scheme, site);
    if (scheme !== undefined) {
      this.set(
        scheme,
        notKnownRule("the rule of its scheme is registered by code the compiler cannot apply", at),
        site.file.path,
      );
      return;
    }
    this.vm.caches.uriSchemes.otherwise = notKnownRule(
      "a registerUriScheme whose scheme the compiler cannot tell may have registered a rule for its scheme",
      at,
    );
    this.otherwiseOwner = site.file.path;
    this.vm.caches.sanitized.clear();
  }

  /**
   * A rule of `scheme` (of any scheme when undefined) is registered at `site`:
   * the assets of the scheme created before it by this module, or by a module
   * that other files import, get another URI when the runtime loads their
   * module again (AF2016, at the first such asset of each module).
   */
  private checkCreatedBefore(scheme: string | undefined, site: Site): void {
    if (this.created.size === 0) return;
    const registering = this.vm.modules.current()?.file.path;
    const schemes = scheme === undefined ? [...this.created.keys()] : [scheme];
    for (const name of schemes) {
      const byModule = this.created.get(name);
      if (!byModule) continue;
      this.created.delete(name);
      const location = locate(site);
      const registration = `${location.file}:${location.line}:${location.column}`;
      for (const [module, first] of byModule) {
        if (module !== registering && !this.vm.recordOf(module)?.imported) {
          if (!this.lateIfImported.has(module)) this.lateIfImported.set(module, { first, scheme: name, registration });
          continue;
        }
        this.reportLate(first, name, registration);
      }
    }
  }

  /**
   * The module at `path` is imported (by a module running now): when it created an asset of a scheme
   * before that scheme's rule was registered, the runtime runs it again with the rule in force (AF2016).
   */
  imported(path: string): void {
    const late = this.lateIfImported.get(path);
    if (late === undefined) return;
    this.lateIfImported.delete(path);
    this.reportLate(late.first, late.scheme, late.registration);
  }

  private reportLate(first: Created, scheme: string, registration: string): void {
    this.vm.report(DiagnosticCatalog.uriSchemeRegisteredLate, { uri: first.uri, scheme, registration }, first.site);
  }

  /** Whether the module at `path` registered a rule that is still in force (its scope must stay: the rule runs in it). */
  owns(path: string): boolean {
    for (const owner of this.owners.values()) if (owner === path) return true;
    return this.otherwiseOwner === path;
  }

  /** Drops the rules the modules at `paths` registered (they run again, and register them again). */
  forget(paths: Iterable<string>): void {
    const forgotten = new Set(paths);
    for (const [scheme, owner] of this.owners) {
      if (!forgotten.has(owner)) continue;
      this.owners.delete(scheme);
      this.vm.caches.uriSchemes.delete(scheme);
      this.vm.caches.sanitized.clear();
    }
    if (this.otherwiseOwner !== undefined && forgotten.has(this.otherwiseOwner)) {
      this.otherwiseOwner = undefined;
      this.vm.caches.uriSchemes.otherwise = undefined;
      this.vm.caches.sanitized.clear();
    }
    for (const byModule of this.created.values()) for (const path of forgotten) byModule.delete(path);
    for (const path of forgotten) this.lateIfImported.delete(path);
  }

  private set(scheme: string, rule: UriSchemeRule, owner: string): void {
    this.vm.caches.uriSchemes.set(scheme, rule);
    this.owners.set(scheme, owner);
    // URIs sanitized so far keep what they got; from now on this scheme's URIs go through the rule.
    this.vm.caches.sanitized.clear();
  }

  /** The user's rule as the SDK calls it: evaluated by the interpreter, in the scope it was written in. */
  private interpreted(scheme: string, fn: FunctionValue, node: ts.CallExpression, env: Env): UriSchemeRule {
    const callEnv: Env = { ...env, dag: undefined };
    const escapeWith = (unknown: UnknownValue, uri: ParsedUri): SchemeRuleEscape =>
      new SchemeRuleEscape({
        ...unknown,
        what: `The result of the "${scheme}" scheme rule (registerUriScheme) for ${JSON.stringify(formatParsedUri(uri))}`,
        hint: "make the rule's result depend only on its argument and constants",
      });
    return (uri) => {
      let result: Value;
      try {
        result = this.vm.statements.callFunction(fn, [parsedUriValue(uri)], node, callEnv);
      } catch (error) {
        if (error instanceof Thrown) throw thrownError(error);
        if (error instanceof BudgetExceeded) throw new SchemeRuleEscape(INVALID, error);
        throw error;
      }
      if (result.kind === "unknown") throw escapeWith(result, uri);
      if (result.kind !== "object") return operandProbe(result) as ParsedUri; // the SDK says it is not a ParsedUri
      const unknown = result.havoc ?? result.unknownSpread;
      if (unknown) throw escapeWith(unknown, uri);
      const plain: Record<string, unknown> = {};
      for (const [key, item] of result.props) {
        if (item.kind === "unknown") throw escapeWith(item, uri);
        plain[key] = operandProbe(item);
      }
      return plain as unknown as ParsedUri;
    };
  }
}

/** A {@link ParsedUri} as a value of the interpreter. */
function parsedUriValue(uri: ParsedUri): Value {
  const props = new Props();
  for (const key of PARSED_URI_KEYS) {
    const part = uri[key];
    props.set(key, part === undefined ? UNDEFINED : { kind: "string", value: part });
  }
  return { kind: "object", props };
}

/**
 * What a rule that throws throws into the SDK's sanitizer, so that the
 * compiler reports what loading the code would: an `AssetUriError` as it is,
 * another error or a string as the cause of the rule's rejection.
 */
function thrownError(thrown: Thrown): unknown {
  const value = thrown.value;
  if (value.kind === "string") return value.value;
  if (value.kind === "object") {
    const message = value.props.get("message");
    const name = value.props.get("name");
    if (message?.kind === "string") {
      return name?.kind === "string" && name.value === "AssetUriError"
        ? new AssetUriError(message.value)
        : new Error(message.value);
    }
  }
  const at = locate(thrown.site);
  return new Error(`it throws at ${at.file}:${at.line}:${at.column}`);
}

/** Why an argument of `registerUriScheme` is not known, as the end of a sentence. */
function unknownText(value: UnknownValue): string {
  const reason = value.reason;
  switch (reason.kind) {
    case "external":
      return `is \`${reason.name}\`, imported from the package ${JSON.stringify(reason.specifier)}, which the compiler does not read`;
    case "call":
      return `comes from a call to \`${siteText(reason.callee)}(...)\`, which the compiler does not run`;
    case "parameter":
      return `is the parameter \`${reason.name}\`, whose value comes from the caller`;
    case "env":
      return `comes from the environment (\`${reason.text}\`)`;
    default:
      return "is only known at run time";
  }
}
