/**
 * A compilation: which files, how they are read and resolved, and the state
 * kept between compilations (parsed files, module records) so that after a
 * file changes only that file is parsed again and only the modules that
 * depend on it run again.
 */
import { closeSync, type Dirent, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { type Project, ts } from "ts-morph";
import type { Manifest } from "../sdk/manifest/schema.js";
import { createDiagnostic, type Diagnostic, DiagnosticCatalog, hasErrors, sortDiagnostics } from "./diagnostics.js";
import { Interpreter } from "./interpreter/interpreter.js";
import { type ModuleHost, type Resolution, SDK_SPECIFIERS } from "./interpreter/modules.js";
import { lintProject } from "./lint.js";
import { buildManifest } from "./manifest.js";
import type { DagModel } from "./model.js";
import {
  fingerprintOf,
  type ParsedFile,
  parseFile,
  parseSource,
  sourceExtension,
  TYPESCRIPT_EXTENSIONS,
  wrapSourceFile,
} from "./source.js";

/** Options of `compile` and `createWatchCompiler`. */
export interface CompileOptions {
  /**
   * A folder of DAG files (every TypeScript file under it, `node_modules` and
   * hidden folders aside), or one file. Also the base of the paths in the
   * manifest and diagnostics. Default: the current directory, unless `files`
   * or `tsconfig` say what to compile.
   */
  root?: string;
  /** Files (or folders) to compile, instead of everything under `root`. */
  files?: readonly string[];
  /** A tsconfig.json whose files are compiled (when neither `files` nor `root` are given) and whose `paths` are followed. */
  tsconfig?: string;
  /** A ts-morph project (for example in memory) whose source files are compiled instead of files on disk. */
  project?: Project;
  /** Add `source` locations to DAGs and tasks in the manifest (default true). */
  sourceLocations?: boolean;
  /** The directory relative paths are resolved against (default `process.cwd()`). */
  cwd?: string;
}

/** The outcome of a compilation. */
export interface CompileResult {
  /** The manifest (with `source` locations unless turned off). */
  readonly manifest: Manifest;
  /** Every problem found, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The files compiled (the given ones and those they import), relative to `baseDir`, sorted. */
  readonly files: readonly string[];
  /** The absolute folder the paths of the manifest and diagnostics are relative to. */
  readonly baseDir: string;
}

/** Normalizes a path to an absolute one with `/` separators. */
export function normalizePath(file: string, cwd: string): string {
  return path.resolve(cwd, file).replace(/\\/g, "/");
}

/**
 * How many entry files are read and parsed ahead of running them (see
 * `CompilerProgram.parseAhead`): enough for the parser's and the evaluator's
 * working sets to stay warm, few enough that the trees alive at once stay small.
 */
const PARSE_AHEAD = 16;

/** Files up to this size are read into {@link DiskSource}'s buffer; larger ones with `readFileSync`. */
const READ_BUFFER_BYTES = 256 * 1024;

interface PathMapping {
  readonly pattern: string;
  readonly targets: readonly string[];
}

/** Where files come from: the disk or a ts-morph project. */
interface FileSource {
  read(file: string): { text: string } | { error: string };
  exists(file: string): boolean;
  /** A source file already parsed by the project, if any. */
  parsed(file: string): ts.SourceFile | undefined;
  forget(file: string): void;
}

class DiskSource implements FileSource {
  private readonly existence = new Map<string, boolean>();
  /** One buffer for every read: most DAG files fit, and reading into it is cheaper than `readFileSync`'s own. */
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

  read(file: string): { text: string } | { error: string } {
    try {
      return { text: this.readText(file) };
    } catch (error) {
      return { error: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
  }

  private readText(file: string): string {
    const descriptor = openSync(file, "r");
    try {
      const length = readSync(descriptor, this.buffer, 0, this.buffer.length, 0);
      if (length < this.buffer.length) return this.buffer.toString("utf8", 0, length);
    } finally {
      closeSync(descriptor);
    }
    return readFileSync(file, "utf8");
  }

  exists(file: string): boolean {
    let known = this.existence.get(file);
    if (known === undefined) {
      try {
        known = statSync(file).isFile();
      } catch {
        known = false;
      }
      this.existence.set(file, known);
    }
    return known;
  }

  parsed(): undefined {
    return undefined;
  }

  forget(file: string): void {
    this.existence.delete(file);
  }
}

class ProjectSource implements FileSource {
  constructor(private readonly project: Project) {}

  read(file: string): { text: string } | { error: string } {
    const sourceFile = this.project.getSourceFile(file);
    if (sourceFile) return { text: sourceFile.getFullText() };
    try {
      return { text: this.project.getFileSystem().readFileSync(file) };
    } catch (error) {
      return { error: String(error) };
    }
  }

  exists(file: string): boolean {
    return this.project.getSourceFile(file) !== undefined || this.project.getFileSystem().fileExistsSync(file);
  }

  parsed(file: string): ts.SourceFile | undefined {
    return this.project.getSourceFile(file)?.compilerNode;
  }

  forget(): void {}
}

/** What one build produced, with the DAGs behind the manifest. */
export interface ProgramBuild {
  readonly result: CompileResult;
  /** Display paths of the modules that ran for this build. */
  readonly ran: readonly string[];
}

/**
 * A compilation that can be updated: {@link CompilerProgram.build} compiles,
 * {@link CompilerProgram.update} takes changed paths and compiles again,
 * parsing only the changed files and running only the modules that depend on
 * them. `compile` and `createWatchCompiler` are built on it.
 *
 * @example
 * ```ts
 * const program = new CompilerProgram({ root: "dags" }, { incremental: true });
 * const first = program.build().result;
 * const next = program.update(["dags/etl.ts"]); // next.ran: ["etl.ts"]
 * ```
 */
export class CompilerProgram {
  readonly baseDir: string;
  private readonly cwd: string;
  private readonly source: FileSource;
  private readonly files = new Map<string, ParsedFile>();
  /** Resolutions by importing directory, then specifier. */
  private resolutions = new Map<string, Map<string, Resolution>>();
  private readonly interpreter: Interpreter;
  private readonly inputDiagnostics: Diagnostic[] = [];
  private readonly explicit = new Set<string>();
  private readonly pathMappings: PathMapping[] = [];
  private pathsBase: string | undefined;
  private entries: string[] = [];
  /** For watch mode: released files keep a fingerprint of their text, to tell later whether they changed. */
  private readonly incremental: boolean;
  private walkRoot: string | undefined;

  constructor(
    private readonly options: CompileOptions = {},
    mode: { readonly incremental?: boolean } = {},
  ) {
    this.incremental = mode.incremental ?? false;
    this.cwd = normalizePath(options.cwd ?? process.cwd(), "/");
    this.source = options.project ? new ProjectSource(options.project) : new DiskSource();
    const root = options.root === undefined ? undefined : normalizePath(options.root, this.cwd);
    const tsconfig = options.tsconfig === undefined ? undefined : normalizePath(options.tsconfig, this.cwd);
    const rootIsFile = root !== undefined && !options.project && this.source.exists(root);
    this.baseDir =
      root !== undefined
        ? rootIsFile
          ? path.posix.dirname(root)
          : root
        : tsconfig !== undefined
          ? path.posix.dirname(tsconfig)
          : options.project
            ? "/"
            : this.cwd;
    const configFiles = tsconfig ? this.readTsconfig(tsconfig) : undefined;
    this.interpreter = new Interpreter(this.host());
    this.discover(root, configFiles);
  }

  // ---- inputs ----------------------------------------------------------------

  private display(file: string): string {
    if (this.baseDir !== "/" && file.startsWith(`${this.baseDir}/`)) return file.slice(this.baseDir.length + 1);
    if (this.baseDir === "/" && file.startsWith("/")) return file.slice(1);
    const relative = path.posix.relative(this.baseDir, file);
    return relative === "" ? path.posix.basename(file) : relative;
  }

  private shown(file: string): string {
    return path.isAbsolute(file) ? path.relative(this.cwd, file).replace(/\\/g, "/") || "." : file;
  }

  private inputProblem<A>(definition: Parameters<typeof createDiagnostic<A>>[0], args: A, file: string): void {
    this.inputDiagnostics.push(createDiagnostic(definition, args, { file, line: 0, column: 0 }));
  }

  private readTsconfig(tsconfig: string): string[] | undefined {
    const shown = this.shown(tsconfig);
    if (!existsSync(tsconfig)) {
      this.inputProblem(DiagnosticCatalog.pathNotFound, { path: shown }, shown);
      return undefined;
    }
    const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
    if (read.error) {
      this.inputProblem(
        DiagnosticCatalog.tsconfigInvalid,
        { path: shown, problem: ts.flattenDiagnosticMessageText(read.error.messageText, " ") },
        shown,
      );
      return undefined;
    }
    const directory = path.posix.dirname(tsconfig);
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, directory, undefined, tsconfig);
    for (const error of parsed.errors) {
      if (error.category !== ts.DiagnosticCategory.Error || error.code === 18003) continue;
      this.inputProblem(
        DiagnosticCatalog.tsconfigInvalid,
        { path: shown, problem: ts.flattenDiagnosticMessageText(error.messageText, " ") },
        shown,
      );
    }
    const paths = parsed.options.paths ?? {};
    this.pathsBase = parsed.options.baseUrl ? normalizePath(parsed.options.baseUrl, directory) : directory;
    for (const [pattern, targets] of Object.entries(paths)) this.pathMappings.push({ pattern, targets });
    return parsed.fileNames.map((file) => normalizePath(file, directory)).filter((file) => sourceExtension(file));
  }

  private discover(root: string | undefined, configFiles: string[] | undefined): void {
    const entries = new Set<string>();
    const project = this.options.project;
    if (project) {
      const given = this.options.files?.map((file) => normalizePath(file, this.baseDir));
      for (const sourceFile of project.getSourceFiles()) {
        const file = sourceFile.getFilePath();
        if (!sourceExtension(file)) continue;
        if (given && !given.includes(file)) continue;
        if (!given && root !== undefined && !file.startsWith(`${root}/`) && file !== root) continue;
        entries.add(file);
      }
      for (const file of given ?? []) {
        if (!entries.has(file)) this.inputProblem(DiagnosticCatalog.pathNotFound, { path: file }, file);
        else this.explicit.add(file);
      }
      this.entries = [...entries].sort();
      return;
    }
    const addPath = (file: string, explicitFile: boolean): void => {
      const shown = this.shown(file);
      let stats: ReturnType<typeof statSync> | undefined;
      try {
        stats = statSync(file);
      } catch {
        this.inputProblem(DiagnosticCatalog.pathNotFound, { path: shown }, shown);
        return;
      }
      if (stats.isDirectory()) {
        const found = walk(file);
        if (found.length === 0) this.inputProblem(DiagnosticCatalog.noSourceFiles, { path: shown }, shown);
        for (const item of found) entries.add(item);
        this.walkRoot ??= file;
        return;
      }
      if (!sourceExtension(file)) {
        this.inputProblem(DiagnosticCatalog.notTypeScript, { path: shown }, shown);
        return;
      }
      entries.add(file);
      if (explicitFile) this.explicit.add(file);
    };
    if (this.options.files) {
      for (const file of this.options.files) addPath(normalizePath(file, this.cwd), true);
    } else if (root !== undefined) {
      addPath(root, true);
    } else if (this.options.tsconfig !== undefined) {
      for (const file of configFiles ?? []) entries.add(file);
    } else {
      addPath(this.cwd, false);
    }
    this.entries = [...entries].sort();
  }

  // ---- files and modules -------------------------------------------------------

  private host(): ModuleHost {
    return {
      file: (file) => this.file(file),
      resolve: (from, specifier) => this.resolve(from, specifier),
    };
  }

  /**
   * Reads and parses the entries from `from` on, up to {@link PARSE_AHEAD} of
   * them, that have not run yet, before they run: the parser and the
   * evaluator each then run over several files in a row, with their code and
   * data warm in the CPU's caches, instead of taking turns file by file.
   */
  private parseAhead(entries: readonly string[], from: number): void {
    const end = Math.min(entries.length, from + PARSE_AHEAD);
    for (let index = from; index < end; index++) {
      const entry = entries[index] as string;
      if (this.files.has(entry) || this.interpreter.recordOf(entry)?.state === "done") continue;
      this.file(entry);
    }
  }

  private file(file: string): ParsedFile | undefined {
    let parsed = this.files.get(file);
    if (parsed) return parsed;
    const display = this.display(file);
    const fromProject = this.source.parsed(file);
    if (fromProject) {
      parsed = wrapSourceFile(
        file,
        display,
        fromProject,
        () => this.source.parsed(file) ?? parseSource(file, fromProject.text),
      );
    } else {
      const read = this.source.read(file);
      if ("error" in read) {
        const shown = this.shown(file);
        this.inputProblem(DiagnosticCatalog.unreadable, { path: shown, reason: read.error }, shown);
        return undefined;
      }
      parsed = parseFile(file, display, read.text, () => {
        const again = this.source.read(file);
        return "error" in again ? "" : again.text;
      });
    }
    this.files.set(file, parsed);
    return parsed;
  }

  private resolve(from: ParsedFile, specifier: string): Resolution {
    if (SDK_SPECIFIERS.has(specifier)) return SDK_RESOLUTION;
    const directory = from.directory;
    let cache = this.resolutions.get(directory);
    if (!cache) {
      cache = new Map();
      this.resolutions.set(directory, cache);
    }
    let resolution = cache.get(specifier);
    if (!resolution) {
      resolution = this.resolveUncached(directory, specifier);
      cache.set(specifier, resolution);
    }
    return resolution;
  }

  private resolveUncached(directory: string, specifier: string): Resolution {
    if (
      specifier.startsWith("./") ||
      specifier.startsWith("../") ||
      specifier.startsWith("/") ||
      specifier === "." ||
      specifier === ".."
    ) {
      return this.resolvePath(normalizePath(specifier, directory));
    }
    for (const mapping of this.pathMappings) {
      const star = mapping.pattern.indexOf("*");
      let matched: string | undefined;
      if (star < 0) matched = mapping.pattern === specifier ? "" : undefined;
      else {
        const prefix = mapping.pattern.slice(0, star);
        const suffix = mapping.pattern.slice(star + 1);
        if (
          specifier.startsWith(prefix) &&
          specifier.endsWith(suffix) &&
          specifier.length >= prefix.length + suffix.length
        ) {
          matched = specifier.slice(prefix.length, specifier.length - suffix.length);
        }
      }
      if (matched === undefined) continue;
      const tried: string[] = [];
      for (const target of mapping.targets) {
        const resolution = this.resolvePath(
          normalizePath(target.replace("*", matched), this.pathsBase ?? this.baseDir),
        );
        if (resolution.kind === "file") return resolution;
        if (resolution.kind === "missing") tried.push(...resolution.tried);
      }
      return { kind: "missing", tried };
    }
    return { kind: "external" };
  }

  private resolvePath(base: string): Resolution {
    const candidates: string[] = [];
    const extension = /\.[cm]?[jt]sx?$/.exec(base)?.[0];
    if (extension === ".js") candidates.push(`${base.slice(0, -3)}.ts`, `${base.slice(0, -3)}.tsx`, base);
    else if (extension === ".jsx") candidates.push(`${base.slice(0, -4)}.tsx`, base);
    else if (extension === ".mjs") candidates.push(`${base.slice(0, -4)}.mts`, base);
    else if (extension === ".cjs") candidates.push(`${base.slice(0, -4)}.cts`, base);
    else if (extension !== undefined) candidates.push(base);
    else {
      for (const suffix of [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", "/index.ts", "/index.tsx", "/index.js"]) {
        candidates.push(`${base}${suffix}`);
      }
    }
    for (const candidate of candidates) {
      if (this.files.has(candidate) || this.source.exists(candidate)) return { kind: "file", path: candidate };
    }
    return { kind: "missing", tried: candidates.map((candidate) => this.shown(candidate)) };
  }

  /** Files reachable from the entries through imports, in a stable order. */
  private reachable(): string[] {
    const seen = new Set<string>();
    const queue = [...this.entries];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      const parsed = this.files.get(file);
      if (!parsed) continue;
      seen.add(file);
      for (const request of parsed.requests) {
        const resolution = this.resolve(parsed, request.specifier);
        if (resolution.kind === "file" && !seen.has(resolution.path)) queue.push(resolution.path);
      }
    }
    return [...seen].sort();
  }

  /** The loaded files that import each file. */
  private importers(): Map<string, Set<string>> {
    const importers = new Map<string, Set<string>>();
    for (const parsed of this.files.values()) {
      for (const request of parsed.requests) {
        const resolution = this.resolve(parsed, request.specifier);
        if (resolution.kind !== "file") continue;
        let set = importers.get(resolution.path);
        if (!set) {
          set = new Set();
          importers.set(resolution.path, set);
        }
        set.add(parsed.path);
      }
    }
    return importers;
  }

  // ---- building -----------------------------------------------------------------

  /** Compiles: runs every module not run yet and builds the manifest and diagnostics. */
  build(): ProgramBuild {
    const before = new Set<string>();
    for (const record of this.interpreter.records()) if (record.state === "done") before.add(record.file.path);
    const entries = this.entries;
    for (let index = 0; index < entries.length; index++) {
      if (index % PARSE_AHEAD === 0) this.parseAhead(entries, index);
      this.interpreter.run(entries[index] as string, { release: true, keepFingerprint: this.incremental });
    }
    const reachable = this.reachable();
    const ranNow: string[] = [];
    const dags: DagModel[] = [];
    const diagnostics: Diagnostic[] = [...this.inputDiagnostics];
    for (const file of reachable) {
      const record = this.interpreter.recordOf(file);
      if (!record) continue;
      if (!before.has(file)) ranNow.push(this.display(file));
      dags.push(...record.dags);
      diagnostics.push(...record.diagnostics);
      if (this.explicit.has(file) && record.dags.length === 0 && !hasErrors(record.diagnostics)) {
        diagnostics.push(
          createDiagnostic(
            DiagnosticCatalog.noDagsInFile,
            { path: record.file.display },
            { file: record.file.display, line: 0, column: 0 },
          ),
        );
      }
    }
    if (dags.length === 0 && reachable.length > 0 && !hasErrors(diagnostics)) {
      diagnostics.push(
        createDiagnostic(DiagnosticCatalog.noDags, { count: reachable.length }, { file: "", line: 0, column: 0 }),
      );
    }
    const built = buildManifest(dags, { sourceLocations: this.options.sourceLocations ?? true });
    diagnostics.push(...built.diagnostics, ...lintProject(built.dags));
    return {
      result: {
        manifest: built.manifest,
        diagnostics: sortDiagnostics(diagnostics),
        files: reachable.map((file) => this.display(file)).sort(),
        baseDir: this.baseDir,
      },
      ran: ranNow.sort(),
    };
  }

  /**
   * Takes paths that changed (edited, created or deleted), parses those files
   * again and forgets the modules that depend on them, then builds.
   */
  update(changedPaths: Iterable<string>): ProgramBuild {
    const changed = new Set<string>();
    let structural = false;
    for (const given of changedPaths) {
      const file = normalizePath(given, this.cwd);
      this.source.forget(file);
      const exists = this.source.exists(file);
      const loaded = this.files.get(file);
      if (loaded) {
        if (!exists) {
          this.files.delete(file);
          this.entries = this.entries.filter((entry) => entry !== file);
          structural = true;
          changed.add(file);
          continue;
        }
        const fromProject = this.source.parsed(file);
        const read = fromProject ? { text: fromProject.text } : this.source.read(file);
        if ("error" in read || fingerprintOf(read.text) === loaded.fingerprint) continue;
        this.files.delete(file);
        changed.add(file);
        const reparsed = this.file(file);
        if (!reparsed) structural = true;
        else if (!sameRequests(loaded, reparsed)) structural = true;
      } else if (exists) {
        structural = true;
        if (this.isNewEntry(file)) {
          this.entries = [...this.entries, file].sort();
          changed.add(file);
        }
      } else if (this.entries.includes(file)) {
        this.entries = this.entries.filter((entry) => entry !== file);
        changed.add(file);
      }
    }
    if (structural) {
      const old = this.resolutions;
      this.resolutions = new Map();
      for (const parsed of this.files.values()) {
        const directory = parsed.directory;
        for (const request of parsed.requests) {
          if (SDK_SPECIFIERS.has(request.specifier)) continue;
          const before = old.get(directory)?.get(request.specifier);
          const after = this.resolve(parsed, request.specifier);
          const same =
            before !== undefined &&
            before.kind === after.kind &&
            (before.kind !== "file" || (after.kind === "file" && before.path === after.path));
          if (!same) {
            changed.add(parsed.path);
          }
        }
      }
    }
    const importers = this.importers();
    const invalid = new Set<string>();
    const queue = [...changed];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (invalid.has(file)) continue;
      invalid.add(file);
      for (const importer of importers.get(file) ?? []) queue.push(importer);
    }
    this.interpreter.forget(invalid);
    return this.build();
  }

  private isNewEntry(file: string): boolean {
    if (this.options.project) return sourceExtension(file) !== undefined && this.source.parsed(file) !== undefined;
    if (this.walkRoot === undefined || !file.startsWith(`${this.walkRoot}/`)) return false;
    const relative = file.slice(this.walkRoot.length + 1);
    if (relative.split("/").some((part) => part.startsWith(".") || part === "node_modules")) return false;
    return TYPESCRIPT_EXTENSIONS.some((extension) => file.endsWith(extension)) && !/\.d\.[mc]?ts$/.test(file);
  }
}

const SDK_RESOLUTION: Resolution = Object.freeze({ kind: "sdk" });

function sameRequests(a: ParsedFile, b: ParsedFile): boolean {
  const left = a.requests.map((request) => request.specifier);
  const right = b.requests.map((request) => request.specifier);
  return left.length === right.length && left.every((specifier, index) => specifier === right[index]);
}

/** TypeScript sources under a folder, `node_modules`, hidden folders and declaration files aside, sorted. */
function walk(directory: string): string[] {
  const found: string[] = [];
  const visit = (folder: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const file = `${folder}/${entry.name}`;
      if (entry.isDirectory()) visit(file);
      else if (
        entry.isFile() &&
        TYPESCRIPT_EXTENSIONS.some((extension) => entry.name.endsWith(extension)) &&
        !/\.d\.[mc]?ts$/.test(entry.name)
      ) {
        found.push(file);
      }
    }
  };
  visit(directory);
  return found.sort();
}
