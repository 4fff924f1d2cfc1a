import { z } from "zod";
import type { TaskContext } from "../context.js";
import { parseOptions } from "../options.js";
import { BaseOperator, type BaseOperatorOptions, splitOperatorOptions } from "./base-operator.js";

/** Options of {@link BashOperator}. */
export interface BashOperatorOptions extends BaseOperatorOptions {
  /** The command, run with `bash -c`; a template (Jinja syntax). */
  bashCommand: string;
  /** Environment variables (values are templates). */
  env?: Record<string, string>;
  /** With `env`, keep the worker's environment too (default false: only `env`). */
  appendEnv?: boolean;
  /** Working directory (default: a fresh temporary directory). */
  cwd?: string;
  /** Exit code that marks the task skipped instead of failed (default 99). */
  skipOnExitCode?: number;
  /**
   * Connections the command uses: each reaches it as the variable `ASSETFLOW_CONN_<ID>`. A task sees no
   * other connection, and never assetflow's own secrets (API token, database URL).
   */
  connIds?: readonly string[];
}

/** The own options of `BashOperator` (the compiler reads its keys). */
export const bashOwnSchema = z.strictObject({
  bashCommand: z.string().min(1, { error: "bashCommand must be a non-empty command" }),
  env: z.record(z.string(), z.string()).optional(),
  appendEnv: z.boolean().optional(),
  cwd: z.string().optional(),
  skipOnExitCode: z.number().int().min(0).max(255).optional(),
  connIds: z
    .array(z.string().regex(/^[A-Za-z0-9_]+$/, { error: "connIds may only contain letters, digits and _" }))
    .optional(),
});

/**
 * Runs a shell command. Exit code 0 succeeds, `skipOnExitCode` (99) skips the
 * task, any other code fails it with the output's tail in the log. The task's
 * result is the last line of standard output.
 *
 * @example
 * ```ts
 * new BashOperator({
 *   taskId: "producer",
 *   bashCommand: "echo 'rows for {{ ds }}' > /tmp/example.csv",
 *   outlets: [exampleAsset],
 * });
 * ```
 */
export class BashOperator extends BaseOperator {
  static override readonly templateFields: readonly string[] = ["bashCommand", "env", "cwd"];
  readonly bashCommand: string;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly appendEnv: boolean;
  readonly cwd: string | undefined;
  readonly skipOnExitCode: number;
  readonly connIds: readonly string[] | undefined;

  constructor(options: BashOperatorOptions) {
    const keys = ["bashCommand", "env", "appendEnv", "cwd", "skipOnExitCode", "connIds"] as const;
    const { base, own, where } = splitOperatorOptions(options, keys, "BashOperator");
    const parsed = parseOptions(bashOwnSchema, own, where);
    super(base);
    this.bashCommand = parsed.bashCommand;
    this.env = parsed.env;
    this.appendEnv = parsed.appendEnv ?? false;
    this.cwd = parsed.cwd;
    this.skipOnExitCode = parsed.skipOnExitCode ?? 99;
    this.connIds = parsed.connIds;
  }

  override async execute(ctx: TaskContext): Promise<string> {
    const result = await ctx.services.runBash({
      command: this.bashCommand,
      env: this.env,
      appendEnv: this.appendEnv,
      cwd: this.cwd,
      skipOnExitCode: this.skipOnExitCode,
      ...(this.connIds === undefined ? {} : { connIds: this.connIds }),
    });
    return result.lastLine;
  }
}
