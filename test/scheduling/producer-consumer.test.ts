import { Asset, dag, Metadata, task } from "assetflow";
import { createTestEnvironment } from "assetflow/testing";
import { describe, expect, it } from "vitest";

const example = new Asset<{ rowCount: number }>("s3://asset/example.csv");

describe("producer and consumer", () => {
  it("a producer's success triggers the consumer with the producer's extra", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [example] }, function* () {
        yield new Metadata(example, { rowCount: 42 });
      });
    });
    const consumer = dag({ dagId: "consumer", schedule: [example] }, () => {
      task({ taskId: "read" }, (ctx) => ctx.triggeringAssetEvents.get(example)[0]?.extra.rowCount);
    });
    const env = await createTestEnvironment({ dags: [producer, consumer] });
    try {
      await env.triggerDag("producer");
      await env.runUntilIdle();
      const runs = await env.getDagRuns("consumer");
      expect(runs).toHaveLength(1);
      expect(runs[0]?.runType).toBe("asset_triggered");
      expect(runs[0]?.state).toBe("success");
      expect(runs[0]?.consumedEvents.map((e) => e.extra)).toEqual([{ rowCount: 42 }]);
      const [read] = await env.getTaskInstances("consumer", runs[0]?.runId ?? "");
      expect(read?.result).toBe(42);
    } finally {
      await env.close();
    }
  });
});
