import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CompileResult } from "../../compiler/program.js";
import type { Manifest } from "../../sdk/manifest/schema.js";
import { CliError, CliErrorCode } from "./common.js";

/** Options of `assetflow compile`. */
interface CompileCommandOptions {
  out?: string;
  format: string;
  check?: boolean;
  watch?: boolean;
  tsconfig?: string;
  json?: boolean;
}

const FORMATS = ["json", "dot", "mermaid"] as const;

/** Registers `assetflow compile` and `assetflow graph`. */
export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("Extract the asset graph from DAG sources without running them; print diagnostics")
    .argument("[paths...]", "folders or files of DAG sources (default: the current folder)")
    .option("--out <file>", "write the manifest (or graph) to this file instead of standard output")
    .option("--format <format>", "json (manifest), dot or mermaid", "json")
    .option("--check", "exit 1 on errors, or when --out differs from what would be written (for CI)")
    .option("--watch", "recompile when files change and print what changed in the graph")
    .option("--tsconfig <file>", "a tsconfig.json whose paths are followed")
    .option("--json", "print diagnostics as JSON")
    .action(async (paths: string[], options: CompileCommandOptions) => {
      process.exitCode = await runCompile(paths, options);
    });

  const graph = program.command("graph").description("Answer what runs when an asset changes, from the compiled graph");
  for (const direction of ["downstream", "upstream"] as const) {
    graph
      .command(direction)
      .description(
        direction === "downstream"
          ? "DAGs that run (directly or down the chain) when this asset or alias is updated"
          : "assets and DAGs this DAG or asset depends on",
      )
      .argument("<target>", direction === "downstream" ? "asset URI, asset name or alias" : "DAG id, asset URI or name")
      .option("--dags <dir>", "folder of DAG sources", ".")
      .option("--json", "print JSON")
      .action(async (target: string, options: { dags: string; json?: boolean }) => {
        const { compile, downstream, upstream, hasErrors, formatDiagnostics } = await import("../../compiler/index.js");
        const result = compile({ root: options.dags, sourceLocations: false });
        if (hasErrors(result.diagnostics)) {
          process.stderr.write(`${formatDiagnostics(result)}\n`);
          process.exitCode = 1;
          return;
        }
        const answer = (direction === "downstream" ? downstream : upstream)(result.manifest, target);
        if (!answer.target.known) {
          throw new CliError(
            CliErrorCode.assetNotFound,
            `"${target}" is not ${direction === "downstream" ? "an asset URI, asset name or alias" : "a DAG id, asset URI, asset name or alias"} of the DAGs in ${resolve(options.dags)} (${result.manifest.assets.length} assets, ${result.manifest.aliases.length} aliases, ${result.manifest.dags.length} DAGs). Check the spelling, or pass the folder of your DAG files with --dags <dir>; \`assetflow compile ${options.dags}\` lists the graph.`,
          );
        }
        if (options.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        else if (answer.dags.length === 0) process.stdout.write(`nothing ${direction} of ${target}\n`);
        else
          for (const dag of answer.dags)
            process.stdout.write(`${"  ".repeat(Math.max(0, dag.depth - 1))}${dag.dagId}\n`);
      });
  }
}

async function runCompile(paths: string[], options: CompileCommandOptions): Promise<number> {
  const { compile, createWatchCompiler, emit, formatDiagnostics, hasErrors } = await import("../../compiler/index.js");
  if (!(FORMATS as readonly string[]).includes(options.format)) {
    throw new CliError(
      CliErrorCode.invalidOption,
      `--format must be one of ${FORMATS.join(", ")}, got "${options.format}".`,
    );
  }
  for (const path of paths) {
    if (!existsSync(path)) {
      throw new CliError(
        CliErrorCode.dagsFolderNotFound,
        `No file or folder "${path}": give folders or files of DAG sources.`,
      );
    }
  }
  const compileOptions = {
    ...(paths.length === 1 && statSync(paths[0] as string).isDirectory() ? { root: paths[0] as string } : {}),
    ...(paths.length > 0 && !(paths.length === 1 && statSync(paths[0] as string).isDirectory())
      ? { files: paths }
      : {}),
    ...(options.tsconfig ? { tsconfig: options.tsconfig } : {}),
    sourceLocations: options.format === "json",
  };
  const render = (manifest: Manifest) => emit(manifest, options.format as (typeof FORMATS)[number]);
  const report = (result: CompileResult) => {
    if (options.json) process.stderr.write(`${JSON.stringify(result.diagnostics, null, 2)}\n`);
    else if (result.diagnostics.length > 0)
      process.stderr.write(`${formatDiagnostics(result, { color: process.stderr.isTTY === true })}\n`);
  };

  if (options.watch) {
    const compiler = createWatchCompiler(compileOptions);
    report(compiler.result);
    if (options.out) writeFileSync(options.out, render(compiler.result.manifest));
    process.stderr.write(`watching ${compiler.result.files.length} files (Ctrl-C to stop)\n`);
    const handle = compiler.watch((update) => {
      report(update.result);
      if (options.out) writeFileSync(options.out, render(update.result.manifest));
      const changes = Object.entries(update.changes)
        .filter(([, items]) => Array.isArray(items) && items.length > 0)
        .map(
          ([kind, items]) =>
            `${kind}: ${(items as unknown[]).map((i) => (typeof i === "string" ? i : JSON.stringify(i))).join(", ")}`,
        );
      process.stderr.write(
        `recompiled ${update.recompiled.join(", ") || "(nothing)"} in ${update.durationMs.toFixed(0)} ms${changes.length ? `\n  ${changes.join("\n  ")}` : "; the graph did not change"}\n`,
      );
    });
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    handle.close();
    return 0;
  }

  if (process.stderr.isTTY) process.stderr.write("compiling...\r");
  const result = compile(compileOptions);
  if (process.stderr.isTTY) process.stderr.write(`compiled ${result.files.length} files   \n`);
  report(result);
  const output = render(result.manifest);
  const failed = hasErrors(result.diagnostics);
  if (options.check) {
    if (options.out) {
      const path = resolve(options.out);
      const current = existsSync(path) ? readFileSync(path, "utf8") : undefined;
      if (current !== output) {
        process.stderr.write(
          `error: ${options.out} is ${current === undefined ? "missing" : "out of date"}: run \`assetflow compile ${paths.join(" ")} --out ${options.out}\` and commit the result.\n`,
        );
        return 1;
      }
    }
    return failed ? 1 : 0;
  }
  if (options.out) writeFileSync(options.out, output);
  else process.stdout.write(output.endsWith("\n") ? output : `${output}\n`);
  return failed ? 1 : 0;
}
