import { describe, expect, it } from "vitest";
import type { AssetEventReader, AssetEventRecord, EventSubject } from "../scheduler/contracts.js";
import { Asset } from "../sdk/index.js";
import { createInletEventSequence, MemoryAssetEventReader, RuntimeErrorCode } from "./index.js";
import { createInletEvents, type InletOwner, resolveInletRefs } from "./inlet-events.js";
import { eventRecord } from "./test-support.js";

const subject = { kind: "asset", name: "orders", uri: "s3://warehouse/orders" } as const;

/** A reader that counts the calls it serves, over a {@link MemoryAssetEventReader}. */
class CountingReader implements AssetEventReader {
  readonly calls: string[] = [];
  constructor(private readonly inner: AssetEventReader) {}
  countEvents(target: EventSubject): Promise<number> {
    this.calls.push("count");
    return this.inner.countEvents(target);
  }
  listEvents(target: EventSubject, offset: number, limit: number): Promise<AssetEventRecord[]> {
    this.calls.push(`list ${offset} ${limit}`);
    return this.inner.listEvents(target, offset, limit);
  }
  readonly resolveRef: AssetEventReader["resolveRef"] = (ref) => {
    this.calls.push("resolve");
    return this.inner.resolveRef(ref);
  };
}

function fiveEvents(): MemoryAssetEventReader {
  return new MemoryAssetEventReader([5, 3, 1, 4, 2].map((id) => eventRecord(id, subject)));
}

describe("inlet event sequence", () => {
  it("reads nothing until a method is called", () => {
    const reader = new CountingReader(fiveEvents());
    createInletEventSequence(reader, subject);
    expect(reader.calls).toEqual([]);
  });

  it("answers at(i) as Array.prototype.at does for every index from -7 to 7", async () => {
    const events = createInletEventSequence(fiveEvents(), subject);
    const ids = [1, 2, 3, 4, 5];
    for (let index = -7; index <= 7; index++) {
      expect((await events.at(index))?.id, `at(${index})`).toBe(ids.at(index));
    }
  });

  it("answers slice(start, end) as Array.prototype.slice does, negative and out-of-range bounds included", async () => {
    const events = createInletEventSequence(fiveEvents(), subject);
    const ids = [1, 2, 3, 4, 5];
    const bounds = [undefined, -7, -2, -1, 0, 1, 3, 5, 9];
    for (const start of bounds) {
      for (const end of bounds) {
        const got = (await events.slice(start, end)).map((event) => event.id);
        expect(got, `slice(${start}, ${end})`).toEqual(ids.slice(start, end));
      }
    }
  });

  it("reads one page for non-negative slice bounds without counting", async () => {
    const reader = new CountingReader(fiveEvents());
    await createInletEventSequence(reader, subject).slice(1, 3);
    expect(reader.calls).toEqual(["list 1 2"]);
  });

  it("converts records to AssetEvents with Dates and the source run", async () => {
    const reader = new MemoryAssetEventReader([
      eventRecord(1, subject, {
        extra: { rows: 3 },
        timestamp: Date.UTC(2024, 0, 1, 6),
        sourceRun: {
          dagId: "producer",
          runId: "r1",
          runType: "scheduled",
          logicalDate: Date.UTC(2024, 0, 1),
          dataIntervalStart: Date.UTC(2024, 0, 1),
          dataIntervalEnd: null,
        },
      }),
    ]);
    expect(await createInletEventSequence(reader, subject).at(0)).toEqual({
      id: 1,
      asset: { name: "orders", uri: "s3://warehouse/orders" },
      extra: { rows: 3 },
      timestamp: new Date("2024-01-01T06:00:00Z"),
      sourceDagId: "producer",
      sourceTaskId: "write",
      sourceRunId: "scheduled__1",
      sourceMapIndex: -1,
      sourceAliases: [],
      captures: {},
      sourceDagRun: {
        dagId: "producer",
        runId: "r1",
        runType: "scheduled",
        logicalDate: new Date("2024-01-01T00:00:00Z"),
        dataIntervalStart: new Date("2024-01-01T00:00:00Z"),
        dataIntervalEnd: null,
      },
    });
  });

  it("pages through the reader when iterated with for await", async () => {
    const reader = new CountingReader(
      new MemoryAssetEventReader(Array.from({ length: 5 }, (_, index) => eventRecord(index + 1, subject))),
    );
    const ids: number[] = [];
    for await (const event of createInletEventSequence(reader, subject, 2)) ids.push(event.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(reader.calls).toEqual(["list 0 2", "list 2 2", "list 4 2"]);
  });

  it("sees events recorded after the sequence was created", async () => {
    const reader = fiveEvents();
    const events = createInletEventSequence(reader, subject);
    expect(await events.length()).toBe(5);
    reader.add(eventRecord(6, subject));
    expect((await events.at(-1))?.id).toBe(6);
  });
});

describe("Asset.ref inlets", () => {
  const orders = new Asset({ name: "orders", uri: "s3://warehouse/orders" });
  const owner = (inlets: InletOwner["inlets"]): InletOwner => ({ dagId: "report", taskId: "read", inlets });

  it("resolve by name or URI to the asset; get takes the ref, the asset, or a ref by the other key", async () => {
    const reader = fiveEvents();
    const inlets = [Asset.ref({ name: "orders" })];
    const refs = await resolveInletRefs(owner(inlets), reader);
    const inletEvents = createInletEvents(owner(inlets), reader, refs);
    expect(await inletEvents.get(Asset.ref({ name: "orders" })).length()).toBe(5);
    expect((await inletEvents.get(orders).at(-1))?.id).toBe(5);
    expect(await inletEvents.get(Asset.ref({ uri: "s3://warehouse/orders" })).length()).toBe(5);
    const byUri = [Asset.ref({ uri: "s3://warehouse/orders" })];
    const viaUri = createInletEvents(owner(byUri), reader, await resolveInletRefs(owner(byUri), reader));
    expect(await viaUri.get(Asset.ref({ name: "orders" })).length()).toBe(5);
  });

  it("a ref get matches a declared asset inlet by name; other refs are not inlets", async () => {
    const inletEvents = createInletEvents(owner([orders]), fiveEvents());
    expect(await inletEvents.get(Asset.ref({ name: "orders" })).length()).toBe(5);
    expect(() => inletEvents.get(Asset.ref({ name: "customers" }))).toThrow(
      expect.objectContaining({ code: RuntimeErrorCode.inletUndeclared }),
    );
  });

  it("a task without refs does not ask the reader to resolve anything", async () => {
    const reader = new CountingReader(fiveEvents());
    await resolveInletRefs(owner([orders]), reader);
    expect(reader.calls).toEqual([]);
  });

  it("a ref naming no asset, or several, is INLET_REF_UNRESOLVED with the matches named", async () => {
    const reader = fiveEvents();
    await expect(resolveInletRefs(owner([Asset.ref({ name: "nope" })]), reader)).rejects.toMatchObject({
      code: RuntimeErrorCode.inletRefUnresolved,
      message: expect.stringContaining('declares the inlet Asset.ref({ name: "nope" }), but no asset'),
    });
    reader.addAssets({ name: "orders", uri: "s3://archive/orders" });
    await expect(resolveInletRefs(owner([Asset.ref({ name: "orders" })]), reader)).rejects.toMatchObject({
      code: RuntimeErrorCode.inletRefUnresolved,
      message: expect.stringContaining(
        '2 assets have that name ("orders" at s3://archive/orders, "orders" at s3://warehouse/orders)',
      ),
    });
  });
});
