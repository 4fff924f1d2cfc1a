import { Command } from "commander";
import { registerApiServer } from "./commands/api-server.js";
import { registerAssets } from "./commands/assets.js";
import { registerCompile } from "./commands/compile.js";
import { registerDags } from "./commands/dags.js";
import { registerDb } from "./commands/db.js";
import { registerDev } from "./commands/dev.js";
import { registerInit } from "./commands/init.js";
import { registerRuns } from "./commands/runs.js";
import { registerScheduler } from "./commands/scheduler.js";
import { registerStandalone } from "./commands/standalone.js";
import { registerTasks } from "./commands/tasks.js";
import { registerWatchers } from "./commands/watchers.js";
import { registerWorker } from "./commands/worker.js";

/**
 * Builds the `assetflow` command line.
 *
 * @example
 * ```ts
 * await createProgram().parseAsync(["node", "assetflow", "dags", "list", "--json"]);
 * ```
 */
export function createProgram(): Command {
  const program = new Command();
  program
    .name("assetflow")
    .description(
      "Data-aware workflow scheduling for TypeScript. State lives in $ASSETFLOW_HOME/assetflow.db (default ./.assetflow) or ASSETFLOW_DATABASE_URL.",
    )
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerInit(program);
  registerStandalone(program);
  registerDev(program);
  registerScheduler(program);
  registerWorker(program);
  registerWatchers(program);
  registerDags(program);
  registerRuns(program);
  registerTasks(program);
  registerAssets(program);
  registerApiServer(program);
  registerDb(program);
  registerCompile(program);
  // Subcommands inherit the settings above (exit override, help after errors).
  for (const command of program.commands) command.exitOverride().showHelpAfterError();
  return program;
}
