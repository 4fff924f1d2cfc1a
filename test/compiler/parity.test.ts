/**
 * Parity: for every example, the manifest the compiler reads from source
 * equals the manifest `serializeDags` makes from the DAGs the same file
 * defines when it is loaded (byte for byte, as `manifestToJson` writes it).
 * Each folder compiled as one project equals the DAGs of all its files.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { collectDags, type Dag, manifestToJson, serializeDags } from "assetflow";
import { compile, stripSourceLocations } from "assetflow/compiler";
import { beforeAll, describe, expect, it } from "vitest";

const examples = path.resolve(import.meta.dirname, "../../examples");
const styles = ["functional", "decorators"] as const;
const filesOf = (style: string) =>
  readdirSync(path.join(examples, style))
    .filter((name) => name.endsWith(".ts"))
    .sort()
    .map((name) => path.join(examples, style, name));

/** The DAGs each example file defines when it is loaded (each file is imported once). */
const loaded = new Map<string, Dag[]>();

beforeAll(async () => {
  for (const style of styles) {
    for (const file of filesOf(style)) {
      const { dags } = await collectDags(() => import(/* @vite-ignore */ pathToFileURL(file).href));
      loaded.set(file, dags);
    }
  }
});

const loadedJson = (files: readonly string[]) =>
  manifestToJson(serializeDags(files.flatMap((file) => loaded.get(file) ?? [])));

describe("the compiled manifest equals the loaded one", () => {
  it("loads every example and finds DAGs in each", () => {
    for (const style of styles) {
      for (const file of filesOf(style)) expect(loaded.get(file)?.length, file).toBeGreaterThan(0);
    }
  });

  for (const style of styles) {
    for (const file of filesOf(style)) {
      it(`${style}/${path.basename(file)}: same manifest, no errors`, () => {
        const compiled = compile({ files: [file], cwd: examples });
        expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        expect(manifestToJson(stripSourceLocations(compiled.manifest))).toBe(loadedJson([file]));
        const withoutSources = compile({ files: [file], cwd: examples, sourceLocations: false });
        expect(manifestToJson(withoutSources.manifest)).toBe(loadedJson([file]));
      });
    }

    it(`${style}/ as one project: same manifest as all its files loaded, and no diagnostics`, () => {
      const compiled = compile({ root: path.join(examples, style), sourceLocations: false });
      expect(compiled.diagnostics).toEqual([]);
      expect(manifestToJson(compiled.manifest)).toBe(loadedJson(filesOf(style)));
    });
  }

  it("gives every DAG and task of the examples a source location in its file", () => {
    const compiled = compile({ root: examples });
    for (const dag of compiled.manifest.dags) {
      expect(dag.source?.file).toMatch(/^(functional|decorators)\/[a-z-]+\.ts$/);
      for (const task of dag.tasks) expect(task.source?.file).toBe(dag.source?.file);
    }
  });
});
