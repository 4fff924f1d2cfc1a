/**
 * Issue 11: one home, one owner. A second `assetflow standalone` on the same
 * `ASSETFLOW_HOME` (SQLite store) refuses to start, exits non-zero and names
 * the first process (pid, command, start time) with how to fix it. After the
 * first is SIGKILLed, its stale lock does not block a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, copyFixtureDags, requireBuiltCli, runCli, Service, tempDir } from "../e2e/support.js";

const home = tempDir("one-home");
const dags = tempDir("one-home-dags");
const env = cliEnv(home.path);
const args = ["standalone", "--dags", dags.path, "--workers", "1", "--port", "0", "--grace", "0"];
const services: Service[] = [];

beforeAll(() => {
  requireBuiltCli();
  copyFixtureDags(dags.path);
});

afterAll(async () => {
  for (const service of services) await service.stop();
  home.remove();
  dags.remove();
});

describe("two assetflow standalone on one ASSETFLOW_HOME", () => {
  it("refuses the second, naming the first; a restart after SIGKILL of the first succeeds", async () => {
    const first = new Service(args, env);
    services.push(first);
    await first.started();

    const second = await runCli(args, env, 60_000);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain("HOME_LOCKED");
    expect(second.stderr).toContain(`pid ${first.pid}`);
    expect(second.stderr).toContain("standalone --dags");
    expect(second.stderr).toMatch(/started \d{4}-\d\d-\d\dT/);
    expect(second.stderr).toContain("ASSETFLOW_HOME");
    expect(first.running).toBe(true);

    await first.kill();
    const restarted = new Service(args, env);
    services.push(restarted);
    const started = await restarted.started();
    expect(started.pid).toBe(restarted.pid);
  }, 180_000);
});
