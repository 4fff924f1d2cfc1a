#!/usr/bin/env node
import { CommanderError } from "commander";
import { ExitCode, reportError } from "./output.js";
import { createProgram } from "./program.js";

const program = createProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    process.exitCode = reportError(error, { json: process.argv.includes("--json") });
  }
}
