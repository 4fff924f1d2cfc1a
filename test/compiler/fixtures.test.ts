/**
 * Fixture projects under test/fixtures/compiler/<name>/src, each compiled from
 * disk and compared with reviewed baselines next to it:
 *
 * - `manifest.baseline.json`: the manifest, with source locations;
 * - `diagnostics.baseline.json`: the diagnostics as data;
 * - `diagnostics.baseline.txt`: the diagnostics as printed, with code frames.
 *
 * `UPDATE_BASELINES=1 npx vitest run test/compiler/fixtures.test.ts` rewrites them.
 * The `warehouse` fixture also loads at run time: its compiled manifest must
 * equal the one serialized from the loaded DAGs.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { collectDags, manifestToJson, serializeDags } from "assetflow";
import { compile, formatDiagnostics, stripExtraSchemas, stripSourceLocations } from "assetflow/compiler";
import { describe, expect, it } from "vitest";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/compiler");
const update = process.env.UPDATE_BASELINES === "1";

function matchBaseline(file: string, actual: string): void {
  if (update || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    return entry.isDirectory() ? sourceFiles(file) : entry.name.endsWith(".ts") ? [file] : [];
  });
}

/** A fixture's DAGs as loading its files makes them (serialized), and its compile. */
async function loadedAndCompiled(name: string) {
  const source = path.join(fixtures, name, "src");
  const { dags } = await collectDags(async () => {
    for (const file of sourceFiles(source).sort()) await import(/* @vite-ignore */ pathToFileURL(file).href);
  });
  return { loaded: serializeDags(dags), compiled: compile({ root: source }) };
}

describe("fixture projects", () => {
  for (const name of readdirSync(fixtures).sort()) {
    const folder = path.join(fixtures, name);
    it(`${name}: manifest and diagnostics match the baselines`, () => {
      const result = compile({ root: path.join(folder, "src") });
      matchBaseline(path.join(folder, "manifest.baseline.json"), manifestToJson(result.manifest));
      matchBaseline(path.join(folder, "diagnostics.baseline.json"), `${JSON.stringify(result.diagnostics, null, 2)}\n`);
      matchBaseline(path.join(folder, "diagnostics.baseline.txt"), `${formatDiagnostics(result)}\n`);
    });
  }

  it("warehouse: the compiled manifest equals the one serialized from the loaded DAGs", async () => {
    const { loaded, compiled } = await loadedAndCompiled("warehouse");
    expect(compiled.diagnostics).toEqual([]);
    expect(manifestToJson(stripSourceLocations(compiled.manifest))).toBe(manifestToJson(loaded));
  });

  it("schemas: the compiled manifest is the loaded one without the JSON Schemas of its assets", async () => {
    const { loaded, compiled } = await loadedAndCompiled("schemas");
    expect(compiled.diagnostics).toEqual([]);
    expect(manifestToJson(stripSourceLocations(compiled.manifest))).toBe(manifestToJson(stripExtraSchemas(loaded)));
    // The schemas exist only at run time: the validators wrote them when the files were loaded.
    expect(
      loaded.assets
        .filter((asset) => asset.schema)
        .map((asset) => asset.uri)
        .sort(),
    ).toEqual(["s3://warehouse/audit.json", "s3://warehouse/orders.parquet", "s3://warehouse/report.html"]);
    expect(compiled.manifest.assets.some((asset) => "schema" in asset)).toBe(false);
  });

  it("uri-schemes: URIs of schemes the project registers get the keys and URIs they get when the files are loaded", async () => {
    const { loaded, compiled } = await loadedAndCompiled("uri-schemes");
    expect(compiled.diagnostics).toEqual([]);
    expect(manifestToJson(stripSourceLocations(compiled.manifest))).toBe(manifestToJson(loaded));
    // The rules ran: the cluster lower-cased with its default port, the repository without ".git" and lower-cased.
    expect(compiled.manifest.assets.map((asset) => asset.uri)).toEqual([
      "kafka://events:9092/orders",
      "git://github.com/acme/models",
      "kafka://events:9092/orders",
      "kafka://events:19092/payments",
    ]);
  });

  it("findings: reports each kind of problem once, at its place", () => {
    const result = compile({ root: path.join(fixtures, "findings/src") });
    expect(result.diagnostics.map((d) => `${d.severity} ${d.code} ${d.file}:${d.line}`)).toEqual([
      "warning AF4006 assets.ts:5",
      "warning AF4007 assets.ts:7",
      "error AF2002 assets.ts:9",
      "warning AF4005 dags/loop.ts:5",
      "warning AF4004 dags/mistakes.ts:7",
      "error AF4002 dags/mistakes.ts:9",
      "error AF4003 dags/mistakes.ts:12",
      "error AF2005 dags/mistakes.ts:19",
      "error AF4001 dags/second.ts:4",
    ]);
  });
});
