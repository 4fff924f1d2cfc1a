import { Command } from "commander";
import { registerStandalone } from "./commands/standalone.js";

/** Builds the `assetflow` command line. */
export function createProgram(): Command {
  const program = new Command();
  program
    .name("assetflow")
    .description("Data-aware workflow scheduling for TypeScript")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerStandalone(program);
  return program;
}
