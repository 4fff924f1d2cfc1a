/**
 * Ids the engine caches are ids of committed rows: a transaction that creates
 * an asset (or a URI pattern) and then rolls back must not leave the engine
 * pointing at a row that does not exist. On PostgreSQL such an id is never
 * used again (every later event would name a missing asset); on SQLite it
 * comes back for the next row (events would name another asset).
 *
 * The rollback is forced from inside the store: a trigger refuses the
 * idempotency key's insert, the last statement of recording an external
 * event, after the asset was created in the same transaction.
 */
import { Asset, dag, serializeDags, task } from "assetflow";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type Scheduler, storeDatabase } from "../../scheduler/scheduler.js";
import { storeBackends, type TestStore } from "./backends.js";

const URI = "s3://rollback/created-then-rolled-back";

for (const backend of storeBackends("rolled-back ids")) {
  describe(`ids learned by a transaction that rolls back, on ${backend.name}`, () => {
    const stores: TestStore[] = [];
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.dispose();
    });

    async function open(): Promise<Scheduler> {
      const store = await backend.create();
      stores.push(store);
      return store.openScheduler();
    }

    /** Makes every insert into `asset_event_idempotency` fail, until `allow()`. */
    async function refuseIdempotencyKeys(scheduler: Scheduler): Promise<{ allow(): Promise<void> }> {
      const db = storeDatabase(scheduler);
      if (backend.name === "sqlite") {
        await sql`CREATE TRIGGER refuse_keys BEFORE INSERT ON asset_event_idempotency
          BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`.execute(db);
        return { allow: async () => void (await sql`DROP TRIGGER refuse_keys`.execute(db)) };
      }
      await sql`CREATE FUNCTION refuse_keys() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused by the test'; END $$`.execute(db);
      await sql`CREATE TRIGGER refuse_keys BEFORE INSERT ON asset_event_idempotency
        FOR EACH ROW EXECUTE FUNCTION refuse_keys()`.execute(db);
      return { allow: async () => void (await sql`DROP TRIGGER refuse_keys ON asset_event_idempotency`.execute(db)) };
    }

    /** Records an event of a new asset at {@link URI} in a transaction that creates the asset and then fails. */
    async function createAssetThenRollBack(scheduler: Scheduler): Promise<void> {
      const refusal = await refuseIdempotencyKeys(scheduler);
      await expect(
        scheduler.recordExternalEvent({ uri: URI }, { createIfMissing: true, idempotencyKey: "first" }),
      ).rejects.toThrow(/refused by the test/);
      await refusal.allow();
    }

    it("an asset created in a transaction that rolled back is created again by the next event, which names it", async () => {
      const scheduler = await open();
      await createAssetThenRollBack(scheduler);
      const assetsAfterRollback = await storeDatabase(scheduler).selectFrom("asset").select("id").execute();
      expect(assetsAfterRollback).toEqual([]);

      const recorded = await scheduler.recordExternalEvent(
        { uri: URI },
        { createIfMissing: true, idempotencyKey: "second", extra: { n: 2 } },
      );
      const event = await scheduler.read.assetEvents.get(recorded.eventId);
      expect(event).toMatchObject({ id: recorded.eventId, assetUri: URI, extra: { n: 2 } });
      const asset = await storeDatabase(scheduler)
        .selectFrom("asset")
        .select(["id", "uri"])
        .where("id", "=", recorded.assetId)
        .execute();
      expect(asset.map((row) => row.uri)).toEqual([URI]);
    });

    it("on SQLite and PostgreSQL alike, a later asset does not inherit the rolled-back asset's events", async () => {
      const scheduler = await open();
      await createAssetThenRollBack(scheduler);
      // Another asset takes the next id (the rolled-back one's, on SQLite).
      const other = new Asset("s3://rollback/another");
      await scheduler.registerManifest(
        serializeDags([
          dag({ dagId: "declares-another", schedule: [other] }, () => {
            task({ taskId: "noop" }, () => undefined);
          }),
        ]),
      );
      const recorded = await scheduler.recordExternalEvent({ uri: URI }, { createIfMissing: true, extra: { n: 3 } });
      expect((await scheduler.read.assetEvents.get(recorded.eventId))?.assetUri).toBe(URI);
      const ofOther = await scheduler.read.assetEvents.list({ uri: other.uri });
      expect(ofOther.items).toEqual([]);
    });
  });
}
