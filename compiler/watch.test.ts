import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { memoryProject, PROJECT_ROOT } from "./test-support.js";
import { createWatchCompiler, type WatchUpdate } from "./watch.js";

const assets = `import { Asset } from "assetflow";
export const orders = new Asset("s3://lake/orders");
export const summary = new Asset("s3://lake/summary");
`;
const producer = `import { dag, task } from "assetflow";
import { orders } from "./assets.js";
export const producer = dag({ dagId: "producer", schedule: "@daily" }, () => {
  task({ taskId: "write", outlets: [orders] }, () => {});
});
`;
const consumer = `import { dag, task } from "assetflow";
import { orders, summary } from "./assets.js";
export const consumer = dag({ dagId: "consumer", schedule: [orders] }, () => {
  task({ taskId: "report", outlets: [summary] }, () => {});
});
`;

describe("createWatchCompiler with a ts-morph project", () => {
  it("recompiles only the edited file and says what changed in the graph", () => {
    const project = memoryProject({ "assets.ts": assets, "producer.ts": producer, "consumer.ts": consumer });
    const compiler = createWatchCompiler({ project, root: PROJECT_ROOT });
    expect(compiler.result.manifest.dags.map((dag) => dag.dagId)).toEqual(["consumer", "producer"]);
    const file = `${PROJECT_ROOT}/producer.ts`;
    project.getSourceFileOrThrow(file).replaceWithText(producer.replace('"@daily"', '"@hourly"'));
    const update = compiler.update([file]);
    expect(update.recompiled).toEqual(["producer.ts"]);
    expect(update.changes).toMatchObject({
      dagsAdded: [],
      dagsRemoved: [],
      dagsChanged: ["producer"],
      unchanged: false,
    });
    expect(compiler.result).toBe(update.result);
    expect(update.result.manifest.dags.find((dag) => dag.dagId === "producer")?.schedule).toEqual({
      kind: "cron",
      expression: "@hourly",
      timezone: "UTC",
    });
  });

  it("recompiles the importers of an edited shared module", () => {
    const project = memoryProject({ "assets.ts": assets, "producer.ts": producer, "consumer.ts": consumer });
    const compiler = createWatchCompiler({ project, root: PROJECT_ROOT });
    const file = `${PROJECT_ROOT}/assets.ts`;
    project.getSourceFileOrThrow(file).replaceWithText(assets.replace("s3://lake/orders", "s3://lake/orders_v2"));
    const update = compiler.update([file]);
    expect(update.recompiled).toEqual(["assets.ts", "consumer.ts", "producer.ts"]);
    expect(update.changes.dagsChanged).toEqual(["consumer", "producer"]);
    expect(update.changes.assetsAdded).toEqual([{ name: "s3://lake/orders_v2", uri: "s3://lake/orders_v2" }]);
    expect(update.changes.assetsRemoved).toEqual([{ name: "s3://lake/orders", uri: "s3://lake/orders" }]);
  });

  it("drops a URI scheme rule when the file that registered it no longer does", () => {
    const schemes = `import { registerUriScheme } from "assetflow";
registerUriScheme("kafka", (uri) => ({ ...uri, port: uri.port ?? "9092" }));
`;
    const topics = `import "./schemes.js";
import { Asset, dag, task } from "assetflow";
export const producer = dag({ dagId: "producer" }, () => {
  task({ taskId: "write", outlets: [new Asset("kafka://cluster/orders")] }, () => {});
});
`;
    const project = memoryProject({ "schemes.ts": schemes, "topics.ts": topics });
    const compiler = createWatchCompiler({ project, root: PROJECT_ROOT });
    expect(compiler.result.manifest.assets.map((asset) => asset.uri)).toEqual(["kafka://cluster:9092/orders"]);
    const file = `${PROJECT_ROOT}/schemes.ts`;
    project.getSourceFileOrThrow(file).replaceWithText(`export {};\n`);
    const update = compiler.update([file]);
    expect(update.recompiled).toEqual(["schemes.ts", "topics.ts"]);
    expect(update.result.manifest.assets.map((asset) => asset.uri)).toEqual(["kafka://cluster/orders"]);
  });

  it("drops what a registration it could not apply made unknown when the file that has it is fixed", () => {
    const schemes = `import { registerUriScheme } from "assetflow";
if (process.env.KAFKA === "1") registerUriScheme("kafka", (uri) => ({ ...uri, port: uri.port ?? "9092" }));
`;
    const topics = `import "./schemes.js";
import { Asset, dag, task } from "assetflow";
export const producer = dag({ dagId: "producer" }, () => {
  task({ taskId: "write", outlets: [new Asset("kafka://cluster/orders")] }, () => {});
});
`;
    const project = memoryProject({ "schemes.ts": schemes, "topics.ts": topics });
    const compiler = createWatchCompiler({ project, root: PROJECT_ROOT });
    const errors = () => compiler.result.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
    expect(errors()).toEqual(["AF2007", "AF2015"]);
    expect(compiler.result.manifest.assets).toEqual([]);
    const file = `${PROJECT_ROOT}/schemes.ts`;
    project.getSourceFileOrThrow(file).replaceWithText(schemes.replace('if (process.env.KAFKA === "1") ', ""));
    const update = compiler.update([file]);
    expect(update.recompiled).toEqual(["schemes.ts", "topics.ts"]);
    expect(errors()).toEqual([]);
    expect(update.result.manifest.assets.map((asset) => asset.uri)).toEqual(["kafka://cluster:9092/orders"]);
  });

  it("reports no change when a file is saved without changes", () => {
    const project = memoryProject({ "assets.ts": assets, "producer.ts": producer });
    const compiler = createWatchCompiler({ project, root: PROJECT_ROOT });
    const update = compiler.update([`${PROJECT_ROOT}/producer.ts`]);
    expect(update.recompiled).toEqual([]);
    expect(update.changes.unchanged).toBe(true);
  });
});

describe("createWatchCompiler on disk", () => {
  let root = "";
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const setUp = () => {
    root = mkdtempSync(path.join(tmpdir(), "assetflow-watch-"));
    writeFileSync(path.join(root, "assets.ts"), assets);
    writeFileSync(path.join(root, "producer.ts"), producer);
    return createWatchCompiler({ root });
  };

  it("picks up created and deleted files, and keeps compiling the others after a syntax error", () => {
    const compiler = setUp();
    expect(compiler.result.diagnostics).toEqual([]);
    const added = path.join(root, "consumer.ts");
    writeFileSync(added, consumer);
    let update = compiler.update([added]);
    expect(update.changes.dagsAdded).toEqual(["consumer"]);
    expect(update.recompiled).toEqual(["consumer.ts"]);
    writeFileSync(added, `${consumer}\nconst broken = ;\n`);
    update = compiler.update([added]);
    expect(update.result.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([["AF1001", "consumer.ts", 7]]);
    expect(update.result.manifest.dags.map((dag) => dag.dagId)).toEqual(["consumer", "producer"]);
    unlinkSync(added);
    update = compiler.update([added]);
    expect(update.changes.dagsRemoved).toEqual(["consumer"]);
    expect(update.result.diagnostics).toEqual([]);
  });

  it("resolves an import again once its target file is created", () => {
    const compiler = setUp();
    const file = path.join(root, "late.ts");
    writeFileSync(
      file,
      `import { dag } from "assetflow";\nimport { later } from "./later.js";\ndag({ dagId: "late", schedule: [later] }, () => {});\n`,
    );
    let update = compiler.update([file]);
    expect(update.result.diagnostics.map((d) => d.code)).toContain("AF1009");
    const target = path.join(root, "later.ts");
    writeFileSync(target, `import { Asset } from "assetflow";\nexport const later = new Asset("s3://lake/later");\n`);
    update = compiler.update([target]);
    expect(update.result.diagnostics.map((d) => d.code)).toEqual(["AF4004"]);
    expect(update.recompiled).toContain("late.ts");
  });

  it("watches the folder and calls back after a change", async () => {
    const compiler = setUp();
    const received = new Promise<WatchUpdate>((resolve) => {
      const handle = compiler.watch(
        (update) => {
          handle.close();
          resolve(update);
        },
        { debounceMs: 20 },
      );
      setTimeout(() => writeFileSync(path.join(root, "producer.ts"), producer.replace("@daily", "@weekly")), 50);
    });
    const update = await received;
    expect(update.changes.dagsChanged).toEqual(["producer"]);
  });
});
