import { describe, expect, it } from "vitest";
import { isAssetflowInternal, splitTaskEnvironment } from "./task-environment.js";

describe("splitTaskEnvironment", () => {
  it("keeps assetflow's internals out of the task environment and the connections aside", () => {
    const { env, connections } = splitTaskEnvironment({
      PATH: "/usr/bin",
      ASSETFLOW_API_TOKEN: "t",
      ASSETFLOW_DATABASE_URL: "postgres://u:p@h/d",
      ASSETFLOW_TEST_DATABASE_URL: "postgres://u:p@h/t",
      ASSETFLOW_HOME: "/h",
      ASSETFLOW_CONN_WAREHOUSE: "sqlite:///w.db",
      ASSETFLOW_E2E_PID_FILE: "/tmp/pid",
      UNSET: undefined,
    });
    expect(env).toEqual({ PATH: "/usr/bin", ASSETFLOW_E2E_PID_FILE: "/tmp/pid" });
    expect(connections).toEqual({ ASSETFLOW_CONN_WAREHOUSE: "sqlite:///w.db" });
  });

  it("isAssetflowInternal names exactly the variables of assetflow's own processes", () => {
    expect(
      ["ASSETFLOW_HOME", "ASSETFLOW_API_TOKEN", "ASSETFLOW_CONN_X", "ASSETFLOW_BENCH_DATABASE_URL"].every(
        isAssetflowInternal,
      ),
    ).toBe(true);
    expect(["ASSETFLOW_CONN_", "ASSETFLOW_E2E_PID_FILE", "HOME", "DATABASE_URL"].some(isAssetflowInternal)).toBe(false);
  });
});
