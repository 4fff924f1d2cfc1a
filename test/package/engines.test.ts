/**
 * Every package the lockfile installs accepts the Node versions assetflow
 * supports, so that `npm ci` here and `npm install assetflow` in a user's
 * project print no EBADENGINE warning. The fix for one that does not is a pin
 * (see DEVELOPERS.md, "Pins that matter on Node 20").
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; engines?: { node?: string } }>;
};
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };

/** Installed packages (the lockfile's entries for other platforms' binaries are optional and skipped there). */
const installed = Object.entries(lock.packages).filter(([path]) => path.startsWith("node_modules/"));

function refusing(nodeVersion: string, entries: typeof installed): string[] {
  return entries
    .filter(([, entry]) => entry.engines?.node && !semver.satisfies(nodeVersion, entry.engines.node))
    .map(
      ([path, entry]) => `${path.replace(/^.*node_modules\//, "")}@${entry.version} wants node ${entry.engines?.node}`,
    );
}

describe("engines of installed packages", () => {
  it("every package accepts the Node that runs the tests", () => {
    expect(refusing(process.version, installed)).toEqual([]);
  });

  it("every runtime dependency accepts the oldest Node 20 and Node 22", () => {
    const runtime = installed.filter(([, entry]) => !entry.dev);
    const oldest = semver.minVersion(pkg.engines.node)?.version ?? "20.0.0";
    expect(refusing(oldest, runtime)).toEqual([]);
    expect(refusing("22.0.0", runtime)).toEqual([]);
  });
});
