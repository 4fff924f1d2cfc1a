import { readFileSync } from "node:fs";
import { Asset, assets, type Condition, dag, task } from "assetflow";
import { createTestEnvironment } from "assetflow/testing";
import { describe, expect, it } from "vitest";
import { backendStore } from "../scheduling/support.js";

interface TimelineCase {
  name: string;
  schedule: string;
  events: string[];
  runs: number[][];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/conformance/timelines.json", import.meta.url), "utf8"),
) as { cases: TimelineCase[] };

/** Builds a schedule from the seed's syntax: `[A1, A2]` is a list, anything else goes through `assets```. */
function parseSchedule(text: string, assetsByName: Map<string, Asset>): Condition | Condition[] {
  const lookup = (name: string) => {
    const asset = assetsByName.get(name);
    if (!asset) throw new Error(`unknown asset ${name} in ${text}`);
    return asset;
  };
  const list = text.match(/^\[(.*)\]$/);
  if (list?.[1] !== undefined) return list[1].split(",").map((name) => lookup(name.trim()));
  const parts = text.split(/(A\d+)/);
  const strings = parts.filter((_, index) => index % 2 === 0);
  const values = parts.filter((_, index) => index % 2 === 1).map(lookup);
  return assets(Object.assign([...strings], { raw: [...strings] }), ...values);
}

describe("conformance: scheduling timelines", () => {
  for (const timeline of fixture.cases) {
    it(`${timeline.name}: ${timeline.schedule} over ${timeline.events.join(" ")}`, async () => {
      const names = [...new Set([...timeline.events, ...timeline.schedule.matchAll(/A\d+/g)].map(String))];
      const assetsByName = new Map(names.map((name) => [name, new Asset(`s3://timeline/${name}`)]));
      const consumer = dag({ dagId: "consumer", schedule: parseSchedule(timeline.schedule, assetsByName) }, () => {
        task({ taskId: "noop" }, () => undefined);
      });
      const env = await createTestEnvironment({ ...backendStore(), dags: [consumer] });
      try {
        const eventIds: number[] = [];
        for (const name of timeline.events) {
          const asset = assetsByName.get(name) as Asset;
          eventIds.push((await env.emitAssetEvent(asset)).eventId);
        }
        const runs = await env.getDagRuns("consumer");
        const consumed = runs.map((run) => run.consumedEvents.map((event) => eventIds.indexOf(event.id)));
        expect(consumed).toEqual(timeline.runs);
        expect(runs.every((run) => run.runType === "asset_triggered")).toBe(true);
        expect(await env.getQueuedEvents("consumer")).toEqual([]);
      } finally {
        await env.close();
      }
    });
  }
});
