import type { AssetEventReader, AssetEventRecord, EventSubject } from "../scheduler/contracts.js";

/**
 * An {@link AssetEventReader} over events held in memory: for unit tests of
 * tasks and for running tasks without a store. An asset subject matches
 * events of that (name, uri); an alias subject matches events emitted
 * through the alias (`sourceAliases`). Events come in timestamp order, then
 * by id. Events added later are seen by later reads.
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

  constructor(records: Iterable<AssetEventRecord> = []) {
    this.add(...records);
  }

  /** Adds events. */
  add(...records: AssetEventRecord[]): void {
    this.records.push(...records);
    this.records.sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
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
