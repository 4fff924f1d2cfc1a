import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireHomeLock, HOME_LOCKED, homeLockPath } from "./home-lock.js";

const homes: string[] = [];
function home(): string {
  const path = mkdtempSync(join(tmpdir(), "home-lock-"));
  homes.push(path);
  return path;
}
afterEach(() => {
  for (const path of homes.splice(0)) rmSync(path, { recursive: true, force: true });
});

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("acquireHomeLock", () => {
  it("refuses while a live process holds the lock, naming it, and frees it on release", () => {
    const dir = home();
    const lock = acquireHomeLock(dir);
    expect(() => acquireHomeLock(dir)).toThrow(expect.objectContaining({ code: HOME_LOCKED }));
    expect(() => acquireHomeLock(dir)).toThrow(new RegExp(`pid ${process.pid} .*Stop it.*ASSETFLOW_HOME`));
    lock.release();
    acquireHomeLock(dir).release();
  });

  it("takes over a lock whose process is gone", () => {
    const dir = home();
    const pid = deadPid();
    writeFileSync(
      homeLockPath(dir),
      JSON.stringify({ pid, command: "assetflow standalone", startedAt: "2026-01-01T00:00:00Z", processStart: null }),
    );
    const lock = acquireHomeLock(dir);
    expect(JSON.parse(readFileSync(homeLockPath(dir), "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock whose pid now belongs to a process started at another time, or that is half-written", () => {
    const dir = home();
    writeFileSync(
      homeLockPath(dir),
      JSON.stringify({ pid: process.pid, command: "old", startedAt: "2026-01-01T00:00:00Z", processStart: "1" }),
    );
    acquireHomeLock(dir).release();
    writeFileSync(homeLockPath(dir), '{"pid": 12');
    acquireHomeLock(dir).release();
  });
});
