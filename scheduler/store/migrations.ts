/**
 * The store's migrations: one set for every dialect. Column types that differ
 * between dialects come from {@link DialectTypes}. Never edit a released
 * migration; add a new one.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { AssetflowError } from "../../sdk/errors.js";
import { manifestHash } from "./manifest-hash.js";
import type { Database } from "./schema.js";

/** The dialects the store supports. */
export type DialectName = "sqlite" | "postgres";

interface DialectTypes {
  /** An auto-incrementing primary key. */
  readonly id: "integer" | "bigserial";
  /** Epoch milliseconds and other large integers. */
  readonly bigint: "integer" | "bigint";
}

const TYPES: Record<DialectName, DialectTypes> = {
  sqlite: { id: "integer", bigint: "integer" },
  postgres: { id: "bigserial", bigint: "bigint" },
};

function initial(dialect: DialectName): Migration {
  const t = TYPES[dialect];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("dag")
        .addColumn("dag_id", "text", (c) => c.primaryKey())
        .addColumn("manifest", "text", (c) => c.notNull())
        .addColumn("fileloc", "text")
        .addColumn("is_paused", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("is_active", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("max_active_runs", "integer", (c) => c.notNull())
        .addColumn("registered_at", t.bigint, (c) => c.notNull())
        .addColumn("updated_at", t.bigint, (c) => c.notNull())
        .addColumn("next_run_at", t.bigint)
        .addColumn("next_logical_date", t.bigint)
        .addColumn("next_interval_start", t.bigint)
        .addColumn("next_interval_end", t.bigint)
        .execute();

      await db.schema
        .createTable("asset")
        .addColumn("id", t.id, (c) => (dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("uri", "text", (c) => c.notNull())
        .addColumn("group_name", "text", (c) => c.notNull())
        .addColumn("extra", "text", (c) => c.notNull())
        .addColumn("created_at", t.bigint, (c) => c.notNull())
        .addUniqueConstraint("asset_identity", ["name", "uri"])
        .execute();
      await db.schema.createIndex("asset_by_uri").on("asset").column("uri").execute();

      await db.schema
        .createTable("asset_alias")
        .addColumn("id", t.id, (c) => (dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("group_name", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("asset_alias_asset")
        .addColumn("alias_id", t.bigint, (c) => c.notNull())
        .addColumn("asset_id", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("asset_alias_asset_pk", ["alias_id", "asset_id"])
        .execute();
      await db.schema.createIndex("asset_alias_asset_by_asset").on("asset_alias_asset").column("asset_id").execute();

      await db.schema
        .createTable("dag_schedule_asset")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("asset_id", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("dag_schedule_asset_pk", ["asset_id", "dag_id"])
        .execute();
      await db.schema.createIndex("dag_schedule_asset_by_dag").on("dag_schedule_asset").column("dag_id").execute();

      await db.schema
        .createTable("dag_schedule_alias")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("alias_id", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("dag_schedule_alias_pk", ["alias_id", "dag_id"])
        .execute();
      await db.schema.createIndex("dag_schedule_alias_by_dag").on("dag_schedule_alias").column("dag_id").execute();

      await db.schema
        .createTable("dag_schedule_ref")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("ref_kind", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("dag_schedule_ref_pk", ["ref_kind", "value", "dag_id"])
        .execute();
      await db.schema.createIndex("dag_schedule_ref_by_dag").on("dag_schedule_ref").column("dag_id").execute();

      await db.schema
        .createTable("task_asset_reference")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("task_id", "text", (c) => c.notNull())
        .addColumn("direction", "text", (c) => c.notNull())
        .addColumn("asset_id", t.bigint)
        .addColumn("alias_id", t.bigint)
        .execute();
      await db.schema.createIndex("task_asset_reference_by_dag").on("task_asset_reference").column("dag_id").execute();
      await db.schema
        .createIndex("task_asset_reference_by_asset")
        .on("task_asset_reference")
        .column("asset_id")
        .execute();

      await db.schema
        .createTable("dag_run")
        .addColumn("id", t.id, (c) => (dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("run_type", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("logical_date", t.bigint)
        .addColumn("data_interval_start", t.bigint)
        .addColumn("data_interval_end", t.bigint)
        .addColumn("conf", "text", (c) => c.notNull())
        .addColumn("created_at", t.bigint, (c) => c.notNull())
        .addColumn("start_date", t.bigint)
        .addColumn("end_date", t.bigint)
        .addUniqueConstraint("dag_run_identity", ["dag_id", "run_id"])
        .execute();
      await db.schema.createIndex("dag_run_by_state").on("dag_run").columns(["dag_id", "state"]).execute();

      await db.schema
        .createTable("task_instance")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("task_id", "text", (c) => c.notNull())
        .addColumn("map_index", "integer", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("try_number", "integer", (c) => c.notNull())
        .addColumn("max_tries", "integer", (c) => c.notNull())
        .addColumn("retry_delay_ms", t.bigint, (c) => c.notNull())
        .addColumn("execution_timeout_ms", t.bigint)
        .addColumn("next_retry_at", t.bigint)
        .addColumn("queued_at", t.bigint)
        .addColumn("start_date", t.bigint)
        .addColumn("end_date", t.bigint)
        .addColumn("worker_id", "text")
        .addColumn("heartbeat_at", t.bigint)
        .addColumn("result", "text")
        .addColumn("error", "text")
        .addPrimaryKeyConstraint("task_instance_pk", ["dag_id", "run_id", "task_id", "map_index"])
        .execute();
      await db.schema
        .createIndex("task_instance_by_state")
        .on("task_instance")
        .columns(["state", "queued_at"])
        .execute();

      await db.schema
        .createTable("asset_event")
        .addColumn("id", t.id, (c) => (dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn("asset_id", t.bigint, (c) => c.notNull())
        .addColumn("extra", "text", (c) => c.notNull())
        .addColumn("timestamp", t.bigint, (c) => c.notNull())
        .addColumn("source_dag_id", "text")
        .addColumn("source_task_id", "text")
        .addColumn("source_run_id", "text")
        .addColumn("source_map_index", "integer")
        .execute();
      await db.schema
        .createIndex("asset_event_by_asset")
        .on("asset_event")
        .columns(["asset_id", "timestamp"])
        .execute();

      await db.schema
        .createTable("asset_event_alias")
        .addColumn("event_id", t.bigint, (c) => c.notNull())
        .addColumn("alias_id", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("asset_event_alias_pk", ["event_id", "alias_id"])
        .execute();
      await db.schema.createIndex("asset_event_alias_by_alias").on("asset_event_alias").column("alias_id").execute();

      await db.schema
        .createTable("asset_event_inbox")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("event_id", t.bigint, (c) => c.notNull())
        .addColumn("asset_id", t.bigint, (c) => c.notNull())
        .addColumn("created_at", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("asset_event_inbox_pk", ["dag_id", "event_id"])
        .execute();
      await db.schema
        .createIndex("asset_event_inbox_by_asset")
        .on("asset_event_inbox")
        .columns(["asset_id", "dag_id"])
        .execute();

      await db.schema
        .createTable("dag_run_consumed_event")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("event_id", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("dag_run_consumed_event_pk", ["dag_id", "run_id", "event_id"])
        .execute();
      await db.schema
        .createIndex("dag_run_consumed_event_by_event")
        .on("dag_run_consumed_event")
        .column("event_id")
        .execute();

      await db.schema
        .createTable("import_error")
        .addColumn("id", t.id, (c) => (dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn("fileloc", "text", (c) => c.notNull().unique())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("created_at", t.bigint, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        "import_error",
        "dag_run_consumed_event",
        "asset_event_inbox",
        "asset_event_alias",
        "asset_event",
        "task_instance",
        "dag_run",
        "task_asset_reference",
        "dag_schedule_ref",
        "dag_schedule_alias",
        "dag_schedule_asset",
        "asset_alias_asset",
        "asset_alias",
        "asset",
        "dag",
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}

/**
 * An index of a run's task instances by state: finishing a try asks whether
 * its run still has open task instances, and without it that question read
 * every task instance of the run (quadratic in the run's size).
 */
const taskInstanceByRunState: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex("task_instance_by_run_state")
      .on("task_instance")
      .columns(["dag_id", "run_id", "state"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("task_instance_by_run_state").execute();
  },
};

/**
 * Consumption policies, asset catch-up and URI patterns: the DAG's pause time
 * and next policy deadline, whether a paused DAG keeps queuing, the patterns
 * with the assets each matches (and the captures), an index to find a
 * consumer's oldest pending event of an asset, and a unique index that makes
 * "no event in two runs of one DAG" a property of the database.
 */
function consumptionAndPatterns(dialect: DialectName): Migration {
  const t = TYPES[dialect];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("dag").addColumn("paused_at", t.bigint).execute();
      await db.schema.alterTable("dag").addColumn("next_consume_at", t.bigint).execute();
      await db.schema
        .alterTable("dag")
        .addColumn("buffer_while_paused", "integer", (c) => c.notNull().defaultTo(1))
        .execute();

      await db.schema
        .createTable("uri_pattern")
        .addColumn("id", t.id, (c) => (dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn("pattern", "text", (c) => c.notNull().unique())
        .addColumn("created_at", t.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("dag_schedule_pattern")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("pattern_id", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("dag_schedule_pattern_pk", ["pattern_id", "dag_id"])
        .execute();
      await db.schema.createIndex("dag_schedule_pattern_by_dag").on("dag_schedule_pattern").column("dag_id").execute();
      await db.schema
        .createTable("asset_pattern_match")
        .addColumn("asset_id", t.bigint, (c) => c.notNull())
        .addColumn("pattern_id", t.bigint, (c) => c.notNull())
        .addColumn("captures", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("asset_pattern_match_pk", ["asset_id", "pattern_id"])
        .execute();
      await db.schema
        .createIndex("asset_pattern_match_by_pattern")
        .on("asset_pattern_match")
        .column("pattern_id")
        .execute();

      await db.schema
        .createIndex("asset_event_inbox_by_dag_asset")
        .on("asset_event_inbox")
        .columns(["dag_id", "asset_id", "event_id"])
        .execute();
      await db.schema
        .createIndex("dag_run_consumed_event_once")
        .on("dag_run_consumed_event")
        .columns(["dag_id", "event_id"])
        .unique()
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("dag_run_consumed_event_once").execute();
      await db.schema.dropIndex("asset_event_inbox_by_dag_asset").execute();
      for (const table of ["asset_pattern_match", "dag_schedule_pattern", "uri_pattern"]) {
        await db.schema.dropTable(table).execute();
      }
      for (const column of ["buffer_while_paused", "next_consume_at", "paused_at"]) {
        await db.schema.alterTable("dag").dropColumn(column).execute();
      }
    },
  };
}

/**
 * The JSON Schema of an asset's event extras (`new Asset(uri, { schema })`),
 * so that events recorded where user code does not run (the API,
 * `assetflow assets emit`) are checked too. Null for assets without one.
 */
const assetSchema: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("asset").addColumn("schema", "text").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("asset").dropColumn("schema").execute();
  },
};

/**
 * Watchers (`new Asset(uri, { watchers })`): one row per declared watcher with
 * its configuration, its position (the last source position committed with an
 * event), last error, lag, and the lease saying which process runs it; and one
 * row per source message recorded (its key), so that a re-delivered message
 * records nothing. The event, the delivery row and the position commit in one
 * transaction.
 */
function watchers(dialect: DialectName): Migration {
  const t = TYPES[dialect];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("watcher")
        .addColumn("watcher_id", "text", (c) => c.primaryKey())
        .addColumn("asset_name", "text", (c) => c.notNull())
        .addColumn("asset_uri", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("config", "text", (c) => c.notNull())
        .addColumn("position", "text")
        .addColumn("events", t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn("last_event_at", t.bigint)
        .addColumn("last_error", "text")
        .addColumn("last_error_at", t.bigint)
        .addColumn("lag", t.bigint)
        .addColumn("lease_owner", "text")
        .addColumn("lease_expires_at", t.bigint)
        .addColumn("updated_at", t.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("watcher_delivery")
        .addColumn("watcher_id", "text", (c) => c.notNull())
        .addColumn("delivery_key", "text", (c) => c.notNull())
        .addColumn("event_id", t.bigint, (c) => c.notNull())
        .addColumn("created_at", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("watcher_delivery_pk", ["watcher_id", "delivery_key"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("watcher_delivery").execute();
      await db.schema.dropTable("watcher").execute();
    },
  };
}

/**
 * Idempotency keys of events recorded from outside (`Idempotency-Key` of
 * `POST /assets/events`, `assets emit --idempotency-key`): a key records one
 * event, and a retry with it answers with that event.
 */
function idempotencyKeys(dialect: DialectName): Migration {
  const t = TYPES[dialect];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("asset_event_idempotency")
        .addColumn("idempotency_key", "text", (c) => c.primaryKey())
        .addColumn("event_id", t.bigint, (c) => c.notNull())
        .addColumn("created_at", t.bigint, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("asset_event_idempotency").execute();
    },
  };
}

/**
 * DAG warnings: problems of a registered DAG that do not stop it from running
 * (a DAG scheduled on its own outlet triggers itself forever). Registration
 * replaces a DAG's warnings each time it registers the DAG.
 */
function dagWarnings(dialect: DialectName): Migration {
  const t = TYPES[dialect];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("dag_warning")
        .addColumn("dag_id", "text", (c) => c.notNull())
        .addColumn("warning_type", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("created_at", t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint("dag_warning_pk", ["dag_id", "warning_type"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("dag_warning").execute();
    },
  };
}

/**
 * Where each watcher is declared: one row per (watcher, DAG file) whose
 * manifest declares it (`""`: a whole-project or merged manifest), and
 * `watcher.removed_at`, set when re-registration leaves a watcher with no
 * declaration. A removed watcher keeps its row (position, deliveries) so
 * that declaring it again resumes it without recording a message twice.
 * Watchers registered before this migration have no declaration: the next
 * registration re-declares those still declared and removes the others.
 */
function watcherDeclarations(dialect: DialectName): Migration {
  const t = TYPES[dialect];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("watcher").addColumn("removed_at", t.bigint).execute();
      await db.schema
        .createTable("watcher_declaration")
        .addColumn("watcher_id", "text", (c) => c.notNull())
        .addColumn("fileloc", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("watcher_declaration_pk", ["watcher_id", "fileloc"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("watcher_declaration").execute();
      await db.schema.alterTable("watcher").dropColumn("removed_at").execute();
    },
  };
}

/**
 * The hash of each DAG's manifest text (`dag.manifest_hash`), so that a
 * process holding a DAG's parsed manifest checks it is current without
 * reading the whole text (a DAG of 1,000 tasks has a manifest of 100 kB and
 * more). Existing rows get their hash here.
 */
const dagManifestHash: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("dag").addColumn("manifest_hash", "text").execute();
    const store = db as unknown as Kysely<Database>;
    const rows = await store.selectFrom("dag").select(["dag_id", "manifest"]).execute();
    for (const row of rows) {
      await store
        .updateTable("dag")
        .set({ manifest_hash: manifestHash(row.manifest) })
        .where("dag_id", "=", row.dag_id)
        .execute();
    }
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("dag").dropColumn("manifest_hash").execute();
  },
};

/** The migrations for a dialect, by name (applied in name order). */
export function migrationsFor(dialect: DialectName): Record<string, Migration> {
  return {
    "0001_initial": initial(dialect),
    "0002_task_instance_by_run_state": taskInstanceByRunState,
    "0003_asset_schema": assetSchema,
    "0004_consumption_and_patterns": consumptionAndPatterns(dialect),
    "0005_watchers": watchers(dialect),
    "0006_idempotency_keys": idempotencyKeys(dialect),
    "0007_dag_warnings": dagWarnings(dialect),
    "0008_watcher_declarations": watcherDeclarations(dialect),
    "0009_dag_manifest_hash": dagManifestHash,
  };
}

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect);
  }
}

/**
 * The migrator of the store. On PostgreSQL its bookkeeping tables are pinned to
 * the schema the store uses (the first of `search_path`): Kysely otherwise
 * looks them up in every schema of the database, so a second assetflow schema
 * in one database (another environment, an isolated test) found the first
 * one's `assetflow_migration` table, skipped creating its own, and failed.
 */
async function createMigrator(db: Kysely<unknown>, dialect: DialectName): Promise<Migrator> {
  let schema: string | undefined;
  if (dialect === "postgres") {
    const { rows } = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(db);
    schema = rows[0]?.schema ?? undefined;
  }
  return new Migrator({
    db,
    provider: new InCodeMigrationProvider(dialect),
    migrationTableName: "assetflow_migration",
    migrationLockTableName: "assetflow_migration_lock",
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/**
 * Brings the database schema up to date. Safe to run from several processes:
 * Kysely's migrator takes a lock.
 *
 * @example
 * ```ts
 * await migrateToLatest(db, "sqlite");
 * ```
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  const migrator = await createMigrator(db, dialect);
  // Kysely runs SQLite migrations outside any transaction (its SQLite adapter
  // reports no transactional DDL, and its migration lock is a no-op there), so
  // a process killed mid-migration left a half-made schema that every later
  // start failed on ("table ... already exists"). SQLite does run DDL in
  // transactions: take the write lock and do the whole migration in one.
  if (dialect === "sqlite") await sql`BEGIN IMMEDIATE`.execute(db);
  let outcome: Awaited<ReturnType<Migrator["migrateToLatest"]>>;
  try {
    outcome = await migrator.migrateToLatest();
  } catch (thrown) {
    outcome = { error: thrown };
  }
  if (dialect === "sqlite") {
    if (outcome.error) await sql`ROLLBACK`.execute(db).catch(() => undefined);
    else await sql`COMMIT`.execute(db);
  }
  const { error, results } = outcome;
  if (error) {
    throw new AssetflowError(
      "STORE_MIGRATION_FAILED",
      `Could not migrate the assetflow database: ${(error as Error).message ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Names of the migrations not yet applied. */
export async function pendingMigrations(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  const migrator = await createMigrator(db, dialect);
  const migrations = await migrator.getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
