/**
 * Issue 11: a changed schedule is honoured at once. Two schedulers on one
 * store (two processes: `assetflow dev` re-registering, a scheduler routing
 * events) with the same clock reading, so the re-registration's `updated_at`
 * equals the previous one: the process that had cached the DAG's manifest
 * must still see the new schedule, and an event of the new asset triggers the
 * consumer. (A cache keyed by `updated_at` kept the old schedule: the event
 * queued and never triggered it.)
 */
import { Asset, dag, serializeDags, task } from "assetflow";
import { afterEach, describe, expect, it } from "vitest";
import { storeBackends, type TestStore } from "./backends.js";

const oldAsset = new Asset("s3://change/old");
const newAsset = new Asset("s3://change/new");
const producers = dag({ dagId: "producers", schedule: null }, () => {
  task({ taskId: "t", outlets: [oldAsset, newAsset] }, () => undefined);
});
const consumerOn = (asset: Asset) =>
  dag({ dagId: "consumer", schedule: [asset] }, () => {
    task({ taskId: "t" }, () => undefined);
  });

const clock = { now: () => Date.parse("2025-01-01T00:00:00Z") };

for (const backend of storeBackends("schedule change tests")) {
  describe(`a changed schedule on ${backend.name}`, () => {
    let store: TestStore | undefined;
    afterEach(async () => {
      await store?.dispose();
      store = undefined;
    });

    it("re-registered within the same millisecond by another process: the new schedule triggers at once", async () => {
      store = await backend.create();
      const routing = await store.openScheduler({ clock });
      const registering = await store.openScheduler({ clock });
      await registering.registerManifest(serializeDags([producers, consumerOn(oldAsset)]));
      // The routing process reads (and caches) the consumer's manifest.
      const first = await routing.recordExternalEvent({ uri: oldAsset.uri });
      expect(first.runs).toHaveLength(1);

      await registering.registerManifest(serializeDags([producers, consumerOn(newAsset)]));
      const second = await routing.recordExternalEvent({ uri: newAsset.uri });
      expect(second.consumers).toEqual(["consumer"]);
      expect(second.runs).toHaveLength(1);
      const stale = await routing.recordExternalEvent({ uri: oldAsset.uri });
      expect(stale.runs).toEqual([]);
    });
  });
}
