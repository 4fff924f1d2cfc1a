/**
 * `assetflow db migrate` and `assetflow db check`: bring the store's schema up
 * to date, and tell (for deploy scripts and health checks) whether the store
 * is reachable and up to date. Both work on the store every other command
 * uses: `ASSETFLOW_DATABASE_URL`, else the SQLite file in `$ASSETFLOW_HOME`.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { configuredStoreUrl } from "../../scheduler/store/home.js";
import type { DialectName } from "../../scheduler/store/migrations.js";
import type { StoreConnection } from "../../scheduler/store/open-store.js";
import { ExitCode, type OutputOptions, printValue } from "../output.js";
import { CliError, parseCount } from "./common.js";

/** Stable codes of `assetflow db` failures. */
export const DbErrorCode = {
  /** The store cannot be reached (server down, wrong URL, bad credentials, not a database file). */
  unreachable: "STORE_UNREACHABLE",
  /** The store is reachable but migrations are pending. */
  pending: "STORE_MIGRATIONS_PENDING",
} as const;

/** The store the CLI uses, without opening it. */
export interface StoreTarget {
  readonly dialect: DialectName;
  /** The URL or file path (may hold a password: never print it). */
  readonly url: string;
  /** Printable: the file path, or the URL with its password masked. */
  readonly location: string;
}

/** Which store `ASSETFLOW_DATABASE_URL` / `ASSETFLOW_HOME` name. */
export function storeTarget(env: NodeJS.ProcessEnv = process.env): StoreTarget {
  const url = configuredStoreUrl(env);
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return { dialect: "postgres", url, location: url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@") };
  }
  const path = url.replace(/^sqlite:\/\//i, "");
  return { dialect: "sqlite", url: path, location: path };
}

/** What `assetflow db check` found. */
export interface DbCheckResult {
  /** Reachable and no migration pending. */
  readonly ok: boolean;
  readonly store: string;
  readonly dialect: DialectName;
  readonly reachable: boolean;
  /** Migrations applied (known only when reachable). */
  readonly applied: string[];
  /** Migrations not applied yet (every one when the SQLite file does not exist). */
  readonly pending: string[];
  /** Why it is not ok, in one sentence with what to do. */
  readonly problem: string | null;
}

/** What `assetflow db migrate` did. */
export interface DbMigrateResult {
  readonly store: string;
  readonly dialect: DialectName;
  /** Migrations this call applied, in order (empty when already up to date). */
  readonly applied: string[];
  /** Every migration the store now has. */
  readonly migrations: string[];
}

/** Registers `assetflow db migrate` and `assetflow db check`. */
export function registerDb(program: Command): void {
  const db = program
    .command("db")
    .description(
      "Manage the store (ASSETFLOW_DATABASE_URL, else $ASSETFLOW_HOME/assetflow.db): apply migrations, check it is reachable and up to date",
    );

  db.command("migrate")
    .description(
      "Apply pending migrations and print their names (safe to run from several processes at once; the other commands also migrate on start)",
    )
    .option("--json", "print JSON (for scripts)")
    .option("--timeout <seconds>", "give up connecting to PostgreSQL after this long", "10")
    .action(async (options: OutputOptions & { timeout: string }) => {
      const result = await dbMigrate(storeTarget(), timeoutMs(options.timeout));
      const where = `${result.store} (${result.dialect})`;
      printValue(result, options, () =>
        result.applied.length === 0
          ? `${where} is up to date (${plural(result.migrations.length, "migration")} applied earlier)`
          : `${where}\n${result.applied.map((name) => `applied  ${name}`).join("\n")}`,
      );
    });

  db.command("check")
    .description(
      "Exit 0 when the store is reachable and every migration is applied; else print why (unreachable, or the pending migrations) and exit 1",
    )
    .option("--json", "print JSON (for scripts)")
    .option("--timeout <seconds>", "give up connecting to PostgreSQL after this long", "10")
    .action(async (options: OutputOptions & { timeout: string }) => {
      const result = await dbCheck(storeTarget(), timeoutMs(options.timeout));
      if (options.json) printValue(result, options);
      else if (result.ok) {
        process.stdout.write(
          `ok: ${result.store} (${result.dialect}) is reachable and up to date (${plural(result.applied.length, "migration")} applied)\n`,
        );
      } else process.stderr.write(`error: ${result.problem}\n`);
      process.exitCode = result.ok ? ExitCode.ok : ExitCode.failure;
    });
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function timeoutMs(text: string): number {
  return (parseCount(text, "--timeout") ?? 10) * 1000;
}

/**
 * Applies pending migrations to the store.
 *
 * @example
 * ```ts
 * const { applied } = await dbMigrate(storeTarget(), 10_000);
 * ```
 */
export async function dbMigrate(target: StoreTarget, connectTimeoutMs: number): Promise<DbMigrateResult> {
  await requireReachable(target, connectTimeoutMs);
  const store = await openUnmigrated(target);
  const { migrationsFor } = await import("../../scheduler/store/migrations.js");
  const { migrateStore, pendingStoreMigrations } = await import("../../scheduler/store/open-store.js");
  try {
    const applied = await migrateStore(store);
    const pending = await pendingStoreMigrations(store);
    const migrations = Object.keys(migrationsFor(store.dialect)).filter((name) => !pending.includes(name));
    return { store: target.location, dialect: target.dialect, applied, migrations };
  } finally {
    await store.close();
  }
}

/**
 * Tells whether the store is reachable and up to date, without changing it
 * (a SQLite file that does not exist is not created).
 *
 * @example
 * ```ts
 * const result = await dbCheck(storeTarget(), 10_000);
 * if (!result.ok) console.error(result.problem);
 * ```
 */
export async function dbCheck(target: StoreTarget, connectTimeoutMs: number): Promise<DbCheckResult> {
  const { migrationsFor } = await import("../../scheduler/store/migrations.js");
  const { pendingStoreMigrations } = await import("../../scheduler/store/open-store.js");
  const all = Object.keys(migrationsFor(target.dialect));
  const base = { store: target.location, dialect: target.dialect };
  const unreachable = (problem: string, pending: string[] = []): DbCheckResult => ({
    ...base,
    ok: false,
    reachable: false,
    applied: [],
    pending,
    problem,
  });
  if (target.dialect === "sqlite" && target.url !== ":memory:" && !existsSync(target.url)) {
    return unreachable(
      `no assetflow database at ${target.location}: create it with \`assetflow db migrate\` (or point ASSETFLOW_HOME / ASSETFLOW_DATABASE_URL at the right store).`,
      all,
    );
  }
  try {
    await requireReachable(target, connectTimeoutMs);
  } catch (error) {
    return unreachable((error as Error).message);
  }
  let store: StoreConnection | undefined;
  try {
    store = await openUnmigrated(target);
    const pending = await pendingStoreMigrations(store);
    const applied = all.filter((name) => !pending.includes(name));
    return {
      ...base,
      ok: pending.length === 0,
      reachable: true,
      applied,
      pending,
      problem:
        pending.length === 0
          ? null
          : `${target.location} has ${pending.length} pending migration(s): ${pending.join(", ")}. Apply them with \`assetflow db migrate\`.`,
    };
  } catch (error) {
    return unreachable(`cannot read ${target.location}: ${(error as Error).message}`);
  } finally {
    await store?.close().catch(() => undefined);
  }
}

async function openUnmigrated(target: StoreTarget): Promise<StoreConnection> {
  const { openStore } = await import("../../scheduler/store/open-store.js");
  return openStore({ url: target.url, migrate: false });
}

/**
 * On PostgreSQL, connects once with a timeout so that a server that is down
 * or a wrong URL fails fast with a clear message (the store's pool would
 * wait for the operating system's connect timeout).
 */
async function requireReachable(target: StoreTarget, connectTimeoutMs: number): Promise<void> {
  if (target.dialect !== "postgres") return;
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: connectTimeoutMs });
  client.on("error", () => undefined);
  const started = Date.now();
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const timedOut = Date.now() - started >= connectTimeoutMs;
    const reason = timedOut
      ? `no answer within ${connectTimeoutMs / 1000} s`
      : (error as Error).message || (error as { code?: string }).code || String(error);
    throw new CliError(
      DbErrorCode.unreachable,
      `cannot reach the PostgreSQL store ${target.location}: ${reason}. Check that the server runs and ASSETFLOW_DATABASE_URL is right.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
