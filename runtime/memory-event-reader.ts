import type {
  AssetEventReader,
  AssetEventRecord,
  AssetIdentity,
  AssetRefSubject,
  EventSubject,
} from "../scheduler/contracts.js";

/**
 * An {@link AssetEventReader} over events held in memory: for unit tests of
 * tasks and for running tasks without a store. An asset subject matches
 * events of that (name, uri); an alias subject matches events emitted
 * through the alias (`sourceAliases`). Events come in timestamp order, then
 * by id. Events added later are seen by later reads. The assets it knows, for
 * `Asset.ref` inlets, are those of its events and those given to `addAssets`.
 *
 * @example
 * ```ts
 * const reader = new MemoryAssetEventReader();
 * reader.add({ id: 1, assetName: "orders", assetUri: "s3://b/orders", extra: { rowCount: 3 }, timestamp: Date.now(),
 *   sourceDagId: null, sourceTaskId: null, sourceRunId: null, sourceMapIndex: null, sourceAliases: [], sourceRun: null });
 * await runTask(reportDag, request, { reader });
 * ```
 */
export class MemoryAssetEventReader implements AssetEventReader {
  private readonly records: AssetEventRecord[] = [];
  private readonly assets = new Map<string, AssetIdentity>();

  constructor(records: Iterable<AssetEventRecord> = []) {
    this.add(...records);
  }

  /** Adds events. */
  add(...records: AssetEventRecord[]): void {
    this.records.push(...records);
    this.records.sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
  }

  /** Adds assets the reader knows without events (what a registered DAG declares). */
  addAssets(...assets: AssetIdentity[]): void {
    for (const asset of assets) this.assets.set(JSON.stringify([asset.name, asset.uri]), asset);
  }

  async resolveRef(ref: AssetRefSubject): Promise<AssetIdentity[]> {
    const known = new Map(this.assets);
    for (const record of this.records) {
      known.set(JSON.stringify([record.assetName, record.assetUri]), { name: record.assetName, uri: record.assetUri });
    }
    return [...known.values()]
      .filter((asset) => ("name" in ref ? asset.name === ref.name : asset.uri === ref.uri))
      .sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((asset) => ({ ...asset }));
  }

  async countEvents(subject: EventSubject): Promise<number> {
    return this.matching(subject).length;
  }

  async listEvents(subject: EventSubject, offset: number, limit: number): Promise<AssetEventRecord[]> {
    return this.matching(subject).slice(offset, offset + limit);
  }

  private matching(subject: EventSubject): AssetEventRecord[] {
    return this.records.filter((record) =>
      subject.kind === "asset"
        ? record.assetName === subject.name && record.assetUri === subject.uri
        : record.sourceAliases.includes(subject.name),
    );
  }
}
