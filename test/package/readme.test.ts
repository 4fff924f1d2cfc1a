/**
 * The README says what the code does: its testing example is the test of the
 * project `assetflow init` writes (which runs in the integration tier and in
 * the generated project's system test), and a new user meets "Start your own
 * project" before the tour of this repository's examples.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");

describe("README.md", () => {
  it("shows the starter project's test, verbatim, as its testing example", () => {
    const test = readFileSync(join(root, "templates/init/test/dags.test.ts"), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${test}\`\`\``);
  });

  it("starts with how to start your own project, before the examples of this repository", () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(headings[0]).toBe("Start your own project");
    expect(headings.indexOf("Start your own project")).toBeLessThan(
      headings.indexOf("Try the examples of this repository"),
    );
    expect(readme).toContain("npx assetflow init my-pipelines");
    // The README's two commands still work.
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toMatch(/^npm test\b/m);
  });

  it("explains each consumption policy, catch-up and URI patterns with a timeline picture", () => {
    const section = readme.slice(readme.indexOf("## How a consumer takes its events"));
    const pictures = [...section.slice(0, section.indexOf("\n## ", 3)).matchAll(/```text\n([\s\S]*?)```/g)]
      .map((match) => match[1])
      .join("\n");
    for (const policy of [
      "each",
      "maxEvents: 2",
      'debounce: "5m"',
      'window: "1h"',
      'catchup: "latest"',
      "Asset.pattern(",
    ]) {
      expect(pictures).toContain(policy);
    }
  });
});
