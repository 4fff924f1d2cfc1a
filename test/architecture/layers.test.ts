import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as schedulerPackage from "../../scheduler/index.js";
import { Scheduler } from "../../scheduler/scheduler.js";

const root = resolve(import.meta.dirname, "../..");

/** Which of our files each layer may import (paths relative to the root). */
const ALLOWED: Record<string, (target: string) => boolean> = {
  sdk: (target) => target.startsWith("sdk/"),
  compiler: (target) => target.startsWith("compiler/") || target.startsWith("sdk/"),
  // The scheduler evaluates serialized conditions only: no SDK classes, no user code.
  // It shares the SDK's pure URI-pattern rules (segments, the index) to route events,
  // and reports extras that do not match their asset's schema with the SDK's one formatter.
  scheduler: (target) =>
    target.startsWith("scheduler/") ||
    target.startsWith("sdk/manifest/schema") ||
    target === "sdk/json.ts" ||
    target === "sdk/errors.ts" ||
    target === "sdk/uri/pattern.ts" ||
    target === "sdk/uri/pattern-index.ts" ||
    target === "sdk/asset-key.ts" ||
    target === "sdk/run-type.ts" ||
    target === "sdk/extra-schema.ts",
  // It writes task logs and bundles into the home, private like the rest of it (scheduler/store/home.ts); it
  // checks the extra of an event of an asset a ref named against the JSON Schema the store keeps, with the
  // scheduler's one validator of stored schemas (scheduler/extra-validation.ts).
  runtime: (target) =>
    target.startsWith("runtime/") ||
    target.startsWith("sdk/") ||
    target === "scheduler/contracts.ts" ||
    target === "scheduler/store/home.ts" ||
    target === "scheduler/extra-validation.ts",
  testing: (target) => !target.startsWith("server/") && !target.startsWith("cli/"),
  // The server reads the store through the scheduler; it reads task logs, sanitizes URIs and masks secrets like the SDK.
  server: (target) =>
    target.startsWith("server/") ||
    target.startsWith("scheduler/") ||
    target.startsWith("sdk/manifest/schema") ||
    target === "sdk/json.ts" ||
    target === "sdk/errors.ts" ||
    target === "sdk/uri/sanitize.ts" ||
    target === "sdk/uri/credentials.ts" ||
    target === "sdk/masking.ts" ||
    target === "runtime/task-logs.ts",
  cli: () => true,
  // The web UI runs in the browser and reads the REST API only: it may use the API's and the manifest's
  // types (checked in layersOfTypes below), never their code.
  ui: (target) => target.startsWith("ui/"),
};

/** Files whose types (`import type` only) a layer may use beyond {@link ALLOWED}. */
const TYPES_ALLOWED: Record<string, (target: string) => boolean> = {
  ui: (target) => /^server\/resources\/[a-z-]+\/schemas\.ts$/.test(target) || target === "sdk/manifest/schema.ts",
};

function sourceFiles(folder: string): string[] {
  const dir = join(root, folder);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(relative(root, path));
    return /\.tsx?$/.test(entry) && !/\.test\.tsx?$/.test(entry) && !entry.endsWith(".d.ts")
      ? [relative(root, path)]
      : [];
  });
}

function relativeImports(file: string, options: { typesOnly?: boolean } = {}): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const pattern = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;
  const specifiers = [...text.matchAll(pattern)]
    .filter((match) => !options.typesOnly || isTypeOnlyImport(text, match.index ?? 0))
    .map((m) => m[1] as string);
  return specifiers.map((specifier) => {
    const target = relative(root, resolve(dirname(join(root, file)), specifier)).replace(/\.js$/, ".ts");
    return existsSync(join(root, target)) || !existsSync(join(root, `${target}x`)) ? target : `${target}x`;
  });
}

/** Whether the import statement ending at `index` is `import type { ... } from`. */
function isTypeOnlyImport(text: string, index: number): boolean {
  const before = text.slice(0, index);
  const start = before.startsWith("import ")
    ? Math.max(0, before.lastIndexOf("\nimport "))
    : before.lastIndexOf("\nimport ");
  return start !== -1 && /^\n?import\s+type\s/.test(text.slice(start, index));
}

describe("layers point one way", () => {
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`${layer}/ imports only what its layer may`, () => {
      const typesAllowed = TYPES_ALLOWED[layer] ?? (() => false);
      const violations = sourceFiles(layer).flatMap((file) => {
        const typeOnly = new Set(relativeImports(file, { typesOnly: true }));
        return relativeImports(file)
          .filter((target) => !allowed(target) && !(typeOnly.has(target) && typesAllowed(target)))
          .map((target) => `${file} -> ${target}`);
      });
      expect(violations).toEqual([]);
    });
  }

  it("finds the imports it checks", () => {
    expect(relativeImports("scheduler/scheduler.ts")).toContain("scheduler/contracts.ts");
    expect(sourceFiles("sdk").length).toBeGreaterThan(10);
    expect(sourceFiles("ui")).toContain("ui/app.tsx");
    expect(relativeImports("ui/app.tsx")).toContain("ui/pages/dags-page.tsx");
    expect(relativeImports("ui/api/types.ts", { typesOnly: true })).toContain("server/resources/runs/schemas.ts");
  });
});

/**
 * Only `scheduler/` touches the store: everything else reads through the read
 * layer (`scheduler.read`, `scheduler/read/`) and writes through `Scheduler`'s
 * methods. The rule covers every source file outside `scheduler/` that ships or
 * runs in a user's process (unit tests beside the code included). Tests under
 * `test/` and benchmarks under `bench/` may look inside the store to check what
 * it holds; they reach it through `storeDatabase()` of `scheduler/scheduler.ts`,
 * which the package does not export.
 */
const STORE_ACCESS: ReadonlyArray<[string, RegExp]> = [
  ["a Kysely query builder", /\b(?:selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(/],
  ["an import of kysely", /["']kysely["']/],
  ["a `.db` property", /(?<=[\w)\]])\.db\b(?!\w)/],
];

/** A line with its string literals emptied (a file name such as `assetflow.db` is not a property). */
function withoutStrings(line: string): string {
  return line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

/** Every `.ts`/`.tsx` file under `folder`, tests included. */
function allSourceFiles(folder: string): string[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === "node_modules") return [];
    if (statSync(path).isDirectory()) return allSourceFiles(relative(root, path));
    return /\.tsx?$/.test(entry) && !entry.endsWith(".d.ts") ? [relative(root, path)] : [];
  });
}

/** The lines of a file that reach the store, as `file:line: what`, comment lines skipped. */
function storeAccesses(file: string, text: string): string[] {
  return text.split("\n").flatMap((line, index) => {
    const code = line.trimStart();
    if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) return [];
    return STORE_ACCESS.filter(([what, pattern]) =>
      pattern.test(what === "an import of kysely" ? line : withoutStrings(line)),
    ).map(([what]) => `${file}:${index + 1}: ${what}`);
  });
}

describe("only the scheduler touches the store", () => {
  const outside = ["sdk", "compiler", "runtime", "testing", "server", "cli", "ui", "templates", "examples"];
  it("no table, query builder or Kysely outside scheduler/", () => {
    const violations = outside
      .flatMap(allSourceFiles)
      .flatMap((file) => storeAccesses(file, readFileSync(join(root, file), "utf8")));
    expect(violations).toEqual([]);
  });

  it("recognises each way of reaching the store, and not file names", () => {
    expect(storeAccesses("x.ts", 'await db.selectFrom("dag").execute();')).toEqual(["x.ts:1: a Kysely query builder"]);
    expect(storeAccesses("x.ts", "const rows = await scheduler.db;")).toEqual(["x.ts:1: a `.db` property"]);
    expect(storeAccesses("x.ts", 'import { sql } from "kysely";')).toEqual(["x.ts:1: an import of kysely"]);
    expect(storeAccesses("x.ts", 'const file = join(home, "assetflow.db");')).toEqual([]);
    expect(storeAccesses("x.ts", "const url = `sqlite:///data/warehouse.db`;")).toEqual([]);
    expect(storeAccesses("x.ts", " * db.selectFrom in a comment")).toEqual([]);
  });

  it("the package exports neither the store's handle nor its table types", () => {
    expect(Object.getOwnPropertyNames(Scheduler.prototype)).not.toContain("db");
    expect(Object.keys(schedulerPackage)).not.toContain("storeDatabase");
    const index = readFileSync(join(root, "scheduler/index.ts"), "utf8");
    expect(index).not.toMatch(/store\/schema|storeDatabase|migrateToLatest|openStore/);
    expect(Object.keys(schedulerPackage)).toContain("Scheduler");
  });
});

/**
 * The states of runs and task instances and the run types are spelled once:
 * `RunState`, `TaskState` (`scheduler/contracts.ts`) and `RunType`
 * (`sdk/run-type.ts`). The engine, the read layer and the API's zod enums
 * (`z.enum(RUN_STATES)`, `server/schemas.ts`) take them from there; a list of
 * string literals naming two of them anywhere else (outside tests and the web
 * UI, which may use the API's types only) fails here.
 */
const STATE_SOURCES = new Set(["scheduler/contracts.ts", "sdk/run-type.ts"]);
const STATE_WORDS = new Set<string>([
  ...Object.values(schedulerPackage.RunState),
  ...Object.values(schedulerPackage.TaskState),
  ...schedulerPackage.RUN_KINDS,
]);

/** Lists of string literals in `text` naming two states or run types or more, as `file:line: [...]`. */
function spelledStates(file: string, text: string): string[] {
  return [...text.matchAll(/\[\s*"[^"\n]*"(?:\s*,\s*"[^"\n]*")*\s*,?\s*\]/g)].flatMap((match) => {
    const words = [...match[0].matchAll(/"([^"\n]*)"/g)].map((word) => word[1] as string);
    if (words.filter((word) => STATE_WORDS.has(word)).length < 2) return [];
    return [`${file}:${text.slice(0, match.index).split("\n").length}: ${match[0]}`];
  });
}

describe("states are spelled once", () => {
  it("no list of run states, task states or run types outside their one source", () => {
    const violations = ["sdk", "compiler", "scheduler", "runtime", "testing", "server", "cli"]
      .flatMap(sourceFiles)
      .filter((file) => !STATE_SOURCES.has(file))
      .flatMap((file) => spelledStates(file, readFileSync(join(root, file), "utf8")));
    expect(violations).toEqual([]);
  });

  it("recognises a spelled list, and not one that merely shares a word", () => {
    expect(spelledStates("x.ts", 'const state = z.enum(["queued", "running", "success", "failed"]);')).toEqual([
      'x.ts:1: ["queued", "running", "success", "failed"]',
    ]);
    expect(spelledStates("x.ts", 'q.where("state", "in", [\n  "queued",\n  "running",\n])')).toHaveLength(1);
    expect(spelledStates("x.ts", 'z.enum(["manual", "scheduled", "asset_triggered"])')).toHaveLength(1);
    expect(spelledStates("x.ts", 'z.enum(["running", "failing", "stopped", "receiving"])')).toEqual([]);
    expect(spelledStates("x.ts", "z.enum(RUN_STATES)")).toEqual([]);
  });

  it("the API's enums are the engine's lists", async () => {
    const { runStateSchema, runTypeSchema, taskStateSchema } = await import("../../server/schemas.js");
    expect(runStateSchema.options).toEqual(schedulerPackage.RUN_STATES);
    expect(taskStateSchema.options).toEqual(schedulerPackage.TASK_STATES);
    expect(runTypeSchema.options).toEqual(schedulerPackage.RUN_KINDS);
    expect([...schedulerPackage.RUN_KINDS].sort()).toEqual(["asset_triggered", "manual", "scheduled"]);
  });
});

/**
 * The REST API is one folder per resource under `server/resources/`, each with
 * its zod schemas (`schemas.ts`) beside its routes (`routes.ts`), all registered
 * by `server/resources/index.ts`. A resource reads the store through the read
 * layer (`scheduler/read/`) and acts through the scheduler's public API
 * (`scheduler/index.ts`), never an engine step or the store; its schemas never
 * import routes.
 */
describe("server resources", () => {
  const resourcesDir = join(root, "server/resources");
  const resources = readdirSync(resourcesDir).filter((entry) => statSync(join(resourcesDir, entry)).isDirectory());

  it("each resource has its schemas beside its routes, and index.ts registers its routes", () => {
    expect(resources.length).toBeGreaterThan(8);
    const index = relativeImports("server/resources/index.ts");
    for (const resource of resources) {
      const files = readdirSync(join(resourcesDir, resource)).filter((file) => !/\.test\.tsx?$/.test(file));
      expect({ resource, files: files.sort() }).toEqual({ resource, files: ["routes.ts", "schemas.ts"] });
      expect(index).toContain(`server/resources/${resource}/routes.ts`);
    }
  });

  it("resources reach the scheduler only through its public API and the read layer", () => {
    const violations = sourceFiles("server/resources").flatMap((file) =>
      relativeImports(file)
        .filter((target) => target.startsWith("scheduler/"))
        .filter((target) => target !== "scheduler/index.ts" && !target.startsWith("scheduler/read/"))
        .map((target) => `${file} -> ${target}`),
    );
    expect(violations).toEqual([]);
    expect(relativeImports("server/resources/assets/routes.ts")).toContain("scheduler/index.ts");
  });

  it("a resource's schemas import no routes, and routes import no other resource's routes", () => {
    const violations = sourceFiles("server/resources").flatMap((file) =>
      relativeImports(file)
        .filter((target) => target.endsWith("/routes.ts"))
        .filter(() => file !== "server/resources/index.ts")
        .map((target) => `${file} -> ${target}`),
    );
    expect(violations).toEqual([]);
  });
});

/**
 * The built-in operators' services are one module per operator behind the one
 * `OperatorServices` interface (`runtime/services.ts` composes them): bash in
 * `runtime/operators/bash.ts`, SQL on SQLite in `sqlite.ts`, SQL on PostgreSQL in
 * `postgres.ts` (`sql.ts` chooses by connection and loads only the driver it needs).
 */
describe("operators, one per module", () => {
  const OWNERS: ReadonlyArray<[string, string]> = [
    ["node:child_process", "runtime/operators/bash.ts"],
    ["better-sqlite3", "runtime/operators/sqlite.ts"],
    ["pg", "runtime/operators/postgres.ts"],
  ];
  const packageImports = (file: string): string[] =>
    [...readFileSync(join(root, file), "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^."'][^"']*)["']/g)].map(
      (match) => match[1] as string,
    );

  it("each driver or process API is imported by its operator's module only", () => {
    const files = ["runtime/services.ts", ...sourceFiles("runtime/operators")];
    expect(files).toContain("runtime/operators/sql.ts");
    const violations = files.flatMap((file) =>
      OWNERS.filter(([module, owner]) => file !== owner && packageImports(file).includes(module)).map(
        ([module]) => `${file} imports ${module}`,
      ),
    );
    expect(violations).toEqual([]);
    for (const [module, owner] of OWNERS) expect(packageImports(owner)).toContain(module);
  });

  it("the SQL modules of the two databases are loaded only when a connection needs one", () => {
    const staticImports = (file: string) =>
      [...readFileSync(join(root, file), "utf8").matchAll(/^import[^;]*from\s*["']([^"']+)["']/gm)].map((m) => m[1]);
    for (const file of ["runtime/services.ts", "runtime/operators/sql.ts"]) {
      expect(staticImports(file)).not.toContain("./sqlite.js");
      expect(staticImports(file)).not.toContain("./postgres.js");
    }
  });
});
