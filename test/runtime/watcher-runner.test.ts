/**
 * The watcher runner over a real store (SQLite file): a `defineWatcher` kind
 * resumes from its committed position after a restart, a watcher that throws
 * is reported and restarted, and a runner that lost its lease cannot record.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Asset, dag, defineWatcher, serializeDags, task } from "assetflow";
import { afterEach, describe, expect, it } from "vitest";
import { WatcherRunner } from "../../runtime/watchers/runner.js";
import { Scheduler } from "../../scheduler/scheduler.js";
import { poll } from "../support/poll.js";

let failOnce = true;
defineWatcher<number>({
  kind: "test-counter",
  async start(ctx) {
    for (let n = (ctx.position ?? 0) + 1; n <= 5 && !ctx.signal.aborted; n++) await ctx.emit({ n }, n);
    await ctx.stopped;
  },
});
defineWatcher<number>({
  kind: "test-flaky",
  async start(ctx) {
    if (failOnce) {
      failOnce = false;
      throw new Error("source unreachable");
    }
    await ctx.emit({ ok: true }, 1);
    await ctx.stopped;
  },
});

const counted = new Asset("test://watch/counted", { watchers: [{ kind: "test-counter" }] });
const flaky = new Asset("test://watch/flaky", { watchers: [{ kind: "test-flaky" }] });
const manifest = serializeDags([
  dag({ dagId: "on_counted", schedule: [counted], maxActiveRuns: 100 }, () => {
    task(function work() {});
  }),
  dag({ dagId: "on_flaky", schedule: [flaky] }, () => {
    task(function work() {});
  }),
]);

const dirs: string[] = [];
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function openStore(): Promise<Scheduler> {
  const dir = mkdtempSync(join(tmpdir(), "assetflow-runner-"));
  dirs.push(dir);
  const scheduler = await Scheduler.open({ url: join(dir, "assetflow.db"), pollIntervalMs: 60_000 });
  closing.push(() => scheduler.close());
  await scheduler.registerManifest(manifest);
  return scheduler;
}

const watcher = async (scheduler: Scheduler, uri: string) =>
  (await scheduler.listWatchers({ uri }))[0] ?? expect.fail(`no watcher of ${uri}`);

describe("WatcherRunner", () => {
  it("records each message once, with its position, and resumes from it after a restart", async () => {
    const scheduler = await openStore();
    const first = new WatcherRunner(scheduler, { owner: "one", leaseMs: 3000 });
    first.start();
    await poll("5 events", async () =>
      (await watcher(scheduler, "test://watch/counted")).events === 5 ? true : undefined,
    );
    await first.stop();
    expect(await watcher(scheduler, "test://watch/counted")).toMatchObject({
      position: 5,
      events: 5,
      leaseOwner: null,
    });
    const second = new WatcherRunner(scheduler, { owner: "two", leaseMs: 3000 });
    second.start();
    await poll("the second runner to hold it", async () =>
      (await watcher(scheduler, "test://watch/counted")).leaseOwner === "two" ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await second.stop();
    const events = await scheduler.listEvents({
      kind: "asset",
      name: "test://watch/counted",
      uri: "test://watch/counted",
    });
    expect(events.map((event) => event.extra.n).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("reports a failing watcher's error and restarts it, clearing the error once it records", async () => {
    failOnce = true;
    const scheduler = await openStore();
    const runner = new WatcherRunner(scheduler, { owner: "one", leaseMs: 3000 });
    runner.start();
    await poll("the error", async () =>
      (await watcher(scheduler, "test://watch/flaky")).lastError ? true : undefined,
    );
    expect((await watcher(scheduler, "test://watch/flaky")).lastError).toBe("source unreachable");
    await poll(
      "the restart",
      async () => {
        const state = await watcher(scheduler, "test://watch/flaky");
        return state.events === 1 && state.lastError === null ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
    await runner.stop();
  });

  it("never runs one watcher in two runners at once", async () => {
    const scheduler = await openStore();
    const one = new WatcherRunner(scheduler, { owner: "one", leaseMs: 3000 });
    const two = new WatcherRunner(scheduler, { owner: "two", leaseMs: 3000 });
    await one.claim();
    await two.claim();
    expect(one.watcherIds).toEqual(["test://watch/counted#test-counter", "test://watch/flaky#test-flaky"]);
    expect(two.watcherIds).toEqual([]);
    await one.stop();
    await two.claim();
    expect(two.watcherIds).toHaveLength(2);
    await two.stop();
  });
});
