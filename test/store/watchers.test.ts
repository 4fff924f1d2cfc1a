/**
 * Watchers in the store, on every backend: declarations from manifests (and
 * removal when no DAG file declares one any more), one lease holder at a
 * time, and a source message recorded once with the watcher's position in
 * the same transaction.
 */
import { Asset, dag, serializeDags, task } from "assetflow";
import { afterEach, describe, expect, it } from "vitest";
import { watcherIdOf } from "../../scheduler/engine/watchers.js";
import { listDagRuns } from "../../scheduler/read/index.js";
import { storeDatabase } from "../../scheduler/scheduler.js";
import { countRows, storeBackends, type TestStore } from "./backends.js";

const backends = storeBackends("watcher store tests");

const landed = new Asset("watch://landed", {
  watchers: [
    { kind: "test-source", name: "src" },
    { kind: "webhook", name: "hook", secretEnv: "HOOK_SECRET" },
  ],
});
const manifest = serializeDags([
  dag({ dagId: "on_landed", schedule: [landed] }, () => {
    task({ taskId: "work" }, () => undefined);
  }),
]);
const SRC = watcherIdOf(landed, "src");
/** The same asset, declared without its watchers. */
const bare = new Asset("watch://landed");
const fileManifest = (asset: Asset, dagId: string) =>
  serializeDags([
    dag({ dagId, schedule: [asset] }, () => {
      task({ taskId: "work" }, () => undefined);
    }),
  ]);
const HOOK = watcherIdOf(landed, "hook");

for (const backend of backends) {
  describe(`watchers on ${backend.name}`, () => {
    let store: TestStore | undefined;
    afterEach(async () => {
      await store?.dispose();
      store = undefined;
    });

    it("declares the watchers of registered assets, with their configuration", async () => {
      store = await backend.create();
      const scheduler = await store.openScheduler();
      await scheduler.registerManifest(manifest);
      await scheduler.registerManifest(manifest);
      const watchers = await scheduler.listWatchers();
      expect(watchers.map((w) => [w.watcherId, w.kind, w.position, w.events])).toEqual([
        [HOOK, "webhook", null, 0],
        [SRC, "test-source", null, 0],
      ]);
      expect(watchers[0]?.config).toEqual({ kind: "webhook", name: "hook", secretEnv: "HOOK_SECRET" });
    });

    it("records a message once: the event, its key and the position commit together", async () => {
      store = await backend.create();
      const scheduler = await store.openScheduler();
      await scheduler.registerManifest(manifest);
      const [held] = await scheduler.claimWatchers("proc-1", 10_000);
      expect(held?.watcherId).toBe(SRC);
      const first = await scheduler.recordWatcherMessage({
        watcherId: SRC,
        owner: "proc-1",
        key: "m1",
        position: 1,
        extra: { n: 1 },
      });
      expect(first.recorded).toBe(true);
      expect(first.runs).toHaveLength(1);
      const again = await scheduler.recordWatcherMessage({
        watcherId: SRC,
        owner: "proc-1",
        key: "m1",
        position: 1,
        extra: { n: 1 },
      });
      expect(again).toMatchObject({ recorded: false, eventId: first.eventId, runs: [] });
      expect(await countRows(storeDatabase(scheduler), "asset_event")).toBe(1);
      const [state] = await scheduler.listWatchers().then((all) => all.filter((w) => w.watcherId === SRC));
      expect(state).toMatchObject({ position: 1, events: 1, leaseOwner: "proc-1" });
      expect(await listDagRuns(storeDatabase(scheduler), "on_landed")).toHaveLength(1);
    });

    it("gives a watcher to one process at a time, and to another once the lease expires or is released", async () => {
      store = await backend.create();
      let now = 1_000_000;
      const clock = { now: () => now };
      const one = await store.openScheduler({ clock });
      // SQLite is one process's store: its peers share one connection.
      const two = backend.name === "sqlite" ? one : await store.openScheduler({ clock });
      await one.registerManifest(manifest);
      const [a, b] = await Promise.all([one.claimWatchers("p1", 5_000), two.claimWatchers("p2", 5_000)]);
      expect([...(a ?? []), ...(b ?? [])].map((w) => w.watcherId)).toEqual([SRC]);
      const holder = a.length === 1 ? "p1" : "p2";
      const other = holder === "p1" ? "p2" : "p1";
      const otherScheduler = holder === "p1" ? two : one;
      expect(await otherScheduler.claimWatchers(other, 5_000)).toEqual([]);
      now += 5_001;
      expect((await otherScheduler.claimWatchers(other, 5_000)).map((w) => w.watcherId)).toEqual([SRC]);
      // The old holder may not record any more (fencing).
      await expect(
        one.recordWatcherMessage({ watcherId: SRC, owner: holder, key: "late", position: 9, extra: {} }),
      ).rejects.toMatchObject({ code: "WATCHER_LEASE_LOST" });
      expect(await countRows(storeDatabase(one), "asset_event")).toBe(0);
      await otherScheduler.releaseWatchers(other);
      expect((await one.claimWatchers(holder, 5_000)).map((w) => w.watcherId)).toEqual([SRC]);
    });

    it("refuses an unknown watcher, records a passive one without a lease, and keeps its error and lag", async () => {
      store = await backend.create();
      const scheduler = await store.openScheduler();
      await scheduler.registerManifest(manifest);
      await expect(
        scheduler.recordWatcherMessage({ watcherId: "nope#x", owner: null, key: "k", position: 1, extra: {} }),
      ).rejects.toMatchObject({ code: "WATCHER_NOT_FOUND" });
      const ok = await scheduler.recordWatcherMessage({
        watcherId: HOOK,
        owner: null,
        key: "d-1",
        position: "d-1",
        extra: {},
      });
      expect(ok.recorded).toBe(true);
      await scheduler.reportWatcherState(HOOK, { error: "boom", lag: 3 });
      const hook = await scheduler.getWatcher(HOOK);
      expect(hook).toMatchObject({ lastError: "boom", lag: 3, events: 1, position: "d-1", leaseOwner: null });
      expect(await countRows(storeDatabase(scheduler), "watcher_delivery")).toBe(1);
    });

    it("removes a watcher no DAG file declares any more, and resumes it from its position when declared again", async () => {
      store = await backend.create();
      const scheduler = await store.openScheduler();
      const file = (fileloc: string) => ({ kind: "file", fileloc }) as const;
      await scheduler.registerManifest(fileManifest(landed, "on_a"), file("a.ts"));
      await scheduler.registerManifest(fileManifest(landed, "on_b"), file("b.ts"));
      await scheduler.claimWatchers("proc-1", 10_000);
      await scheduler.recordWatcherMessage({ watcherId: SRC, owner: "proc-1", key: "m1", position: 1, extra: {} });

      // a.ts drops the watchers; b.ts still declares them.
      const kept = await scheduler.registerManifest(fileManifest(bare, "on_a"), file("a.ts"));
      expect(kept.watchers).toEqual({ removed: [], restored: [] });
      expect((await scheduler.claimWatchers("proc-1", 10_000)).map((w) => w.watcherId)).toEqual([SRC]);

      // b.ts is deleted: nothing declares them.
      await scheduler.forgetDagFile("b.ts");
      const removed = await scheduler.listWatchers();
      expect(removed.map((w) => [w.watcherId, w.removedAt !== null, w.leaseOwner, w.position, w.events])).toEqual([
        [HOOK, true, null, null, 0],
        [SRC, true, null, 1, 1],
      ]);
      expect(await scheduler.claimWatchers("proc-1", 10_000)).toEqual([]);
      for (const [watcherId, owner] of [
        [SRC, "proc-1"],
        [HOOK, null],
      ] as const) {
        await expect(
          scheduler.recordWatcherMessage({ watcherId, owner, key: "late", position: 2, extra: {} }),
        ).rejects.toMatchObject({ code: "WATCHER_REMOVED" });
      }

      // Declared again: it resumes where it was; a key recorded before records nothing.
      const back = await scheduler.registerManifest(fileManifest(landed, "on_a"), file("a.ts"));
      expect([...back.watchers.restored].sort()).toEqual([HOOK, SRC]);
      const [held] = await scheduler.claimWatchers("proc-1", 10_000);
      expect(held).toMatchObject({ watcherId: SRC, position: 1, removedAt: null });
      const again = await scheduler.recordWatcherMessage({
        watcherId: SRC,
        owner: "proc-1",
        key: "m1",
        position: 1,
        extra: {},
      });
      expect(again.recorded).toBe(false);
      expect(await countRows(storeDatabase(scheduler), "asset_event")).toBe(1);

      // A whole-project manifest replaces every declaration; a merged one removes nothing.
      await scheduler.registerManifest(fileManifest(bare, "on_a"), { kind: "merge" });
      expect((await scheduler.getWatcher(SRC))?.removedAt).toBeNull();
      const project = await scheduler.registerManifest(fileManifest(bare, "on_a"));
      expect([...project.watchers.removed].sort()).toEqual([HOOK, SRC]);
    });
  });
}
