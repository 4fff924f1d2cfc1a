/**
 * The store contract (DESIGN.md section 4), written once and run against
 * every backend: SQLite always, PostgreSQL when ASSETFLOW_TEST_DATABASE_URL
 * is set. Where a case needs several connections at once, PostgreSQL gets
 * one scheduler (pool) per peer, as separate processes would have; SQLite,
 * a one-process store, shares one scheduler among the peers.
 */
import { Asset, AssetAlias, type DagLike, type DagOptions, dag, type Manifest, serializeDags, task } from "assetflow";
import BetterSqlite3 from "better-sqlite3";
import { type Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { EmittedAssetEvent, TaskInstanceKey, TaskRunRequest } from "../../scheduler/contracts.js";
import { createEngineContext } from "../../scheduler/engine/context.js";
import { recordEvent } from "../../scheduler/engine/events.js";
import { claimQueued } from "../../scheduler/engine/task-instances.js";
import { getDagRun, listDagRuns } from "../../scheduler/read/index.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import { storeDatabase } from "../../scheduler/scheduler.js";
import { manifestHash } from "../../scheduler/store/manifest-hash.js";
import { migrateToLatest, migrationsFor, pendingMigrations } from "../../scheduler/store/migrations.js";
import { countRows, storeBackends, type TestStore, testSchemaName } from "./backends.js";

const backends = storeBackends("store contract tests");

const A = new Asset({ uri: "contract://a", name: "asset-a" });
const B = new Asset({ uri: "contract://b", name: "asset-b" });
const alias = new AssetAlias("contract-alias");
const manual = (dagId: string, outlets: (Asset | AssetAlias)[] = [], maxActiveRuns = 16) =>
  dag({ dagId, schedule: null, maxActiveRuns }, () => {
    task({ taskId: "work", outlets }, () => undefined);
  });
const consumer = (dagId: string, schedule: DagOptions["schedule"]) =>
  dag({ dagId, schedule }, () => {
    task({ taskId: "work" }, () => undefined);
  });

const keyText = (key: TaskInstanceKey) => `${key.dagId}/${key.runId}/${key.taskId}/${key.mapIndex}`;
const eventOf = (asset: Asset, extra: Record<string, number | string>, aliases: string[] = []): EmittedAssetEvent => ({
  asset: { name: asset.name, uri: asset.uri, group: "asset", extra: {} },
  extra,
  aliases,
});

/** Rows of a table, as plain objects (order given). */
async function rows(db: Kysely<unknown>, query: string): Promise<Record<string, unknown>[]> {
  return (await sql.raw<Record<string, unknown>>(query).execute(db)).rows;
}

/** Runs `dagId` manually and completes its one task with `events`; returns the runs the completion created. */
async function produce(scheduler: Scheduler, dagId: string, events: EmittedAssetEvent[]): Promise<string[]> {
  await scheduler.triggerDag(dagId);
  const [request] = await scheduler.claimTasks("contract", 1);
  expect(request?.key.dagId).toBe(dagId);
  const effects = await scheduler.completeTask((request as TaskRunRequest).key, { state: "success", events });
  return effects.runs;
}

/** Pending inbox entries, as "dag:eventId" strings. */
async function inbox(scheduler: Scheduler): Promise<string[]> {
  const entries = await storeDatabase(scheduler)
    .selectFrom("asset_event_inbox")
    .select(["dag_id", "event_id"])
    .execute();
  return entries.map((row) => `${row.dag_id}:${Number(row.event_id)}`).sort();
}

for (const backend of backends) {
  describe(`store contract on ${backend.name}`, () => {
    const stores: TestStore[] = [];
    const create = async (): Promise<TestStore> => {
      const store = await backend.create();
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.dispose();
    });

    /** `count` schedulers on one store: separate pools on PostgreSQL, one shared scheduler on SQLite. */
    const peers = async (store: TestStore, count: number): Promise<Scheduler[]> => {
      if (backend.name === "sqlite") {
        const shared = await store.openScheduler();
        return Array.from({ length: count }, () => shared);
      }
      const opened: Scheduler[] = [];
      for (let index = 0; index < count; index++) opened.push(await store.openScheduler());
      return opened;
    };

    it("migrations apply once: a second run applies nothing and leaves nothing pending", async () => {
      const store = await create();
      const connection = await store.openConnection();
      const db = connection.db as Kysely<unknown>;
      const all = Object.keys(migrationsFor(connection.dialect));
      expect(await pendingMigrations(db, connection.dialect)).toEqual(all);
      expect(await migrateToLatest(db, connection.dialect)).toEqual(all);
      expect(await migrateToLatest(db, connection.dialect)).toEqual([]);
      expect(await pendingMigrations(db, connection.dialect)).toEqual([]);
      // Another connection (another process) sees the same: nothing to do.
      const other = await store.openConnection();
      expect(await migrateToLatest(other.db as Kysely<unknown>, other.dialect)).toEqual([]);
      for (const table of ["dag", "asset", "asset_event", "asset_event_inbox", "dag_run", "task_instance"]) {
        expect(await countRows(connection.db, table)).toBe(0);
      }
    });

    it("the manifest-hash migration gives DAGs registered before it the hash of their manifest", async () => {
      const store = await create();
      const scheduler = await store.openScheduler();
      await scheduler.registerManifest(serializeDags([manual("before-hashes"), consumer("hashed-consumer", [A])]));
      const db = storeDatabase(scheduler);
      const migration = migrationsFor(store.dialect)["0009_dag_manifest_hash"];
      await migration?.down?.(db as Kysely<unknown>);
      await migration?.up(db as Kysely<unknown>);
      const stored = await db
        .selectFrom("dag")
        .select(["dag_id", "manifest", "manifest_hash"])
        .orderBy("dag_id")
        .execute();
      expect(stored.map((row) => row.dag_id)).toEqual(["before-hashes", "hashed-consumer"]);
      for (const row of stored) expect(row.manifest_hash).toBe(manifestHash(row.manifest));
      // Registration writes it with the text: a changed manifest has a new hash.
      const before = stored[1]?.manifest_hash;
      await scheduler.registerManifest(serializeDags([manual("before-hashes"), consumer("hashed-consumer", [B])]));
      const after = await db
        .selectFrom("dag")
        .select(["manifest", "manifest_hash"])
        .where("dag_id", "=", "hashed-consumer")
        .executeTakeFirstOrThrow();
      expect(after.manifest_hash).not.toBe(before);
      expect(after.manifest_hash).toBe(manifestHash(after.manifest));
    });

    it("two stores side by side (two files, or two schemas of one database) migrate and stay apart", async () => {
      const first = await create();
      const second = await create();
      const one = await first.openScheduler();
      const two = await second.openScheduler();
      await one.registerManifest(serializeDags([manual("only-in-first")]));
      expect(await countRows(storeDatabase(one), "dag")).toBe(1);
      expect(await countRows(storeDatabase(two), "dag")).toBe(0);
      expect(await pendingMigrations(storeDatabase(two) as Kysely<unknown>, second.dialect)).toEqual([]);
    });

    if (backend.name === "postgres") {
      it("several processes migrating a new store at once apply each migration once", async () => {
        const store = await create();
        const connections = await Promise.all([0, 1, 2].map(() => store.openConnection()));
        const applied = await Promise.all(connections.map((c) => migrateToLatest(c.db as Kysely<unknown>, c.dialect)));
        expect(applied.flat().sort()).toEqual(Object.keys(migrationsFor("postgres")));
      });
    }

    if (backend.name === "postgres") {
      it("a store migrates while other schemas of the database are created and dropped", async () => {
        // Schemas come and go in a shared database (other environments, tests). Migrating, and
        // checking for pending migrations, must look at the store's own schema only.
        const churner = await create();
        const churn = await churner.openConnection();
        let stop = false;
        const churning = (async () => {
          for (let index = 0; !stop && index < 10_000; index++) {
            const name = testSchemaName("churn");
            await sql`CREATE SCHEMA ${sql.id(name)}`.execute(churn.db);
            await sql`CREATE TABLE ${sql.id(name, "t")} (id bigserial PRIMARY KEY)`.execute(churn.db);
            await sql`DROP SCHEMA ${sql.id(name)} CASCADE`.execute(churn.db);
          }
        })();
        try {
          for (let round = 0; round < 6; round++) {
            const store = await create();
            const connection = await store.openConnection();
            const db = connection.db as Kysely<unknown>;
            expect(await migrateToLatest(db, "postgres")).toEqual(Object.keys(migrationsFor("postgres")));
            expect(await pendingMigrations(db, "postgres")).toEqual([]);
          }
        } finally {
          stop = true;
          await churning;
        }
      });
    }

    it("registering the same manifest again, from any scheduler, changes no row", async () => {
      const store = await create();
      const dags: DagLike[] = [
        manual("producer", [A, alias]),
        consumer("on-a", A),
        consumer("on-a-and-b", A.and(B)),
        consumer("on-alias", alias),
        consumer("by-name", Asset.ref({ name: A.name })),
        consumer("by-uri", Asset.ref({ uri: B.uri })),
      ];
      const manifest = serializeDags(dags);
      const first = await store.openScheduler();
      const snapshot = async (scheduler: Scheduler) => ({
        assets: await rows(storeDatabase(scheduler) as Kysely<unknown>, "SELECT id, name, uri FROM asset ORDER BY id"),
        aliases: await rows(
          storeDatabase(scheduler) as Kysely<unknown>,
          "SELECT id, name FROM asset_alias ORDER BY id",
        ),
        dags: await rows(
          storeDatabase(scheduler) as Kysely<unknown>,
          "SELECT dag_id, is_active FROM dag ORDER BY dag_id",
        ),
        scheduleAssets: await countRows(storeDatabase(scheduler), "dag_schedule_asset"),
        scheduleAliases: await countRows(storeDatabase(scheduler), "dag_schedule_alias"),
        scheduleRefs: await countRows(storeDatabase(scheduler), "dag_schedule_ref"),
        taskRefs: await countRows(storeDatabase(scheduler), "task_asset_reference"),
      });
      const added = await first.registerManifest(manifest);
      expect(added.added).toHaveLength(dags.length);
      const before = await snapshot(first);
      expect(before.assets.map((row) => row.name)).toEqual(["asset-a", "asset-b"]);
      expect(before.aliases.map((row) => row.name)).toEqual(["contract-alias"]);
      expect(before).toMatchObject({ scheduleAssets: 3, scheduleAliases: 1, scheduleRefs: 2, taskRefs: 2 });

      expect((await first.registerManifest(manifest)).unchanged).toHaveLength(dags.length);
      // A scheduler with cold caches (another process) upserts the same rows.
      const second = await store.openScheduler();
      expect((await second.registerManifest(manifest)).unchanged).toHaveLength(dags.length);
      expect(await snapshot(second)).toEqual(before);
    });

    it("several schedulers registering the same new DAGs at once all succeed, and each row exists once", async () => {
      const store = await create();
      // DAGs that declare no asset: nothing else makes the registrations wait for each other.
      const manifest: Manifest = serializeDags([manual("first"), manual("second"), manual("third")]);
      expect(manifest.assets).toEqual([]);
      const schedulers = await peers(store, 4);
      const results = await Promise.allSettled(
        schedulers.map((s) => s.registerManifest(manifest, { kind: "file", fileloc: "/dags/file.ts" })),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const [scheduler] = schedulers as [Scheduler];
      expect(await rows(storeDatabase(scheduler) as Kysely<unknown>, "SELECT dag_id FROM dag ORDER BY dag_id")).toEqual(
        [{ dag_id: "first" }, { dag_id: "second" }, { dag_id: "third" }],
      );
      expect(await countRows(storeDatabase(scheduler), "task_asset_reference")).toBe(0);
    });

    it("an event reaches the inbox of every consumer that mentions its asset: directly, through an alias, by name, by URI", async () => {
      const store = await create();
      const scheduler = await store.openScheduler();
      const consumers = ["on-a", "on-a-and-b", "on-alias", "by-name", "by-uri-of-a", "on-b", "by-uri-of-b"];
      await scheduler.registerManifest(
        serializeDags([
          manual("producer", [A, alias]),
          consumer("on-a", A),
          consumer("on-a-and-b", A.and(B)),
          consumer("on-alias", alias),
          consumer("by-name", Asset.ref({ name: A.name })),
          consumer("by-uri-of-a", Asset.ref({ uri: A.uri })),
          consumer("on-b", B),
          consumer("by-uri-of-b", Asset.ref({ uri: B.uri })),
        ]),
      );
      // Paused consumers keep buffering: the inbox shows the routing.
      for (const dagId of consumers) await scheduler.pauseDag(dagId);
      expect(await produce(scheduler, "producer", [eventOf(A, { n: 1 }, [alias.name])])).toEqual([]);
      const [event] = await scheduler.listEvents({ kind: "asset", name: A.name, uri: A.uri });
      expect(event?.sourceAliases).toEqual([alias.name]);
      const id = event?.id as number;
      expect(await inbox(scheduler)).toEqual(
        ["by-name", "by-uri-of-a", "on-a", "on-a-and-b", "on-alias"].map((dagId) => `${dagId}:${id}`).sort(),
      );

      // Unpausing evaluates: each single-asset consumer runs once on that event; the AND consumer keeps waiting.
      for (const dagId of consumers) await scheduler.unpauseDag(dagId);
      for (const dagId of ["on-a", "on-alias", "by-name", "by-uri-of-a"]) {
        const runs = await listDagRuns(storeDatabase(scheduler), dagId);
        expect({ dagId, consumed: runs.map((run) => run.consumedEvents.map((e) => e.id)) }).toEqual({
          dagId,
          consumed: [[id]],
        });
      }
      expect(await inbox(scheduler)).toEqual([`on-a-and-b:${id}`]);
      expect(await listDagRuns(storeDatabase(scheduler), "on-b")).toEqual([]);
    });

    it("a run consumes exactly its DAG's pending entries: all of them, nobody else's, and none recorded later", async () => {
      const store = await create();
      const scheduler = await store.openScheduler();
      await scheduler.registerManifest(
        serializeDags([manual("producer", [A, B]), consumer("on-a-and-b", A.and(B)), consumer("on-a", A)]),
      );
      await scheduler.pauseDag("on-a");
      const record = async (asset: Asset, n: number) =>
        (await scheduler.recordExternalEvent({ name: asset.name, uri: asset.uri }, { extra: { n } })).eventId;
      const a1 = await record(A, 1);
      const a2 = await record(A, 2);
      const a3 = await record(A, 3);
      expect(await listDagRuns(storeDatabase(scheduler), "on-a-and-b")).toEqual([]);
      const b1 = await record(B, 1);
      const [run] = await listDagRuns(storeDatabase(scheduler), "on-a-and-b");
      expect(run?.consumedEvents.map((e) => e.id)).toEqual([a1, a2, a3, b1]);
      // The paused consumer's entries are untouched; the AND consumer's inbox is empty.
      expect(await inbox(scheduler)).toEqual([a1, a2, a3].map((id) => `on-a:${id}`).sort());
      const a4 = await record(A, 4);
      expect(await inbox(scheduler)).toEqual(
        [`on-a-and-b:${a4}`, ...[a1, a2, a3, a4].map((id) => `on-a:${id}`)].sort(),
      );
      expect(await listDagRuns(storeDatabase(scheduler), "on-a-and-b")).toHaveLength(1);
      // Every consumed entry is consumed once.
      expect(await countRows(storeDatabase(scheduler), "dag_run_consumed_event")).toBe(4);
    });

    if (backend.name === "postgres") {
      it("an event that commits while another process is creating a run stays pending for the next run", async () => {
        const store = await create();
        const [first, second] = (await peers(store, 2)) as [Scheduler, Scheduler];
        await first.registerManifest(serializeDags([manual("producer", [A]), consumer("on-a", A)]));
        // Widen the window inside run creation, between taking the inbox and clearing it: a
        // trigger (in this test's schema only) sleeps after the consumed events are inserted.
        await sql`CREATE FUNCTION slow_consumption() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$`.execute(storeDatabase(first));
        await sql`CREATE TRIGGER slow_consumption AFTER INSERT ON dag_run_consumed_event
          FOR EACH STATEMENT EXECUTE FUNCTION slow_consumption()`.execute(storeDatabase(first));
        const ctx = createEngineContext(storeDatabase(first), "postgres", first.clock);
        let late = 0;
        let evaluation: Promise<{ runs: string[] }> | undefined;
        await storeDatabase(first)
          .transaction()
          .execute(async (trx) => {
            // Recorded and routed, not yet committed ...
            late = (
              await recordEvent(ctx, trx, {
                asset: { name: A.name, uri: A.uri, group: "asset", extra: {} },
                extra: { n: "late" },
                aliases: [],
                source: null,
              })
            ).eventId;
            // ... while another process records an event and starts creating the run (without waiting for us) ...
            evaluation = second.recordExternalEvent({ name: A.name, uri: A.uri }, { extra: { n: "early" } });
            const deadline = Date.now() + 10_000;
            for (;;) {
              const { rows: sleeping } = await sql<{ n: number }>`
              SELECT count(*) AS n FROM pg_stat_activity
              WHERE wait_event = 'PgSleep' AND query ILIKE '%dag_run_consumed_event%'`.execute(storeDatabase(first));
              if (Number(sleeping[0]?.n) > 0) break;
              if (Date.now() > deadline) throw new Error("the run creation never reached the consumed-events insert");
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          });
        // ... and commits here, after the run took its inbox entries and before it clears them.
        const created = (await evaluation)?.runs ?? [];
        expect(created).toHaveLength(1);
        const early = await getDagRun(storeDatabase(first), "on-a", created[0] as string);
        expect(early?.consumedEvents.map((e) => e.extra)).toEqual([{ n: "early" }]);
        expect(await inbox(first)).toEqual([`on-a:${late}`]);
        const next = await first.evaluateConsumers(["on-a"]);
        expect(next).toHaveLength(1);
        const lateRun = await getDagRun(storeDatabase(first), "on-a", next[0] as string);
        expect(lateRun?.consumedEvents.map((e) => e.id)).toEqual([late]);
        expect(await inbox(first)).toEqual([]);
      });
    }

    it("claimers working at once never get the same try, and every try is claimed", async () => {
      const store = await create();
      const claimers = await peers(store, 3);
      const [scheduler] = claimers as [Scheduler];
      await scheduler.registerManifest(serializeDags([manual("many", [], 100)]));
      const total = 45;
      for (let index = 0; index < total; index++) await scheduler.triggerDag("many");
      const claimed = await Promise.all(
        claimers.map(async (claimer, index) => {
          const keys: TaskInstanceKey[] = [];
          for (let attempt = 0; attempt < 200; attempt++) {
            const requests = await claimer.claimTasks(`claimer-${index}`, 2);
            if (requests.length === 0) break;
            keys.push(...requests.map((r) => r.key));
          }
          return keys;
        }),
      );
      const all = claimed.flat().map(keyText);
      expect(new Set(all).size).toBe(all.length);
      expect(all).toHaveLength(total);
      expect(claimed.flat().every((key) => key.tryNumber === 1)).toBe(true);
      // The store agrees on the owner of each try.
      const owners = await storeDatabase(scheduler)
        .selectFrom("task_instance")
        .select(["run_id", "worker_id", "state"])
        .execute();
      const ownerOf = new Map(owners.map((row) => [row.run_id, row.worker_id]));
      claimed.forEach((keys, index) => {
        for (const key of keys) expect(ownerOf.get(key.runId)).toBe(`claimer-${index}`);
      });
      expect(owners.every((row) => row.state === "running")).toBe(true);
    });

    it("a claim shows its tries to beforeCommit once, before they commit on SQLite (PostgreSQL: one statement that commits as it runs)", async () => {
      const store = await create();
      const scheduler = await store.openScheduler();
      await scheduler.registerManifest(serializeDags([manual("early", [A]), consumer("after-early", [A])]));
      await scheduler.triggerDag("early");
      // SQLite: a second connection still sees the try queued while the claim's transaction is open.
      const reader = backend.name === "sqlite" ? new BetterSqlite3(store.url, { readonly: true }) : undefined;
      const stateSeen = () =>
        (reader?.prepare("SELECT state FROM task_instance WHERE dag_id = ?").get("early") as { state: string })?.state;
      const seen: Array<{ keys: string[]; state: string | undefined }> = [];
      const beforeCommit = (requests: readonly TaskRunRequest[]) =>
        seen.push({ keys: requests.map((request) => keyText(request.key)), state: stateSeen() });
      const [producer] = await scheduler.claimTasks("early-worker", 4, { beforeCommit });
      expect(producer?.key.dagId).toBe("early");
      expect(seen).toEqual([
        { keys: [keyText(producer?.key as TaskInstanceKey)], state: reader ? "queued" : undefined },
      ]);
      // A report that claims the run it creates does the same in the completion's transaction.
      seen.length = 0;
      const claimed = await scheduler.completeAndClaimTasks(
        [{ key: producer?.key as TaskInstanceKey, outcome: { state: "success", events: [eventOf(A, {})] } }],
        "early-worker",
        4,
        { beforeCommit },
      );
      expect(claimed.map((request) => request.key.dagId)).toEqual(["after-early"]);
      expect(seen.map((call) => call.keys)).toEqual([claimed.map((request) => keyText(request.key))]);
      // Nothing claimed: not called.
      seen.length = 0;
      expect(await scheduler.claimTasks("early-worker", 4, { beforeCommit })).toEqual([]);
      expect(seen).toEqual([]);
      reader?.close();
    });

    if (backend.name === "postgres") {
      it("SKIP LOCKED: a claimer takes other tries at once while another claim is still open, and a claim that rolls back loses nothing", async () => {
        const store = await create();
        const [holder, other] = (await peers(store, 2)) as [Scheduler, Scheduler];
        await holder.registerManifest(serializeDags([manual("many", [], 100)]));
        for (let index = 0; index < 6; index++) await holder.triggerDag("many");
        const ctx = createEngineContext(storeDatabase(holder), "postgres", holder.clock);
        let held: TaskInstanceKey[] = [];
        let taken: TaskInstanceKey[] = [];
        const rollback = new Error("roll back the held claim");
        await expect(
          storeDatabase(holder)
            .transaction()
            .execute(async (trx) => {
              held = (await claimQueued(ctx, trx, "holder", 3)).map((claimed) => claimed.key);
              // The other claimer must not wait for our locked rows (bounded: a blocked claim fails the test).
              const claim = other.claimTasks("other", 3).then((requests) => requests.map((r) => r.key));
              const timeout = new Promise<never>((_, reject) =>
                setTimeout(() => reject(new Error("claimTasks waited for rows another claim holds")), 5000).unref(),
              );
              taken = await Promise.race([claim, timeout]);
              throw rollback;
            }),
        ).rejects.toBe(rollback);
        expect(held).toHaveLength(3);
        expect(taken).toHaveLength(3);
        expect(new Set([...held, ...taken].map(keyText)).size).toBe(6);
        // The held claim rolled back: those tries are queued again, and claimable.
        const again = (await other.claimTasks("other", 10)).map((r) => keyText(r.key)).sort();
        expect(again).toEqual(held.map(keyText).sort());
      });
    }

    it("BIGINT values (epoch milliseconds, ids, counts) come back as exact JavaScript numbers", async () => {
      const store = await create();
      // Beyond 2^32 and near 2^53: a string or a truncated value would show.
      const now = 8_000_000_000_000_123;
      const scheduler = await store.openScheduler({ clock: { now: () => now } });
      await scheduler.registerManifest(serializeDags([manual("producer", [A]), consumer("on-a", A)]));
      const runs = await produce(scheduler, "producer", [eventOf(A, { n: 1 })]);
      expect(runs).toHaveLength(1);
      const [event] = await scheduler.listEvents({ kind: "asset", name: A.name, uri: A.uri });
      expect(typeof event?.id).toBe("number");
      expect(event?.timestamp).toBe(now);
      const run = await getDagRun(storeDatabase(scheduler), "on-a", runs[0] as string);
      expect(run).toMatchObject({ createdAt: now, logicalDate: now, startDate: now });
      expect(run?.consumedEvents[0]?.timestamp).toBe(now);
      const [raw] = await storeDatabase(scheduler)
        .selectFrom("dag_run")
        .select(["id", "created_at", "logical_date"])
        .where("dag_id", "=", "on-a")
        .execute();
      expect(raw).toEqual({ id: expect.any(Number), created_at: now, logical_date: now });
      const [request] = await scheduler.claimTasks("w", 1);
      await scheduler.heartbeat([(request as TaskRunRequest).key]);
      const [ti] = await storeDatabase(scheduler)
        .selectFrom("task_instance")
        .select(["heartbeat_at", "start_date", "queued_at"])
        .where("dag_id", "=", "on-a")
        .execute();
      expect(ti).toEqual({ heartbeat_at: now, start_date: now, queued_at: now });
      const [count] = await storeDatabase(scheduler)
        .selectFrom("asset_event")
        .select((eb) => [eb.fn.countAll().as("n"), eb.fn.max("timestamp").as("latest")])
        .execute();
      expect(count).toEqual({ n: 1, latest: now });
    });
  });
}
