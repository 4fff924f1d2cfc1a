/**
 * The asset catalog: search by URI or name, filters by group and scheme,
 * pages of 50 (the API pages on the server, so 10,000 assets load as fast
 * as 10), each asset with its producers, consumers and latest event.
 */
import { useAssetFacets, useAssetList } from "../api/hooks.js";
import { Empty, ErrorBox, Loading, Pager, TimeText } from "../components/common.js";
import { DebouncedSearch } from "../components/debounced-search.js";
import { Link, useRouter } from "../components/router.js";
import { moveBetweenRows } from "../components/table-keys.js";
import { ASSET_PAGE_SIZE, assetListQuery } from "../model/asset-list.js";
import { pageCount } from "../model/dag-list.js";
import { plural } from "../model/format.js";
import { type AssetListFilter, assetRoute } from "../model/routes.js";

/**
 * The Assets page.
 *
 * @example
 * ```tsx
 * <AssetsPage filter={DEFAULT_ASSET_FILTER} />
 * ```
 */
export function AssetsPage({ filter }: { filter: AssetListFilter }) {
  const { navigate } = useRouter();
  const list = useAssetList(assetListQuery(filter));
  const facets = useAssetFacets();
  const setFilter = (change: Partial<AssetListFilter>) =>
    navigate({ page: "assets", filter: { ...filter, page: 1, ...change } }, { replace: true });
  const total = list.data?.total ?? 0;
  const now = Date.now();
  return (
    <section className="page" aria-labelledby="assets-title">
      <header className="page-head">
        <h1 id="assets-title">Assets</h1>
        {list.data && <span className="count">{plural(total, "asset")}</span>}
      </header>
      <search className="filters">
        <DebouncedSearch
          value={filter.search}
          label="Search assets"
          placeholder="Search by URI or name  ( / )"
          onChange={(search) => setFilter({ search })}
        />
        <label>
          <span>Group</span>
          <select value={filter.group ?? ""} onChange={(event) => setFilter({ group: event.target.value || null })}>
            <option value="">Any</option>
            {(facets.data?.groups ?? (filter.group ? [{ value: filter.group, count: 0 }] : [])).map((group) => (
              <option key={group.value} value={group.value}>
                {group.value === "" ? "(none)" : group.value}
                {group.count > 0 ? ` (${group.count})` : ""}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Scheme</span>
          <select value={filter.scheme ?? ""} onChange={(event) => setFilter({ scheme: event.target.value || null })}>
            <option value="">Any</option>
            {(facets.data?.schemes ?? (filter.scheme ? [{ value: filter.scheme, count: 0 }] : [])).map((scheme) => (
              <option key={scheme.value} value={scheme.value}>
                {scheme.value === "" ? "(no scheme)" : `${scheme.value}://`}
                {scheme.count > 0 ? ` (${scheme.count})` : ""}
              </option>
            ))}
          </select>
        </label>
      </search>
      {list.isError ? (
        <ErrorBox error={list.error} />
      ) : !list.data ? (
        <Loading what="assets" />
      ) : list.data.assets.length === 0 ? (
        <Empty>No asset matches.</Empty>
      ) : (
        <table className="list assets" aria-label="Assets">
          <thead>
            <tr>
              <th scope="col">Asset</th>
              <th scope="col">Group</th>
              <th scope="col">Produced by</th>
              <th scope="col">Consumed by</th>
              <th scope="col">Events</th>
              <th scope="col">Last event</th>
            </tr>
          </thead>
          <tbody onKeyDown={moveBetweenRows}>
            {list.data.assets.map((asset) => (
              <tr key={asset.id} data-uri={asset.uri} data-name={asset.name}>
                <td>
                  <Link to={assetRoute(asset.uri, asset.name)} className="strong break">
                    {asset.name === asset.uri ? asset.uri : asset.name}
                  </Link>
                  {asset.name !== asset.uri && <div className="muted small break">{asset.uri}</div>}
                </td>
                <td>{asset.group || <span className="muted">–</span>}</td>
                <td>
                  {asset.producingTasks.length === 0 ? (
                    <span className="muted">–</span>
                  ) : (
                    asset.producingTasks.map((task) => (
                      <div key={`${task.dagId}\n${task.taskId}\n${task.alias}`}>
                        <Link to={{ page: "dag", dagId: task.dagId }}>{task.dagId}</Link>
                        <span className="muted small">
                          {" "}
                          · {task.taskId}
                          {task.alias ? ` via alias ${task.alias}` : ""}
                        </span>
                      </div>
                    ))
                  )}
                </td>
                <td>
                  {asset.consumingDags.length === 0 ? (
                    <span className="muted">–</span>
                  ) : (
                    asset.consumingDags.map((dagId) => (
                      <div key={dagId}>
                        <Link to={{ page: "dag", dagId }}>{dagId}</Link>
                      </div>
                    ))
                  )}
                </td>
                <td className="num">{asset.eventCount.toLocaleString("en-US")}</td>
                <td>
                  <TimeText iso={asset.lastEventAt} now={now} relative />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        page={filter.page}
        pages={pageCount(total, ASSET_PAGE_SIZE)}
        label="Asset pages"
        onPage={(page) => navigate({ page: "assets", filter: { ...filter, page } })}
      />
    </section>
  );
}
