/**
 * Issue 11: a self-triggering DAG is surfaced. Registration records a
 * `self-triggering` warning for a DAG scheduled on its own outlet, replaces it
 * at each registration, and removes it when the DAG is fixed or goes away.
 */
import { Asset, AssetAlias, dag, serializeDags, task } from "assetflow";
import { afterEach, describe, expect, it } from "vitest";
import { storeBackends, type TestStore } from "./backends.js";

const loopAsset = new Asset("s3://warnings/loop");
const other = new Asset("s3://warnings/other");
const loopOn = (outlet: Asset) =>
  dag({ dagId: "loop", schedule: [loopAsset] }, () => {
    task({ taskId: "write", outlets: [outlet] }, () => undefined);
  });
const producer = dag({ dagId: "producer", schedule: null }, () => {
  task({ taskId: "t", outlets: [loopAsset, other] }, () => undefined);
});
const alias = new AssetAlias("warnings-alias");
const aliasLoop = dag({ dagId: "alias-loop", schedule: [alias] }, () => {
  task({ taskId: "emit", outlets: [alias] }, () => undefined);
});

for (const backend of storeBackends("DAG warning tests")) {
  describe(`DAG warnings on ${backend.name}`, () => {
    let store: TestStore | undefined;
    afterEach(async () => {
      await store?.dispose();
      store = undefined;
    });

    it("records a DAG scheduled on its own outlet, replaces it at each registration and removes it when fixed", async () => {
      store = await backend.create();
      const scheduler = await store.openScheduler();
      await scheduler.registerManifest(serializeDags([producer, loopOn(loopAsset), aliasLoop]));
      const first = await scheduler.read.dagWarnings.list();
      expect(first.total).toBe(2);
      expect(first.items.map((w) => [w.dagId, w.warningType])).toEqual([
        ["alias-loop", "self-triggering"],
        ["loop", "self-triggering"],
      ]);
      expect(first.items[1]?.message).toContain('asset "s3://warnings/loop", an outlet of its task "write"');
      expect(first.items[0]?.message).toContain('alias "warnings-alias"');

      // Registering again replaces (no duplicate rows, no primary key failure).
      await scheduler.registerManifest(serializeDags([producer, loopOn(loopAsset), aliasLoop]));
      expect((await scheduler.read.dagWarnings.list({ dagId: "loop" })).total).toBe(1);

      // Fixed: the loop DAG now writes another asset; the alias DAG is gone (deactivated).
      await scheduler.registerManifest(serializeDags([producer, loopOn(other)]));
      expect(await scheduler.read.dagWarnings.list()).toEqual({ items: [], total: 0 });
    });

    it("a DAG file's registration replaces only the warnings of that file's DAGs", async () => {
      store = await backend.create();
      const scheduler = await store.openScheduler();
      await scheduler.registerManifest(serializeDags([loopOn(loopAsset)]), { kind: "file", fileloc: "/dags/a.ts" });
      await scheduler.registerManifest(serializeDags([producer]), { kind: "file", fileloc: "/dags/b.ts" });
      const { items } = await scheduler.read.dagWarnings.list();
      expect(items.map((w) => w.dagId)).toEqual(["loop"]);
      await scheduler.forgetDagFile("/dags/a.ts");
      expect((await scheduler.read.dagWarnings.list()).total).toBe(0);
    });
  });
}
