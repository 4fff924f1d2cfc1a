import * as sdk from "assetflow";
import { describe, expect, it } from "vitest";
import { compileSource, withCode } from "../test-support.js";
import { SDK_SEMANTICS } from "./sdk-semantics.js";

describe("the SDK semantics table", () => {
  it("has one entry per value export of the SDK, and no other", () => {
    expect(Object.keys(SDK_SEMANTICS).sort()).toEqual(Object.keys(sdk).sort());
  });

  it("takes the SDK's constants from the SDK itself", () => {
    const result = compileSource(`import { dag, task, DEFAULT_RETRY_DELAY_MS, CRON_PRESETS } from "assetflow";
dag({ dagId: "d", schedule: CRON_PRESETS[1] }, () => {
  task({ taskId: "t", retryDelay: DEFAULT_RETRY_DELAY_MS * 2 }, () => {});
});
`);
    expect(result.diagnostics).toEqual([]);
    expect(result.manifest.dags[0]?.schedule).toEqual({
      kind: "cron",
      expression: CRON_PRESETS_DAILY,
      timezone: "UTC",
    });
    expect(result.manifest.dags[0]?.tasks[0]?.retryDelayMs).toBe(sdk.DEFAULT_RETRY_DELAY_MS * 2);
  });

  it("reports a name the SDK does not export (AF2006)", () => {
    const result = compileSource(`import { dag, Assett } from "assetflow";
dag({ dagId: "d", schedule: [new Assett("s3://b/k")] }, () => {});
`);
    expect(withCode(result.diagnostics, "AF2006")[0]?.message).toContain('"assetflow" has no export named "Assett"');
  });

  it("reports SDK calls that register DAGs the compiler does not follow (AF2011)", () => {
    const result = compileSource(`import { dag, registerDag } from "assetflow";
const d = dag({ dagId: "d" }, () => {});
registerDag(d);
`);
    expect(withCode(result.diagnostics, "AF2011").map((d) => [d.severity, d.line])).toEqual([["error", 3]]);
  });
});

const CRON_PRESETS_DAILY = sdk.CRON_PRESETS[1];
