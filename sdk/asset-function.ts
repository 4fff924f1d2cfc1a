/**
 * The `asset` export: `asset(options, fn)` and `asset.multi(options, fn)`, and
 * with options only their decorators (`@asset`, `@asset.multi` on static methods).
 */
import {
  type AssetDefinition,
  type AssetDefinitionOptions,
  type AssetFunction,
  defineAsset,
  defineMultiAsset,
  type MultiAssetOptions,
} from "./asset-definition.js";
import { type AssetMethodDecorator, assetDecorator } from "./decorators/asset-decorator.js";
import type { Dag } from "./definitions.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import { describeValue, type JsonObject } from "./json.js";

/** The `asset` export: the function, its decorator form, and `asset.multi`. */
export interface AssetFactory {
  /**
   * Defines an asset by the function that materializes it: the asset (name
   * defaulting to the function's name, URI to the name), and a DAG (id
   * defaulting to the asset's name) of one task (id: the function's name, or
   * the DAG id) whose outlet is the asset. Returns the asset, with its `dag`.
   *
   * @example
   * ```ts
   * export const orders = asset(
   *   { uri: "s3://warehouse/orders.parquet", schedule: "@daily", schema: z.object({ rowCount: z.number() }) },
   *   async function* orders(ctx) {
   *     yield new Metadata(ctx.outlets[0], { rowCount: 42 });
   *   },
   * );
   * export const report = dag({ dagId: "report", schedule: [orders] }, () => { ... });
   * ```
   */
  <TExtra extends object = JsonObject>(
    options: AssetDefinitionOptions<TExtra>,
    fn: AssetFunction,
  ): AssetDefinition<TExtra>;
  /** `@asset(options)` on a static method: the method materializes the asset; `this` is the class. */
  <TExtra extends object = JsonObject>(options: AssetDefinitionOptions<TExtra>): AssetMethodDecorator;
  /**
   * One function updating several assets: a DAG (id defaulting to the
   * function's name) of one task whose outlets are `outlets`. Returns the DAG.
   * With options only, the decorator of a static method.
   *
   * @example
   * ```ts
   * export const split = asset.multi({ outlets: [left, right], schedule: [raw] }, function split(ctx) { ... });
   * ```
   */
  multi: {
    (options: MultiAssetOptions, fn: AssetFunction): Dag;
    (options: MultiAssetOptions): AssetMethodDecorator;
  };
}

function assetFunction(options: unknown, fn?: unknown): unknown {
  if (fn === undefined) return assetDecorator("asset", options);
  return defineAsset(options, requireFunction(fn, "asset(options, fn)"), undefined, functionName(fn));
}

function multiFunction(options: unknown, fn?: unknown): unknown {
  if (fn === undefined) return assetDecorator("multi", options);
  return defineMultiAsset(options, requireFunction(fn, "asset.multi(options, fn)"), undefined, functionName(fn));
}

/** `asset(options, fn)`, `@asset(options)`, `asset.multi(options, fn)`, `@asset.multi(options)`: see {@link AssetFactory}. */
export const asset: AssetFactory = Object.assign(assetFunction, { multi: multiFunction }) as AssetFactory;

function requireFunction(fn: unknown, call: string): Function {
  if (typeof fn !== "function") {
    throw new DefinitionError(
      ErrorCode.dagInvalid,
      `${call} takes the function that materializes the asset as its second argument, got ${describeValue(fn)}.`,
    );
  }
  return fn;
}

function functionName(fn: unknown): string {
  return typeof fn === "function" ? fn.name : "";
}
