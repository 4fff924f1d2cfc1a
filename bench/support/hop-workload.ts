/**
 * The PostgreSQL hop's workload shared by `bench/scheduler-postgres.ts` and
 * `bench/hop-trace.ts`: a producer with one outlet and a consumer scheduled on it.
 */
import type { EmittedAssetEvent, TaskInstanceKey } from "../../scheduler/contracts.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import type { Manifest } from "../../sdk/manifest/schema.js";
import { dagManifest, taskManifest } from "../../test/support/manifests.js";

const ASSET = { kind: "asset" as const, name: "bench_produced", uri: "bench://postgres/produced" };

/** The producer's event, as its task reports it. */
export const EVENTS: EmittedAssetEvent[] = [
  { asset: { name: ASSET.name, uri: ASSET.uri, group: "asset", extra: {} }, extra: {}, aliases: [] },
];

/** A producer (one task, outlet the asset) and a consumer scheduled on the asset. */
export const MANIFEST: Manifest = {
  schemaVersion: 1,
  assets: [{ name: ASSET.name, uri: ASSET.uri, group: "asset", extra: {} }],
  aliases: [],
  dags: [
    dagManifest("producer", { kind: "none" }, [taskManifest("write", [ASSET])]),
    dagManifest("consumer", { kind: "assets", condition: ASSET }, [taskManifest("read")]),
  ],
};

/** Triggers the producer and claims its try (untimed). */
export async function producerTry(scheduler: Scheduler, worker: string): Promise<TaskInstanceKey> {
  await scheduler.triggerDag("producer");
  const [request] = await scheduler.claimTasks(worker, 1);
  if (request?.key.dagId !== "producer") throw new Error(`expected the producer's try, got ${JSON.stringify(request)}`);
  return request.key;
}
