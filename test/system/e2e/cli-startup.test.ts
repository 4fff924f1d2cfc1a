/**
 * `assetflow --help` and every command's `--help` load the command line's
 * own modules only: the store, its drivers, the server and the compiler are
 * loaded when a command runs (how fast that is lives in bench/peers.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliEntry, requireBuiltCli, root } from "./support.js";

const trace = join(root, "test/fixtures/cli/register-trace.mjs");

/** The packages and our folders a command line loaded, from the loader trace. */
function loadedBy(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { packages: string[]; ours: string[] } {
  const result = spawnSync(process.execPath, ["--import", trace, cliEntry, ...args], { encoding: "utf8", env });
  expect(result.status, result.stderr).toBe(0);
  const urls = result.stderr
    .split("\n")
    .filter((line) => line.startsWith("LOAD "))
    .map((line) => line.slice("LOAD ".length));
  const packages = urls.flatMap((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? []);
  const ours = urls.flatMap((url) => /\/dist\/(\w+)\//.exec(url)?.[1] ?? []);
  return { packages: [...new Set(packages)].sort(), ours: [...new Set(ours)].sort() };
}

describe("assetflow start-up", () => {
  requireBuiltCli();

  it.each(["--help", "dags --help", "db check --help", "standalone --help", "compile --help"])(
    "`assetflow %s` loads commander only, none of the store, server or compiler",
    (command) => {
      const { packages, ours } = loadedBy(command.split(" "));
      expect(packages).toEqual(["commander"]);
      expect(ours).not.toContain("server");
      expect(ours).not.toContain("compiler");
    },
  );

  it("a command that opens the store loads its driver when it runs", () => {
    // A store of its own: `db check` fails (exit 1) where no store exists yet, as in a fresh clone.
    const home = mkdtempSync(join(tmpdir(), "assetflow-startup-"));
    try {
      const { packages } = loadedBy(["db", "migrate", "--json"], { ...process.env, ASSETFLOW_HOME: home });
      expect(packages).toContain("better-sqlite3");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
