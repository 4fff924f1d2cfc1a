/**
 * What `npm pack` puts in the package: the built code with its type
 * declarations for every export, the CLI, the `assetflow init` templates, the
 * README; no tests, no test support, no TypeScript sources outside the
 * templates, no repository tooling.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, string | { types?: string; default?: string }>;
  bin: Record<string, string>;
};

const [packed] = JSON.parse(
  execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }),
) as Array<{ files: Array<{ path: string }> }>;
const files = new Set((packed?.files ?? []).map((file) => file.path));

describe("npm pack", () => {
  it("ships every export's code and types, and the CLI", () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      expect(files, `${subpath} code`).toContain(target.default?.replace(/^\.\//, ""));
      expect(files, `${subpath} types`).toContain(target.types?.replace(/^\.\//, ""));
    }
    expect(files).toContain(Object.values(pkg.bin)[0]);
    expect(files).toContain("dist/testing/vitest.d.ts");
    expect(files).toContain("package.json");
    expect(files).toContain("README.md");
  });

  it("ships the templates of assetflow init, .gitignore included under a name npm keeps", () => {
    for (const file of ["assets.ts", "dags/orders.ts", "dags/report.ts", "test/dags.test.ts", "vitest.config.ts"]) {
      expect(files).toContain(`templates/init/${file}`);
    }
    expect(files).toContain("templates/init/gitignore");
  });

  it("ships no tests, test support, sources or repository tooling", () => {
    const unwanted = [...files].filter(
      (file) =>
        /\.test\.|\.test-d\.|test-support|(^|\/)__tests__\//.test(
          file.replace(/^templates\/init\/test\/dags\.test\.ts$/, ""),
        ) ||
        /^(test|bench|examples|scripts|sdk|compiler|scheduler|runtime|server|cli|testing)\//.test(file) ||
        (file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith("templates/")) ||
        /^(biome\.json|tsconfig[^/]*\.json|vitest\.config\.ts|package-lock\.json|\.ci\/)/.test(file),
    );
    expect(unwanted).toEqual([]);
  });
});
