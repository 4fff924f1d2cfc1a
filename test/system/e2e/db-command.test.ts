/**
 * `assetflow db migrate` and `assetflow db check`, run as the real command
 * (a private build of the CLI) against a SQLite home, a PostgreSQL schema when
 * ASSETFLOW_TEST_DATABASE_URL is set, and a server that is not there.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFor } from "../../../scheduler/store/migrations.js";
import { adminQuery, postgresUrl, testSchemaName, withSearchPath } from "../../store/backends.js";
import { buildCli, type CliBuild } from "../chaos/cli-build.js";

let cli: CliBuild;
const work = mkdtempSync(join(tmpdir(), "assetflow-db-command-"));
const schemas: string[] = [];

beforeAll(async () => {
  cli = await buildCli("db-command");
});

afterAll(async () => {
  cli?.remove();
  rmSync(work, { recursive: true, force: true });
  if (postgresUrl)
    for (const schema of schemas) await adminQuery(postgresUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `assetflow <args>` with only the given store settings. */
function assetflow(args: string[], store: { home?: string; url?: string }): Promise<Result> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "" };
  if (store.home) env.ASSETFLOW_HOME = store.home;
  if (store.url) env.ASSETFLOW_DATABASE_URL = store.url;
  return new Promise((resolve) => {
    execFile(process.execPath, [cli.main, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const ALL = Object.keys(migrationsFor("sqlite"));

describe("assetflow db", () => {
  it("on SQLite: check fails on a missing store without creating it; migrate applies once; then check passes", async () => {
    const home = join(work, "home");
    const missing = await assetflow(["db", "check"], { home });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no assetflow database at ${join(home, "assetflow.db")}`);
    expect(missing.stderr).toContain("assetflow db migrate");
    const missingJson = await assetflow(["db", "check", "--json"], { home });
    expect(missingJson.code).toBe(1);
    expect(JSON.parse(missingJson.stdout)).toMatchObject({ ok: false, reachable: false, pending: ALL });

    const first = await assetflow(["db", "migrate"], { home });
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toContain(`applied  ${ALL[0]}`);
    const again = await assetflow(["db", "migrate", "--json"], { home });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      store: join(home, "assetflow.db"),
      dialect: "sqlite",
      applied: [],
      migrations: ALL,
    });

    const ok = await assetflow(["db", "check"], { home });
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toMatch(/^ok: .* is reachable and up to date/);
  }, 120_000);

  it("check and migrate fail with a clear message when PostgreSQL is unreachable, and never print the password", async () => {
    // Port 1 on the loopback: nothing listens there, the connection is refused at once.
    const url = "postgres://assetflow:s3cret@127.0.0.1:1/assetflow";
    const check = await assetflow(["db", "check", "--json"], { url });
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout)).toMatchObject({
      ok: false,
      reachable: false,
      store: "postgres://assetflow:***@127.0.0.1:1/assetflow",
    });
    expect(JSON.parse(check.stdout).problem).toMatch(/cannot reach the PostgreSQL store .*ECONNREFUSED/);
    const migrate = await assetflow(["db", "migrate"], { url });
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toMatch(/^error: cannot reach the PostgreSQL store .*\[STORE_UNREACHABLE\]\n$/);
    for (const output of [check.stdout, check.stderr, migrate.stdout, migrate.stderr]) {
      expect(output).not.toContain("s3cret");
    }
  }, 60_000);

  if (postgresUrl) {
    const base = postgresUrl;
    it("on PostgreSQL: check lists the pending migrations, migrate applies them, check passes", async () => {
      const schema = testSchemaName("dbcmd");
      schemas.push(schema);
      await adminQuery(base, `CREATE SCHEMA ${schema}`);
      const url = withSearchPath(base, schema);
      const pending = await assetflow(["db", "check"], { url });
      expect(pending.code).toBe(1);
      expect(pending.stderr).toContain(`has ${ALL.length} pending migration(s): ${ALL.join(", ")}`);
      const migrated = await assetflow(["db", "migrate", "--json"], { url });
      expect(migrated.code).toBe(0);
      expect(JSON.parse(migrated.stdout)).toMatchObject({ dialect: "postgres", applied: ALL, migrations: ALL });
      const ok = await assetflow(["db", "check", "--json"], { url });
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, reachable: true, applied: ALL, pending: [] });
    }, 120_000);
  } else {
    console.warn(
      "[assetflow] assetflow db tests: ASSETFLOW_TEST_DATABASE_URL is not set, so `db migrate` / `db check` on PostgreSQL are skipped. Set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run them.",
    );
  }
});
