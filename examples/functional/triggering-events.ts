/**
 * Seed section "Fetching information from a triggering asset event", builder
 * style:
 *
 * > A triggered DAG can fetch information from the asset that triggered it
 * > using the triggering_asset_events template or parameter.
 *
 * `load_snowflake_data` inserts a row stamped with its run's data interval
 * start, hourly; `query_snowflake_data` selects the rows of the triggering
 * run's data interval with the seed's template, and prints the triggering
 * events. The connection `snowflake_default` comes from
 * `ASSETFLOW_CONN_SNOWFLAKE_DEFAULT` (a sqlite:// or postgres:// URI). The
 * same DAGs in decorator style: `../decorators/triggering-events.ts`.
 */
import { dag, SQLExecuteQueryOperator, task } from "assetflow";
import { exampleSnowflakeAsset } from "../assets.js";

/** Hourly; its `load` task writes `my_table` and updates the snowflake asset. */
export const loadSnowflakeData = dag({ dagId: "load_snowflake_data", schedule: "@hourly" }, () => {
  new SQLExecuteQueryOperator({
    taskId: "load",
    connId: "snowflake_default",
    outlets: [exampleSnowflakeAsset],
    sql: [
      `CREATE TABLE IF NOT EXISTS my_table (id INTEGER PRIMARY KEY, "value" TEXT NOT NULL, "updated_at" TEXT NOT NULL)`,
      `INSERT INTO my_table ("value", "updated_at") VALUES ('hourly load', '{{ data_interval_start }}')`,
    ],
  });
});

/** Runs after each `load`; queries the rows of the triggering run's data interval. */
export const querySnowflakeData = dag({ dagId: "query_snowflake_data", schedule: [exampleSnowflakeAsset] }, () => {
  new SQLExecuteQueryOperator({
    taskId: "query",
    connId: "snowflake_default",
    sql: `
      SELECT *
      FROM my_table
      WHERE "updated_at" >= '{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_start }}'
      AND "updated_at" < '{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_end }}';
    `,
  });

  task({ taskId: "print_triggering_asset_events" }, (ctx) => {
    for (const [asset, assetList] of ctx.triggeringAssetEvents.entries()) {
      ctx.log(`${asset.name}: ${assetList.length} event(s)`);
      ctx.log(`${assetList[0]?.sourceDagRun?.dagId}`);
    }
  });
});
