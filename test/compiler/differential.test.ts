/**
 * Differential test of the compiler against the runtime. For each generated
 * DAG project (see differential/generator.ts), every DAG the runtime defines
 * when it loads an entry file must equal the compiler's DAG of that id,
 * unless the compiler reported an error for that file (or a file it
 * imports). A file that throws when loaded must have an error. A project
 * without errors must compile to exactly the runtime's manifest (no DAG
 * more, no DAG less, the same assets and aliases).
 *
 * In the suite it runs a bounded number of projects with a fixed seed. More:
 *
 *   npm run test:differential          # 10,000 projects (ASSETFLOW_DIFFERENTIAL_RUNS to change)
 *   ASSETFLOW_DIFFERENTIAL_SEED=7 ASSETFLOW_DIFFERENTIAL_RUNS=500 npx vitest run test/compiler/differential.test.ts
 */
import { type Dag, manifestToJson, serializeDags } from "assetflow";
import { stripSourceLocations } from "assetflow/compiler";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSources } from "../../compiler/test-support.js";
import { type GeneratedProject, projectArbitrary } from "./differential/generator.js";
import { ProjectRuntime } from "./differential/runtime.js";

const RUNS = Number(process.env.ASSETFLOW_DIFFERENTIAL_RUNS ?? 150);
const SEED = Number(process.env.ASSETFLOW_DIFFERENTIAL_SEED ?? 20_260_512);
/** Shared files every entry imports: an error in one of them counts for every entry. */
const SHARED = ["config.ts", "assets.ts", "factories.ts", "schemes.ts"];

/** What the compiler and the runtime disagree on in one project (undefined when they agree), and the compilation. */
async function compare(
  project: GeneratedProject,
): Promise<{ problem: string | undefined; compiled: ReturnType<typeof compileSources> }> {
  const compiled = compileSources(project.files, { sourceLocations: true });
  return { problem: await disagreement(project, compiled), compiled };
}

async function disagreement(
  project: GeneratedProject,
  compiled: ReturnType<typeof compileSources>,
): Promise<string | undefined> {
  const errorFiles = new Set(compiled.diagnostics.filter((d) => d.severity === "error").map((d) => d.file));
  const sharedErrors = SHARED.some((file) => errorFiles.has(file));
  const runtime = new ProjectRuntime(project.files);
  const compiledById = new Map(stripSourceLocations(compiled.manifest).dags.map((dag) => [dag.dagId, dag]));
  const runtimeDags: Dag[] = [];
  for (const entry of project.entries) {
    const loaded = await runtime.load(entry);
    const errored = sharedErrors || errorFiles.has(entry);
    if (!loaded.ok) {
      if (!errored) return `${entry} throws when loaded (${loaded.error}) but the compiler reported no error`;
      continue;
    }
    runtimeDags.push(...loaded.dags);
    if (errored) continue;
    // The compiler's DAGs by id (a DAG's source is where dag() is written, maybe a factory in another file).
    for (const dag of serializeDags(loaded.dags).dags) {
      const runtimeJson = JSON.stringify(dag);
      const staticJson = JSON.stringify(compiledById.get(dag.dagId));
      if (runtimeJson !== staticJson) {
        return `${entry} defines DAG "${dag.dagId}" differently from the compiler, which reported no error.\nruntime:  ${runtimeJson}\ncompiler: ${staticJson}\ndiagnostics: ${JSON.stringify(compiled.diagnostics)}`;
      }
    }
  }
  if (errorFiles.size === 0) {
    // No error anywhere: the whole manifest (assets and aliases too) must be the same.
    const runtimeJson = manifestToJson(serializeDags(runtimeDags));
    const compiledJson = manifestToJson(stripSourceLocations(compiled.manifest));
    if (runtimeJson !== compiledJson)
      return `the project's manifests differ:\nruntime:\n${runtimeJson}\ncompiler:\n${compiledJson}`;
  }
  return undefined;
}

function show(project: GeneratedProject): string {
  return Object.entries(project.files)
    .map(([name, text]) => `// ---- ${name}\n${text}`)
    .join("\n");
}

describe("the compiler agrees with the runtime on generated DAG projects", () => {
  it(`every runtime DAG equals the compiled one, or its file has an error (${RUNS} projects, seed ${SEED})`, async () => {
    const started = performance.now();
    let errored = 0;
    let dags = 0;
    await fc.assert(
      fc.asyncProperty(projectArbitrary, async (project) => {
        const { problem, compiled } = await compare(project);
        if (problem) throw new Error(`${problem}\n\n${show(project)}`);
        dags += compiled.manifest.dags.length;
        if (compiled.diagnostics.some((d) => d.severity === "error")) errored++;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `differential: ${RUNS} projects (seed ${SEED}) in ${seconds.toFixed(1)} s: ${dags} DAGs compiled, ${errored} projects with errors the compiler reported`,
    );
    expect(errored).toBeLessThan(RUNS);
  }, 3_600_000);
});
