/**
 * The values the asset catalog filters by: asset groups and URI schemes,
 * each with how many assets have it.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";

/** A value and how many assets have it. */
export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

/**
 * The scheme of a URI (`s3`), or `""` when it has none (`asset-1`).
 *
 * @example
 * ```ts
 * uriSchemeOf("s3://bucket/key"); // "s3"
 * ```
 */
export function uriSchemeOf(uri: string): string {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase() ?? "";
}

/**
 * Groups and schemes of all assets, by value.
 *
 * @example
 * ```ts
 * const { groups, schemes, total } = await assetFacets(db);
 * ```
 */
export async function assetFacets(
  db: Kysely<Database>,
): Promise<{ total: number; groups: FacetCount[]; schemes: FacetCount[] }> {
  const [groups, uris] = await Promise.all([
    db
      .selectFrom("asset")
      .select((eb) => ["group_name", eb.fn.countAll<number>().as("count")])
      .groupBy("group_name")
      .orderBy("group_name")
      .execute(),
    db.selectFrom("asset").select("uri").execute(),
  ]);
  const schemes = new Map<string, number>();
  for (const { uri } of uris) {
    const scheme = uriSchemeOf(uri);
    schemes.set(scheme, (schemes.get(scheme) ?? 0) + 1);
  }
  return {
    total: uris.length,
    groups: groups.map((row) => ({ value: row.group_name, count: Number(row.count) })),
    schemes: [...schemes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([value, count]) => ({ value, count })),
  };
}
