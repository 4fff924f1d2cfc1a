import { describe, expect, it } from "vitest";
import { Asset } from "./asset.js";
import { dag } from "./dag.js";
import { serializeDags } from "./manifest/serialize.js";
import { task } from "./task.js";
import { defineWatcher, normalizeWatchers, watcherDefinition } from "./watchers.js";

describe("watchers of an asset", () => {
  it("keeps them as JSON with their names, and the manifest carries them", () => {
    const landed = new Asset("file:///data/incoming", {
      watchers: [
        { kind: "files", dir: "incoming", glob: "*.csv" },
        { kind: "webhook", name: "hook", secretEnv: "S" },
      ],
    });
    expect(landed.watchers).toEqual([
      { kind: "files", name: "files", dir: "incoming", glob: "*.csv" },
      { kind: "webhook", name: "hook", secretEnv: "S" },
    ]);
    const consumer = dag({ dagId: "consumer", schedule: [landed] }, () => {
      task(function noop() {});
    });
    expect(serializeDags([consumer]).assets[0]?.watchers).toEqual(landed.watchers);
    expect(serializeDags([consumer]).assets[0]).not.toHaveProperty("schema");
  });

  it("leaves the manifest without watchers for an asset without any", () => {
    const plain = new Asset("s3://b/k");
    const consumer = dag({ dagId: "c", schedule: [plain] }, () => {
      task(function noop() {});
    });
    expect(serializeDags([consumer]).assets[0]).not.toHaveProperty("watchers");
  });

  it.each([
    [{ dir: "x" }, 'needs a "kind"'],
    [{ kind: "files" }, 'The files watcher 1 of asset "a" needs the string option "dir".'],
    [{ kind: "redis-stream", stream: "s" }, 'needs the string option "group"'],
    [{ kind: "x", name: "bad name" }, "The name of the watcher 1"],
    [{ kind: "x", when: new Date(0) }, 'not plain JSON (at key "when")'],
  ])("rejects %j with ASSET_INVALID", (watcher, message) => {
    expect(() => normalizeWatchers([watcher], 'asset "a"')).toThrow(message);
    expect(() => new Asset("a", { watchers: [watcher as never] })).toThrow(
      expect.objectContaining({ code: "ASSET_INVALID" }),
    );
  });

  it("rejects two watchers with one name", () => {
    expect(() => normalizeWatchers([{ kind: "x" }, { kind: "x" }], 'asset "a"')).toThrow(
      'Two watchers of asset "a" are named "x": give each its own { name }.',
    );
  });
});

describe("defineWatcher", () => {
  it("registers a kind the runtime finds by name", () => {
    const counter = defineWatcher<number>({ kind: "test-counter", async start() {} });
    expect(watcherDefinition("test-counter")).toBe(counter);
  });

  it("refuses built-in kinds and definitions without start", () => {
    expect(() => defineWatcher({ kind: "files", async start() {} })).toThrow('"files" is a built-in kind');
    expect(() => defineWatcher({ kind: "k" } as never)).toThrow("needs a start(ctx) function");
  });
});
