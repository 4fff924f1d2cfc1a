import { Asset, AssetAlias, dag, Metadata, type TaskContext, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { useTestEnvironments } from "./support.js";

const myTask = new Asset("s3://bucket/my-task");
const exampleAlias = new AssetAlias("example-alias");

/** What a consumer's task reports about its trigger: per key, the extras of its events. */
function triggers(ctx: TaskContext) {
  return [...ctx.triggeringAssetEvents].map(([key, events]) => [
    key.kind === "asset" ? `asset ${key.uri}` : `${key.kind} ${key.name}`,
    events.map((event) => event.extra),
  ]);
}

// The seed's "Scheduling based on asset aliases" DAGs.
const assetProducer = dag({ dagId: "asset-producer", schedule: null }, () => {
  task({ taskId: "produce_asset_events", outlets: [new Asset("example-alias")] }, () => undefined);
});
const assetAliasProducer = dag({ dagId: "asset-alias-producer", schedule: null }, () => {
  task({ taskId: "produce_asset_events", outlets: [exampleAlias] }, (ctx) => {
    if (ctx.conf.skipAdd !== true) ctx.outletEvents.get(exampleAlias).add(myTask, { rowCount: 1 });
  });
});
const assetConsumer = dag({ dagId: "asset-consumer", schedule: myTask }, () => {
  task({ taskId: "report" }, triggers);
});
const assetAliasConsumer = dag({ dagId: "asset-alias-consumer", schedule: exampleAlias }, () => {
  task({ taskId: "report" }, triggers);
});
const seedDags = [assetProducer, assetAliasProducer, assetConsumer, assetAliasConsumer];

describe("asset aliases", () => {
  const start = useTestEnvironments();

  it("one alias emission triggers both the alias consumer and the concrete asset's consumer", async () => {
    const env = await start(seedDags);
    const producerRun = await env.triggerDag("asset-alias-producer");
    await env.runUntilIdle();

    for (const consumer of ["asset-consumer", "asset-alias-consumer"]) {
      const runs = await env.getDagRuns(consumer);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ runType: "asset_triggered", state: "success" });
      expect(runs[0]?.consumedEvents).toMatchObject([
        {
          assetUri: myTask.uri,
          extra: { rowCount: 1 },
          sourceDagId: "asset-alias-producer",
          sourceRunId: producerRun,
          sourceAliases: ["example-alias"],
        },
      ]);
      const [report] = await env.getTaskInstances(consumer, runs[0]?.runId ?? "");
      expect(report?.result).toEqual([
        ["asset s3://bucket/my-task", [{ rowCount: 1 }]],
        ["alias example-alias", [{ rowCount: 1 }]],
      ]);
    }
    // Both consumers saw the very same event.
    const [viaAsset] = (await env.getDagRuns("asset-consumer"))[0]?.consumedEvents ?? [];
    const [viaAlias] = (await env.getDagRuns("asset-alias-consumer"))[0]?.consumedEvents ?? [];
    expect(viaAlias?.id).toBe(viaAsset?.id);
    expect(await env.getAssetEvents(myTask)).toHaveLength(1);
  });

  it("an asset that merely shares the alias's name triggers neither consumer", async () => {
    const env = await start(seedDags);
    await env.triggerDag("asset-producer");
    await env.runUntilIdle();

    expect(await env.getAssetEvents(new Asset("example-alias"))).toHaveLength(1);
    expect(await env.getDagRuns("asset-consumer")).toEqual([]);
    expect(await env.getDagRuns("asset-alias-consumer")).toEqual([]);
  });

  it("an alias producer run that adds no asset triggers nothing", async () => {
    const env = await start(seedDags);
    const runId = await env.triggerDag("asset-alias-producer", { conf: { skipAdd: true } });
    await env.runUntilIdle();

    expect((await env.getTaskInstances("asset-alias-producer", runId))[0]?.state).toBe("success");
    expect(await env.getAssetEvents(myTask)).toEqual([]);
    expect(await env.getDagRuns("asset-alias-consumer")).toEqual([]);
    expect(await env.getDagRuns("asset-consumer")).toEqual([]);
  });

  it("once the alias resolved to an asset, a direct update of that asset triggers the alias consumer too", async () => {
    const directWriter = dag({ dagId: "direct-writer", schedule: null }, () => {
      task({ taskId: "write", outlets: [myTask] }, (ctx) => {
        ctx.outletEvents.get(myTask).extra = { direct: true };
      });
    });
    const env = await start([...seedDags, directWriter]);
    await env.triggerDag("asset-alias-producer");
    await env.runUntilIdle();
    await env.triggerDag("direct-writer");
    await env.runUntilIdle();

    const runs = await env.getDagRuns("asset-alias-consumer");
    expect(runs.map((run) => run.consumedEvents.map((event) => [event.extra, event.sourceAliases]))).toEqual([
      [[{ rowCount: 1 }, ["example-alias"]]],
      [[{ direct: true }, []]],
    ]);
    const [report] = await env.getTaskInstances("asset-alias-consumer", runs[1]?.runId ?? "");
    expect(report?.result).toEqual([["asset s3://bucket/my-task", [{ direct: true }]]]);
  });

  it("the seed's dedupe example: three aliases, the same asset, two extras give exactly two events", async () => {
    const outputs = [1, 2, 3].map((n) => new AssetAlias(`my-task-outputs-${n}`)) as [
      AssetAlias,
      AssetAlias,
      AssetAlias,
    ];
    const producer = dag({ dagId: "alias-dedupe", schedule: null }, () => {
      task({ taskId: "my_task_with_outlet_events", outlets: outputs }, (ctx) => {
        ctx.outletEvents.get(outputs[0]).add(new Asset("s3://bucket/my-task"), { k: "v" });
        ctx.outletEvents.get(outputs[1]).add(new Asset("s3://bucket/my-task"), { k: "v" });
        ctx.outletEvents.get(outputs[2]).add(new Asset("s3://bucket/my-task"), { k2: "v2" });
      });
    });
    const env = await start([producer, assetConsumer]);
    await env.triggerDag("alias-dedupe");
    await env.runUntilIdle();

    const events = await env.getAssetEvents(myTask);
    expect(events.map((event) => [event.extra, event.sourceAliases])).toEqual([
      [{ k: "v" }, ["my-task-outputs-1", "my-task-outputs-2"]],
      [{ k2: "v2" }, ["my-task-outputs-3"]],
    ]);
    const runs = await env.getDagRuns("asset-consumer");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.consumedEvents.map((event) => event.id)).toEqual(events.map((event) => event.id));
    const [report] = await env.getTaskInstances("asset-consumer", runs[0]?.runId ?? "");
    expect(report?.result).toEqual([
      ["asset s3://bucket/my-task", [{ k: "v" }, { k2: "v2" }]],
      ["alias my-task-outputs-1", [{ k: "v" }]],
      ["alias my-task-outputs-2", [{ k: "v" }]],
      ["alias my-task-outputs-3", [{ k2: "v2" }]],
    ]);
  });

  it("an alias addition equal to a direct outlet's event joins it instead of emitting twice", async () => {
    const producer = dag({ dagId: "both-ways", schedule: null }, () => {
      task({ taskId: "write", outlets: [myTask, exampleAlias] }, (ctx) => {
        ctx.outletEvents.get(myTask).extra = { k: "v" };
        ctx.outletEvents.get(exampleAlias).add(myTask, { k: "v" });
      });
    });
    const env = await start([producer, assetConsumer, assetAliasConsumer]);
    await env.triggerDag("both-ways");
    await env.runUntilIdle();

    const events = await env.getAssetEvents(myTask);
    expect(events.map((event) => [event.extra, event.sourceAliases])).toEqual([[{ k: "v" }, ["example-alias"]]]);
    for (const consumer of ["asset-consumer", "asset-alias-consumer"]) {
      const runs = await env.getDagRuns(consumer);
      expect(runs.map((run) => run.consumedEvents.map((event) => event.id))).toEqual([[events[0]?.id]]);
    }
  });

  it("Metadata with an alias adds the asset through the alias, triggering the alias consumer", async () => {
    const s3Asset = new Asset({ uri: "s3://bucket/my-task", name: "example_s3" });
    const producer = dag({ dagId: "alias-metadata", schedule: null }, () => {
      task({ taskId: "my_task_with_metadata", outlets: [exampleAlias] }, function* () {
        yield new Metadata(s3Asset, { k: "v" }, { alias: "example-alias" });
      });
    });
    const env = await start([producer, assetAliasConsumer]);
    await env.triggerDag("alias-metadata");
    await env.runUntilIdle();

    const runs = await env.getDagRuns("asset-alias-consumer");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.consumedEvents).toMatchObject([
      { assetName: "example_s3", assetUri: "s3://bucket/my-task", extra: { k: "v" }, sourceAliases: ["example-alias"] },
    ]);
  });
});

describe("Asset.ref consumers", () => {
  const start = useTestEnvironments();

  const bucket1 = new Asset({ uri: "s3://asset-bucket/example.csv", name: "bucket-1" });
  const sameUriOtherName = new Asset("s3://asset-bucket/example.csv");
  const writerOf = (asset: Asset, dagId: string) =>
    dag({ dagId, schedule: null }, () => {
      task({ taskId: "write", outlets: [asset] }, () => undefined);
    });
  const byName = dag({ dagId: "by-name", schedule: Asset.ref({ name: "bucket-1" }) }, () => {
    task({ taskId: "report" }, triggers);
  });
  const byUri = dag({ dagId: "by-uri", schedule: Asset.ref({ uri: "s3://asset-bucket/example.csv" }) }, () => {
    task({ taskId: "report" }, triggers);
  });

  it("a reference by name and a reference by URI are both triggered by the asset they name", async () => {
    const env = await start([writerOf(bucket1, "write-bucket-1"), byName, byUri]);
    await env.triggerDag("write-bucket-1");
    await env.runUntilIdle();

    for (const consumer of ["by-name", "by-uri"]) {
      const runs = await env.getDagRuns(consumer);
      expect(runs).toHaveLength(1);
      expect(runs[0]?.consumedEvents).toMatchObject([
        { assetName: "bucket-1", assetUri: bucket1.uri, sourceDagId: "write-bucket-1" },
      ]);
      const [report] = await env.getTaskInstances(consumer, runs[0]?.runId ?? "");
      expect(report?.result).toEqual([["asset s3://asset-bucket/example.csv", [{}]]]);
    }
  });

  it("a reference by URI matches any asset with that URI; a reference by name only the named one", async () => {
    const env = await start([writerOf(sameUriOtherName, "write-unnamed"), byName, byUri]);
    await env.triggerDag("write-unnamed");
    await env.runUntilIdle();

    expect(await env.getDagRuns("by-name")).toEqual([]);
    const runs = await env.getDagRuns("by-uri");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.consumedEvents).toMatchObject([
      { assetName: "s3://asset-bucket/example.csv", assetUri: bucket1.uri },
    ]);
  });
});
