/**
 * One pooled PostgreSQL connection as the store's Kysely dialect sees it,
 * sending fewer round trips than the statements it is given:
 *
 * - Data statements run as named prepared statements (parsed and planned
 *   once per connection; see {@link StatementNames}).
 * - A transaction's `begin` is not sent on its own: it goes with the
 *   transaction's first statement, in one message. When that statement is
 *   already prepared on the connection, the message is `BEGIN; EXECUTE
 *   <name>(<literals>)` (the simple query protocol: several statements, one
 *   round trip, the plan still prepared); otherwise `BEGIN` goes first and
 *   the statement after it, as before.
 * - A statement the engine says it runs next ({@link NextStatement}) goes in
 *   the same message, inside a transaction, when both are prepared here; it
 *   is then answered from that message. So does the statement that one says
 *   runs after it, and so on (a chain): each is answered in turn.
 * - A statement marked {@link SEND_WITH_NEXT} inside a transaction is held
 *   and sent in front of the transaction's next message (the next statement,
 *   or the `COMMIT`): it runs where it stands, one round trip later.
 * - `SELECT pg_notify($1, $2)` inside a transaction is held and sent with the
 *   transaction's `commit` (`SELECT pg_notify(...); COMMIT`). PostgreSQL
 *   delivers a transaction's notifications at its commit and drops them at
 *   its rollback, so holding it changes nothing but the round trip, and the
 *   listeners hear it as the commit happens instead of a round trip later.
 *
 * The pg driver does not pipeline (it sends a query once the previous one is
 * answered); these are the places where the next statement is known before
 * the previous answer is needed.
 */
import type { PostgresPoolClient } from "kysely";
import type pg from "pg";
import { HeldStatementError, NextStatement, SEND_WITH_NEXT } from "../next-statement.js";
import { asStoreFullError } from "../store-full.js";
import { isConnectionLost } from "../store-unavailable.js";

/** Distinct statements a pool prepares by name; statements beyond are sent unnamed (parsed each time). */
const MAX_PREPARED_STATEMENTS = 1000;

/** Statements worth preparing: reads and writes, not transaction control or DDL. */
const DATA_STATEMENT = /^\s*(select|insert|update|delete|with)\b/i;

/** A statement that only reads (a `SELECT`): one sent ahead and then not asked for changes nothing. */
const READ_STATEMENT = /^\s*select\b/i;

/** The notification the store sends (scheduler/scheduler.ts): held until the commit when inside a transaction. */
export const NOTIFY_STATEMENT = "SELECT pg_notify($1, $2)";

/**
 * Statement text -> prepared statement name, shared by every connection of a
 * pool. Only data statements are named, and at most
 * {@link MAX_PREPARED_STATEMENTS} distinct ones per pool, so statements with
 * generated text (`IN` lists of varying length) cannot grow a connection's
 * prepared statements without bound.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  /** The name of `text`, given one now if it is a data statement and there is room; undefined otherwise. */
  nameOf(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_PREPARED_STATEMENTS && DATA_STATEMENT.test(text)) {
      name = `assetflow_${this.names.size}`;
      this.names.set(text, name);
    }
    return name;
  }
}

/** What pg answers to one statement. */
type Result = pg.QueryResult;

/** A parameter as a SQL literal, or undefined when it has no plain text form here (sent the usual way then). */
function literal(client: pg.PoolClient, value: unknown): string | undefined {
  if (value === null || value === undefined) return "NULL";
  switch (typeof value) {
    case "string":
      return client.escapeLiteral(value);
    case "number":
      // pg sends a number parameter as its `toString()`; the same text, quoted, is coerced to the parameter's type.
      return Number.isFinite(value) ? `'${value}'` : undefined;
    case "bigint":
    case "boolean":
      return `'${value}'`;
    default:
      return undefined;
  }
}

/** The protocol connection under a pg client: the statements it has prepared, by name. */
function preparedOn(client: pg.PoolClient): Record<string, string | undefined> {
  return (client as unknown as { connection: { parsedStatements: Record<string, string | undefined> } }).connection
    .parsedStatements;
}

/** `EXECUTE name(literals)`. */
function executeText(name: string, literals: readonly string[]): string {
  return `EXECUTE ${name}${literals.length > 0 ? `(${literals.join(", ")})` : ""}`;
}

/**
 * Wraps a pooled pg client for Kysely (see the module comment). One wrapper
 * per pg client: the held `begin` and notifications belong to its connection.
 */
export function statementClient(client: pg.PoolClient, names: StatementNames): PostgresPoolClient {
  /** `begin` was asked for and not yet sent. */
  let beginHeld = false;
  /** Between `begin` and `commit`/`rollback`. */
  let inTransaction = false;
  /** Notifications held for the commit, as `pg_notify` calls. */
  let notifications: string[] = [];
  /**
   * The first statement, sent with `BEGIN`, failed because the connection was lost: no transaction
   * is open on the server, and the rollback that follows is not sent (as when a lone `begin` failed).
   */
  let beginLost = false;
  /**
   * The answers to the {@link NextStatement}s sent with the previous statement, in order, each
   * with its `EXECUTE` text: the next statement gets the first if it is that statement, else
   * they are all dropped.
   */
  let ahead: Array<{ execute: string; read: boolean; result: Result }> = [];
  /** Statements marked {@link SEND_WITH_NEXT}, as `EXECUTE`s not sent yet: the front of the transaction's next message. */
  let held: string[] = [];

  /** Sends the held statements on their own, before a statement that cannot go in one message with them. */
  const flushHeld = async (): Promise<void> => {
    const statements = held;
    held = [];
    if (statements.length > 0) await client.query(statements.join("; "));
  };

  const send = (text: string, values: readonly unknown[]): Promise<Result> => {
    const name = names.nameOf(text);
    return client.query(name === undefined ? { text, values: [...values] } : { name, text, values: [...values] });
  };

  /** `text` as an `EXECUTE` of the statement prepared on this connection; undefined when not prepared here, or a value has no literal. */
  const preparedExecute = (text: string, values: readonly unknown[]): string | undefined => {
    const name = names.nameOf(text);
    if (name === undefined || preparedOn(client)[name] !== text) return undefined;
    const literals = values.map((value) => literal(client, value));
    return literals.every((each) => each !== undefined) ? executeText(name, literals as string[]) : undefined;
  };

  /**
   * The statements `next` names, in order (`next`, the one its own last value names, ...), as
   * `EXECUTE`s, up to the first that is not prepared here.
   */
  const chainOf = (next: NextStatement | undefined): Array<{ execute: string; read: boolean }> => {
    const chain: Array<{ execute: string; read: boolean }> = [];
    for (let hint = next; hint !== undefined; ) {
      const { next: after, values } = splitNext(hint.values);
      const execute = preparedExecute(hint.text, values);
      if (execute === undefined) break;
      chain.push({ execute, read: READ_STATEMENT.test(hint.text) });
      hint = after;
    }
    return chain;
  };

  /**
   * `text` in a transaction, with the held `begin` (or the held statements) in front and the chain
   * of `next` after it, in one message when they are prepared here (the simple query protocol: each
   * statement on its own, in order, the plans still prepared; the first error ends the message);
   * else `BEGIN` (or the held statements), then `text`, as before.
   */
  const sendInTransaction = async (
    text: string,
    values: readonly unknown[],
    next: NextStatement | undefined,
  ): Promise<Result> => {
    const begin = beginHeld;
    beginHeld = false;
    const first = preparedExecute(text, values);
    const chain = first === undefined ? [] : chainOf(next);
    try {
      if (first !== undefined && (begin || chain.length > 0 || held.length > 0)) {
        const front = [...(begin ? ["BEGIN"] : []), ...held];
        held = [];
        const statements = [...front, first, ...chain.map((each) => each.execute)];
        const results = (await client.query(statements.join("; "))) as unknown as Result[];
        const own = front.length;
        ahead = chain.map((each, index) => ({ ...each, result: results[own + 1 + index] as Result }));
        return results[own] as Result;
      }
      if (begin) await client.query("BEGIN");
      await flushHeld();
    } catch (error) {
      if (begin) beginLost = isConnectionLost(error);
      throw error;
    }
    return send(text, values);
  };

  const run = async (text: string, given: readonly unknown[]): Promise<Result> => {
    const marked = given.at(-1) === SEND_WITH_NEXT;
    const { next, values } = splitNext(marked ? given.slice(0, -1) : given);
    const answered = ahead[0];
    if (answered !== undefined && inTransaction && preparedExecute(text, values) === answered.execute) {
      ahead.shift();
      return answered.result;
    }
    const dropped = ahead;
    ahead = [];
    const command = values.length === 0 ? text.trim().toLowerCase() : "";
    // A write sent ahead has run: if the engine now asks for anything else, it must not commit (it could run twice).
    if (dropped.some((each) => !each.read) && command !== "rollback") {
      throw new Error(
        `A statement was sent ahead as the next one of its transaction, and a different one came next: "${text.slice(0, 80)}". Nothing of this transaction is committed; a statement attached as NextStatement must be the one the engine runs next.`,
      );
    }
    if (command === "begin") {
      beginHeld = true;
      beginLost = false;
      inTransaction = true;
      notifications = [];
      return emptyResult("BEGIN");
    }
    if (command === "commit" || command === "rollback") {
      const nothingSent = beginHeld || (beginLost && command === "rollback");
      const notify = command === "commit" ? notifications : [];
      // A rollback drops the held statements: they never run.
      const carried = command === "commit" ? held : [];
      beginHeld = false;
      beginLost = false;
      inTransaction = false;
      notifications = [];
      held = [];
      if (carried.length > 0) return commitWith(carried, notify);
      // Nothing but notifications since `begin`: they go on their own, there is no transaction to end.
      if (notify.length > 0) {
        const results = await client.query(`${notify.join("; ")}${nothingSent ? "" : "; COMMIT"}`);
        return Array.isArray(results) ? (results.at(-1) as Result) : results;
      }
      // Nothing was sent since `begin`, or it never reached the server: there is no transaction to end.
      if (nothingSent) return emptyResult(command.toUpperCase());
      return client.query(text);
    }
    if (inTransaction && text === NOTIFY_STATEMENT) {
      const literals = values.map((value) => literal(client, value));
      if (literals.length === 2 && literals.every((each) => each !== undefined)) {
        notifications.push(`SELECT pg_notify(${literals.join(", ")})`);
        return emptyResult("SELECT");
      }
    }
    if (marked && inTransaction && !beginHeld && next === undefined) {
      const execute = preparedExecute(text, values);
      if (execute !== undefined) {
        held.push(execute);
        return emptyResult("HELD");
      }
    }
    // Outside a transaction, statements sent together would make one transaction: `next` waits its turn.
    if (beginHeld || (inTransaction && (next !== undefined || held.length > 0))) {
      return sendInTransaction(text, values, next);
    }
    return send(text, values);
  };

  /**
   * The held statements, the notifications and `COMMIT` in one message. When it fails (but for a
   * lost connection), nothing committed and the statement that failed is not known: a
   * {@link HeldStatementError}.
   */
  const commitWith = async (carried: readonly string[], notify: readonly string[]): Promise<Result> => {
    try {
      const results = (await client.query([...carried, ...notify, "COMMIT"].join("; "))) as unknown as Result[];
      return results.at(-1) as Result;
    } catch (error) {
      throw isConnectionLost(error) ? error : new HeldStatementError(error);
    }
  };

  return {
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads (text, config or cursor) pass through as they are.
    query: ((query: any, parameters?: readonly unknown[]) =>
      typeof query === "string"
        ? run(query, parameters ?? []).catch((error: unknown) => {
            // A full disk (53100 disk_full) is a typed STORE_FULL error, as on SQLite.
            throw asStoreFullError(error, "postgres");
          })
        : client.query(query)) as PostgresPoolClient["query"],
    release: () => {
      beginHeld = false;
      beginLost = false;
      inTransaction = false;
      notifications = [];
      ahead = [];
      held = [];
      client.release();
    },
  };
}

/** A statement's values without the {@link NextStatement} its last value may be, and that one. */
function splitNext(given: readonly unknown[]): { next: NextStatement | undefined; values: readonly unknown[] } {
  const last = given.at(-1);
  return last instanceof NextStatement
    ? { next: last, values: given.slice(0, -1) }
    : { next: undefined, values: given };
}

function emptyResult(command: string): Result {
  return { command, rowCount: null, rows: [], fields: [], oid: 0 } as unknown as Result;
}
