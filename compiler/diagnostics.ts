/**
 * The compiler's diagnostics: one catalog of every problem the compiler can
 * report, each with a stable code (`AF1001`...), a severity and a message
 * template, and {@link formatDiagnostic}, which prints one with a code frame.
 *
 * Diagnostics are data: the compiler never throws for a problem in user code.
 *
 * Code ranges:
 * - `AF1xxx` input: paths, files, syntax, imports;
 * - `AF2xxx` static resolution: what the compiler cannot know without running the code;
 * - `AF3xxx` definitions the SDK would reject when the file is loaded;
 * - `AF4xxx` lint rules over the asset graph.
 */

/**
 * How bad a diagnostic is. Errors make `assetflow compile` exit with code 1.
 *
 * @example
 * ```ts
 * const warnings = result.diagnostics.filter((d) => d.severity === Severity.warning);
 * ```
 */
export const Severity = Object.freeze({ error: "error", warning: "warning", info: "info" } as const);

/** One of {@link Severity}. */
export type Severity = (typeof Severity)[keyof typeof Severity];

/**
 * A problem found by the compiler, located in a file. `line` and `column` are
 * 1-based; both are 0 when the diagnostic is about a whole path (a missing
 * folder, an unreadable file). `length` is the number of characters to
 * underline on that line, when known.
 *
 * @example
 * ```ts
 * const diagnostic: Diagnostic = {
 *   code: "AF4001", severity: "error", file: "dags/b.ts", line: 3, column: 20, length: 8,
 *   message: 'Two DAGs have the id "report" (the other one is at dags/a.ts:3:20): DAG ids must be unique in a project. Rename one of them.',
 * };
 * ```
 */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** The file, relative to the compile root with `/` separators (or the path as given when it is not a file). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly length?: number;
  /**
   * The SDK's error code when the diagnostic is one of the SDK's rules: what
   * loading the file would throw, with the same code and message.
   */
  readonly rule?: string;
}

/** An entry of the catalog: a code, a severity, a short name and a message template. */
export interface DiagnosticDefinition<A> {
  readonly code: string;
  readonly severity: Severity;
  /** A short kebab-case name, stable like the code. */
  readonly name: string;
  format(args: A): string;
  /** The SDK's error code, for the SDK's rules. */
  rule?(args: A): string;
}

function define<A>(
  code: string,
  severity: Severity,
  name: string,
  format: (args: A) => string,
  rule?: (args: A) => string,
): DiagnosticDefinition<A> {
  return Object.freeze(rule ? { code, severity, name, format, rule } : { code, severity, name, format });
}

/** A catalog entry for one of the SDK's rules: the SDK's message, and its code as the diagnostic's `rule`. */
function sdkRuleAs(code: string, name: string): DiagnosticDefinition<{ rule: string; message: string }> {
  return define<{ rule: string; message: string }>(
    code,
    "error",
    name,
    ({ message }) => message,
    ({ rule }) => rule,
  );
}

const quote = (text: string): string => JSON.stringify(text);

/**
 * Every diagnostic the compiler reports. The code of an entry never changes;
 * an entry that is no longer used is kept and marked deprecated.
 *
 * @example
 * ```ts
 * DiagnosticCatalog.duplicateDagId.code; // "AF4001"
 * ```
 */
export const DiagnosticCatalog = {
  // ---- AF1xxx: input -------------------------------------------------------
  syntaxError: define<{ problem: string }>(
    "AF1001",
    "error",
    "syntax-error",
    ({ problem }) => `Syntax error: ${problem} Fix it; the other files were compiled.`,
  ),
  pathNotFound: define<{ path: string }>(
    "AF1002",
    "error",
    "path-not-found",
    ({ path }) => `${quote(path)} does not exist. Pass a folder of DAG files or TypeScript files.`,
  ),
  noSourceFiles: define<{ path: string }>(
    "AF1003",
    "warning",
    "no-source-files",
    ({ path }) =>
      `The folder ${quote(path)} holds no TypeScript files (.ts, .tsx, .mts, .cts), so there is nothing to compile.`,
  ),
  notTypeScript: define<{ path: string }>(
    "AF1004",
    "error",
    "not-typescript",
    ({ path }) =>
      `${quote(path)} is not a TypeScript or JavaScript file: the compiler reads .ts, .tsx, .mts, .cts, .js, .mjs and .cjs files. Pass the DAG files (or their folder) only.`,
  ),
  noDagsInFile: define<{ path: string }>(
    "AF1005",
    "info",
    "no-dags-in-file",
    ({ path }) =>
      `${quote(path)} defines no DAG. That is fine for a module of shared assets; a DAG is made with dag({ dagId }, () => { ... }) or @dag({ dagId }) on a class.`,
  ),
  noDags: define<{ count: number }>(
    "AF1006",
    "warning",
    "no-dags",
    ({ count }) =>
      `No DAG found in ${count} file${count === 1 ? "" : "s"}: define one with dag({ dagId, schedule }, () => { ... }) or @dag({ dagId, schedule }) on a class, imported from "assetflow".`,
  ),
  unreadable: define<{ path: string; reason: string }>(
    "AF1007",
    "error",
    "unreadable",
    ({ path, reason }) => `Cannot read ${quote(path)}: ${reason}.`,
  ),
  tsconfigInvalid: define<{ path: string; problem: string }>(
    "AF1008",
    "error",
    "tsconfig-invalid",
    ({ path, problem }) => `Cannot use the tsconfig ${quote(path)}: ${problem}`,
  ),
  importNotFound: define<{ specifier: string; tried: string }>(
    "AF1009",
    "error",
    "import-not-found",
    ({ specifier, tried }) =>
      `Cannot find the module ${quote(specifier)} (looked for ${tried}). Fix the path; loading this file would fail.`,
  ),

  // ---- AF2xxx: static resolution -------------------------------------------
  notStatic: define<{ what: string; reason: string; hint: string }>(
    "AF2001",
    "error",
    "not-static",
    ({ what, reason, hint }) => `${what} is not known at build time: ${reason}; ${hint}.`,
  ),
  runtimeEnv: define<{ what: string; text: string; hint: string }>(
    "AF2002",
    "error",
    "runtime-env",
    ({ what, text, hint }) => `${what} is built at run time from \`${text}\`; ${hint}.`,
  ),
  functionCall: define<{ what: string; callee: string; hint: string }>(
    "AF2003",
    "error",
    "function-call",
    ({ what, callee, hint }) =>
      `${what} comes from a call to \`${callee}\`, which the compiler does not run; ${hint}, or compute it from constants.`,
  ),
  externalImport: define<{ what: string; name: string; specifier: string; hint: string }>(
    "AF2004",
    "error",
    "external-import",
    ({ what, name, specifier, hint }) =>
      `${what} comes from \`${name}\`, imported from the package ${quote(specifier)}, which the compiler does not read; ${hint}, in a file of this project.`,
  ),
  notFollowed: define<{ construct: string; where: string }>(
    "AF2005",
    "error",
    "not-followed",
    ({ construct, where }) =>
      `${construct} is not compiled: it is in ${where}; the compiler cannot tell whether it runs without running the code, so the manifest may miss what it defines. Make the condition or list a constant, or declare it at module level, in a DAG's build function, or in a function called from there (a loop or an array method over a constant list is fine).`,
  ),
  unknownName: define<{ what: string; name: string; hint: string }>(
    "AF2006",
    "error",
    "unknown-name",
    ({ what, name, hint }) => `${what} uses \`${name}\`, which the compiler cannot find; ${hint}.`,
  ),
  customUriScheme: define<{ scheme: string; reason: string }>(
    "AF2007",
    "error",
    "custom-uri-scheme",
    ({ scheme, reason }) =>
      `registerUriScheme(${scheme === "..." ? "..." : quote(scheme)}, ...) cannot be applied by the compiler: ${reason}. The URIs of ${scheme === "..." ? "any scheme" : "its scheme"}, part of their assets' identity, would differ in the manifest from run time, so the assets created after it are errors (AF2015). Register it at module level, outside code the compiler does not run, with the scheme as a string literal and a rule defined in this project (an arrow function or a function) whose result depends only on its argument and constants.`,
  ),
  touchUnchecked: define<{ call: string; taskId: string; reason: string }>(
    "AF2008",
    "info",
    "touch-unchecked",
    ({ call, taskId, reason }) =>
      `Cannot check ${call} against the declarations of task ${quote(taskId)}: ${reason}. Pass an asset or alias declared as a constant.`,
  ),
  unknownClass: define<{ name: string; dagId: string; reason: string }>(
    "AF2009",
    "warning",
    "unknown-class",
    ({ name, dagId, reason }) =>
      `\`new ${name}(...)\` in DAG ${quote(dagId)}: the compiler cannot tell whether ${name} is an operator (${reason}); if it is, its task is missing from the manifest. Define operators in this project, extending BaseOperator from "assetflow".`,
  ),
  uninitialized: define<{ what: string; name: string }>(
    "AF2010",
    "error",
    "uninitialized",
    ({ what, name }) =>
      `${what} uses \`${name}\` before it is initialized (a circular import, or a declaration further down); loading this file would fail. Declare \`${name}\` before it is used.`,
  ),
  sdkCallNotFollowed: define<{ name: string }>(
    "AF2011",
    "error",
    "sdk-call-not-followed",
    ({ name }) =>
      `\`${name}(...)\` from "assetflow" registers DAGs in a way the compiler does not follow, so they would be missing from the manifest. Define DAGs with dag(options, () => { ... }) or @dag(...) on a class instead.`,
  ),

  callNotFollowed: define<{ call: string; why: string; construct: string; at: string }>(
    "AF2012",
    "error",
    "call-not-followed",
    ({ call, why, construct, at }) =>
      `\`${call}\` is not compiled: ${why}, and it may define DAGs or tasks through ${construct}${at}, so the manifest may miss them. Call DAG factories directly (a loop or an array method over a constant list is fine), with arguments known at build time.`,
  ),
  budgetExceeded: define<{ what: string }>(
    "AF2013",
    "error",
    "budget-exceeded",
    ({ what }) =>
      `The compiler stopped running this file here: ${what}. The rest of the file is not compiled, so the manifest may miss its DAGs. Make the loop or recursion end sooner (build DAGs from a constant list).`,
  ),
  throwsWhenLoaded: define<{ message: string }>(
    "AF2014",
    "error",
    "throws-when-loaded",
    ({ message }) =>
      `Loading this file throws here${message}: the file would fail to load, and the rest of it is not compiled. Fix the code or the condition that leads to this \`throw\`.`,
  ),
  uriSchemeNotKnown: define<{ uri: string; scheme: string; why: string; at: string }>(
    "AF2015",
    "error",
    "uri-scheme-not-known",
    ({ uri, scheme, why, at }) =>
      `The URI ${quote(uri)} of this asset is not known at build time: ${why} (${at}, reported there), so the compiler cannot tell what the rule of the scheme ${quote(scheme)} makes of it, and the asset is left out of the manifest. Make that registration one the compiler applies (AF2007 says how), or use another scheme here.`,
  ),
  uriSchemeRegisteredLate: define<{ uri: string; scheme: string; registration: string }>(
    "AF2016",
    "error",
    "uri-scheme-registered-late",
    ({ uri, scheme, registration }) =>
      `This asset (${quote(uri)}) is created before the rule of its scheme ${quote(scheme)} is registered (${registration}), by a module the runtime loads again for other DAG files or after a change: loaded again, it gets the URI the rule makes, so its URI depends on load order and the manifest cannot match every load. Register the scheme before any asset of it is created: at the top of a module imported first by every file that creates such assets.`,
  ),

  // ---- AF3xxx: definitions the SDK rejects ---------------------------------
  invalidUri: define<{ message: string }>("AF3001", "error", "invalid-uri", ({ message }) => message),
  invalidAsset: define<{ message: string }>("AF3002", "error", "invalid-asset", ({ message }) => message),
  invalidCondition: define<{ message: string }>("AF3003", "error", "invalid-condition", ({ message }) => message),
  invalidSchedule: define<{ message: string }>("AF3004", "error", "invalid-schedule", ({ message }) => message),
  unknownOption: define<{ option: string; where: string; suggestion: string | undefined; known: readonly string[] }>(
    "AF3005",
    "error",
    "unknown-option",
    ({ option, where, suggestion, known }) =>
      `Unknown option ${quote(option)} in ${where}.${suggestion ? ` Did you mean ${quote(suggestion)}?` : ""} Known options: ${known.join(", ")}.`,
  ),
  invalidOption: define<{ option: string; where: string; problem: string }>(
    "AF3006",
    "error",
    "invalid-option",
    ({ option, where, problem }) => `Invalid option ${quote(option)} in ${where}: ${problem}.`,
  ),
  duplicateTask: define<{ dagId: string; taskId: string }>(
    "AF3007",
    "error",
    "duplicate-task",
    ({ dagId, taskId }) =>
      `DAG ${quote(dagId)} already has a task ${quote(taskId)}: task ids must be unique within a DAG. Rename one of them (option taskId).`,
  ),
  /** The SDK's rule (sdk/dependencies.ts): a dependency names a task the DAG does not have. */
  taskNotFound: sdkRuleAs("AF3008", "task-not-found"),
  /** The SDK's rule (sdk/dependencies.ts): a task depends on itself, or the dependencies have a cycle. */
  dependencyCycle: sdkRuleAs("AF3009", "dependency-cycle"),
  outsideDag: define<{ what: string }>(
    "AF3010",
    "error",
    "outside-dag",
    ({ what }) =>
      `${what} is created outside a DAG; loading this file would fail. Create it inside dag(options, () => { ... }) or as a field or method of a @dag class.`,
  ),
  crossDagDependency: define<{ upstream: string; downstream: string }>(
    "AF3011",
    "error",
    "cross-dag-dependency",
    ({ upstream, downstream }) =>
      `Tasks ${quote(upstream)} and ${quote(downstream)} belong to different DAGs and cannot depend on each other. Use an Asset to connect DAGs.`,
  ),
  invalidDecorator: define<{ message: string }>("AF3012", "error", "invalid-decorator", ({ message }) => message),
  invalidDag: define<{ message: string }>("AF3013", "error", "invalid-dag", ({ message }) => message),
  invalidTask: define<{ message: string }>("AF3014", "error", "invalid-task", ({ message }) => message),
  invalidPattern: define<{ message: string }>("AF3015", "error", "invalid-pattern", ({ message }) => message),
  /** One of the SDK's rules without a code of its own here (see {@link sdkRuleDiagnostic}). */
  sdkRule: sdkRuleAs("AF3016", "sdk-rule"),

  // ---- AF4xxx: lint rules ---------------------------------------------------
  duplicateDagId: define<{ dagId: string; other: string }>(
    "AF4001",
    "error",
    "duplicate-dag-id",
    ({ dagId, other }) =>
      `Two DAGs have the id ${quote(dagId)} (the other one is at ${other}): DAG ids must be unique in a project. Rename one of them.`,
  ),
  metadataNotOutlet: define<{ taskId: string; dagId: string; target: string }>(
    "AF4002",
    "error",
    "metadata-not-outlet",
    ({ taskId, dagId, target }) =>
      `Task ${quote(taskId)} of DAG ${quote(dagId)} yields Metadata for ${target}, which is not among its outlets: the task would fail when it runs. Add ${target} to the task's outlets.`,
  ),
  outletEventsNotOutlet: define<{ taskId: string; dagId: string; target: string }>(
    "AF4003",
    "error",
    "outlet-events-not-outlet",
    ({ taskId, dagId, target }) =>
      `Task ${quote(taskId)} of DAG ${quote(dagId)} sets ctx.outletEvents for ${target}, which is not among its outlets: the task would fail when it runs. Add ${target} to the task's outlets.`,
  ),
  unproducedAsset: define<{ dagId: string; target: string }>(
    "AF4004",
    "warning",
    "unproduced-asset",
    ({ dagId, target }) =>
      `DAG ${quote(dagId)} is scheduled on ${target}, but no task of this project produces it. If it is updated from outside (the REST API, another project), ignore this warning; otherwise add it to the outlets of the task that writes it.`,
  ),
  assetCycle: define<{ cycle: readonly string[] }>(
    "AF4005",
    "warning",
    "asset-cycle",
    ({ cycle }) =>
      `DAGs trigger each other in a cycle through assets: ${cycle.join(" -> ")}. Each run schedules the next, forever. Break the cycle unless this is what you want.`,
  ),
  patternUri: define<{ uri: string }>(
    "AF4006",
    "warning",
    "pattern-uri",
    ({ uri }) =>
      `The asset URI ${quote(uri)} looks like a glob or regular expression, but an asset never matches a pattern: it names exactly one asset, literally. To schedule on every asset whose URI matches, use Asset.pattern("s3://bucket/{date}/{file}.csv"); else declare one asset per URI, or an AssetAlias for assets known at run time.`,
  ),
  uriWarning: define<{ message: string }>("AF4007", "warning", "uri-warning", ({ message }) => message),
  inletEventsNotInlet: define<{ taskId: string; dagId: string; target: string }>(
    "AF4008",
    "error",
    "inlet-events-not-inlet",
    ({ taskId, dagId, target }) =>
      `Task ${quote(taskId)} of DAG ${quote(dagId)} reads ctx.inletEvents of ${target}, which is not among its inlets: the task would fail when it runs. Add ${target} to the task's inlets.`,
  ),
  localStartDate: define<{ text: string }>(
    "AF4009",
    "warning",
    "local-start-date",
    ({ text }) =>
      `The startDate ${text} has no time zone, so it is read in the time zone of the machine that loads it: the manifest may differ between machines. Add "Z" or an offset, as in "2024-01-01T00:00:00Z".`,
  ),
  unquotedEventData: define<{ taskId: string; dagId: string; expressions: readonly string[] }>(
    "AF4010",
    "warning",
    "unquoted-event-data",
    ({ taskId, dagId, expressions }) =>
      `The bash command of task ${quote(taskId)} of DAG ${quote(dagId)} interpolates event data without shquote: ${expressions.join(", ")}. Event data is untrusted: an extra such as \`x"; id; echo "y\` would run as a command. Pass it as an environment variable (env: { NOTE: "{{ ... }}" } and "$NOTE" in the command) or quote it with the shquote filter ({{ ... | shquote }}).`,
  ),
} as const;

/** The SDK's option rules keep the codes the compiler gave them before the SDK was their one source. */
const SDK_RULE_CODES: Readonly<Record<string, DiagnosticDefinition<{ rule: string; message: string }>>> = {
  OPTION_UNKNOWN: sdkRuleAs(DiagnosticCatalog.unknownOption.code, DiagnosticCatalog.unknownOption.name),
  OPTION_INVALID: sdkRuleAs(DiagnosticCatalog.invalidOption.code, DiagnosticCatalog.invalidOption.name),
  ASSET_URI_INVALID: sdkRuleAs(DiagnosticCatalog.invalidUri.code, DiagnosticCatalog.invalidUri.name),
  ASSET_INVALID: sdkRuleAs(DiagnosticCatalog.invalidAsset.code, DiagnosticCatalog.invalidAsset.name),
  EXTRA_NOT_JSON: sdkRuleAs(DiagnosticCatalog.invalidAsset.code, DiagnosticCatalog.invalidAsset.name),
  CONDITION_INVALID: sdkRuleAs(DiagnosticCatalog.invalidCondition.code, DiagnosticCatalog.invalidCondition.name),
  TASK_NOT_FOUND: DiagnosticCatalog.taskNotFound,
  DEPENDENCY_CYCLE: DiagnosticCatalog.dependencyCycle,
};

/**
 * The diagnostic that reports a problem of one of the SDK's rules (the SDK's
 * error code `rule`): the message is the SDK's, and so is the diagnostic's `rule`.
 */
export function sdkRuleDiagnostic(rule: string): DiagnosticDefinition<{ rule: string; message: string }> {
  return SDK_RULE_CODES[rule] ?? DiagnosticCatalog.sdkRule;
}

/** The name of an entry of {@link DiagnosticCatalog}. */
export type DiagnosticName = keyof typeof DiagnosticCatalog;

/**
 * Makes a diagnostic from a catalog entry.
 *
 * @example
 * ```ts
 * createDiagnostic(DiagnosticCatalog.pathNotFound, { path: "dags" }, { file: "dags", line: 0, column: 0 });
 * ```
 */
export function createDiagnostic<A>(
  definition: DiagnosticDefinition<A>,
  args: A,
  location: { file: string; line: number; column: number; length?: number | undefined },
): Diagnostic {
  // A copy: a message built from pieces of source text would keep that text alive.
  const message = ` ${definition.format(args)}`.slice(1);
  const diagnostic: Diagnostic = {
    code: definition.code,
    severity: definition.severity,
    message,
    file: location.file,
    line: location.line,
    column: location.column,
    ...(location.length === undefined ? {} : { length: location.length }),
    ...(definition.rule ? { rule: definition.rule(args) } : {}),
  };
  return diagnostic;
}

/**
 * True when any diagnostic is an error (what makes `assetflow compile` exit with 1).
 *
 * @example
 * ```ts
 * if (hasErrors(compile({ root: "dags" }).diagnostics)) process.exitCode = 1;
 * ```
 */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === "error");
}

/**
 * Sorts diagnostics by file, position, code and message, and drops repeats:
 * the same diagnostic twice, and, for what the compiler cannot resolve
 * (`AF2xxx`), the same code at the same position worded for another use of
 * the value (the first message in that order is kept).
 *
 * @example
 * ```ts
 * const all = sortDiagnostics([...first.diagnostics, ...second.diagnostics]);
 * ```
 */
export function sortDiagnostics(diagnostics: Iterable<Diagnostic>): Diagnostic[] {
  const sorted = [...diagnostics].sort(
    (a, b) =>
      compareText(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareText(a.code, b.code) ||
      compareText(a.message, b.message),
  );
  const result: Diagnostic[] = [];
  for (const diagnostic of sorted) {
    const last = result.at(-1);
    if (
      last &&
      last.file === diagnostic.file &&
      last.line === diagnostic.line &&
      last.column === diagnostic.column &&
      last.code === diagnostic.code &&
      (last.message === diagnostic.message || diagnostic.code.startsWith("AF2"))
    ) {
      continue;
    }
    result.push(diagnostic);
  }
  return result;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Options of {@link formatDiagnostic}. */
export interface FormatDiagnosticOptions {
  /** The text of the diagnostic's file, for the code frame. Without it, no frame is printed. */
  source?: string | undefined;
  /** ANSI colors (default false). */
  color?: boolean;
  /** Lines of context above and below the diagnostic's line (default 1). */
  context?: number;
}

const ANSI = { red: "\u001b[31m", yellow: "\u001b[33m", cyan: "\u001b[36m", dim: "\u001b[2m", reset: "\u001b[0m" };

/**
 * Prints a diagnostic as `file:line:column - severity CODE: message`, followed
 * by a code frame of its line with the span underlined when the source is given.
 *
 * @example
 * ```ts
 * console.error(formatDiagnostic(diagnostic, { source: readFileSync(diagnostic.file, "utf8") }));
 * // dags/etl.ts:4:13 - error AF2002: The URI of this asset is built at run time from `process.env.BUCKET`; ...
 * //
 * //   3 | export const raw =
 * // > 4 |   new Asset(process.env.BUCKET);
 * //     |             ^^^^^^^^^^^^^^^^^^
 * ```
 */
export function formatDiagnostic(diagnostic: Diagnostic, options: FormatDiagnosticOptions = {}): string {
  const paint = (code: string, text: string) => (options.color ? `${code}${text}${ANSI.reset}` : text);
  const where =
    diagnostic.line > 0 ? `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}` : diagnostic.file || "(project)";
  const severityColor =
    diagnostic.severity === "error" ? ANSI.red : diagnostic.severity === "warning" ? ANSI.yellow : ANSI.cyan;
  const head = `${paint(ANSI.cyan, where)} - ${paint(severityColor, `${diagnostic.severity} ${diagnostic.code}`)}: ${diagnostic.message}`;
  if (options.source === undefined || diagnostic.line <= 0) return head;
  const lines = options.source.split(/\r?\n/);
  if (diagnostic.line > lines.length) return head;
  const context = options.context ?? 1;
  const first = Math.max(1, diagnostic.line - context);
  const last = Math.min(lines.length, diagnostic.line + context);
  const width = String(last).length;
  const frame: string[] = [];
  for (let number = first; number <= last; number++) {
    const text = (lines[number - 1] ?? "").replace(/\t/g, "  ");
    const marker = number === diagnostic.line ? ">" : " ";
    frame.push(
      `${paint(number === diagnostic.line ? severityColor : ANSI.dim, marker)} ${String(number).padStart(width)} | ${text}`,
    );
    if (number === diagnostic.line) {
      const raw = lines[number - 1] ?? "";
      const before = raw.slice(0, Math.max(0, diagnostic.column - 1)).replace(/\t/g, "  ");
      const available = Math.max(1, raw.length - (diagnostic.column - 1));
      const span = Math.max(1, Math.min(diagnostic.length ?? 1, available));
      frame.push(`  ${" ".repeat(width)} | ${" ".repeat(before.length)}${paint(severityColor, "^".repeat(span))}`);
    }
  }
  return `${head}\n\n${frame.join("\n")}\n`;
}
