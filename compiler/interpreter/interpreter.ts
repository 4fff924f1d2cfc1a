/**
 * The static interpreter: runs the module-level code of DAG files over
 * syntax trees, without executing anything. One interpreter belongs to one
 * compilation (a {@link CompilerProgram}) and holds all of its state; its
 * parts each do one job:
 *
 * - {@link ModuleLinker} (`modules.ts`): runs modules, links imports and exports, looks names up;
 * - {@link ExpressionEvaluator} (`expressions.ts`, with `builtins.ts`): evaluates expressions;
 * - {@link StatementRunner} (`statements.ts`): statements, control flow, bindings, user function calls;
 * - {@link ClassEvaluator} (`classes.ts`): classes, `@dag` classes and operators;
 * - {@link DagAssembler} (`dag-building.ts`): DAGs being built, their tasks and dependencies;
 * - {@link TaskBodyInspector} (`task-bodies.ts`): reads task bodies for the assets they touch;
 * - {@link Reachability} (`reachability.ts`): whether code reaches SDK constructs;
 * - {@link UriSchemeRegistry} (`uri-schemes.ts`): the URI scheme rules the project registers;
 * - `sdk-semantics.ts`: what each SDK export means, one entry per export.
 *
 * What it cannot follow becomes an unknown value that is reported where it matters.
 */
import { ts } from "ts-morph";
import { createDiagnostic, type DiagnosticDefinition } from "../diagnostics.js";
import { type CompilationCaches, createCompilationCaches, type Reporter } from "../semantics.js";
import { type Location, locate, type Site, spanOf, type UnknownReason, type UnknownValue } from "../values.js";
import { Builtins } from "./builtins.js";
import { ClassEvaluator } from "./classes.js";
import { DagAssembler } from "./dag-building.js";
import { ExpressionEvaluator } from "./expressions.js";
import { type ModuleHost, ModuleLinker, type ModuleRecord } from "./modules.js";
import { Reachability } from "./reachability.js";
import { StatementRunner } from "./statements.js";
import { BudgetExceeded, type Env, STEP_BUDGET } from "./support.js";
import { TaskBodyInspector } from "./task-bodies.js";
import { UriSchemeRegistry } from "./uri-schemes.js";

const { isCallExpression, isNewExpression, isTaggedTemplateExpression } = ts;

const RUNTIME: UnknownReason = Object.freeze({ kind: "runtime" });

/**
 * Runs modules statically and collects their DAGs and diagnostics. One
 * interpreter lives as long as a program: after files change, drop their
 * records with {@link Interpreter.forget} and run the entries again; the
 * records of other modules are reused.
 */
export class Interpreter implements Reporter {
  readonly modules: ModuleLinker;
  readonly expressions: ExpressionEvaluator;
  readonly builtins: Builtins;
  readonly statements: StatementRunner;
  readonly classes: ClassEvaluator;
  readonly dags: DagAssembler;
  readonly taskBodies: TaskBodyInspector;
  readonly reachability: Reachability;
  readonly uriSchemes: UriSchemeRegistry;
  /** What the SDK's rules computed in this compilation (sanitized URIs, valid cron expressions). */
  readonly caches: CompilationCaches = createCompilationCaches();

  constructor(readonly host: ModuleHost) {
    this.modules = new ModuleLinker(this);
    this.expressions = new ExpressionEvaluator(this);
    this.builtins = new Builtins(this);
    this.statements = new StatementRunner(this);
    this.classes = new ClassEvaluator(this);
    this.dags = new DagAssembler(this);
    this.taskBodies = new TaskBodyInspector(this);
    this.reachability = new Reachability(this);
    this.uriSchemes = new UriSchemeRegistry(this);
  }

  /** The record of a module, if it was created. */
  recordOf(path: string): ModuleRecord | undefined {
    return this.modules.recordOf(path);
  }

  /** The records that exist (run or not). */
  records(): IterableIterator<ModuleRecord> {
    return this.modules.records();
  }

  /** Drops the records of these modules so that they run again. */
  forget(paths: Iterable<string>): void {
    const forgotten = [...paths];
    this.modules.forget(forgotten);
    this.uriSchemes.forget(forgotten);
    this.reachability.clear();
  }

  /**
   * Runs a module (and, first, the modules it imports), once. With `release`,
   * a module that no module imported so far drops its scope and syntax tree
   * afterwards; it runs again if a module imports it later.
   */
  run(path: string, options: { release?: boolean; keepFingerprint?: boolean } = {}): ModuleRecord | undefined {
    const existing = this.modules.recordOf(path);
    if (existing?.state === "done") return existing;
    const record = this.modules.moduleFor(path);
    if (!record) return undefined;
    this.modules.executeModule(record);
    this.expressions.forgetAssignedNames();
    // A module whose scheme rule is in force keeps its scope: the rule runs there for the URIs of later modules.
    if (options.release && !record.imported && !this.uriSchemes.owns(path))
      record.release(options.keepFingerprint ?? false);
    this.reachability.clear();
    return record;
  }

  // ---- the step budget ---------------------------------------------------------

  /** Steps the running module took so far. */
  private steps = 0;

  /** Takes one step of the running module's budget (a statement, a loop round, a call). */
  tick(node: ts.Node, env: Env): void {
    if (++this.steps > STEP_BUDGET) throw new BudgetExceeded({ file: env.scope.file, node }, "steps");
  }

  /** Runs `fn` with a fresh step budget (a module's top-level code), then gives the caller its own back. */
  withBudget<T>(fn: () => T): T {
    const saved = this.steps;
    this.steps = 0;
    try {
      return fn();
    } finally {
      this.steps = saved;
    }
  }

  // ---- reporting -------------------------------------------------------------

  /** Reports a diagnostic in the module that is running. */
  report<A>(definition: DiagnosticDefinition<A>, args: A, at: Site | Location): void {
    const target = this.modules.current();
    if (!target) return;
    target.diagnostics.push(createDiagnostic(definition, args, "line" in at ? at : locate(at)));
  }

  /** An asset or reference of `uri` was created at `site`: the URI scheme rules registered later check it. */
  uriCreated(uri: string, site: Site): void {
    this.uriSchemes.uriCreated(uri, site);
  }

  /** An unknown value made at `node`. */
  unknown(reason: UnknownReason, node: ts.Node, env: Env): UnknownValue {
    return { kind: "unknown", reason, at: { file: env.scope.file, pos: node.pos, end: node.end } };
  }

  /** A value only known at run time (the text of `node` says what). */
  runtime(node: ts.Node, env: Env): UnknownValue {
    return this.unknown(RUNTIME, node, env);
  }

  /** The unknown result of a call the compiler does not run. */
  callOf(node: ts.Node, env: Env): UnknownValue {
    const callee =
      isCallExpression(node) || isNewExpression(node)
        ? node.expression
        : isTaggedTemplateExpression(node)
          ? node.tag
          : undefined;
    if (!callee) return this.runtime(node, env);
    return this.unknown({ kind: "call", callee: spanOf(env.scope.file, callee) }, node, env);
  }
}
