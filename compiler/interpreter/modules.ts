/**
 * Module linking: runs each module once (the modules it imports first),
 * resolves import bindings to the values other modules export (following
 * re-exports and `export *`), and looks names up through scopes, evaluating
 * lazily bound constants of task bodies on first use.
 */
import { ts } from "ts-morph";
import { createDiagnostic, type Diagnostic, DiagnosticCatalog } from "../diagnostics.js";
import type { DagModel } from "../model.js";
import { INVALID } from "../semantics.js";
import type { ImportBinding, ParsedFile } from "../source.js";
import { type Binding, Scope, UNDEFINED, type Value } from "../values.js";
import { GLOBALS } from "./builtins.js";
import type { Interpreter } from "./interpreter.js";
import { sdkExport } from "./sdk-semantics.js";
import { BudgetExceeded, type Env, findOwner, MAX_DEPTH, STEP_BUDGET, Thrown } from "./support.js";

const { isIdentifier } = ts;

/** How a module specifier resolves. */
export type Resolution =
  | { readonly kind: "sdk" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "external" }
  | { readonly kind: "missing"; readonly tried: readonly string[] };

/** What the interpreter needs from the program: files and module resolution. */
export interface ModuleHost {
  /** The parsed file at an absolute path, loading it on demand; undefined when it cannot be read. */
  file(path: string): ParsedFile | undefined;
  resolve(from: ParsedFile, specifier: string): Resolution;
}

/** Specifiers that name the SDK. */
export const SDK_SPECIFIERS: ReadonlySet<string> = new Set(["assetflow", "assetflow/sdk"]);

/** The state of one module in one compilation. */
export class ModuleRecord {
  state: "new" | "executing" | "done" = "new";
  /** True once another module imported it: its scope must stay. */
  imported = false;
  /** True when its scope and syntax tree were dropped after it ran (its DAGs and diagnostics stay). */
  released = false;
  readonly scope: Scope;
  /** DAGs defined while this module's top-level code ran. */
  readonly dags: DagModel[] = [];
  /** Diagnostics reported while this module's top-level code ran. */
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly file: ParsedFile) {
    this.scope = new Scope(undefined, file);
  }

  /** Drops what only running code needs: the scope, the syntax tree and the text. */
  release(keepFingerprint: boolean): void {
    this.released = true;
    this.scope.clear();
    this.file.release(keepFingerprint);
  }
}

/** Runs modules and links their imports and exports. */
export class ModuleLinker {
  private readonly modules = new Map<string, ModuleRecord>();
  /** The modules whose top-level code is running, innermost last. */
  private readonly stack: ModuleRecord[] = [];

  constructor(private readonly vm: Interpreter) {}

  /** The module whose code is running now (where diagnostics go). */
  current(): ModuleRecord | undefined {
    return this.stack.at(-1);
  }

  /** The record of a module, if it was created. */
  recordOf(path: string): ModuleRecord | undefined {
    return this.modules.get(path);
  }

  /** The record of a module to run or read: created when first needed, and again after a release. */
  moduleFor(path: string): ModuleRecord | undefined {
    let record = this.modules.get(path);
    if (!record || record.released) {
      const file = this.vm.host.file(path);
      if (!file) return undefined;
      // A released module runs again: as in a new process, its own scheme rules are not registered yet
      // (assets it creates before its registerUriScheme keep their URIs as written).
      // What it created of a scheme before that scheme's rule was registered gets another URI now (AF2016).
      if (record) {
        this.vm.uriSchemes.imported(path);
        this.vm.uriSchemes.forget([path]);
      }
      record = new ModuleRecord(file);
      this.modules.set(path, record);
    }
    return record;
  }

  /** The records that exist (run or not). */
  records(): IterableIterator<ModuleRecord> {
    return this.modules.values();
  }

  /** Drops the records of these modules so that they run again. */
  forget(paths: Iterable<string>): void {
    for (const path of paths) this.modules.delete(path);
  }

  /** Runs a module's top-level code once, the modules it imports first. */
  executeModule(record: ModuleRecord): void {
    if (record.state !== "new") return;
    record.state = "executing";
    this.stack.push(record);
    try {
      const file = record.file;
      for (const error of file.syntaxErrors) {
        const { line, character } = file.sourceFile.getLineAndCharacterOfPosition(error.start);
        record.diagnostics.push(
          createDiagnostic(
            DiagnosticCatalog.syntaxError,
            { problem: error.message },
            { file: file.display, line: line + 1, column: character + 1, length: Math.max(1, error.length) },
          ),
        );
      }
      for (const [name, binding] of file.summary.imports) record.scope.set(name, { kind: "import", binding });
      const env: Env = { scope: record.scope, dag: undefined, thisValue: undefined, mode: "execute", depth: 0 };
      const statements = file.sourceFile.statements;
      this.vm.statements.hoist(statements, record.scope, env);
      for (const request of file.summary.requests) {
        const resolution = this.vm.host.resolve(file, request.specifier);
        if (resolution.kind === "file") {
          const target = this.moduleFor(resolution.path);
          if (target) {
            if (!target.imported) this.vm.uriSchemes.imported(resolution.path);
            target.imported = true;
            this.executeModule(target);
          }
        } else if (resolution.kind === "missing") {
          this.vm.report(
            DiagnosticCatalog.importNotFound,
            { specifier: request.specifier, tried: resolution.tried.map((path) => JSON.stringify(path)).join(", ") },
            { file, pos: request.span.pos, end: request.span.end },
          );
        }
      }
      this.vm.withBudget(() => this.runTopLevel(statements, env));
    } finally {
      record.state = "done";
      this.stack.pop();
    }
  }

  /**
   * Runs a module's statements. What stops them (a `throw` reached, the step
   * budget spent, calls nested too deep) is reported where it happened.
   */
  private runTopLevel(statements: readonly ts.Statement[], env: Env): void {
    try {
      this.vm.statements.runStatements(statements, env);
    } catch (error) {
      if (error instanceof Thrown) {
        const message = describeThrown(error.value);
        this.vm.report(DiagnosticCatalog.throwsWhenLoaded, { message }, error.site);
      } else if (error instanceof BudgetExceeded) {
        this.vm.report(
          DiagnosticCatalog.budgetExceeded,
          {
            what:
              error.what === "steps"
                ? `it took more than ${STEP_BUDGET.toLocaleString("en-US")} steps (statements, loop rounds and calls)`
                : `calls nested more than ${MAX_DEPTH} deep`,
          },
          error.site,
        );
      } else if (error instanceof RangeError && /call stack/i.test(error.message)) {
        this.vm.report(
          DiagnosticCatalog.budgetExceeded,
          { what: "calls nested too deep for the compiler" },
          { file: env.scope.file, pos: 0, end: 0 },
        );
      } else throw error;
    }
  }

  /** The value an import binding refers to. */
  resolveImport(binding: ImportBinding, file: ParsedFile, node: ts.Node, env: Env): Value {
    const resolution = this.vm.host.resolve(file, binding.specifier);
    switch (resolution.kind) {
      case "sdk":
        return sdkExport(this.vm, binding.imported, node, env);
      case "external":
        return this.vm.unknown({ kind: "external", name: binding.imported, specifier: binding.specifier }, node, env);
      case "missing":
        return INVALID;
      case "file": {
        const target = this.moduleFor(resolution.path);
        if (!target) return INVALID;
        target.imported = true;
        this.executeModule(target);
        if (binding.imported === "*") return { kind: "namespace", path: target.file.path };
        return this.exportOf(target, binding.imported, node, env, new Set());
      }
    }
  }

  /** The value a module exports under `name`. */
  exportOf(record: ModuleRecord, name: string, node: ts.Node, env: Env, seen: Set<ModuleRecord>): Value {
    if (seen.has(record)) {
      return this.vm.unknown({ kind: "missing", name, detail: "the re-exports form a cycle" }, node, env);
    }
    seen.add(record);
    const summary = record.file.summary;
    const entry = summary.exports.get(name);
    if (entry?.kind === "local") {
      const binding = record.scope.get(entry.local);
      if (!binding) {
        return this.vm.unknown(
          { kind: "missing", name, detail: `${record.file.display} exports it, but the compiler found no declaration` },
          node,
          env,
        );
      }
      if (binding.kind === "import") return this.resolveImport(binding.binding, record.file, node, env);
      return this.readBinding(binding, entry.local, node, env);
    }
    if (entry?.kind === "reexport") {
      const resolution = this.vm.host.resolve(record.file, entry.specifier);
      if (resolution.kind === "sdk") return sdkExport(this.vm, entry.imported, node, env);
      if (resolution.kind === "external") {
        return this.vm.unknown({ kind: "external", name: entry.imported, specifier: entry.specifier }, node, env);
      }
      if (resolution.kind === "missing") return INVALID;
      const target = this.moduleFor(resolution.path);
      if (!target) return INVALID;
      this.executeModule(target);
      if (entry.imported === "*") return { kind: "namespace", path: target.file.path };
      return this.exportOf(target, entry.imported, node, env, seen);
    }
    if (name !== "default") {
      for (const star of summary.starExports) {
        const resolution = this.vm.host.resolve(record.file, star.specifier);
        if (resolution.kind === "sdk") return sdkExport(this.vm, name, node, env);
        if (resolution.kind !== "file") continue;
        const target = this.moduleFor(resolution.path);
        if (!target || !this.hasExport(target, name, new Set())) continue;
        this.executeModule(target);
        return this.exportOf(target, name, node, env, seen);
      }
    }
    return this.vm.unknown(
      { kind: "missing", name, detail: `the module ${JSON.stringify(record.file.display)} does not export it` },
      node,
      env,
    );
  }

  /** The value of `name` exported by the module at `path` (for namespace members). */
  namespaceMember(path: string, name: string, node: ts.Node, env: Env): Value {
    const target = this.moduleFor(path);
    return target ? this.exportOf(target, name, node, env, new Set()) : INVALID;
  }

  private hasExport(record: ModuleRecord, name: string, seen: Set<ModuleRecord>): boolean {
    if (seen.has(record)) return false;
    seen.add(record);
    if (record.file.summary.exports.has(name)) return true;
    return record.file.summary.starExports.some((star) => {
      const resolution = this.vm.host.resolve(record.file, star.specifier);
      if (resolution.kind !== "file") return false;
      const target = this.moduleFor(resolution.path);
      return target !== undefined && this.hasExport(target, name, seen);
    });
  }

  // ---- names -------------------------------------------------------------------

  /** The value of a name in scope, a global, or an unknown value saying why not. */
  lookup(name: string, node: ts.Node, env: Env): Value {
    const binding = env.scope.lookup(name);
    if (binding) return this.readBinding(binding, name, node, env);
    if (name === "undefined") return UNDEFINED;
    if (name === "NaN") return { kind: "number", value: Number.NaN };
    if (name === "Infinity") return { kind: "number", value: Number.POSITIVE_INFINITY };
    if (GLOBALS.has(name)) return { kind: "global", name };
    return this.vm.unknown(
      { kind: "missing", name, detail: "declare it, or import it from a file of this project" },
      node,
      env,
    );
  }

  /** The value of a binding: imports are resolved and cached, lazy constants evaluated once. */
  readBinding(binding: Binding, name: string, node: ts.Node, env: Env): Value {
    switch (binding.kind) {
      case "value":
        return binding.value;
      case "tdz":
        return this.vm.unknown({ kind: "uninitialized", name }, node, env);
      case "import": {
        const value = this.resolveImport(binding.binding, env.scope.file, node, env);
        if (value.kind !== "unknown") {
          const owner = findOwner(env.scope, name);
          owner?.set(name, { kind: "value", value });
        }
        return value;
      }
      case "lazy": {
        if (binding.value) return binding.value;
        if (binding.evaluating) return this.vm.unknown({ kind: "uninitialized", name }, node, env);
        binding.evaluating = true;
        const declaration = binding.declaration;
        const lazyEnv: Env = { ...env, scope: binding.scope, mode: "inspect" };
        const initial = declaration.initializer
          ? this.vm.expressions.evaluate(
              declaration.initializer,
              lazyEnv,
              isIdentifier(declaration.name) ? declaration.name.text : undefined,
            )
          : UNDEFINED;
        const holder = new Scope(undefined, binding.scope.file);
        this.vm.statements.bindPattern(declaration.name, initial, holder, lazyEnv);
        for (const [bound, value] of holder.entries()) {
          const target = binding.scope.get(bound);
          if (target?.kind === "lazy" && value.kind === "value") {
            target.value = value.value;
            target.evaluating = false;
          }
        }
        binding.evaluating = false;
        binding.value ??= this.vm.runtime(node, env);
        return binding.value;
      }
    }
  }
}

/** What a thrown value says, for the message: `: Error("...")`, or nothing when it is not known. */
function describeThrown(value: Value): string {
  if (value.kind === "object") {
    const message = value.props.get("message");
    const name = value.props.get("name");
    if (message?.kind === "string") {
      return ` (${name?.kind === "string" ? name.value : "Error"}: ${JSON.stringify(message.value.length > 80 ? `${message.value.slice(0, 77)}...` : message.value)})`;
    }
  }
  if (value.kind === "string") return ` (${JSON.stringify(value.value)})`;
  return "";
}
