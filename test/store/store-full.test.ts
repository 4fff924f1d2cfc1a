/**
 * Issue 11: a full store is a clear, typed error, never a dead process nor
 * "cannot rollback - no transaction is active". SQLite's real `SQLITE_FULL`
 * is produced with `PRAGMA max_page_count` (per connection: set on the
 * store's own one): recording an event fails with `STORE_FULL`, nothing is
 * half written, and once the limit is raised the same store records again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { Scheduler, storeDatabase } from "../../scheduler/scheduler.js";
import { StoreFullError } from "../../scheduler/store/store-full.js";

const dir = mkdtempSync(join(tmpdir(), "assetflow-store-full-"));
let scheduler: Scheduler | undefined;

afterAll(async () => {
  await scheduler?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function eventCount(db: ReturnType<typeof storeDatabase>): Promise<number> {
  const row = await db
    .selectFrom("asset_event")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("a SQLite store that is full", () => {
  it("fails the write with STORE_FULL, writes nothing, and records again once there is room", async () => {
    scheduler = await Scheduler.open({ url: join(dir, "store.db") });
    const db = storeDatabase(scheduler);
    const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(db);
    const pages = Number(rows[0]?.page_count);
    await sql.raw(`PRAGMA max_page_count = ${pages + 2}`).execute(db);

    const big = { payload: "x".repeat(20_000) };
    let failure: unknown;
    let recorded = 0;
    for (let attempt = 0; attempt < 50 && failure === undefined; attempt++) {
      try {
        await scheduler.recordExternalEvent({ uri: "s3://full/a" }, { createIfMissing: true, extra: big });
        recorded++;
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(StoreFullError);
    expect((failure as StoreFullError).code).toBe("STORE_FULL");
    expect((failure as Error).message).toMatch(
      /^The store is full \(SQLITE_FULL: database or disk is full\): nothing was written\. Free disk space/,
    );
    expect((failure as Error).message).not.toMatch(/cannot rollback/);
    // The failed transaction left nothing behind, and the connection is usable.
    expect(await eventCount(db)).toBe(recorded);

    await sql.raw("PRAGMA max_page_count = 1073741823").execute(db);
    await scheduler.recordExternalEvent({ uri: "s3://full/a" }, { createIfMissing: true, extra: big });
    expect(await eventCount(db)).toBe(recorded + 1);
  });
});
