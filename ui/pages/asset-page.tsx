/**
 * An asset: who produces it (tasks, through aliases too), who consumes it,
 * its aliases, the events queued for its consumers, its numeric extras
 * plotted over time, and its events (newest first) with their source runs
 * and extras. The page is a list of sections ({@link ASSET_SECTIONS}): a
 * feature that knows more about assets adds a section there.
 */
import { type ComponentType, useMemo, useState } from "react";
import { useAsset, useAssetEvents, useAssetQueued, useAssetWatchers } from "../api/hooks.js";
import type { AssetDetail } from "../api/types.js";
import { Empty, ErrorBox, Loading, TimeText } from "../components/common.js";
import { ExtrasChart } from "../components/extras-chart.js";
import { MaterializeButton } from "../components/materialize-button.js";
import { Link } from "../components/router.js";
import { numericExtraSeries } from "../model/extras.js";
import { formatTime, plural } from "../model/format.js";
import { EventList } from "./run-page.js";

/** Events the page reads for its chart and timeline. */
export const ASSET_EVENTS_READ = 500;
/** Events listed before "Show more". */
const EVENTS_LISTED = 50;

/** A section of the asset page. */
export interface AssetSection {
  readonly id: string;
  readonly title: string;
  readonly Component: ComponentType<{ asset: AssetDetail }>;
}

/** The sections of the asset page, in order. */
export const ASSET_SECTIONS: readonly AssetSection[] = [
  { id: "relations", title: "Producers, consumers and aliases", Component: RelationsSection },
  { id: "queued", title: "Queued events", Component: QueuedSection },
  { id: "watchers", title: "Watchers", Component: WatchersSection },
  { id: "extras", title: "Numeric extras over time", Component: ExtrasSection },
  { id: "events", title: "Events", Component: EventsSection },
];

/**
 * The page of one asset.
 *
 * @example
 * ```tsx
 * <AssetPage uri="s3://asset/example.csv" name={null} />
 * ```
 */
export function AssetPage({ uri, name }: { uri: string; name: string | null }) {
  const asset = useAsset(uri, name);
  if (asset.isError) return <ErrorBox error={asset.error} />;
  if (!asset.data) return <Loading what={`asset ${uri}`} />;
  const data = asset.data;
  return (
    <section className="page asset-page" aria-labelledby="asset-title" data-uri={data.uri}>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={{ page: "assets", filter: { search: "", group: null, scheme: null, page: 1 } }}>Assets</Link>{" "}
        <span aria-hidden="true">›</span> asset
      </nav>
      <header className="page-head">
        <h1 id="asset-title" className="break">
          {data.name}
        </h1>
        <span className="spacer" />
        <MaterializeButton asset={data} />
        <Link to={{ page: "lineage", selected: `asset:${data.id}`, focus: "both" }} className="button">
          Show lineage
        </Link>
      </header>
      <dl className="facts">
        <dt>URI</dt>
        <dd className="break">
          <code>{data.uri}</code>
        </dd>
        <dt>Group</dt>
        <dd>{data.group || "–"}</dd>
        <dt>Events</dt>
        <dd>{data.eventCount.toLocaleString("en-US")}</dd>
        <dt>Last event</dt>
        <dd>
          <TimeText iso={data.lastEventAt} now={Date.now()} />
        </dd>
        <dt>Known since</dt>
        <dd>{formatTime(data.createdAt)} UTC</dd>
      </dl>
      {ASSET_SECTIONS.map(({ id, title, Component }) => (
        <section key={id} className="panel" aria-labelledby={`asset-${id}`} data-section={id}>
          <h2 id={`asset-${id}`}>{title}</h2>
          <Component asset={data} />
        </section>
      ))}
    </section>
  );
}

function RelationsSection({ asset }: { asset: AssetDetail }) {
  return (
    <div className="relations">
      <div>
        <h3>Produced by</h3>
        {asset.producingTasks.length === 0 ? (
          <Empty>No task declares it as an outlet (events come from outside).</Empty>
        ) : (
          <ul className="plain producers">
            {asset.producingTasks.map((task) => (
              <li key={`${task.dagId}\n${task.taskId}\n${task.alias}`} data-dag-id={task.dagId}>
                <Link to={{ page: "dag", dagId: task.dagId }}>{task.dagId}</Link>
                <span className="muted"> · task {task.taskId}</span>
                {task.alias && <span className="muted"> · through alias {task.alias}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <h3>Consumed by</h3>
        {asset.consumingDags.length === 0 ? (
          <Empty>No DAG is scheduled on it.</Empty>
        ) : (
          <ul className="plain consumers">
            {asset.consumingDags.map((dagId) => (
              <li key={dagId} data-dag-id={dagId}>
                <Link to={{ page: "dag", dagId }}>{dagId}</Link>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <h3>Aliases</h3>
        {asset.aliases.length === 0 ? (
          <Empty>None.</Empty>
        ) : (
          <ul className="plain aliases">
            {asset.aliases.map((alias) => (
              <li key={alias}>
                <Link to={{ page: "lineage", selected: `alias:${alias}`, focus: "both" }}>{alias}</Link>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

function QueuedSection({ asset }: { asset: AssetDetail }) {
  const queued = useAssetQueued(asset.uri);
  if (queued.isError) return <ErrorBox error={queued.error} />;
  if (!queued.data) return <Loading what="queued events" />;
  if (queued.data.queuedEvents.length === 0) return <Empty>No consumer has events of it waiting.</Empty>;
  return (
    <table className="list queued" aria-label="Queued events">
      <thead>
        <tr>
          <th scope="col">Consumer</th>
          <th scope="col">Events queued</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        {queued.data.queuedEvents.map((event) => (
          <tr key={event.dagId} data-dag-id={event.dagId}>
            <td>
              <Link to={{ page: "dag", dagId: event.dagId }}>{event.dagId}</Link>
            </td>
            <td className="num">{event.count}</td>
            <td>
              <TimeText iso={event.createdAt} now={Date.now()} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ExtrasSection({ asset }: { asset: AssetDetail }) {
  const events = useAssetEvents(asset.uri, asset.name, ASSET_EVENTS_READ);
  const series = useMemo(() => numericExtraSeries(events.data?.assetEvents ?? []), [events.data]);
  if (events.isError) return <ErrorBox error={events.error} />;
  if (!events.data) return <Loading what="events" />;
  return <ExtrasChart data={series} />;
}

function EventsSection({ asset }: { asset: AssetDetail }) {
  const events = useAssetEvents(asset.uri, asset.name, ASSET_EVENTS_READ);
  const [listed, setListed] = useState(EVENTS_LISTED);
  if (events.isError) return <ErrorBox error={events.error} />;
  if (!events.data) return <Loading what="events" />;
  const all = events.data.assetEvents;
  if (all.length === 0) return <Empty>No events yet.</Empty>;
  return (
    <>
      <p className="muted small">
        {plural(events.data.total, "event")}
        {events.data.total > all.length ? `; the newest ${all.length} are read` : ""}, newest first.
      </p>
      <EventList events={all.slice(0, listed)} now={Date.now()} showSource />
      {all.length > listed && (
        <button type="button" onClick={() => setListed((count) => count + EVENTS_LISTED)}>
          Show {Math.min(EVENTS_LISTED, all.length - listed)} more
        </button>
      )}
    </>
  );
}

function WatchersSection({ asset }: { asset: AssetDetail }) {
  const watchers = useAssetWatchers(asset.uri);
  if (watchers.isError) return <ErrorBox error={watchers.error} />;
  if (!watchers.data) return <Loading what="watchers" />;
  const own = watchers.data.watchers.filter((w) => w.asset.name === asset.name);
  if (own.length === 0) return <Empty>No watchers: its events come from tasks or the API.</Empty>;
  return (
    <table className="list watchers" aria-label="Watchers">
      <thead>
        <tr>
          <th scope="col">Watcher</th>
          <th scope="col">Kind</th>
          <th scope="col">State</th>
          <th scope="col">Position</th>
          <th scope="col">Events</th>
          <th scope="col">Last event</th>
          <th scope="col">Lag</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {own.map((watcher) => (
          <tr key={watcher.watcherId} data-watcher={watcher.name} data-state={watcher.state}>
            <td>{watcher.name}</td>
            <td>{watcher.kind}</td>
            <td title={watcher.runningIn ?? undefined}>{watcher.state}</td>
            <td className="break">
              <code>{watcher.position === null ? "–" : JSON.stringify(watcher.position)}</code>
            </td>
            <td className="num">{watcher.events}</td>
            <td>
              <TimeText iso={watcher.lastEventAt} now={Date.now()} />
            </td>
            <td className="num">{watcher.lag ?? "–"}</td>
            <td className="break">{watcher.lastError ?? "–"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
