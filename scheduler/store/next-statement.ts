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
