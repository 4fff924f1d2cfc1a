/**
 * The `postgres` watcher: new rows of a table past a cursor column (one that
 * only grows: a serial id, an insertion time). Each row becomes an event with
 * the row as its extra, keyed by its cursor value; the position is the last
 * cursor value recorded, so a restart resumes after it. `LISTEN channel` wakes
 * it at once (a trigger or the writer sends `NOTIFY channel`); otherwise, and
 * as a fallback, it polls every `pollMs`. A row committed with a cursor below
 * one already read (two writers racing on a sequence) is not seen: use a
 * cursor assigned at commit time if writers race.
 */
import pg from "pg";
import type { JsonObject } from "../../sdk/json.js";
import type { PostgresWatcher, WatcherContext, WatcherDefinition } from "../../sdk/watchers.js";

const identifier = (name: string): string =>
  name
    .split(".")
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join(".");

/** The `postgres` watcher. */
export const postgresWatcher: WatcherDefinition = {
  kind: "postgres",
  async start(ctx: WatcherContext) {
    const config = ctx.config as unknown as PostgresWatcher;
    const url = process.env[config.urlEnv ?? "DATABASE_URL"];
    if (!url) {
      throw new Error(
        `The postgres watcher needs a connection URL in the environment variable ${config.urlEnv ?? "DATABASE_URL"}.`,
      );
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let wake: (() => void) | undefined;
    const stop = (): void => wake?.();
    ctx.signal.addEventListener("abort", stop, { once: true });
    try {
      if (config.channel) {
        client.on("notification", () => wake?.());
        await client.query(`LISTEN ${identifier(config.channel)}`);
      }
      const table = identifier(config.table);
      const cursor = identifier(config.cursor);
      let position = ctx.position === null ? null : String(ctx.position);
      let notified = false;
      client.on("notification", () => {
        notified = true;
      });
      while (!ctx.signal.aborted) {
        notified = false;
        const { rows } = await client.query<Record<string, unknown>>(
          position === null
            ? `SELECT * FROM ${table} ORDER BY ${cursor} LIMIT 500`
            : `SELECT * FROM ${table} WHERE ${cursor} > $1 ORDER BY ${cursor} LIMIT 500`,
          position === null ? [] : [position],
        );
        for (const row of rows) {
          if (ctx.signal.aborted) return;
          const value = row[config.cursor];
          const text = value instanceof Date ? value.toISOString() : String(value);
          await ctx.emit(JSON.parse(JSON.stringify(row)) as JsonObject, text, { key: text });
          position = text;
        }
        if (rows.length === 500 || notified) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, config.pollMs ?? 1000);
          function done(): void {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
          if (ctx.signal.aborted) done();
        });
      }
    } finally {
      ctx.signal.removeEventListener("abort", stop);
      await client.end().catch(() => undefined);
    }
  },
};
