/**
 * The workload of the 8-way AND race: eight manual producer DAGs, each with
 * one task updating its own asset, and one consumer scheduled on all eight.
 * A plain manifest, shared by the test and its child processes.
 */
import type { Manifest } from "../../../sdk/manifest/schema.js";
import { dagManifest, taskManifest } from "../../support/manifests.js";

/** How many producers (and assets the consumer waits for). */
export const PRODUCERS = 8;
/** The consumer's DAG id. */
export const CONSUMER = "consume_all";

/** The asset producer `index` updates. */
export function producerAsset(index: number): { kind: "asset"; name: string; uri: string } {
  return { kind: "asset", name: `race_asset_${index}`, uri: `race://assets/${index}` };
}

/** The DAG id of producer `index`. */
export function producerDag(index: number): string {
  return `producer_${index}`;
}

/** Producers `producer_0..7` and the consumer of `race_asset_0 & ... & race_asset_7`. */
export function andRaceManifest(): Manifest {
  const assets = Array.from({ length: PRODUCERS }, (_, index) => producerAsset(index));
  return {
    schemaVersion: 1,
    assets: assets.map((asset) => ({ name: asset.name, uri: asset.uri, group: "asset", extra: {} })),
    aliases: [],
    dags: [
      ...assets.map((asset, index) =>
        dagManifest(producerDag(index), { kind: "none" }, [taskManifest("work", [asset])]),
      ),
      dagManifest(CONSUMER, { kind: "assets", condition: { kind: "all", conditions: assets } }, [taskManifest("work")]),
    ],
  };
}
