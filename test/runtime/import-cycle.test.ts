/**
 * DAG files that import each other in a cycle: the loader reports an import
 * error that names the cause (the cycle) and the fix, whichever file the
 * bundle starts from.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DagFileLoader } from "../../runtime/dag-files.js";

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "assetflow-cycle-"));
  // assets.ts imports the DAG file (to list its DAGs), and the DAG file imports the assets.
  writeFileSync(
    join(folder, "assets.ts"),
    `import { Asset } from "assetflow";
import { producer } from "./dags.js";
export const orders = new Asset("s3://warehouse/orders");
export const registry = [producer];
`,
  );
  writeFileSync(
    join(folder, "dags.ts"),
    `import { dag, task } from "assetflow";
import { orders } from "./assets.js";
export const producer = dag({ dagId: "producer", schedule: null }, () => {
  task({ taskId: "load", outlets: [orders] }, () => {});
});
`,
  );
  writeFileSync(
    join(folder, "consumer.ts"),
    `import { dag, task } from "assetflow";
import { orders } from "./assets-of-consumer.js";
export const consumer = dag({ dagId: "consumer", schedule: [orders] }, () => {
  task({ taskId: "use" }, () => {});
});
export const marker = 1;
`,
  );
  writeFileSync(
    join(folder, "assets-of-consumer.ts"),
    `import { Asset } from "assetflow";
import { marker } from "./consumer.js";
export const orders = new Asset("s3://warehouse/orders");
export const seen = marker;
`,
  );
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("an import cycle between DAG files", () => {
  it("names the cycle when an outlet is undefined", async () => {
    const loaded = await new DagFileLoader(join(folder, ".bundles")).load(join(folder, "assets.ts"));
    expect(loaded.ok).toBe(false);
    const message = loaded.ok ? "" : loaded.error.message;
    expect(message).toContain('Invalid option "outlets" in task "load" of DAG "producer": item 0 is undefined');
    expect(message).toContain("import each other in a cycle");
    expect(message).not.toContain("Missing required option");
  });

  it("names the cycle when a schedule item is undefined", async () => {
    const loaded = await new DagFileLoader(join(folder, ".bundles")).load(join(folder, "assets-of-consumer.ts"));
    expect(loaded.ok).toBe(false);
    const message = loaded.ok ? "" : loaded.error.message;
    expect(message).toContain('item 0 of the schedule of dag "consumer" is undefined, not an asset.');
    expect(message).toContain("import each other in a cycle");
  });
});
