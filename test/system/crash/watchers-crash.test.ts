/**
 * Issue 17: exactly once from source to event. A Redis Stream receives 1,000
 * entries while the process running its watcher (`assetflow triggerer`, beside
 * an `assetflow scheduler` on the same SQLite store) is SIGKILLed again and
 * again, at random moments, and restarted. Afterwards the store holds exactly
 * 1,000 events of the asset, one per entry, and the group has nothing pending.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { poll } from "../../support/poll.js";
import { cliEnv, cliJson, requireBuiltCli, Service, tempDir } from "../e2e/support.js";

const ITEMS = 1_000;
const MIN_KILLS = 6;
const suffix = randomBytes(4).toString("hex");
const stream = `assetflow-crash-${suffix}`;
const home = tempDir("watch-crash");
const dags = tempDir("watch-crash-dags");
const env = cliEnv(home.path);
const services: Service[] = [];

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  const redis = new Redis("redis://127.0.0.1:6379");
  await redis.del(stream);
  redis.disconnect();
  home.remove();
  dags.remove();
});

function start(args: string[]): Service {
  const service = new Service(args, env);
  services.push(service);
  return service;
}

describe("a watcher's process killed while its source produces", () => {
  it(`records each of ${ITEMS} stream entries exactly once`, async () => {
    requireBuiltCli();
    writeFileSync(
      join(dags.path, "stream.ts"),
      `import { Asset, dag, task } from "assetflow";
const entries = new Asset("redis://crash/${suffix}", { watchers: [{ kind: "redis-stream", stream: "${stream}", group: "assetflow" }] });
dag({ dagId: "on_entries", schedule: [entries] }, () => { task(function work() {}); });
`,
    );
    const scheduler = start(["scheduler", "--dags", dags.path]);
    await scheduler.started(90_000);

    const redis = new Redis("redis://127.0.0.1:6379");
    let produced = 0;
    const producing = (async () => {
      for (; produced < ITEMS; produced++) {
        await redis.xadd(stream, "*", "n", String(produced));
        if (produced % 10 === 0) await sleep(100);
      }
    })();

    let kills = 0;
    while (produced < ITEMS || kills < MIN_KILLS) {
      const triggerer = start(["triggerer", "--lease", "1"]);
      await triggerer.waitForLine("the watcher to start", (line) => line.kind === "watcher_started", 60_000);
      await sleep(200 + Math.random() * 1500);
      try {
        process.kill(-triggerer.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      await triggerer.kill();
      kills++;
    }
    await producing;
    const last = start(["triggerer", "--lease", "1"]);
    await last.waitForLine("the watcher to start", (line) => line.kind === "watcher_started", 60_000);
    const watchers = await poll(
      `${ITEMS} events`,
      async () => {
        const list = await cliJson<Array<{ events: number }>>(["watchers", "list"], env);
        return list[0]?.events === ITEMS ? list : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(watchers[0]).toMatchObject({ events: ITEMS, lastError: null });
    // A little longer: nothing more may arrive.
    await sleep(2000);
    const db = new BetterSqlite3(join(home.path, "assetflow.db"), { readonly: true });
    const rows = db
      .prepare("SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id WHERE a.uri = ?")
      .all(`redis://crash/${suffix}`) as Array<{ extra: string }>;
    db.close();
    const numbers = rows.map((row) => Number((JSON.parse(row.extra) as { fields: { n: string } }).fields.n));
    expect(numbers.length).toBe(ITEMS);
    expect(new Set(numbers).size).toBe(ITEMS);
    expect(Math.min(...numbers)).toBe(0);
    expect(Math.max(...numbers)).toBe(ITEMS - 1);
    const pending = (await redis.xpending(stream, "assetflow")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    redis.disconnect();
  }, 600_000);
});
