/**
 * Code shown in the docs is code that runs: docs/watchers.md shows the
 * `defineWatcher` example verbatim from examples/watchers/mqtt.ts, which
 * test/system/e2e/mqtt-watcher.e2e.test.ts runs against Mosquitto.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("docs/watchers.md", () => {
  it("shows the MQTT defineWatcher example verbatim from examples/watchers/mqtt.ts", () => {
    const doc = readFileSync(join(root, "docs/watchers.md"), "utf8");
    const example = readFileSync(join(root, "examples/watchers/mqtt.ts"), "utf8");
    expect(doc).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
