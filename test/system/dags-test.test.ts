/**
 * `assetflow dags test` in a starter project: `--event <uri>='{json}'` feeds
 * events to a consumer (one run consumes all of them, as the scheduler
 * would), every task's emitted events are printed with their extras, extras
 * are checked against the asset's schema, and a task's stack trace names the
 * user's file and line.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./e2e/support.js";
import { createStarterProject, type StarterProject } from "./starter.js";

let starter: StarterProject;
const ORDERS = "s3://warehouse/orders.parquet";

beforeAll(async () => {
  starter = await createStarterProject("dags-test");
  writeFileSync(
    join(starter.project, "dags/boom.ts"),
    `import { dag, task } from "assetflow";
import { orders } from "../assets.js";

export const boom = dag({ dagId: "boom", schedule: [orders] }, () => {
  task({ taskId: "explode" }, (ctx) => {
    const [event] = ctx.triggeringAssetEvents.get(orders);
    if ((event?.extra.rowCount ?? 0) > 10) throw new Error(\`too many rows: \${event?.extra.rowCount}\`);
  });
});
`,
  );
});
afterAll(() => starter?.remove());

const dagsTest = (...args: string[]) =>
  runCli(["dags", "test", ...args, "--dags", "dags"], starter.env, 60_000, starter.project);

describe("assetflow dags test --event", () => {
  it("feeds the events to the consumer, one run consuming all, and prints what each task emitted", async () => {
    const result = await dagsTest(
      "orders_report",
      "--event",
      `${ORDERS}={"rowCount": 3}`,
      "--event",
      `${ORDERS}={"rowCount": 4}`,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^dags test orders_report \(asset_triggered run asset_triggered__\S+\): success$/m);
    expect(result.stdout).toContain(`  given    ${ORDERS} {"rowCount":3}\n  given    ${ORDERS} {"rowCount":4}`);
    expect(result.stdout).toContain("report over 2 load(s): 7 rows");
    expect(result.stdout).toContain('      emitted s3://warehouse/orders-report.html {"loads":2,"rows":7}');
  });

  it("prints the emitted events in --json too", async () => {
    const result = await dagsTest("load_orders", "--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      runType: string;
      tasks: Array<{ taskId: string; events: Array<{ uri: string; extra: unknown }> }>;
    };
    expect(report.runType).toBe("manual");
    expect(report.tasks).toMatchObject([{ taskId: "load", events: [{ uri: ORDERS, extra: { rowCount: 42 } }] }]);
  });

  it("checks the extras against the asset's schema", async () => {
    const result = await dagsTest("orders_report", "--event", `${ORDERS}={"rowCount": "many"}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `The extra of asset "${ORDERS}" given to \`assetflow dags test --event\` does not match the asset's schema: key "rowCount"`,
    );
  });

  it("says so when the events do not trigger the DAG", async () => {
    const result = await dagsTest("orders_report", "--event", 's3://warehouse/other.csv={"a": 1}');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `The events given do not trigger DAG "orders_report": it is scheduled on ${ORDERS}. Pass an --event for each asset the condition needs.`,
    );
  });

  it("shows a failing task's stack trace at the user's file and line", async () => {
    const result = await dagsTest("boom", "--event", `${ORDERS}={"rowCount": 30}`);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("explode  failed — too many rows: 30");
    expect(result.stdout).toContain(`(${join(starter.project, "dags/boom.ts")}:7:`);
    expect(result.stdout).not.toMatch(/bundles\/\S*\.mjs/);
  });
});
