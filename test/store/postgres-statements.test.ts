/**
 * The store's PostgreSQL connections send a transaction's `begin` with its
 * first statement and its notifications with its `commit`
 * (`scheduler/store/postgres/statement-client.ts`). What a transaction does
 * must not change: a rolled-back first statement leaves nothing, an error in
 * it rolls the transaction back, a held notification is heard at the commit
 * and never after a rollback, and a completion's notification reaches
 * another process's listener with the commit. A statement sent ahead with
 * the one before it (`NextStatement`) answers only when it is asked for
 * next, sees what the one before it did, and never runs when that one fails.
 */
import { CompiledQuery, type Kysely, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeWithNext, withNext } from "../../scheduler/engine/compiled-query.js";
import { Scheduler, storeDatabase } from "../../scheduler/scheduler.js";
import { HeldStatementError, SEND_WITH_NEXT } from "../../scheduler/store/next-statement.js";
import { TASKS_CHANNEL } from "../../scheduler/store/postgres/notifier.js";
import { NOTIFY_STATEMENT } from "../../scheduler/store/postgres/statement-client.js";
import type { Database } from "../../scheduler/store/schema.js";
import { dagManifest, taskManifest } from "../support/manifests.js";
import { poll } from "../support/poll.js";
import { adminQuery, postgresUrl, testSchemaName } from "./backends.js";

if (!postgresUrl) {
  console.warn(
    "[assetflow] postgres-statements: ASSETFLOW_TEST_DATABASE_URL is not set, so the PostgreSQL statement tests are skipped.",
  );
}

const url = postgresUrl ?? "";
const fail = (): never => {
  throw new Error("the producer's try was not claimed");
};
// A channel of this run's own: other test files and sessions notify on the shared channels meanwhile.
const CHANNEL = `assetflow_statement_test_${process.pid}_${Date.now().toString(36)}`;

describe.skipIf(!postgresUrl)(
  "the store's PostgreSQL connections: begin with the first statement, notify with the commit",
  () => {
    const schema = testSchemaName("statements");
    let scheduler: Scheduler;
    let db: Kysely<Database>;
    let listener: pg.Client;
    const heard: string[] = [];

    beforeAll(async () => {
      scheduler = await Scheduler.open({ url, postgresSchema: schema });
      db = storeDatabase(scheduler);
      await sql`CREATE TABLE probe (id integer PRIMARY KEY, note text)`.execute(db);
      listener = new pg.Client({ connectionString: url });
      await listener.connect();
      listener.on("notification", (message) => heard.push(`${message.channel}:${message.payload}`));
      await listener.query(`LISTEN ${CHANNEL}`);
      await listener.query(`LISTEN ${TASKS_CHANNEL}`);
    });

    afterAll(async () => {
      await listener?.end();
      await scheduler?.close();
      await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });

    const insert = (trx: Kysely<Database>, id: number, note: string) =>
      trx.executeQuery(CompiledQuery.raw("INSERT INTO probe (id, note) VALUES ($1, $2)", [id, note]));
    const notes = async () =>
      (await db.executeQuery<{ id: number; note: string }>(CompiledQuery.raw("SELECT id, note FROM probe ORDER BY id")))
        .rows;
    const notify = (trx: Kysely<Database>, payload: string) =>
      trx.executeQuery(CompiledQuery.raw(NOTIFY_STATEMENT, [CHANNEL, payload]));

    it("commits and rolls back the first statement as a transaction, prepared or not, with quotes and backslashes in values", async () => {
      // Every connection of the pool sees the statement once (prepared), then again with BEGIN in front.
      for (let round = 0; round < 12; round++) {
        await db.transaction().execute(async (trx) => {
          await insert(trx, 1000 + round, `round ${round}`);
          await trx.executeQuery(CompiledQuery.raw("DELETE FROM probe WHERE id = $1", [1000 + round]));
        });
      }
      const note = "it's a \\path\\ and 'quotes'";
      await db.transaction().execute(async (trx) => {
        await insert(trx, 1, note);
      });
      await expect(
        db.transaction().execute(async (trx) => {
          await insert(trx, 2, "rolled back");
          throw new Error("the caller gives up");
        }),
      ).rejects.toThrow("the caller gives up");
      // The first statement fails (a duplicate key): nothing of the transaction stays, and the pool works on.
      await expect(
        db.transaction().execute(async (trx) => {
          await insert(trx, 1, "duplicate");
        }),
      ).rejects.toThrow(/duplicate key/);
      await expect(
        db.transaction().execute(async (trx) => {
          await insert(trx, 3, "before the error");
          await insert(trx, 1, "duplicate");
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await notes()).toEqual([{ id: 1, note }]);
    });

    it("holds a transaction's notification until its commit, and drops it with a rollback", async () => {
      heard.length = 0;
      await expect(
        db.transaction().execute(async (trx) => {
          await notify(trx, "rolled back");
          await insert(trx, 10, "x");
          throw new Error("rollback");
        }),
      ).rejects.toThrow("rollback");
      let heardBeforeCommit: string[] = [];
      await db.transaction().execute(async (trx) => {
        await insert(trx, 11, "y");
        await notify(trx, "committed");
        // Give a notification sent now time to arrive: it must not, before the commit.
        await new Promise((resolve) => setTimeout(resolve, 100));
        heardBeforeCommit = [...heard];
      });
      // Only a notification, in a transaction of its own.
      await db.transaction().execute(async (trx) => {
        await notify(trx, "alone");
      });
      const ours = () => heard.filter((each) => each.startsWith(`${CHANNEL}:`));
      await poll("both notifications", async () => (ours().length >= 2 ? true : undefined), {
        timeoutMs: 5000,
        intervalMs: 10,
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heardBeforeCommit.filter((each) => each.startsWith(`${CHANNEL}:`))).toEqual([]);
      expect(ours()).toEqual([`${CHANNEL}:committed`, `${CHANNEL}:alone`]);
      expect((await notes()).map((row) => row.id)).toEqual([1, 11]);
    });

    /** Runs `action` counting the messages the driver sends (each a round trip). */
    const countingRoundTrips = async <T>(action: () => Promise<T>): Promise<{ result: T; roundTrips: number }> => {
      const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
      const original = prototype.query;
      let roundTrips = 0;
      prototype.query = function (this: unknown, ...args: unknown[]) {
        roundTrips++;
        return original.apply(this, args);
      };
      try {
        return { result: await action(), roundTrips };
      } finally {
        prototype.query = original;
      }
    };
    const select = (id: number) => CompiledQuery.raw("SELECT note FROM probe WHERE id = $1", [id]);
    const insertStatement = (id: number, note: string) =>
      CompiledQuery.raw("INSERT INTO probe (id, note) VALUES ($1, $2)", [id, note]);

    it("sends the next statement with the one before it: answered from that message, after it, only when asked for next", async () => {
      const roundTrips: number[] = [];
      for (let round = 0; round < 6; round++) {
        const id = 100 + round;
        const { result, roundTrips: sent } = await countingRoundTrips(() =>
          db.transaction().execute(async (trx) => {
            // The read sent ahead sees the insert before it.
            await executeWithNext("postgres", trx, insertStatement(id, "first"), select(id));
            const ahead = (await trx.executeQuery(select(id))).rows;
            // Sent ahead, then not asked for next: dropped, and the later read sees the update between.
            await executeWithNext("postgres", trx, select(id), select(id));
            await trx.executeQuery(CompiledQuery.raw("UPDATE probe SET note = $1 WHERE id = $2", ["second", id]));
            const after = (await trx.executeQuery(select(id))).rows;
            return { ahead, after };
          }),
        );
        expect(result).toEqual({ ahead: [{ note: "first" }], after: [{ note: "second" }] });
        roundTrips.push(sent);
      }
      // Once prepared on the connection: BEGIN with the insert and the read, the second pair, the update, the read, the commit.
      expect(roundTrips.at(-1)).toBe(5);
      expect(Math.max(...roundTrips)).toBeGreaterThan(5);
      // Outside a transaction the next statement is not sent ahead: it is its own transaction, when asked for.
      await executeWithNext("postgres", db, insertStatement(120, "alone"), insertStatement(121, "never asked for"));
      expect((await notes()).filter((row) => row.id >= 120).map((row) => row.id)).toEqual([120]);
    });

    it("sends a chain of next statements with the one before it, each answered in turn, and fails a transaction that leaves a write of it unasked", async () => {
      const roundTrips: number[] = [];
      const update = (id: number, note: string) =>
        CompiledQuery.raw("UPDATE probe SET note = $1 WHERE id = $2", [note, id]);
      for (let round = 0; round < 6; round++) {
        const id = 160 + round;
        const { result, roundTrips: sent } = await countingRoundTrips(() =>
          db.transaction().execute(async (trx) => {
            // insert, then update, then a read of both: three statements, one message once prepared.
            const chain = withNext("postgres", update(id, "updated"), select(id));
            await executeWithNext("postgres", trx, insertStatement(id, "inserted"), chain);
            const updated = await trx.executeQuery(chain);
            const read = (await trx.executeQuery(select(id))).rows;
            return { updated: Number(updated.numAffectedRows), read };
          }),
        );
        expect(result).toEqual({ updated: 1, read: [{ note: "updated" }] });
        roundTrips.push(sent);
      }
      // Once prepared on the connection (the earlier tests ran these texts): BEGIN with the three statements, then the commit.
      expect(roundTrips.at(-1)).toBe(2);
      // The second statement of a chain is a write: asked for the first only, then something else, nothing commits.
      await expect(
        db.transaction().execute(async (trx) => {
          const chain = withNext("postgres", update(170, "sent ahead"), select(170));
          await executeWithNext("postgres", trx, insertStatement(170, "inserted"), chain);
          await trx.executeQuery(insertStatement(171, "asked for instead"));
        }),
      ).rejects.toThrow(/sent ahead as the next one of its transaction, and a different one came next/);
      expect((await notes()).filter((row) => row.id >= 160 && row.id < 180).map((row) => row.id)).toEqual([
        160, 161, 162, 163, 164, 165,
      ]);
    });

    it("holds a statement marked SEND_WITH_NEXT for the transaction's next message or its COMMIT; a rollback drops it; its failure commits nothing", async () => {
      const held = (id: number, note: string) =>
        CompiledQuery.raw("INSERT INTO probe (id, note) VALUES ($1, $2)", [id, note, SEND_WITH_NEXT]);
      const roundTrips: number[] = [];
      for (let round = 0; round < 6; round++) {
        const { result, roundTrips: sent } = await countingRoundTrips(() =>
          db.transaction().execute(async (trx) => {
            const before = (await trx.executeQuery(select(300 + round))).rows;
            await trx.executeQuery(held(300 + round, "held"));
            // The read goes in one message behind the held insert, and sees it.
            const after = (await trx.executeQuery(select(300 + round))).rows;
            await trx.executeQuery(held(320 + round, "with the commit"));
            return { before, after };
          }),
        );
        expect(result).toEqual({ before: [], after: [{ note: "held" }] });
        roundTrips.push(sent);
      }
      // Once prepared: BEGIN with the first read; the held insert with the second read; the other with the COMMIT.
      expect(roundTrips.at(-1)).toBe(3);
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.executeQuery(select(340));
          await trx.executeQuery(held(340, "rolled back"));
          throw new Error("rollback");
        }),
      ).rejects.toThrow("rollback");
      // Held for the COMMIT and failing there (a duplicate): nothing of the transaction commits.
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.executeQuery(select(341));
          await trx.executeQuery(insertStatement(341, "before it"));
          await trx.executeQuery(held(300, "duplicate"));
        }),
      ).rejects.toThrow(HeldStatementError);
      const ids = (await notes()).map((row) => row.id).filter((id) => id >= 300 && id < 360);
      expect(ids).toEqual([300, 301, 302, 303, 304, 305, 320, 321, 322, 323, 324, 325]);
    });

    it("a failing statement takes the next one sent with it down, and the transaction with both", async () => {
      await db.transaction().execute(async (trx) => {
        await insert(trx, 130, "taken");
      });
      for (let round = 0; round < 4; round++) {
        // Prepared on the connection first, so that the pair goes in one message.
        await db.transaction().execute(async (trx) => {
          await executeWithNext("postgres", trx, insertStatement(140, "x"), insertStatement(141, "y"));
          await trx.executeQuery(insertStatement(141, "y"));
          await trx.executeQuery(CompiledQuery.raw("DELETE FROM probe WHERE id >= $1", [140]));
        });
        await expect(
          db.transaction().execute(async (trx) => {
            await executeWithNext("postgres", trx, insertStatement(130, "duplicate"), insertStatement(131, "next"));
            await trx.executeQuery(insertStatement(131, "next"));
          }),
        ).rejects.toThrow(/duplicate key/);
      }
      expect((await notes()).filter((row) => row.id >= 130).map((row) => row.id)).toEqual([130]);
    });

    it("a write sent ahead and then not asked for next fails its transaction: nothing of it commits", async () => {
      for (let round = 0; round < 4; round++) {
        // Prepared on the connection first, so that the pair goes in one message.
        await db.transaction().execute(async (trx) => {
          await executeWithNext("postgres", trx, insertStatement(150, "x"), insertStatement(151, "y"));
          await trx.executeQuery(insertStatement(151, "y"));
          await trx.executeQuery(CompiledQuery.raw("DELETE FROM probe WHERE id >= $1", [150]));
        });
        await expect(
          db.transaction().execute(async (trx) => {
            await executeWithNext("postgres", trx, insertStatement(150, "x"), insertStatement(151, "sent ahead"));
            await trx.executeQuery(insertStatement(152, "asked for instead"));
          }),
        ).rejects.toThrow(/sent ahead as the next one of its transaction, and a different one came next/);
      }
      expect((await notes()).filter((row) => row.id >= 150).map((row) => row.id)).toEqual([]);
    });

    it("a completion that queues a consumer's try notifies the workers with its commit", async () => {
      const { event } = await registerProducerAndConsumer(scheduler, "probe", "producer", "consumer");
      await scheduler.triggerDag("producer");
      const [request] = await scheduler.claimTasks("w", 1);
      expect(request?.key.dagId).toBe("producer");
      heard.length = 0;
      const done = await scheduler.completeTask(request?.key ?? fail(), {
        state: "success",
        events: [event],
      });
      expect(done.runs).toHaveLength(1);
      await poll(
        "the workers' notification",
        async () => (heard.some((each) => each.startsWith(`${TASKS_CHANNEL}:`)) ? true : undefined),
        { timeoutMs: 5000, intervalMs: 10 },
      );
      // The claim is one statement, committed as it runs: one round trip, and the try is running for everyone.
      const { result: claimed, roundTrips } = await countingRoundTrips(() => scheduler.claimTasks("w", 1));
      const [next] = claimed;
      expect(next?.key.dagId).toBe("consumer");
      expect(roundTrips).toBe(1);
      const { rows } = await listener.query(
        `SELECT state, worker_id FROM ${schema}.task_instance WHERE dag_id = 'consumer'`,
      );
      expect(rows).toEqual([{ state: "running", worker_id: "w" }]);
    });

    it("a consumer's run sent with the COMMIT that fails there: the completion is done again without it, and the consumer runs once on the event", async () => {
      const { asset, event } = await registerProducerAndConsumer(scheduler, "boom", "boom_producer", "boom_consumer");
      const hop = async () => {
        await scheduler.triggerDag("boom_producer");
        const [request] = await scheduler.claimTasks("w", 1);
        const done = await scheduler.completeTask(request?.key ?? fail(), { state: "success", events: [event] });
        const [consumer] = await scheduler.claimTasks("w", 1);
        expect(consumer?.key.dagId).toBe("boom_consumer");
        await scheduler.completeTask(consumer?.key ?? fail(), { state: "success", events: [] });
        return done;
      };
      // Every connection of the pool prepares the consumer's run insert, so the next one is held for the COMMIT.
      for (let round = 0; round < 12; round++) await hop();
      // The next insert of a boom_consumer run fails once (a sequence is not rolled back with its transaction).
      await sql`CREATE SEQUENCE boom_once`.execute(db);
      await sql`CREATE FUNCTION boom_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.dag_id = 'boom_consumer' AND nextval('boom_once') = 1 THEN RAISE EXCEPTION 'boom'; END IF;
          RETURN NEW;
        END $$`.execute(db);
      await sql`CREATE TRIGGER boom_once BEFORE INSERT ON dag_run FOR EACH ROW EXECUTE FUNCTION boom_once()`.execute(
        db,
      );
      try {
        const done = await hop();
        expect(done.accepted).toBe(true);
        expect(done.runs).toHaveLength(1);
        const { rows } = await listener.query(`SELECT last_value::int AS calls FROM ${schema}.boom_once`);
        // The held insert failed at the COMMIT, then the consumer was evaluated after the completion's commit.
        expect(rows).toEqual([{ calls: 2 }]);
        const runs = await listener.query(
          `SELECT r.run_id, count(c.event_id)::int AS consumed FROM ${schema}.dag_run r
           LEFT JOIN ${schema}.dag_run_consumed_event c ON c.dag_id = r.dag_id AND c.run_id = r.run_id
           WHERE r.dag_id = 'boom_consumer' GROUP BY r.run_id`,
        );
        expect(runs.rows).toHaveLength(13);
        expect(runs.rows.every((row) => row.consumed === 1)).toBe(true);
        const events = await listener.query(
          `SELECT count(*)::int AS n FROM ${schema}.asset_event e JOIN ${schema}.asset a ON a.id = e.asset_id WHERE a.uri = $1`,
          [asset.uri],
        );
        expect(events.rows).toEqual([{ n: 13 }]);
      } finally {
        await sql`DROP TRIGGER boom_once ON dag_run`.execute(db);
      }
    });

    it("a producer's success that triggers a consumer: the run's finish goes with the event, the consumer's run with the COMMIT, four round trips in all", async () => {
      const { event } = await registerProducerAndConsumer(scheduler, "chain", "chain_producer", "chain_consumer");
      const roundTrips: number[] = [];
      for (let round = 0; round < 6; round++) {
        const runId = await scheduler.triggerDag("chain_producer");
        const [request] = await scheduler.claimTasks("w", 1);
        expect(request?.key.dagId).toBe("chain_producer");
        const { result: done, roundTrips: sent } = await countingRoundTrips(() =>
          scheduler.completeTask(request?.key ?? fail(), { state: "success", events: [event] }),
        );
        roundTrips.push(sent);
        expect(done.accepted).toBe(true);
        expect(done.finishedRun).toEqual({ dagId: "chain_producer", runId, state: "success" });
        expect(done.runs).toHaveLength(1);
        const [consumer] = await scheduler.claimTasks("w", 1);
        expect(consumer?.key).toMatchObject({ dagId: "chain_consumer", runId: done.runs[0] });
        expect(consumer?.triggeringEvents).toHaveLength(1);
        await scheduler.completeTask(consumer?.key ?? fail(), { state: "success", events: [] });
      }
      // Once prepared: BEGIN + the run's lock + the try's end; the event + the run's finish + the DAG's
      // queued runs; the consumer's lock + its reads; its run + the notification + COMMIT.
      expect(roundTrips.at(-1)).toBe(4);
      const { rows } = await listener.query(
        `SELECT dag_id, state, count(*)::int AS n FROM ${schema}.dag_run WHERE dag_id LIKE 'chain_%' GROUP BY 1, 2 ORDER BY 1`,
      );
      expect(rows).toEqual([
        { dag_id: "chain_consumer", state: "success", n: 6 },
        { dag_id: "chain_producer", state: "success", n: 6 },
      ]);
    });
  },
);

/**
 * Registers DAG `producerId` (task `write`, updating the asset `<name>_asset`)
 * and DAG `consumerId` scheduled on that asset (task `read`); returns the asset
 * and an event of it for `completeTask`.
 */
async function registerProducerAndConsumer(scheduler: Scheduler, name: string, producerId: string, consumerId: string) {
  const asset = { kind: "asset" as const, name: `${name}_asset`, uri: `test://statements/${name}` };
  await scheduler.registerManifest({
    schemaVersion: 1,
    assets: [{ name: asset.name, uri: asset.uri, group: "asset", extra: {} }],
    aliases: [],
    dags: [
      dagManifest(producerId, { kind: "none" }, [taskManifest("write", [asset])]),
      dagManifest(consumerId, { kind: "assets", condition: asset }, [taskManifest("read")]),
    ],
  });
  const event = { asset: { name: asset.name, uri: asset.uri, group: "asset", extra: {} }, extra: {}, aliases: [] };
  return { asset, event };
}
