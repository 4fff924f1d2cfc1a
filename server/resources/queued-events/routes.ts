/**
 * The seed's queued-event endpoints: events a consumer DAG has received but
 * not consumed yet, per DAG and asset URI, optionally only those queued
 * before a time. Deleting them makes the consumer forget that progress.
 */
import { z } from "zod";
import { epochMs, quote, requireAssetsByUri, requireDag } from "../../lookups.js";
import { HttpProblem } from "../../problems.js";
import { pageQuery, problems, timeQuery } from "../../schemas.js";
import type { ApiApp, ApiContext } from "../../server.js";
import { queuedEventSchema, toQueuedEvents } from "./schemas.js";

const tags = ["Queued events"];
const dagId = z.string().min(1).describe("The consumer DAG's id.");
const uri = z.string().min(1).describe("The asset URI, percent-encoded (encodeURIComponent).");
const before = timeQuery.optional().describe("Only events queued before this time (ISO 8601).");
const beforeQuery = z.strictObject({ before });
const listQuery = z.strictObject({ before, ...pageQuery });
const queuedEventList = z.object({ queuedEvents: z.array(queuedEventSchema), total: z.number().int() });
const deleted = z.null().describe("Deleted (also when nothing was queued).");

/**
 * Registers the six queued-event routes.
 *
 * @example
 * ```ts
 * queuedEventRoutes(app.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function queuedEventRoutes(app: ApiApp, { scheduler }: ApiContext): void {
  const read = scheduler.read;

  app.get(
    "/dags/:dagId/assets/queuedEvent/:uri",
    {
      schema: {
        tags,
        operationId: "getDagAssetQueuedEvent",
        summary: "A queued event of a DAG for an asset",
        description: "404 when the DAG or the asset is unknown, or when the DAG has nothing queued for the asset.",
        params: z.object({ dagId, uri }),
        querystring: beforeQuery,
        response: { 200: queuedEventSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      await requireDag(read, request.params.dagId);
      const [asset] = await requireAssetsByUri(read, request.params.uri);
      const filter = { dagId: request.params.dagId, uri: asset?.uri ?? request.params.uri };
      const [queued] = toQueuedEvents(
        await read.queuedEvents.list({ ...filter, before: epochMs(request.query.before) }),
      );
      if (!queued) {
        throw new HttpProblem(
          404,
          `DAG ${quote(filter.dagId)} has no queued event for asset ${quote(filter.uri)}${request.query.before ? ` before ${request.query.before}` : ""}.`,
        );
      }
      return queued;
    },
  );

  app.delete(
    "/dags/:dagId/assets/queuedEvent/:uri",
    {
      schema: {
        tags,
        operationId: "deleteDagAssetQueuedEvent",
        summary: "Delete the queued events of a DAG for an asset",
        params: z.object({ dagId, uri }),
        querystring: beforeQuery,
        response: { 204: deleted, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await requireDag(read, request.params.dagId);
      const [asset] = await requireAssetsByUri(read, request.params.uri);
      await scheduler.deleteQueuedEvents({
        dagId: request.params.dagId,
        uri: asset?.uri ?? request.params.uri,
        before: epochMs(request.query.before),
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/dags/:dagId/assets/queuedEvent",
    {
      schema: {
        tags,
        operationId: "getDagQueuedEvents",
        summary: "Queued events of a DAG",
        description: "An empty list when nothing is queued; 404 when the DAG is unknown.",
        params: z.object({ dagId }),
        querystring: listQuery,
        response: { 200: queuedEventList, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      await requireDag(read, request.params.dagId);
      const all = toQueuedEvents(
        await read.queuedEvents.list({ dagId: request.params.dagId, before: epochMs(request.query.before) }),
      );
      const { offset, limit } = request.query;
      return { queuedEvents: all.slice(offset, offset + limit), total: all.length };
    },
  );

  app.delete(
    "/dags/:dagId/assets/queuedEvent",
    {
      schema: {
        tags,
        operationId: "deleteDagQueuedEvents",
        summary: "Delete the queued events of a DAG",
        params: z.object({ dagId }),
        querystring: beforeQuery,
        response: { 204: deleted, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await requireDag(read, request.params.dagId);
      await scheduler.deleteQueuedEvents({ dagId: request.params.dagId, before: epochMs(request.query.before) });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/assets/queuedEvent/:uri",
    {
      schema: {
        tags,
        operationId: "getAssetQueuedEvents",
        summary: "Queued events of an asset, over all consumer DAGs",
        description: "An empty list when nothing is queued; 404 when the asset is unknown.",
        params: z.object({ uri }),
        querystring: listQuery,
        response: { 200: queuedEventList, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const [asset] = await requireAssetsByUri(read, request.params.uri);
      const all = toQueuedEvents(
        await read.queuedEvents.list({ uri: asset?.uri ?? request.params.uri, before: epochMs(request.query.before) }),
      );
      const { offset, limit } = request.query;
      return { queuedEvents: all.slice(offset, offset + limit), total: all.length };
    },
  );

  app.delete(
    "/assets/queuedEvent/:uri",
    {
      schema: {
        tags,
        operationId: "deleteAssetQueuedEvents",
        summary: "Delete the queued events of an asset, for every consumer DAG",
        params: z.object({ uri }),
        querystring: beforeQuery,
        response: { 204: deleted, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const [asset] = await requireAssetsByUri(read, request.params.uri);
      await scheduler.deleteQueuedEvents({
        uri: asset?.uri ?? request.params.uri,
        before: epochMs(request.query.before),
      });
      return reply.code(204).send(null);
    },
  );
}
