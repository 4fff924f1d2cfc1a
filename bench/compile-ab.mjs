#!/usr/bin/env node
// Interleaved A/B of the compiler at two git revisions, in one process, on a
// loaded machine: bundles compiler/index.ts of each revision with esbuild,
// then alternates bare `ts.createSourceFile` of the project's files, compile A
// and compile B (the order of A and B swapped every round), timing CPU
// (`process.cpuUsage`) and wall clock. Prints per-compile medians, the
// compile/parse ratios and the median of B/A per round. Run it A/A (the same
// revision twice) to see the noise of the harness at the current load.
//
//   node bench/run.mjs compile --keep            # writes the 1,000-file project, prints its folder
//   node bench/compile-ab.mjs main HEAD --root=/tmp/assetflow-compile-bench-XXXX [--rounds=20]
//
// Both revisions must compile the project without errors to the same
// manifest and diagnostics, or the run stops.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleForNode } from "./support/bundle.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const [revA, revB] = args.filter((arg) => !arg.startsWith("--"));
const root = option("root");
const rounds = Number(option("rounds") ?? 20);
if (!revA || !revB || !root) {
  console.error("usage: node bench/compile-ab.mjs <rev-a> <rev-b> --root=<project folder> [--rounds=20]");
  process.exit(2);
}

const outdir = path.join(repo, "node_modules", ".cache", "compile-ab");
mkdirSync(outdir, { recursive: true });

/** Bundles compiler/index.ts as it is at `rev`; returns the module. */
async function compilerAt(rev, label) {
  const tree = mkdtempSync(path.join(tmpdir(), "compile-ab-"));
  try {
    const archive = path.join(tree, "sources.tar");
    execFileSync("git", ["-C", repo, "archive", "-o", archive, rev, "compiler", "sdk", "tsconfig.json"]);
    execFileSync("tar", ["-x", "-f", archive, "-C", tree]);
    const outfile = path.join(outdir, `${label}.mjs`);
    await bundleForNode(path.join(tree, "compiler", "index.ts"), outfile, path.join(tree, "tsconfig.json"));
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

const A = await compilerAt(revA, "a");
const B = await compilerAt(revB, "b");
const { ts } = await import("ts-morph");

const sourceFiles = (folder) =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    return entry.isDirectory() ? sourceFiles(file) : entry.name.endsWith(".ts") ? [file] : [];
  });
const texts = sourceFiles(root).map((file) => ({ file, text: readFileSync(file, "utf8") }));
const parse = () => {
  for (const { file, text } of texts) ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
};
const manifestOf = (compiler) => {
  const result = compiler.compile({ root });
  const error = result.diagnostics.find((diagnostic) => diagnostic.severity === "error");
  if (error) throw new Error(`the project does not compile: ${JSON.stringify(error)}`);
  return JSON.stringify([result.manifest, result.diagnostics]);
};
if (manifestOf(A) !== manifestOf(B)) {
  throw new Error(`${revA} and ${revB} compile the project to different manifests or diagnostics`);
}

const time = (fn) => {
  const cpu = process.cpuUsage();
  const started = performance.now();
  fn();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000, wall: performance.now() - started };
};
for (let warm = 0; warm < 3; warm++) {
  parse();
  A.compile({ root });
  B.compile({ root });
}
const runs = { parse: [], a: [], b: [] };
for (let round = 0; round < rounds; round++) {
  runs.parse.push(time(parse));
  for (const side of round % 2 === 0 ? ["a", "b"] : ["b", "a"]) {
    const compiler = side === "a" ? A : B;
    runs[side].push(time(() => compiler.compile({ root })));
  }
}

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
};
console.log(
  `compile A/B: A=${revA} B=${revB}, ${texts.length} files, ${rounds} rounds, load average ${loadavg()
    .map((load) => load.toFixed(2))
    .join(" ")}`,
);
for (const measure of ["cpu", "wall"]) {
  const of = (side) => median(runs[side].map((run) => run[measure]));
  const ratio = (side) => median(runs[side].map((run, index) => run[measure] / runs.parse[index][measure]));
  const change = median(runs.b.map((run, index) => run[measure] / runs.a[index][measure]));
  console.log(
    `  ${measure.padEnd(4)} parse ${of("parse").toFixed(1)} ms; A ${of("a").toFixed(1)} ms (${ratio("a").toFixed(2)}x parse); ` +
      `B ${of("b").toFixed(1)} ms (${ratio("b").toFixed(2)}x parse); B/A ${change.toFixed(3)} (median of rounds)`,
  );
}
