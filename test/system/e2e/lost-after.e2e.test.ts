/**
 * `assetflow scheduler --lost-after <seconds>`: a try is presumed lost when
 * its worker sent no heartbeat for that long, and workers heartbeat every
 * 5 s, so anything under three heartbeats (15 s) would fail tries whose
 * worker is alive. The command refuses such a value before it opens the
 * store, the way it refuses other bad options: one clear line and exit code 1.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, copyFixtureDags, requireBuiltCli, runCli, Service, tempDir } from "./support.js";

const home = tempDir("lost-after");
const dags = tempDir("lost-after-dags");
const env = cliEnv(home.path);
const scheduler = (lostAfter: string) => ["scheduler", "--dags", dags.path, "--lost-after", lostAfter];

beforeAll(() => {
  requireBuiltCli();
  copyFixtureDags(dags.path, ["healthy.ts"]);
});

afterAll(() => {
  home.remove();
  dags.remove();
});

describe("assetflow scheduler --lost-after", () => {
  it("refuses less than 3 worker heartbeats with one clear line and exit code 1, before opening the store", async () => {
    const [two, fourteen, json] = await Promise.all([
      runCli(scheduler("2"), env),
      runCli(scheduler("14"), env),
      runCli([...scheduler("2"), "--json"], env),
    ]);
    expect(two.code).toBe(1);
    expect(two.stderr).toBe(
      "error: --lost-after must be at least 15 seconds (3 worker heartbeats of 5 s), got 2: a try whose worker is alive but between heartbeats would be failed and run again. Pass --lost-after 15 or more (default 60). [INVALID_OPTION]\n",
    );
    expect(fourteen.code).toBe(1);
    expect(fourteen.stderr).toMatch(/^error: --lost-after must be at least 15 seconds .*, got 14: /);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: "INVALID_OPTION",
      message: expect.stringMatching(/^--lost-after must be at least 15 seconds/),
    });
    expect(existsSync(join(home.path, "assetflow.db"))).toBe(false);
  });

  it("refuses what is not a whole number like the other count options", async () => {
    const result = await runCli(scheduler("1.5m"), env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: --lost-after must be a whole number >= 15, got "1.5m". For example --lost-after 15. [INVALID_OPTION]\n',
    );
  });

  it("says the minimum in its help", async () => {
    const help = await runCli(["scheduler", "--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, " ")).toContain('(at least 15: workers heartbeat every 5 s) (default: "60")');
  });

  it("accepts 15 seconds and starts", async () => {
    const service = new Service(scheduler("15"), env);
    try {
      await service.started();
    } finally {
      expect(await service.stop()).toBe(0);
    }
  }, 90_000);
});
