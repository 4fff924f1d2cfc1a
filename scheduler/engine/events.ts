/**
 * Recording asset events and routing each into the inbox of every consumer
 * whose schedule reaches its asset, in the caller's transaction.
 */
import { CompiledQuery, sql } from "kysely";
import type { JsonObject } from "../../sdk/json.js";
import { assetExists, ensureAlias, ensureAsset, linkAliasToAsset } from "./assets.js";
import { compiledQuery, executeWithNext } from "./compiled-query.js";
import type { EngineContext, Executor } from "./context.js";

/** An event to record. */
export interface EventToRecord {
  readonly asset: { readonly name: string; readonly uri: string; readonly group: string; readonly extra: JsonObject };
  readonly extra: JsonObject;
  readonly aliases: readonly string[];
  readonly source: {
    readonly dagId: string;
    readonly taskId: string;
    readonly runId: string;
    readonly mapIndex: number;
  } | null;
  /**
   * For an event from outside a task (`source` null): how it arrived, as
   * messages say it ("recorded through the API"). Default "recorded from
   * outside a task".
   */
  readonly origin?: string;
}

/** A recorded event and the consumers it was routed to. */
export interface RecordedEvent {
  readonly eventId: number;
  readonly assetId: number;
  readonly consumers: string[];
  /**
   * When a task's event through an alias created its asset (the store did not
   * know it before): the alias it came through. The seed logs a warning then.
   */
  readonly createdByAlias?: string;
}

/**
 * Records one event: creates the asset (and aliases) if new, resolves the
 * aliases to the asset, inserts the event, and routes it into the inbox of
 * every active consumer that references the asset directly, through an alias
 * it ever resolved through, by name or URI, or by a URI pattern it matches.
 *
 * An event from outside a task (the API, `assets emit`, watchers, tests) is
 * first checked against its asset's JSON Schema, read in this transaction:
 * an extra that does not match throws `ExtraSchemaError` and nothing is
 * recorded. (A task's events were checked by the asset's own validator in
 * the task.)
 *
 * `next`: the statement the transaction runs right after this event is
 * recorded, sent ahead with the last statement here when that is the one
 * insert-and-route statement (see `executeWithNext`).
 */
export async function recordEvent(
  ctx: EngineContext,
  trx: Executor,
  event: EventToRecord,
  next: CompiledQuery | null = null,
): Promise<RecordedEvent> {
  const now = ctx.clock.now();
  const createdByAlias =
    event.source !== null && event.aliases.length > 0 && !(await assetExists(ctx, trx, event.asset))
      ? event.aliases[0]
      : undefined;
  const assetId = await ensureAsset(ctx, trx, event.asset);
  if (event.source === null) await checkExternalExtra(ctx, trx, assetId, event);
  const aliasIds: number[] = [];
  for (const alias of event.aliases) {
    const aliasId = await ensureAlias(ctx, trx, alias);
    await linkAliasToAsset(trx, aliasId, assetId);
    aliasIds.push(aliasId);
  }
  const values = eventRowValues(event, assetId, now);
  if (ctx.dialect === "postgres" && aliasIds.length === 0) {
    // The event and its routing in one statement (no alias rows to insert in between).
    const statement = insertAndRouteEventQuery.statement(
      ctx.dialect,
      trx,
      event.asset.name,
      event.asset.uri,
      ...values,
    );
    const [row] = (await executeWithNext(ctx.dialect, trx, statement, next)).rows;
    const recorded = { eventId: Number(row?.id), assetId, consumers: row?.consumers ?? [] };
    return createdByAlias === undefined ? recorded : { ...recorded, createdByAlias };
  }
  const inserted = (await insertEventQuery(ctx.dialect, trx, ...values)).rows[0] as { id: number };
  const eventId = Number(inserted.id);
  if (aliasIds.length > 0) {
    await trx
      .insertInto("asset_event_alias")
      .values(aliasIds.map((aliasId) => ({ event_id: eventId, alias_id: aliasId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  const routed = await routeEventQuery(ctx.dialect, trx, eventId, assetId, now, event.asset.name, event.asset.uri);
  const consumers = routed.rows.map((row) => row.dag_id);
  return createdByAlias === undefined
    ? { eventId, assetId, consumers }
    : { eventId, assetId, consumers, createdByAlias };
}

/** Checks the extra of an event from outside a task against the schema its asset has now. */
async function checkExternalExtra(
  ctx: EngineContext,
  trx: Executor,
  assetId: number,
  event: EventToRecord,
): Promise<void> {
  const row = await trx.selectFrom("asset").select("schema").where("id", "=", assetId).executeTakeFirst();
  await ctx.extraValidator.check(
    { name: event.asset.name, uri: event.asset.uri, schema: row?.schema ?? null },
    event.extra,
    event.origin ?? "recorded from outside a task",
  );
}

/** The values of an `asset_event` row: asset id, extra, timestamp, source DAG, task, run and map index. */
type EventRowValues = [number, string, number, string | null, string | null, string | null, number | null];

/** The values of an `asset_event` row, in the column order both insert statements use. */
function eventRowValues(event: EventToRecord, assetId: number, now: number): EventRowValues {
  const source = event.source;
  return [
    assetId,
    JSON.stringify(event.extra),
    now,
    source?.dagId ?? null,
    source?.taskId ?? null,
    source?.runId ?? null,
    source?.mapIndex ?? null,
  ];
}

/** The insert of an `asset_event` row (see {@link eventRowValues}), returning its id. */
const insertEventSql = (db: Executor, ...[assetId, extra, timestamp, dagId, taskId, runId, mapIndex]: EventRowValues) =>
  db
    .insertInto("asset_event")
    .values({
      asset_id: assetId,
      extra,
      timestamp,
      source_dag_id: dagId,
      source_task_id: taskId,
      source_run_id: runId,
      source_map_index: mapIndex,
    })
    .returning("id");

const insertEventQuery = compiledQuery(insertEventSql);

/**
 * Routes one event (`eventId`: its id, or an expression giving it) into the
 * inbox of every active consumer that references its asset (a paused one only
 * if it buffers while paused); returns those consumers.
 */
const routeEventSql = (eventId: unknown, assetId: number, now: number, name: string, uri: string) =>
  sql<{ dag_id: string }>`
    INSERT INTO asset_event_inbox (dag_id, event_id, asset_id, created_at)
    SELECT d.dag_id, ${eventId}, ${assetId}, ${now} FROM dag d
    WHERE d.is_active = 1 AND (d.is_paused = 0 OR d.buffer_while_paused = 1) AND d.dag_id IN (
      SELECT dag_id FROM dag_schedule_asset WHERE asset_id = ${assetId}
      UNION SELECT sa.dag_id FROM dag_schedule_alias sa
        JOIN asset_alias_asset aa ON aa.alias_id = sa.alias_id WHERE aa.asset_id = ${assetId}
      UNION SELECT dag_id FROM dag_schedule_ref
        WHERE (ref_kind = 'name' AND value = ${name}) OR (ref_kind = 'uri' AND value = ${uri})
      UNION SELECT sp.dag_id FROM asset_pattern_match m
        JOIN dag_schedule_pattern sp ON sp.pattern_id = m.pattern_id WHERE m.asset_id = ${assetId}
    )
    ON CONFLICT DO NOTHING
    RETURNING dag_id
  `;

const routeEventQuery = compiledQuery((_db, eventId: number, assetId: number, now: number, name: string, uri: string) =>
  routeEventSql(eventId, assetId, now, name, uri),
);

/**
 * PostgreSQL: inserts an event (see {@link insertEventSql}) and routes it
 * (see {@link routeEventSql}) in one statement; returns its id and the
 * consumers it was routed to (null for none).
 */
const insertAndRouteEventQuery = compiledQuery(
  (db, name: string, uri: string, ...values: EventRowValues) => sql<{ id: number; consumers: string[] | null }>`
    WITH inserted AS (${insertEventSql(db, ...values)}),
    routed AS (${routeEventSql(sql`(SELECT id FROM inserted)`, values[0], values[2], name, uri)})
    SELECT id, (SELECT array_agg(dag_id) FROM routed) AS consumers FROM inserted
  `,
);

/**
 * Records the events of one task success with a constant number of
 * statements: one multi-row INSERT of the events, then one INSERT ... SELECT
 * of their routes (every kind: direct, alias, name/URI ref, pattern; see
 * {@link ROUTE_BATCH}). Writes the same rows as {@link recordEvent} once
 * per event. Events with aliases
 * take the per-event path. SQLite as written (new ids form a rowid range);
 * on PostgreSQL use `e.id = ANY($1)` with the returned ids.
 * `next` (PostgreSQL): the statement the transaction runs right after the
 * last event, given to its {@link recordEvent}.
 */
export async function recordEvents(
  ctx: EngineContext,
  trx: Executor,
  events: readonly EventToRecord[],
  next: CompiledQuery | null = null,
): Promise<RecordedEvent[]> {
  const recorded: RecordedEvent[] = [];
  const CHUNK = 500;
  for (let first = 0; first < events.length; first += CHUNK) {
    const chunk = events.slice(first, first + CHUNK);
    if (ctx.dialect !== "sqlite" || chunk.some((event) => event.aliases.length > 0 || event.source === null)) {
      for (const event of chunk) {
        const last = recorded.length === events.length - 1;
        recorded.push(await recordEvent(ctx, trx, event, last ? next : null));
      }
      continue;
    }
    const now = ctx.clock.now();
    const parameters: unknown[] = [];
    const assetIds: number[] = [];
    for (const event of chunk) {
      const assetId = await ensureAsset(ctx, trx, event.asset);
      assetIds.push(assetId);
      parameters.push(...eventRowValues(event, assetId, now));
    }
    const rows = chunk.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ");
    const inserted = await trx.executeQuery<{ id: number }>(
      CompiledQuery.raw(
        `INSERT INTO asset_event (asset_id, extra, timestamp, source_dag_id, source_task_id, source_run_id, source_map_index) VALUES ${rows} RETURNING id`,
        parameters,
      ),
    );
    // One writer inside this transaction: the new ids are consecutive, in VALUES order.
    const ids = inserted.rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    const consumers = new Map<number, string[]>(ids.map((id) => [id, []]));
    const range = [ids[0], ids[ids.length - 1]];
    const routed = await trx.executeQuery<{ dag_id: string; event_id: number }>(
      CompiledQuery.raw(ROUTE_BATCH, [...range, ...range, ...range, ...range]),
    );
    for (const row of routed.rows) consumers.get(Number(row.event_id))?.push(row.dag_id);
    ids.forEach((id, k) => {
      recorded.push({ eventId: id, assetId: assetIds[k] as number, consumers: consumers.get(id) ?? [] });
    });
  }
  return recorded;
}

/**
 * The routes of the events with ids in a range (two parameters, given once
 * per kind of route): direct, alias, name/URI ref and pattern, one SELECT
 * each, in one INSERT. A consumer reached by two routes gets one inbox row
 * (the second is a conflict, ignored). Ends with a WHERE before ON CONFLICT,
 * as SQLite's parser needs.
 */
const ROUTE_BATCH = `INSERT INTO asset_event_inbox (dag_id, event_id, asset_id, created_at)
   SELECT s.dag_id, e.id, e.asset_id, e.timestamp FROM asset_event e
   JOIN dag_schedule_asset s ON s.asset_id = e.asset_id
   JOIN dag d ON d.dag_id = s.dag_id AND d.is_active = 1 AND (d.is_paused = 0 OR d.buffer_while_paused = 1)
   WHERE e.id BETWEEN ? AND ?
   UNION ALL
   SELECT sa.dag_id, e.id, e.asset_id, e.timestamp FROM asset_event e
   JOIN asset_alias_asset aa ON aa.asset_id = e.asset_id
   JOIN dag_schedule_alias sa ON sa.alias_id = aa.alias_id
   JOIN dag d ON d.dag_id = sa.dag_id AND d.is_active = 1 AND (d.is_paused = 0 OR d.buffer_while_paused = 1)
   WHERE e.id BETWEEN ? AND ?
   UNION ALL
   SELECT r.dag_id, e.id, e.asset_id, e.timestamp FROM asset_event e
   CROSS JOIN asset a ON a.id = e.asset_id
   CROSS JOIN dag_schedule_ref r ON (r.ref_kind = 'name' AND r.value = a.name) OR (r.ref_kind = 'uri' AND r.value = a.uri)
   JOIN dag d ON d.dag_id = r.dag_id AND d.is_active = 1 AND (d.is_paused = 0 OR d.buffer_while_paused = 1)
   WHERE e.id BETWEEN ? AND ?
   UNION ALL
   SELECT sp.dag_id, e.id, e.asset_id, e.timestamp FROM asset_event e
   JOIN asset_pattern_match m ON m.asset_id = e.asset_id
   JOIN dag_schedule_pattern sp ON sp.pattern_id = m.pattern_id
   JOIN dag d ON d.dag_id = sp.dag_id AND d.is_active = 1 AND (d.is_paused = 0 OR d.buffer_while_paused = 1)
   WHERE e.id BETWEEN ? AND ?
   ON CONFLICT DO NOTHING RETURNING dag_id, event_id`;
// In the ref route, CROSS JOIN fixes the join order: without it SQLite starts from dag_schedule_ref
// and scans every event of each referenced asset.
