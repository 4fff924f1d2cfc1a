/**
 * Issue 11: durable by default. A SQLite store syncs its write-ahead log at
 * every commit (`synchronous = FULL`), so an acknowledged event survives a
 * power loss; `ASSETFLOW_SQLITE_SYNCHRONOUS=normal` is the documented, faster
 * opt-out; anything else is refused with a message that says what to set.
 * (`PRAGMA synchronous` is per connection: read on the store's own one.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type StoreConnection, sqliteSynchronousFromEnv } from "../../scheduler/store/open-store.js";

const dir = mkdtempSync(join(tmpdir(), "assetflow-durability-"));
const opened: StoreConnection[] = [];
const previous = process.env.ASSETFLOW_SQLITE_SYNCHRONOUS;

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  if (previous === undefined) delete process.env.ASSETFLOW_SQLITE_SYNCHRONOUS;
  else process.env.ASSETFLOW_SQLITE_SYNCHRONOUS = previous;
});

async function synchronousOf(file: string): Promise<number> {
  const store = await openStore({ url: join(dir, file) });
  opened.push(store);
  const { rows } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(store.db);
  return Number(rows[0]?.synchronous);
}

describe("SQLite durability", () => {
  it("syncs every commit by default (synchronous = FULL, 2)", async () => {
    delete process.env.ASSETFLOW_SQLITE_SYNCHRONOUS;
    expect(await synchronousOf("default.db")).toBe(2);
  });

  it("ASSETFLOW_SQLITE_SYNCHRONOUS=normal opts out (synchronous = NORMAL, 1)", async () => {
    process.env.ASSETFLOW_SQLITE_SYNCHRONOUS = "normal";
    expect(await synchronousOf("normal.db")).toBe(1);
  });

  it("refuses any other value, saying what the two settings mean", () => {
    expect(() => sqliteSynchronousFromEnv({ ASSETFLOW_SQLITE_SYNCHRONOUS: "off" })).toThrow(
      /ASSETFLOW_SQLITE_SYNCHRONOUS must be "full" \(the default: an acknowledged event survives a power loss\) or "normal"/,
    );
  });
});

process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
