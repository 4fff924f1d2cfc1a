/** The assets a consumer's schedule reaches, as SQL to embed in a statement. */
import { sql } from "kysely";

/** SQL: ids of the assets a consumer's schedule reaches (direct, through aliases, by name or URI, by pattern). */
export function consumedAssetIds(dagId: string) {
  return sql`
    SELECT asset_id FROM dag_schedule_asset WHERE dag_id = ${dagId}
    UNION SELECT aa.asset_id FROM dag_schedule_alias sa
      JOIN asset_alias_asset aa ON aa.alias_id = sa.alias_id WHERE sa.dag_id = ${dagId}
    UNION SELECT a.id FROM dag_schedule_ref r
      JOIN asset a ON (r.ref_kind = 'name' AND a.name = r.value) OR (r.ref_kind = 'uri' AND a.uri = r.value)
      WHERE r.dag_id = ${dagId}
    UNION SELECT m.asset_id FROM dag_schedule_pattern sp
      JOIN asset_pattern_match m ON m.pattern_id = sp.pattern_id WHERE sp.dag_id = ${dagId}
  `;
}
