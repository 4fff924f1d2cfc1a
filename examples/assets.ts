/**
 * Assets and aliases that several examples share, imported by both styles
 * (`functional/` and `decorators/`). Examples that show off asset identity
 * (the same URI written twice, with different extras) keep writing
 * `new Asset(...)` inline, as the seed does.
 *
 * Seed: "Uniform Resource Identifier (URI) define assets: example_asset =
 * Asset("s3://asset-bucket/example.csv")".
 */
import { Asset, AssetAlias } from "assetflow";

/** Quickstart: "this task updates example.csv". */
export const quickstartAsset = new Asset("s3://asset-bucket/example.csv");

/** How to use assets in your DAGs: the asset between `producer` and `consumer`. */
export const exampleAsset = new Asset("s3://asset/example.csv");

/** Multiple assets: the three assets `multiple_assets_example` waits for. */
export const exampleAsset1 = new Asset("s3://asset/example_1.csv");
export const exampleAsset2 = new Asset("s3://asset/example_2.csv");
export const exampleAsset3 = new Asset("s3://asset/example_3.csv");

/**
 * Attaching extra information to an emitting asset event: a named asset whose
 * events carry a typed extra, `{ rowCount: number }`.
 */
export const exampleS3Asset = new Asset<{ rowCount: number }>({ uri: "s3://asset/example.csv", name: "example_s3" });

/** Fetching information from a triggering asset event. */
export const exampleSnowflakeAsset = new Asset("snowflake://my_db/my_schema/my_table");

/** Conditional expressions (and AssetOrTimeSchedule): the outputs of dag1, dag2 and dag3. */
export const dag1Asset = new Asset("s3://dag1/output_1.txt");
export const dag2Asset = new Asset("s3://dag2/output_1.txt");
export const dag3Asset = new Asset("s3://dag3/output_3.txt");

/** AssetAlias: the alias `my_task_with_outlet_events` and `my_task_with_metadata` emit through. */
export const myTaskOutputs = new AssetAlias("my-task-outputs");

/** AssetAlias: the alias the alias producers resolve to `s3://bucket/my-task`. */
export const exampleAlias = new AssetAlias("example-alias");

/** AssetAlias: the concrete asset the aliases resolve to at run time, with a typed event extra. */
export const myTaskAsset = new Asset<{ rowCount: number }>("s3://bucket/my-task");

/**
 * Asset-centric authoring (`asset()` / `@asset`): the asset the function
 * `buildDailyOrders` materializes. The builder style gets it back from
 * `asset(...)`; the decorator style names it here, with the same identity.
 */
export const dailyOrdersAsset = new Asset<{ rowCount: number }>({
  uri: "s3://warehouse/daily_orders.parquet",
  name: "daily_orders",
  group: "warehouse",
});

/** Asset-centric authoring (`asset.multi`): the two halves one function writes. */
export const ordersByRegionEu = new Asset("s3://warehouse/orders_eu.parquet");
export const ordersByRegionUs = new Asset("s3://warehouse/orders_us.parquet");

/** Consumption policies (issue 18): the orders feed that lands many small files. */
export const ordersFeed = new Asset("s3://feed/orders.csv");

/** URI patterns (issue 18): every orders file under a date prefix, with its date and part captured. */
export const landedOrders = Asset.pattern("s3://landing/{date}/orders_{part}.csv");

/** URI patterns: a `_SUCCESS` marker at any depth under s3://lake/, its path captured. */
export const successMarkers = Asset.pattern("s3://lake/{**path}/_SUCCESS");
