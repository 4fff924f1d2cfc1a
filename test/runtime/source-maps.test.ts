/**
 * Stack traces point at the user's source, not at the bundles task hosts load:
 * a task that throws and a DAG file that throws while it loads name the
 * TypeScript file and the line, through esbuild's source maps, in real task
 * host processes (the built host from dist/).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryAssetEventReader } from "../../runtime/memory-event-reader.js";
import { taskLogPath } from "../../runtime/task-logs.js";
import { WorkerPool } from "../../runtime/worker-pool.js";
import type { TaskRunRequest } from "../../scheduler/contracts.js";

const TASK_FILE = `import { dag, task } from "assetflow";

interface Row {
  id: number;
}

export const failing = dag({ dagId: "failing", schedule: null }, () => {
  task({ taskId: "explode" }, () => {
    const rows: Row[] = [{ id: 1 }];
    throw new Error(\`row \${rows[0]?.id} is broken\`);
  });
});
`;

const IMPORT_FILE = `import { dag } from "assetflow";

type Config = { region: string };
const config: Config = JSON.parse("{}");
if (!config.region) throw new Error("region is not configured");

export const never = dag({ dagId: "never", schedule: null }, () => {});
`;

// As in a project: the DAG files under the working directory, the bundles in $ASSETFLOW_HOME elsewhere.
const dags = join(process.cwd(), "test/artifacts", `source-maps-${process.pid}`, "dags");
let home = "";
let pool: WorkerPool;

beforeAll(() => {
  mkdirSync(dags, { recursive: true });
  writeFileSync(join(dags, "failing.ts"), TASK_FILE);
  writeFileSync(join(dags, "broken_import.ts"), IMPORT_FILE);
  home = mkdtempSync(join(tmpdir(), "assetflow-source-maps-"));
  pool = new WorkerPool({ size: 1, home, reader: new MemoryAssetEventReader([]) });
});

afterAll(async () => {
  await pool.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(join(dags, ".."), { recursive: true, force: true });
});

describe("stack traces of user code in task hosts", () => {
  it("name the DAG file and the line where a task threw", async () => {
    const file = join(dags, "failing.ts");
    const request: TaskRunRequest = {
      key: { dagId: "failing", runId: "manual__1", taskId: "explode", mapIndex: -1, tryNumber: 1 },
      dagFile: file,
      runType: "manual",
      logicalDate: 0,
      dataIntervalStart: 0,
      dataIntervalEnd: 0,
      conf: {},
      upstreamResults: {},
      triggeringEvents: [],
      triggeringAliases: {},
      triggeringCaptures: {},
      executionTimeoutMs: null,
    };
    const outcome = await pool.run(file, request, taskLogPath(join(home, "logs"), request.key));
    expect(outcome.state).toBe("failed");
    const stack = outcome.state === "failed" ? (outcome.error.stack ?? "") : "";
    expect(stack).toContain("row 1 is broken");
    expect(stack).toContain(`${file}:10:11`);
    expect(stack).not.toMatch(/bundles\/[^\n]*\.mjs/);
  });

  it("give an import error the line of the DAG file that threw", async () => {
    const file = join(dags, "broken_import.ts");
    const loaded = await pool.load(file);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error.message).toBe("Error: region is not configured");
    expect([loaded.error.line, loaded.error.column]).toEqual([5, 27]);
  });
});
