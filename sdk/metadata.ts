import { type AnyAsset, type Asset, AssetAlias, type AssetRef, isAsset, isAssetAlias, isAssetRef } from "./asset.js";
import { DefinitionError, ErrorCode } from "./errors.js";
import { assertJsonObject, describeValue, type JsonObject, undefinedHint } from "./json.js";

const METADATA_MARK = Symbol.for("assetflow.metadata");

/** Options of {@link Metadata}. */
export interface MetadataOptions {
  /** Also add the event through this alias (which must be an outlet of the task). */
  alias?: string | AssetAlias;
}

/**
 * Extra information for the event a task emits for one of its outlets. A task
 * `yield`s it; the runtime merges it into the outlet's event extra. With
 * `alias`, the asset is also added to that alias.
 *
 * The extra is typed by the asset: `new Metadata(orders, { rowCount: 3 })`
 * only compiles when `orders` is an `Asset<{ rowCount: number }>` (or untyped).
 *
 * The asset may be given as `Asset.ref({ name })` or `Asset.ref({ uri })`
 * (as Airflow's `Metadata` takes an asset): the runtime resolves it by the
 * rule of `ctx.outletEvents.get(ref)`, to the outlet it names; with `alias`,
 * a ref naming no outlet is the asset the scheduler knows by it. Its extra is
 * checked against that asset's schema like any other event's.
 *
 * @example
 * ```ts
 * const orders = new Asset<{ rowCount: number }>("s3://warehouse/orders.parquet");
 * class Etl {
 *   @task({ outlets: [orders] })
 *   *write() {
 *     yield new Metadata(orders, { rowCount: 42 });
 *   }
 * }
 * ```
 */
export class Metadata<TExtra extends object = JsonObject> {
  /** @internal */
  readonly [METADATA_MARK] = true;
  /** The asset, or the `Asset.ref` the runtime resolves to one. */
  readonly asset: Asset<TExtra> | AssetRef;
  readonly extra: Readonly<TExtra>;
  readonly alias: AssetAlias | undefined;

  constructor(asset: Asset<TExtra> | AssetRef, extra: NoInfer<TExtra>, options: MetadataOptions = {}) {
    if (!isAsset(asset) && !isAssetRef(asset)) {
      throw new DefinitionError(
        ErrorCode.metadataInvalid,
        `Metadata needs an Asset or an Asset.ref(...) as its first argument, got ${describeValue(asset)}. Pass new Metadata(myAsset, { ... }).${undefinedHint(asset)}`,
      );
    }
    const what = isAsset(asset) ? `asset "${(asset as AnyAsset).uri}"` : `${asset}`;
    assertJsonObject(extra, `extra of Metadata for ${what}`);
    if (typeof options !== "object" || options === null) {
      throw new DefinitionError(
        ErrorCode.metadataInvalid,
        'Metadata options must be an object such as { alias: "my-alias" }.',
      );
    }
    for (const key of Object.keys(options)) {
      if (key !== "alias") {
        throw new DefinitionError(
          ErrorCode.optionUnknown,
          `Unknown option "${key}" in Metadata for ${what}. Known options: alias.`,
          { details: { option: key } },
        );
      }
    }
    const alias = options.alias;
    if (alias !== undefined && typeof alias !== "string" && !isAssetAlias(alias)) {
      throw new DefinitionError(
        ErrorCode.metadataInvalid,
        `Metadata option "alias" must be an alias name or an AssetAlias, got ${describeValue(alias)}.`,
      );
    }
    this.asset = asset;
    this.extra = structuredClone(extra) as Readonly<TExtra>;
    this.alias = typeof alias === "string" ? new AssetAlias(alias) : alias;
    Object.freeze(this);
  }
}

/** True for a {@link Metadata} from any copy of the package. */
export function isMetadata(value: unknown): value is Metadata<object> {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[METADATA_MARK] === true;
}
