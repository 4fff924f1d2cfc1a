/**
 * A hint the engine gives with a statement: the statement it runs next in the
 * same transaction (see {@link NextStatement}). The PostgreSQL connection
 * (`postgres/statement-client.ts`) sends both in one round trip when it can;
 * the statement is then answered from what came back. SQLite never sees one.
 */

/**
 * The statement (text and values, as Kysely compiles it) that the engine runs
 * right after the statement this is attached to, as that statement's last
 * parameter. Attach only a statement that either always runs next, or only
 * reads (a read run ahead and then not asked for changes nothing). Each
 * statement of the pair runs as its own statement, the second after the first
 * (its own snapshot, after the first one's locks), exactly as if sent apart.
 *
 * @example
 * ```ts
 * const slots = slotsQuery.compile(ctx.dialect, trx, dagId, limit);
 * await trx.executeQuery(CompiledQuery.raw(finish.sql, [...finish.parameters, new NextStatement(slots.sql, slots.parameters)]));
 * ```
 */
export class NextStatement {
  constructor(
    readonly text: string,
    readonly values: readonly unknown[],
  ) {}
}

/**
 * Marks a statement (as its last parameter) whose answer the engine does not
 * read: inside a transaction, a PostgreSQL connection may hold it and send it
 * in one message with whatever the transaction sends next (its next
 * statement, or its `COMMIT`). It still runs on the server exactly where it
 * stands, before every later statement of the transaction; its caller gets
 * an empty answer at once. An error it raises surfaces with the message it
 * went in (at the `COMMIT`, as a {@link HeldStatementError}), and the
 * transaction commits nothing. Attach only to a write whose answer (rows,
 * count) is not needed. SQLite never sees one.
 */
export const SEND_WITH_NEXT: unique symbol = Symbol("assetflow.sendWithNext");

/**
 * The message that carried a held statement ({@link SEND_WITH_NEXT}) with a
 * transaction's `COMMIT` failed (not for a lost connection): nothing of the
 * transaction committed, and which statement failed is not known. `cause`:
 * the server's error.
 */
export class HeldStatementError extends Error {
  constructor(override readonly cause: unknown) {
    super(`a statement sent with its transaction's COMMIT failed: ${(cause as Error)?.message ?? String(cause)}`);
  }
}
