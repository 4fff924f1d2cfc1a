/**
 * Parity: for every example, the manifest the compiler reads from source
 * equals the manifest `serializeDags` makes from the DAGs the same file
 * defines when it is loaded (byte for byte, as `manifestToJson` writes it).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { collectDags, manifestToJson, serializeDags } from "assetflow";
import { compile, stripSourceLocations } from "assetflow/compiler";
import { describe, expect, it } from "vitest";

const examples = path.resolve(import.meta.dirname, "../../examples");
const styles = ["functional", "decorators"] as const;
const filesOf = (style: string) =>
  readdirSync(path.join(examples, style))
    .filter((name) => name.endsWith(".ts"))
    .sort()
    .map((name) => path.join(examples, style, name));

async function loadManifestJson(files: readonly string[]): Promise<string> {
  const { dags } = await collectDags(async () => {
    for (const file of files) await import(/* @vite-ignore */ pathToFileURL(file).href);
  });
  return manifestToJson(serializeDags(dags));
}

describe("the compiled manifest equals the loaded one", () => {
  for (const style of styles) {
    for (const file of filesOf(style)) {
      const name = `${style}/${path.basename(file)}`;
      it(`${name}: same manifest, no errors or warnings`, async () => {
        const loaded = await loadManifestJson([file]);
        const compiled = compile({ files: [file], cwd: examples });
        expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        expect(manifestToJson(stripSourceLocations(compiled.manifest))).toBe(loaded);
        const withoutSources = compile({ files: [file], cwd: examples, sourceLocations: false });
        expect(manifestToJson(withoutSources.manifest)).toBe(loaded);
      });
    }
  }

  it("each folder compiled as one project equals the other folder and the loaded DAGs, with no diagnostics", async () => {
    const manifests: string[] = [];
    for (const style of styles) {
      const compiled = compile({ root: path.join(examples, style), sourceLocations: false });
      expect(compiled.diagnostics).toEqual([]);
      manifests.push(manifestToJson(compiled.manifest));
    }
    expect(manifests[0]).toBe(manifests[1]);
  });
});
