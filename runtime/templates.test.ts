import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Asset,
  BaseOperator,
  type BaseOperatorOptions,
  type BashRequest,
  type BashResult,
  dag,
  type OperatorServices,
  SQLExecuteQueryOperator,
  type SqlRequest,
  type SqlResult,
  type TaskContext,
} from "assetflow";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { TaskOutcome, TaskRunRequest } from "../scheduler/contracts.js";
import type { Dag } from "../sdk/index.js";
import { MemoryAssetEventReader, runTask } from "./index.js";
import { eventRecord, makeRequest, sourceRun } from "./test-support.js";

/** Operator services that record SQL requests and answer with no rows; bash is not offered. */
class RecordingServices implements OperatorServices {
  readonly sql: SqlRequest[] = [];
  async runBash(_request: BashRequest): Promise<BashResult> {
    throw new Error("RecordingServices runs no bash commands");
  }
  async runSql(request: SqlRequest): Promise<SqlResult> {
    this.sql.push(request);
    return { rows: [] };
  }
}

/** Returns its rendered `text` field. */
class Echo extends BaseOperator {
  static override readonly templateFields = ["text"];
  constructor(
    readonly text: string,
    options: BaseOperatorOptions,
  ) {
    super(options);
  }
  override execute(_ctx: TaskContext): string {
    return this.text;
  }
}

const example = new Asset("snowflake://my_db/my_schema/my_table");
const jan1 = Date.UTC(2024, 0, 1);
const jan2 = Date.UTC(2024, 0, 2);
const triggered = {
  runType: "asset_triggered",
  triggeringEvents: [
    eventRecord(7, example, { sourceRun: sourceRun("scheduled__2024-01-01", jan1, jan2), extra: { rows: 3 } }),
  ],
} satisfies Partial<TaskRunRequest>;

function expectSuccess(outcome: TaskOutcome) {
  if (outcome.state !== "success") throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome;
}

async function render(text: string, overrides: Partial<Omit<TaskRunRequest, "key">> = {}): Promise<unknown> {
  const d = dag({ dagId: "render", params: { region: "eu" } }, () => {
    new Echo(text, { taskId: "echo" });
  });
  return expectSuccess(await run(d, "echo", overrides)).result;
}

function run(
  d: Dag,
  taskId: string,
  overrides: Partial<Omit<TaskRunRequest, "key">> = {},
  services?: OperatorServices,
) {
  return runTask(d, makeRequest(d, taskId, overrides), {
    reader: new MemoryAssetEventReader(),
    log: () => {},
    ...(services ? { services } : {}),
  });
}

describe("template fields", () => {
  it("renders the seed's SQL template with the producer run's data interval", async () => {
    const services = new RecordingServices();
    const d = dag({ dagId: "query_snowflake_data", schedule: [example] }, () => {
      new SQLExecuteQueryOperator({
        taskId: "query",
        connId: "snowflake_default",
        sql: `
          SELECT *
          FROM my_db.my_schema.my_table
          WHERE "updated_at" >= '{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_start }}'
          AND "updated_at" < '{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_end }}';
        `,
      });
    });
    expectSuccess(await run(d, "query", triggered, services));
    expect(services.sql).toHaveLength(1);
    expect(services.sql[0]?.sql).toContain(`WHERE "updated_at" >= '2024-01-01T00:00:00.000Z'`);
    expect(services.sql[0]?.sql).toContain(`AND "updated_at" < '2024-01-02T00:00:00.000Z';`);
  });

  it("filters a real SQLite table to the triggering run's interval with the seed's WHERE clause", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assetflow-template-sql-"));
    const file = join(dir, "warehouse.db");
    const db = new Database(file);
    db.exec("CREATE TABLE my_table (id INTEGER, updated_at TEXT)");
    const insert = db.prepare("INSERT INTO my_table VALUES (?, ?)");
    insert.run(1, "2023-12-31T23:00:00.000Z");
    insert.run(2, "2024-01-01T12:00:00.000Z");
    insert.run(3, "2024-01-02T00:00:00.000Z");
    db.close();
    process.env["ASSETFLOW_CONN_TEMPLATE_SQLITE"] = `sqlite://${file}`;
    try {
      const d = dag({ dagId: "query_sqlite_data", schedule: [example] }, () => {
        new SQLExecuteQueryOperator({
          taskId: "query",
          connId: "template_sqlite",
          sql: `SELECT id FROM my_table
          WHERE "updated_at" >= '{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_start }}'
          AND "updated_at" < '{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_end }}';`,
        });
      });
      expect(expectSuccess(await run(d, "query", triggered)).result).toEqual([{ id: 2 }]);
    } finally {
      delete process.env["ASSETFLOW_CONN_TEMPLATE_SQLITE"];
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exposes the run under the seed's names", async () => {
    const text =
      "{{ ds }}|{{ ds_nodash }}|{{ ts }}|{{ logical_date }}|{{ data_interval_start }}|{{ data_interval_end }}|" +
      "{{ run_id }}|{{ dag.dag_id }}|{{ task.task_id }}|{{ params.region }}|{{ params.limit }}|{{ conf.limit }}";
    expect(await render(text, { conf: { limit: 5 } })).toBe(
      "2024-01-02|20240102|2024-01-02T00:00:00.000Z|2024-01-02T00:00:00.000Z|2024-01-01T00:00:00.000Z|" +
        "2024-01-02T00:00:00.000Z|manual__2024-01-02T00:00:00|render|echo|eu|5|5",
    );
  });

  it("exposes dag_run and ti", async () => {
    const text =
      "{{ dag_run.dag_id }}|{{ dag_run.run_id }}|{{ dag_run.run_type }}|{{ dag_run.logical_date }}|" +
      "{{ dag_run.data_interval_start }}|{{ dag_run.data_interval_end }}|{{ dag_run.conf.x }}|" +
      "{{ ti.dag_id }}|{{ ti.task_id }}|{{ ti.run_id }}|{{ ti.try_number }}|{{ ti.map_index }}";
    expect(await render(text, { conf: { x: "y" }, runType: "scheduled" })).toBe(
      "render|manual__2024-01-02T00:00:00|scheduled|2024-01-02T00:00:00.000Z|" +
        "2024-01-01T00:00:00.000Z|2024-01-02T00:00:00.000Z|y|render|echo|manual__2024-01-02T00:00:00|1|-1",
    );
  });

  it("renders missing dates and unknown names as empty strings", async () => {
    expect(
      await render("[{{ ds }}][{{ ts }}][{{ data_interval_start }}][{{ nope }}][{{ dag_run.nope.deeper }}]", {
        logicalDate: null,
        dataIntervalStart: null,
      }),
    ).toBe("[][][][][]");
  });

  it("renders the seed's triggering_asset_events expression as empty when nothing triggered the run", async () => {
    expect(
      await render("[{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_start }}]"),
    ).toBe("[]");
  });

  it("loops over triggering_asset_events.items() with snake_case event fields", async () => {
    const text =
      "{% for key, events in triggering_asset_events.items() %}{{ key }}={% for e in events %}" +
      "{{ e.uri }},{{ e.extra.rows }},{{ e.source_dag_id }},{{ e.source_run_id }},{{ e.source_dag_run.dag_id }},{{ e.timestamp }}" +
      "{% endfor %};{% endfor %}{{ triggering_asset_events.keys() | length }}";
    expect(await render(text, triggered)).toBe(
      "Asset(snowflake://my_db/my_schema/my_table)=snowflake://my_db/my_schema/my_table,3,producer,scheduled__7," +
        "producer,2024-01-01T00:07:00.000Z;1",
    );
  });

  it("exposes a pattern's captures as captures and e.captures, and the pattern key", async () => {
    const landing = "s3://landing/{date}/orders_{part}.csv";
    const first = new Asset("s3://landing/2025-01-01/orders_1.csv");
    const second = new Asset("s3://landing/2025-01-02/orders_7.csv");
    const request = {
      runType: "asset_triggered",
      triggeringEvents: [eventRecord(1, first), eventRecord(2, second)],
      triggeringCaptures: {
        1: [{ pattern: landing, captures: { date: "2025-01-01", part: "1" } }],
        2: [{ pattern: landing, captures: { date: "2025-01-02", part: "7" } }],
      },
    } satisfies Partial<TaskRunRequest>;
    expect(await render("load {{ captures.date }} part {{ captures.part }}", request)).toBe("load 2025-01-02 part 7");
    expect(
      await render(
        "{% for key, events in triggering_asset_events.items() %}{{ key }}:{% for e in events %}{{ e.captures.part }}{% endfor %};{% endfor %}",
        request,
      ),
    ).toBe(
      "Asset(s3://landing/2025-01-01/orders_1.csv):1;Asset(s3://landing/2025-01-02/orders_7.csv):7;" +
        "Asset.pattern(s3://landing/{date}/orders_{part}.csv):17;",
    );
  });

  it("renders captures as empty when no pattern matched", async () => {
    expect(await render("[{{ captures.date }}]", triggered)).toBe("[]");
  });

  it("offers the tojson and ds_format filters", async () => {
    expect(await render("{{ params | tojson }}")).toBe('{"region":"eu"}');
    expect(await render("{{ ds | ds_format('%Y-%m-%d', '%d/%m/%Y') }}")).toBe("02/01/2024");
    expect(await render("{{ '20240315' | ds_format('%Y%m%d') }}")).toBe("2024-03-15");
  });

  it("leaves strings without template syntax untouched", async () => {
    expect(await render("echo { not a template } 100%")).toBe("echo { not a template } 100%");
  });
});

describe("the shquote filter", () => {
  it("makes any value one shell word that bash reads back exactly", async () => {
    const { shquote } = await import("./templates.js");
    const { execFileSync } = await import("node:child_process");
    for (const value of [`x"; id > PWNED; echo "y`, "it's $(id) `id` \\ \n done", "", "plain"]) {
      expect(execFileSync("bash", ["-c", `printf %s ${shquote(value)}`], { encoding: "utf8" })).toBe(value);
    }
    expect(shquote(null)).toBe("''");
    expect(shquote({ a: 1 })).toBe(`'{"a":1}'`);
    expect(shquote(42)).toBe("'42'");
  });
});
