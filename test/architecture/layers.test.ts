import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

/** Which of our files each layer may import (paths relative to the root). */
const ALLOWED: Record<string, (target: string) => boolean> = {
  sdk: (target) => target.startsWith("sdk/"),
  compiler: (target) => target.startsWith("compiler/") || target.startsWith("sdk/"),
  // The scheduler evaluates serialized conditions only: no SDK classes, no user code.
  // It shares the SDK's pure URI-pattern rules (segments, the index) to route events.
  scheduler: (target) =>
    target.startsWith("scheduler/") ||
    target.startsWith("sdk/manifest/schema") ||
    target === "sdk/json.ts" ||
    target === "sdk/errors.ts" ||
    target === "sdk/uri/pattern.ts" ||
    target === "sdk/uri/pattern-index.ts",
  runtime: (target) =>
    target.startsWith("runtime/") || target.startsWith("sdk/") || target === "scheduler/contracts.ts",
  testing: (target) => !target.startsWith("server/") && !target.startsWith("cli/"),
  // The server reads the store through the scheduler; it reads task logs and sanitizes URIs like the SDK.
  server: (target) =>
    target.startsWith("server/") ||
    target.startsWith("scheduler/") ||
    target.startsWith("sdk/manifest/schema") ||
    target === "sdk/json.ts" ||
    target === "sdk/errors.ts" ||
    target === "sdk/uri/sanitize.ts" ||
    target === "runtime/task-logs.ts",
  cli: () => true,
};

function sourceFiles(folder: string): string[] {
  const dir = join(root, folder);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(relative(root, path));
    return entry.endsWith(".ts") && !entry.endsWith(".test.ts") ? [relative(root, path)] : [];
  });
}

function relativeImports(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map(
    (m) => m[1] as string,
  );
  return specifiers.map((specifier) =>
    relative(root, resolve(dirname(join(root, file)), specifier)).replace(/\.js$/, ".ts"),
  );
}

describe("layers point one way", () => {
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`${layer}/ imports only what its layer may`, () => {
      const violations = sourceFiles(layer).flatMap((file) =>
        relativeImports(file)
          .filter((target) => !allowed(target))
          .map((target) => `${file} -> ${target}`),
      );
      expect(violations).toEqual([]);
    });
  }

  it("finds the imports it checks", () => {
    expect(relativeImports("scheduler/scheduler.ts")).toContain("scheduler/contracts.ts");
    expect(sourceFiles("sdk").length).toBeGreaterThan(10);
  });
});
