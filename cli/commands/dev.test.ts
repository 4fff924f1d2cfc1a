import { describe, expect, it } from "vitest";
import type { DagFileResult } from "../../scheduler/contracts.js";
import { DagFileLines, devBox } from "./dev.js";

const manifest = (dagIds: string[]) => ({
  schemaVersion: 1 as const,
  assets: [],
  aliases: [],
  dags: dagIds.map((dagId) => ({
    dagId,
    description: null,
    schedule: { kind: "none" as const },
    startDate: null,
    catchup: false,
    maxActiveRuns: 16,
    tags: [],
    params: {},
    tasks: [],
  })),
});

describe("devBox", () => {
  it("frames the URL, the API and the token, every line the same width", () => {
    const box = devBox({
      running: true,
      view: "http://127.0.0.1:8080/ui/#token=abc",
      api: "http://127.0.0.1:8080/api/v1",
      token: "abc",
      tokenSource: "dev",
    });
    const lines = box.split("\n");
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    expect(lines[0]).toMatch(/^┌─+┐$/);
    expect(lines.at(-1)).toMatch(/^└─+┘$/);
    expect(box).toContain("│ Web UI     http://127.0.0.1:8080/ui/#token=abc");
    expect(box).toContain("│ API token  abc");
    expect(box).toContain('curl -H "Authorization: Bearer abc" http://127.0.0.1:8080/api/v1/dags');
  });

  it("says when dev is not running, and where the token comes from", () => {
    const box = devBox({ running: false, view: null, api: null, token: "t", tokenSource: "env" });
    expect(box).toContain("assetflow dev is not running");
    expect(box).toContain("API token  t (ASSETFLOW_API_TOKEN)");
    expect(box).not.toContain("REST API");
  });
});

describe("DagFileLines", () => {
  it("prints each file at start-up, then only files whose code, DAGs or error changed", () => {
    const lines = new DagFileLines("/project");
    const loaded = (hash: string, dags: string[]): DagFileResult => ({
      ok: true,
      file: "/project/dags/orders.ts",
      manifest: manifest(dags),
      hash,
    });
    expect(lines.describe(loaded("h1", ["load_orders"]))).toBe("dag file   dags/orders.ts: load_orders");
    lines.startupDone();
    expect(lines.describe(loaded("h1", ["load_orders"]))).toBeNull();
    expect(lines.describe(loaded("h2", ["load_orders"]))).toBe("reloaded   dags/orders.ts: load_orders");
    const broken: DagFileResult = {
      ok: false,
      file: "/project/dags/orders.ts",
      error: { message: 'Expected ";" but found "}"', line: 3, column: 1 },
    };
    expect(lines.describe(broken)).toBe('import error dags/orders.ts: Expected ";" but found "}"');
    expect(lines.describe(broken)).toBeNull();
    expect(lines.describe(loaded("h3", []))).toBe("reloaded   dags/orders.ts: (no DAGs)");
  });
});
