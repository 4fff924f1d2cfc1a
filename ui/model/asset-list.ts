/**
 * The Assets page: the API query of its filters, and an asset's scheme.
 */
import type { AssetListFilter } from "./routes.js";

/** Assets per page. */
export const ASSET_PAGE_SIZE = 50;

/**
 * The API query (`GET /api/v1/assets`) of the Assets page's filters.
 *
 * @example
 * ```ts
 * assetListQuery({ search: "orders", group: null, scheme: "s3", page: 3 }); // { search: "orders", scheme: "s3", limit: "50", offset: "100" }
 * ```
 */
export function assetListQuery(filter: AssetListFilter, pageSize = ASSET_PAGE_SIZE): Record<string, string> {
  const query: Record<string, string> = { limit: String(pageSize), offset: String((filter.page - 1) * pageSize) };
  if (filter.search.trim() !== "") query.search = filter.search.trim();
  if (filter.group !== null) query.group = filter.group;
  if (filter.scheme !== null) query.scheme = filter.scheme;
  return query;
}

/**
 * The scheme of an asset URI (`s3`), or `""` for a URI without one (`asset-1`).
 *
 * @example
 * ```ts
 * uriScheme("s3://bucket/key"); // "s3"
 * ```
 */
export function uriScheme(uri: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  return match?.[1]?.toLowerCase() ?? "";
}
