// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are TypeScript source with template literals
/**
 * A fast-check generator of DAG projects written the way users write DAG
 * code: constants in one file, asset and condition helpers in another, DAG
 * factories (functions, arrows with default parameters, classes) in a third,
 * and entry files that create DAGs through array methods, loops, `switch`,
 * ternaries, `Object.entries`, closures, destructuring and spreads. Some
 * sites depend on values only known at run time (`process.env`), which the
 * compiler must report. Some tasks read `Asset.ref({ name })` or
 * `Asset.ref({ uri })` inlets, some schedules take URI patterns
 * (`Asset.pattern`, of the lake or of the project's own scheme), and some
 * projects register a URI scheme normalizer of their own
 * (`registerUriScheme`) in a shared file or between the sites of an entry,
 * used by assets and patterns of that scheme in every file.
 *
 * The generator knows nothing of the expected manifest: the runtime is the
 * oracle. It only keeps DAG ids unique (each site has its own prefix) and
 * avoids code that throws when loaded.
 */
import fc from "fast-check";

/** A generated project: file name to source text, and the entry files (the DAG files the runtime loads). */
export interface GeneratedProject {
  readonly files: Readonly<Record<string, string>>;
  readonly entries: readonly string[];
}

const WORDS = ["eu", "us", "apac", "latam", "africa", "nordics", "iberia", "benelux"] as const;
const TABLE_NAMES = ["orders", "customers", "events", "payments"] as const;

type ListExpression =
  | "REGIONS"
  | "REGIONS.slice(1)"
  | "[...REGIONS].reverse()"
  | "REGIONS.filter((r) => r.length > 2)"
  | "Object.keys(TABLES)"
  | "[...REGIONS, ...EXTRA]"
  | "REGIONS.concat(EXTRA).sort()"
  | "Array.from(REGIONS, (r) => r.toUpperCase().toLowerCase())"
  | "UNKNOWN_LIST";

type SiteKind =
  | "map"
  | "forEachByName"
  | "forOf"
  | "forIndex"
  | "while"
  | "flatMapEntries"
  | "reduce"
  | "switch"
  | "ternary"
  | "classFactory"
  | "staticFactory"
  | "direct"
  | "counter"
  | "forIn"
  | "labeled"
  | "envGuard"
  | "decorated"
  | "destructure";

interface SiteSpec {
  readonly kind: SiteKind;
  readonly list: ListExpression;
  readonly schedule: number;
  readonly flag: boolean;
}

/**
 * How a task names an asset declared elsewhere in its inlets (`Asset.ref`):
 * none, by the name of an asset of the project, by an unknown name, by the
 * URI of a lake asset, by a URI of the project's own scheme (when it has one).
 */
type RefStyle = "none" | "knownName" | "unknownName" | "lakeUri" | "schemeUri";

/** Where a project registers its URI scheme: `schemes.ts` (imported by assets.ts), assets.ts after a constant, an entry. */
type SchemeWhere = "schemesFile" | "assetsFile" | "entry";

interface SchemeSpec {
  /** The normalizer: 0 lower-case host + default port, 1 strip a suffix, 2 both (a constant of config.ts), 3 unstable (invalid). */
  readonly rule: number;
  /** The registered name: 0 lower-case, 1 capitalized, 2 an "x-" scheme (refused), 3 a built-in scheme (refused). */
  readonly name: number;
  readonly where: SchemeWhere;
  /** For "entry": the entry file and the site the registration comes before (it may be past the last site). */
  readonly entry: number;
  readonly at: number;
  /** Whether the rule is a function of schemes.ts imported where it is registered, or written at the registration. */
  readonly imported: boolean;
}

/**
 * The URI pattern of the schedules that take one: 0 a lake table, 1 a lake
 * region's `{**rest}`, 2 a pattern with a capture inside a segment, 3 one of
 * the project's own scheme (when it has one; a constant made where assets.ts
 * runs after the registration, else made when the DAG is built).
 */
type PatternStyle = 0 | 1 | 2 | 3;

interface ProjectSpec {
  readonly regions: readonly string[];
  readonly extra: readonly string[];
  readonly tables: readonly (readonly [string, readonly string[]])[];
  readonly env: "prod" | "dev" | "staging";
  readonly assetStyle: number;
  readonly conditionStyle: number;
  readonly factoryStyle: number;
  readonly taskStyle: number;
  readonly retriesStyle: number;
  readonly entries: readonly (readonly SiteSpec[])[];
  readonly refStyle: RefStyle;
  readonly patternStyle: PatternStyle;
  readonly scheme: SchemeSpec | undefined;
}

/** A project's URI scheme after rendering: its name as written in URIs (unique per project, see {@link render}). */
interface RenderedScheme extends SchemeSpec {
  readonly uriScheme: string;
  readonly registered: string;
}

interface RenderSpec extends ProjectSpec {
  readonly schemeOf: RenderedScheme | undefined;
}

const distinctWords = (min: number, max: number) =>
  fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: min, maxLength: max });

const listExpression: fc.Arbitrary<ListExpression> = fc.oneof(
  { weight: 30, arbitrary: fc.constant("REGIONS" as const) },
  {
    weight: 60,
    arbitrary: fc.constantFrom<ListExpression>(
      "REGIONS.slice(1)",
      "[...REGIONS].reverse()",
      "REGIONS.filter((r) => r.length > 2)",
      "Object.keys(TABLES)",
      "[...REGIONS, ...EXTRA]",
      "REGIONS.concat(EXTRA).sort()",
      "Array.from(REGIONS, (r) => r.toUpperCase().toLowerCase())",
    ),
  },
  { weight: 4, arbitrary: fc.constant("UNKNOWN_LIST" as const) },
);

const siteKind: fc.Arbitrary<SiteKind> = fc.oneof(
  {
    weight: 95,
    arbitrary: fc.constantFrom<SiteKind>(
      "map",
      "forEachByName",
      "forOf",
      "forIndex",
      "while",
      "flatMapEntries",
      "reduce",
      "switch",
      "ternary",
      "classFactory",
      "staticFactory",
      "direct",
      "counter",
      "forIn",
      "labeled",
      "decorated",
      "destructure",
    ),
  },
  { weight: 5, arbitrary: fc.constant("envGuard" as const) },
);

const site: fc.Arbitrary<SiteSpec> = fc.record({
  kind: siteKind,
  list: listExpression,
  schedule: fc.nat(7),
  flag: fc.boolean(),
});

const refStyle: fc.Arbitrary<RefStyle> = fc.oneof(
  { weight: 70, arbitrary: fc.constant("none" as const) },
  { weight: 30, arbitrary: fc.constantFrom<RefStyle>("knownName", "unknownName", "lakeUri", "schemeUri") },
);

const schemeSpec: fc.Arbitrary<SchemeSpec | undefined> = fc.oneof(
  { weight: 70, arbitrary: fc.constant(undefined) },
  {
    weight: 30,
    arbitrary: fc.record({
      rule: fc.oneof({ weight: 90, arbitrary: fc.nat(2) }, { weight: 10, arbitrary: fc.constant(3) }),
      name: fc.oneof({ weight: 90, arbitrary: fc.nat(1) }, { weight: 10, arbitrary: fc.constantFrom(2, 3) }),
      where: fc.constantFrom<SchemeWhere>("schemesFile", "assetsFile", "entry"),
      entry: fc.nat(2),
      at: fc.nat(3),
      imported: fc.boolean(),
    }),
  },
);

/** The arbitrary of generated projects. */
export const projectArbitrary: fc.Arbitrary<GeneratedProject> = fc
  .record({
    regions: distinctWords(1, 4),
    extra: distinctWords(0, 2),
    tables: fc.uniqueArray(fc.tuple(fc.constantFrom(...TABLE_NAMES), distinctWords(0, 3)), {
      minLength: 1,
      maxLength: 3,
      selector: ([name]) => name,
    }),
    env: fc.constantFrom("prod" as const, "dev" as const, "staging" as const),
    assetStyle: fc.nat(2),
    conditionStyle: fc.nat(4),
    factoryStyle: fc.nat(2),
    taskStyle: fc.nat(3),
    retriesStyle: fc.nat(2),
    entries: fc.array(fc.array(site, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    refStyle,
    patternStyle: fc.constantFrom<PatternStyle>(0, 1, 2, 3),
    scheme: schemeSpec,
  })
  .map(render);

/**
 * Projects rendered so far: a project's own URI scheme is named after it. The
 * runtime oracle runs every project in this process, where the SDK keeps the
 * scheme rules registered (there is no unregistering), so a scheme name is
 * never used by two projects.
 */
let rendered = 0;

function render(generated: ProjectSpec): GeneratedProject {
  // Lists are spread together: keep the extra words apart from the regions, so DAG ids stay unique.
  const base = { ...generated, extra: generated.extra.filter((word) => !generated.regions.includes(word)) };
  const project = rendered++;
  const schemeOf = renderedScheme(base.scheme, project);
  const spec: RenderSpec = {
    ...base,
    schemeOf,
    refStyle: base.refStyle === "schemeUri" && !schemeOf ? "lakeUri" : base.refStyle,
  };
  const files: Record<string, string> = {
    "config.ts": renderConfig(spec),
    "assets.ts": renderAssets(spec),
    "factories.ts": renderFactories(spec),
  };
  if (schemeOf && (schemeOf.where === "schemesFile" || schemeOf.imported))
    files["schemes.ts"] = renderSchemes(schemeOf);
  const entries: string[] = [];
  spec.entries.forEach((sites, index) => {
    const name = `dags_${index}.ts`;
    files[name] = renderEntry(sites, index, spec);
    entries.push(name);
  });
  return { files, entries };
}

function renderedScheme(scheme: SchemeSpec | undefined, project: number): RenderedScheme | undefined {
  if (!scheme) return undefined;
  const uriScheme = [`topic${project}`, `topic${project}`, `x-topic${project}`, "s3"][scheme.name % 4] as string;
  const registered = scheme.name % 4 === 1 ? `Topic${project}` : uriScheme;
  return { ...scheme, uriScheme, registered };
}

/** The normalizer's source, as a function declaration named `normalizeTopic`. */
function normalizerSource(rule: number): string {
  return [
    // lower-case host, default port
    'function normalizeTopic(uri: ParsedUri): ParsedUri {\n  if (!uri.host) throw new AssetUriError(\'topic URIs need a cluster, as in "topic://cluster/name".\');\n  return { ...uri, host: uri.host.toLowerCase(), port: uri.port ?? "9092" };\n}',
    // strip a suffix
    'function normalizeTopic(uri: ParsedUri): ParsedUri {\n  const path = uri.path.endsWith(".v1") ? uri.path.slice(0, -".v1".length) : uri.path;\n  return { ...uri, path: path.toLowerCase() };\n}',
    // both, with a constant of another file
    'function normalizeTopic(uri: ParsedUri): ParsedUri {\n  const { host = "", port = TOPIC_PORT, path } = uri;\n  return { ...uri, host: host.toLowerCase(), port, path: path.replace(/\\.v1$/, "") };\n}',
    // unstable: its result changes when sanitized again (the SDK refuses it)
    "function normalizeTopic(uri: ParsedUri): ParsedUri {\n  return { ...uri, path: `${uri.path}/v` };\n}",
  ][rule % 4] as string;
}

/** The registration, with the normalizer written there (an arrow or a function) or imported. */
function registration(scheme: RenderedScheme, inline: boolean): string {
  if (!inline) return `registerUriScheme("${scheme.registered}", normalizeTopic);`;
  if (scheme.rule % 4 === 0)
    return `registerUriScheme("${scheme.registered}", (uri) => {\n  if (!uri.host) throw new AssetUriError("topic URIs need a cluster.");\n  return { ...uri, host: uri.host.toLowerCase(), port: uri.port ?? "9092" };\n});`;
  return `${normalizerSource(scheme.rule)}\nregisterUriScheme("${scheme.registered}", normalizeTopic);`;
}

function renderSchemes(scheme: RenderedScheme): string {
  const lines = [
    "// The project's URI scheme rule.",
    'import { AssetUriError, type ParsedUri, registerUriScheme } from "assetflow";',
    'import { TOPIC_PORT } from "./config.js";',
    "",
    `export ${normalizerSource(scheme.rule)}`,
    "void AssetUriError;",
    "void TOPIC_PORT;",
  ];
  if (scheme.where === "schemesFile") lines.push(`registerUriScheme("${scheme.registered}", normalizeTopic);`);
  else lines.push("void registerUriScheme;");
  return `${lines.join("\n")}\n`;
}

function renderConfig(spec: RenderSpec): string {
  const tables = spec.tables.map(([name, regions]) => `  ${name}: ${JSON.stringify(regions)},`).join("\n");
  return `// Constants of the project.
export const REGIONS = ${JSON.stringify(spec.regions)} as const;
export const EXTRA: readonly string[] = ${JSON.stringify(spec.extra)};
export const TABLES = {
${tables}
} as const satisfies Record<string, readonly string[]>;
export const ENV = ${JSON.stringify(spec.env)} as "prod" | "dev" | "staging";
export const DEFAULTS = Object.freeze({ retries: ${spec.env === "prod" ? 2 : 0}, owner: "data" });
export const UNKNOWN_LIST: readonly string[] = process.env.AF_DIFFERENTIAL_UNSET_LIST?.split(",") ?? REGIONS;
${spec.schemeOf ? 'export const TOPIC_PORT = "19092";\n' : ""}`;
}

function renderAssets(spec: RenderSpec): string {
  const assetFor = [
    'export const assetFor = (region: string, table = "orders") => new Asset(`s3://lake/${region}/${table}`);',
    'export function assetFor(region: string, table: string = "orders") {\n  return new Asset({ uri: `s3://lake/${region}/${table}`, name: `${table}_${region}`, group: "lake" });\n}',
    'const BUCKETS = { lake: "s3://lake" } as const;\nexport const assetFor = (region: string, table = "orders", { lake } = BUCKETS) =>\n  new Asset({ uri: [lake, region, table].join("/"), extra: { region, table } });',
  ][spec.assetStyle % 3];
  const conditionFor = [
    // reduce
    'export function conditionFor(regions: readonly string[]): Condition {\n  return regions.map((r) => assetFor(r)).reduce((c: Condition, a) => c.or(a), assetFor("base"));\n}',
    // for...of with let
    'export function conditionFor(regions: readonly string[]): Condition {\n  let c: Condition = assetFor("base");\n  for (const r of regions) c = c.or(assetFor(r));\n  return c;\n}',
    // index loop with all()
    'export function conditionFor(regions: readonly string[]): Condition {\n  const parts: Condition[] = [assetFor("base")];\n  for (let i = 0; i < regions.length; i++) parts.push(assetFor(regions[i] as string, "events"));\n  return all(...parts);\n}',
    // template
    'export function conditionFor(regions: readonly string[]): Condition {\n  const [first, ...rest] = ["base", ...regions];\n  return rest.length === 0 ? assetFor(first as string) : assets`${assetFor(first as string)} | (${any(...rest.map((r) => assetFor(r)))})`;\n}',
    // Object.entries
    'export function conditionFor(regions: readonly string[]): Condition {\n  const byRegion = Object.fromEntries(regions.map((r) => [r, assetFor(r)] as const));\n  let c: Condition = assetFor("base");\n  for (const [, asset] of Object.entries(byRegion)) c = all(c, asset);\n  return c;\n}',
  ][spec.conditionStyle % 5];
  return `// Asset and condition helpers.
import { all, any, Asset, assets, type Condition } from "assetflow";
${renderTopics(spec)}
${assetFor}

${conditionFor}

/** An inlet naming an asset declared elsewhere. */
export const inletRef = (region: string) => ${refExpression(spec)};

/** URI patterns of the lake. */
export const lakePattern = (table: string) => Asset.pattern(\`S3://lake/{region}/\${table}/\`);
export const LAKE_REST = Asset.pattern("s3://lake/base/{**rest}");
export function partPattern(region: string) {
  return Asset.pattern(\`s3://lake/\${region}/part_{n}.v1\`);
}
`;
}

/** Assets of the project's own scheme (when it has one): a constant, and a helper called when DAGs are built. */
function renderTopics(spec: RenderSpec): string {
  const scheme = spec.schemeOf;
  if (!scheme) return "";
  const lines: string[] = [];
  if (scheme.where === "schemesFile") lines.push('import "./schemes.js";');
  // A constant created when assets.ts runs, after the rule is registered. Not when an entry registers the rule:
  // each entry runs assets.ts again in a process where the SDK keeps the rules registered by the entries
  // loaded before, so the constant's URI would depend on which entries the process loaded (see the report
  // of issue #12); topicFor("base") is called when the DAGs are built.
  const base = `export const TOPIC_BASE = new Asset("${scheme.uriScheme.toUpperCase()}://Events:9092/base.v1/");\nexport const TOPIC_PATTERN = Asset.pattern("${scheme.uriScheme.toUpperCase()}://Events:9092/{Name}.v1/");`;
  if (scheme.where === "assetsFile") {
    lines.push(
      'import { AssetUriError, type ParsedUri, registerUriScheme } from "assetflow";',
      'import { TOPIC_PORT } from "./config.js";',
      ...(scheme.imported ? ['import { normalizeTopic } from "./schemes.js";'] : []),
      "void AssetUriError;",
      "void TOPIC_PORT;",
      registration(scheme, !scheme.imported),
      base,
    );
  } else if (scheme.where === "schemesFile") lines.push(base);
  lines.push(`export const topicFor = (name: string) => new Asset(\`${scheme.uriScheme}://EVENTS/\${name}.v1/\`);`);
  lines.push(
    `export const topicPattern = (name: string) => Asset.pattern(\`${scheme.uriScheme}://EVENTS/\${name}_{Part}.v1\`);`,
  );
  return `${lines.join("\n")}\n`;
}

/** What factories and entries import from assets.ts. */
function assetImports(spec: RenderSpec): string {
  return [
    "assetFor",
    "conditionFor",
    ...(spec.refStyle === "none" ? [] : ["inletRef"]),
    "lakePattern",
    "LAKE_REST",
    "partPattern",
    ...(spec.schemeOf?.where === "entry"
      ? ["topicFor", "topicPattern"]
      : spec.schemeOf
        ? ["TOPIC_BASE", "TOPIC_PATTERN", "topicFor", "topicPattern"]
        : []),
  ].join(", ");
}

/** The expression of {@link RenderSpec.refStyle}, `region` in scope. */
function refExpression(spec: RenderSpec): string {
  switch (spec.refStyle) {
    case "none":
      return "assetFor(region)";
    case "knownName":
      return spec.assetStyle % 3 === 1
        ? "Asset.ref({ name: `orders_${region}` })"
        : "Asset.ref({ name: `s3://lake/${region}/orders` })";
    case "unknownName":
      return 'Asset.ref({ name: "external_feed" })';
    case "lakeUri":
      return "Asset.ref({ uri: `S3://lake/${region}/orders/` })";
    case "schemeUri":
      return `Asset.ref({ uri: \`${spec.schemeOf?.uriScheme}://Events:9092/\${region}.v1\` })`;
  }
}

/** The schedule of {@link PatternStyle}, `region` in scope. */
function patternSchedule(spec: RenderSpec): string {
  const scheme = spec.schemeOf;
  switch (spec.patternStyle) {
    case 0:
      return 'lakePattern("orders")';
    case 1:
      return "LAKE_REST.or(assetFor(region))";
    case 2:
      return scheme
        ? 'partPattern(region).and(lakePattern("events")).or(topicPattern(`${region}_b`))'
        : 'partPattern(region).and(lakePattern("events"))';
    case 3:
      if (!scheme) return 'lakePattern("payments").or(assetFor("base"))';
      return scheme.where === "entry"
        ? "topicPattern(region).or(assetFor(region))"
        : "TOPIC_PATTERN.or(topicPattern(region))";
  }
}

function renderFactories(spec: RenderSpec): string {
  const retries = [
    'function retriesFor(env: string): number {\n  switch (env) {\n    case "prod":\n      return 3;\n    case "staging":\n    case "dev":\n      return 1;\n    default:\n      return 0;\n  }\n}',
    'const retriesFor = (env: string) => (env === "prod" ? DEFAULTS.retries + 1 : DEFAULTS.retries);',
    "const RETRIES: Record<string, number> = { prod: 4, dev: 0, staging: 2 };\nconst retriesFor = (env: string) => RETRIES[env] ?? 0;",
  ][spec.retriesStyle % 3];
  const ref = spec.refStyle === "none" ? "" : ", inletRef(region)";
  const tasks = [
    // two tasks with precedes
    `  const extract = task({ taskId: "extract", inlets: [assetFor(region, "events")${ref}] }, () => {});\n  const load = task({ taskId: "load", outlets: [assetFor(region)], retries: retriesFor(ENV) }, () => {});\n  extract.precedes(load);`,
    // a loop of tasks over tables, chained
    "  const steps = Object.entries(TABLES).map(([table, regions]) =>\n    task({ taskId: `load_${table}`, outlets: regions.includes(region) ? [assetFor(region, table)] : [] }, () => {}),\n  );\n  chain(...steps);",
    // operator plus task with after
    '  const prepare = new BashOperator({ taskId: "prepare", bashCommand: `echo ${region}`, retries: retriesFor(ENV) });\n  task({ taskId: "publish", outlets: [assetFor(region, "payments")], after: [prepare] }, () => {});',
    // tasks built in a for loop with a counter
    "  let previous: TaskHandle | undefined;\n  for (let i = 0; i < 3; i++) {\n    const current = task({ taskId: `step_${i}` }, () => {});\n    if (previous) previous.precedes(current);\n    previous = current;\n  }",
  ][spec.taskStyle % 4];
  const stream = spec.schemeOf
    ? `\n  task({ taskId: "stream", inlets: [${spec.schemeOf.where === "entry" ? 'topicFor("base")' : "TOPIC_BASE"}], outlets: [topicFor(region)] }, () => {});`
    : "";
  const schedules = `const scheduleOf = (kind: number, region: string): Schedule => {
  switch (kind % 8) {
    case 0:
      return null;
    case 1:
      return ENV === "prod" ? "@hourly" : "@daily";
    case 2:
      return assetFor(region);
    case 3:
      return [assetFor(region, "events"), assetFor("base")];
    case 4:
      return conditionFor(REGIONS.filter((r) => r !== region));
    case 5:
      return new AssetOrTimeSchedule({ timetable: new CronTriggerTimetable("0 1 * * *"), assets: conditionFor([region]) });
    case 6:
      return assetFor(region).and(Asset.ref({ name: "external_feed" }));
    default:
      return ${patternSchedule(spec)};
  }
};`;
  const factory = [
    `export function makeIngest(region: string, prefix: string, kind = 0) {
  return dag({ dagId: \`\${prefix}_\${region}\`, schedule: scheduleOf(kind, region), tags: [ENV, region] }, () => {
${tasks}${stream}
  });
}`,
    `export const makeIngest = (region: string, prefix: string, kind: number = 0) =>
  dag({ dagId: [prefix, region].join("_"), schedule: scheduleOf(kind, region), maxActiveRuns: region.length }, () => {
${tasks}${stream}
  });`,
    `export function makeIngest(region: string, prefix: string, kind = 0) {
  const options = { dagId: \`\${prefix}_\${region}\`, schedule: scheduleOf(kind, region), params: { region, ...DEFAULTS } };
  const { dagId, ...rest } = options;
  return dag({ dagId, ...rest }, () => {
${tasks}${stream}
  });
}`,
  ][spec.factoryStyle % 3];
  return `// DAG factories.
import { Asset, AssetOrTimeSchedule, BashOperator, chain, CronTriggerTimetable, dag, type Schedule, task, type TaskHandle } from "assetflow";
import { ${assetImports(spec)} } from "./assets.js";
import { DEFAULTS, ENV, REGIONS, TABLES } from "./config.js";

${retries}

${schedules}

${factory}

export class IngestFactory {
  static made = 0;
  constructor(readonly prefix: string, readonly kind: number = 0) {}
  build(region: string) {
    IngestFactory.made++;
    return makeIngest(region, this.prefix, this.kind);
  }
  static forAll(prefix: string, regions: readonly string[]) {
    const factory = new IngestFactory(prefix, 3);
    return regions.map((region) => factory.build(region));
  }
}
`;
}

function renderEntry(sites: readonly SiteSpec[], file: number, project: RenderSpec): string {
  const scheme = project.schemeOf;
  const registers = scheme?.where === "entry" && scheme.entry % project.entries.length === file;
  const lines = [
    "// Entry file: creates DAGs.",
    registers
      ? 'import { AssetUriError, dag, type ParsedUri, registerUriScheme, task } from "assetflow";'
      : 'import { dag, task } from "assetflow";',
    `import { ${assetImports(project)} } from "./assets.js";`,
    `import { ENV, EXTRA, REGIONS, TABLES, ${registers ? "TOPIC_PORT, " : ""}UNKNOWN_LIST } from "./config.js";`,
    'import { IngestFactory, makeIngest } from "./factories.js";',
    ...(registers && scheme.imported ? ['import { normalizeTopic } from "./schemes.js";'] : []),
    ...(registers ? ["void AssetUriError;", "void TOPIC_PORT;"] : []),
    "",
  ];
  const ref = project.refStyle === "none" ? "" : ", inletRef(r)";
  for (const [index, spec] of sites.entries()) {
    if (registers && index === scheme.at) lines.push(registration(scheme, !scheme.imported), "");
    lines.push(renderSite(spec, `f${file}s${index}`, ref), "");
  }
  if (registers && scheme.at >= sites.length) lines.push(registration(scheme, !scheme.imported), "");
  return lines.join("\n");
}

/**
 * The inlets of a decorated task when the project reads `Asset.ref` inlets:
 * one ref by the class's own outlet, or one per region of the site's list.
 */
function decoratedInlets(spec: SiteSpec, prefix: string, ref: string): string {
  if (ref === "") return "";
  return spec.flag
    ? `, inlets: [assetFor("${prefix}"), inletRef("${prefix}")]`
    : `, inlets: ${spec.list}.map((r) => inletRef(r))`;
}

function renderSite(spec: SiteSpec, prefix: string, ref: string): string {
  const list = spec.list;
  const kind = spec.schedule;
  switch (spec.kind) {
    case "map":
      return `export const ${prefix} = ${list}.map((r) => makeIngest(r, "${prefix}", ${kind}));`;
    case "forEachByName":
      return `const make_${prefix} = (region: string) => makeIngest(region, "${prefix}", ${kind});\n${list}.forEach(make_${prefix});`;
    case "forOf":
      return `for (const region of ${list}) {\n  if (region === "${spec.flag ? "eu" : "none"}") continue;\n  makeIngest(region, "${prefix}", ${kind});\n}`;
    case "forIndex":
      return `{\n  const items = ${list};\n  for (let i = items.length - 1; i >= 0; i--) makeIngest(items[i] as string, "${prefix}", i + ${kind});\n}`;
    case "while":
      return `{\n  const queue = [...${list}];\n  let n = 0;\n  while (queue.length > 0) {\n    const region = queue.shift() as string;\n    makeIngest(region, \`${prefix}\${n++}\`, ${kind});\n  }\n}`;
    case "flatMapEntries":
      return `export const ${prefix} = Object.entries(TABLES).flatMap(([table, regions]) =>\n  regions.filter((r) => (${list} as readonly string[]).includes(r)).map((r) => makeIngest(r, \`${prefix}_\${table}\`, ${kind})),\n);`;
    case "reduce":
      return `export const ${prefix} = ${list}.reduce((made: unknown[], region, index) => [...made, makeIngest(region, "${prefix}", index + ${kind})], []);`;
    case "switch":
      return `switch (ENV) {\n  case "prod":\n    ${list}.forEach((r) => makeIngest(r, "${prefix}p", ${kind}));\n    break;\n  case "dev":\n    makeIngest("dev", "${prefix}d", ${kind});\n  // falls through\n  default:\n    makeIngest("other", "${prefix}o", ${kind});\n}`;
    case "ternary":
      return `export const ${prefix} = ${spec.flag ? 'ENV === "prod"' : "REGIONS.length > 2"} ? ${list}.map((r) => makeIngest(r, "${prefix}a", ${kind})) : [makeIngest("solo", "${prefix}b", ${kind})];`;
    case "classFactory":
      return `{\n  const factory = new IngestFactory("${prefix}", ${kind});\n  for (const region of ${list}) factory.build(region);\n}`;
    case "staticFactory":
      return `export const ${prefix} = IngestFactory.forAll("${prefix}", ${list});`;
    case "direct":
      return `dag({ dagId: "${prefix}", schedule: conditionFor(${list}), tags: [...${list}] }, () => {\n  const loads = ${list}.map((r) => task({ taskId: \`load_\${r}\`, inlets: [assetFor(r)${ref}] }, () => {}));\n  const report = task({ taskId: "report", outlets: [assetFor("${prefix}", "payments")] }, () => {});\n  loads.forEach((load) => load.precedes(report));\n});`;
    case "counter":
      return `{\n  let count = 0;\n  const made = ${list}.map((region) => {\n    count += 1;\n    return makeIngest(region, \`${prefix}_\${count}\`, count + ${kind});\n  });\n  void made;\n}`;
    case "forIn":
      return `for (const table in TABLES) {\n  if (Object.hasOwn(TABLES, table)) makeIngest(table, "${prefix}", ${kind});\n}`;
    case "labeled":
      return `outer_${prefix}: for (const region of ${list}) {\n  for (const table of Object.keys(TABLES)) {\n    if (table === "${spec.flag ? "customers" : "events"}") continue outer_${prefix};\n    if (region === "africa") break outer_${prefix};\n    makeIngest(region, \`${prefix}_\${table}\`, ${kind});\n  }\n}`;
    case "envGuard":
      return `if (process.env.AF_DIFFERENTIAL_UNSET_${prefix.toUpperCase()} !== "1") {\n  ${list}.forEach((r) => makeIngest(r, "${prefix}", ${kind}));\n}`;
    case "decorated":
      return `@dag({ dagId: "${prefix}", schedule: conditionFor(${list}) })\nexport class Decorated_${prefix} {\n  readonly regions = [...${list}];\n  @task({ outlets: [assetFor("${prefix}")] })\n  load(): void {}\n  @task({ after: ["load"], retries: ${kind}${decoratedInlets(spec, prefix, ref)} })\n  notify(): void {}\n}`;
    case "destructure": {
      return `{\n  const [first, ...others] = ${list};\n  const { length } = others;\n  if (first !== undefined) makeIngest(first, "${prefix}_first_" + String(length), ${kind});\n  others.forEach((r, i) => makeIngest(r, \`${prefix}_other\${i}\`, ${kind}));\n}`;
    }
  }
}
