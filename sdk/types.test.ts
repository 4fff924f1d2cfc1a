/**
 * Type-level tests of the typed API: an asset's event-extra type flows into
 * Metadata and the task context, and task results flow through `args`. The
 * `expectTypeOf` and `@ts-expect-error` lines are checked by
 * `tsc -p tsconfig.json --noEmit`; the runtime assertions check that the same
 * code also builds real DAGs without errors.
 */

import {
  type AnyAsset,
  Asset,
  AssetAlias,
  type AssetEvent,
  dag,
  type InletEventSequence,
  type JsonObject,
  Metadata,
  type OutletAliasAccessor,
  type OutletEventAccessor,
  type TaskContext,
  type TaskHandle,
  task,
} from "assetflow";
import { describe, expect, expectTypeOf, it } from "vitest";

interface Orders {
  rowCount: number;
  source?: string;
}

const orders = new Asset<Orders>("s3://warehouse/orders.parquet");
const raw = new Asset("s3://warehouse/raw.csv");
const outputs = new AssetAlias("types-outputs");

describe("Asset<T>", () => {
  it("carries its event-extra type, defaulting to JsonObject", () => {
    expectTypeOf(orders).toEqualTypeOf<Asset<Orders>>();
    expectTypeOf(raw).toEqualTypeOf<Asset<JsonObject>>();
    expectTypeOf(orders).toExtend<AnyAsset>();
    expectTypeOf(orders).not.toExtend<Asset<{ rowCount: string }>>();
    expectTypeOf(orders).not.toExtend<Asset<{ other: number }>>();
    expect(orders.uri).toBe("s3://warehouse/orders.parquet");
    expect(Object.keys(orders)).not.toContain("extraType");
  });

  it("keeps the static extra untyped by the event type", () => {
    const described = new Asset<Orders>({ uri: "s3://warehouse/typed.parquet", extra: { owner: "team-a" } });
    expectTypeOf(described.extra).toEqualTypeOf<Readonly<JsonObject>>();
    expect(described.extra).toEqual({ owner: "team-a" });
  });
});

describe("Metadata", () => {
  it("takes the extra type from its asset", () => {
    const metadata = new Metadata(orders, { rowCount: 3 });
    expectTypeOf(metadata).toEqualTypeOf<Metadata<Orders>>();
    expectTypeOf(metadata.extra).toEqualTypeOf<Readonly<Orders>>();
    expectTypeOf(metadata.extra.rowCount).toBeNumber();
    expectTypeOf(new Metadata(raw, { anything: ["json"] }).extra).toEqualTypeOf<Readonly<JsonObject>>();
    expect(metadata.extra).toEqual({ rowCount: 3 });
  });

  it("rejects a wrong extra at compile time", () => {
    const wrongField = (): unknown =>
      // @ts-expect-error rowCount must be a number
      new Metadata(orders, { rowCount: "3" });
    const missingField = (): unknown =>
      // @ts-expect-error rowCount is required
      new Metadata(orders, { source: "api" });
    const unknownField = (): unknown =>
      // @ts-expect-error Orders has no "rows"
      new Metadata(orders, { rowCount: 3, rows: 3 });
    const notJson = (): unknown =>
      // @ts-expect-error an untyped asset's extra is JSON, and a Date is not
      new Metadata(raw, { at: new Date() });
    // At run time only JSON-ness is checked: a non-JSON extra throws, while the
    // shape mistakes above are JSON and pass, so the compiler is what catches them.
    expect(notJson).toThrow('key "at" holds a Date');
    expect([wrongField(), missingField(), unknownField()].map((m) => (m as Metadata<object>).extra)).toEqual([
      { rowCount: "3" },
      { source: "api" },
      { rowCount: 3, rows: 3 },
    ]);
  });
});

describe("task context accessors", () => {
  it("types outletEvents, inletEvents and triggeringAssetEvents by the asset's extra", () => {
    const built = dag({ dagId: "types_context", schedule: [orders] }, () => {
      task({ taskId: "use_context", outlets: [orders, raw, outputs], inlets: [orders, outputs] }, async (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<TaskContext>();

        // outletEvents: the setter takes T, the getter gives Partial<T>.
        expectTypeOf(ctx.outletEvents.get(orders)).toEqualTypeOf<OutletEventAccessor<Orders>>();
        expectTypeOf(ctx.outletEvents.get(orders).extra).toEqualTypeOf<Partial<Orders>>();
        expectTypeOf(ctx.outletEvents.get(orders).extra.rowCount).toEqualTypeOf<number | undefined>();
        ctx.outletEvents.get(orders).extra = { rowCount: 3 };
        ctx.outletEvents.get(raw).extra = { anything: "json" };
        expectTypeOf(ctx.outletEvents.get(raw).extra).toEqualTypeOf<Partial<JsonObject>>();

        // inletEvents: a lazy sequence of typed events.
        expectTypeOf(ctx.inletEvents.get(orders)).toEqualTypeOf<InletEventSequence<Orders>>();
        expectTypeOf(ctx.inletEvents.get(orders).at(-1)).toEqualTypeOf<Promise<AssetEvent<Orders> | undefined>>();
        const last = await ctx.inletEvents.get(orders).at(-1);
        expectTypeOf(last?.extra.rowCount).toEqualTypeOf<number | undefined>();
        expectTypeOf(ctx.inletEvents.get(orders).slice(-2)).toEqualTypeOf<Promise<AssetEvent<Orders>[]>>();
        expectTypeOf(ctx.inletEvents.get(outputs)).toEqualTypeOf<InletEventSequence<JsonObject>>();
        for await (const event of ctx.inletEvents.get(orders)) expectTypeOf(event).toEqualTypeOf<AssetEvent<Orders>>();

        // triggeringAssetEvents: the events of this run, typed per asset.
        expectTypeOf(ctx.triggeringAssetEvents.get(orders)).toEqualTypeOf<readonly AssetEvent<Orders>[]>();
        expectTypeOf(ctx.triggeringAssetEvents.get(orders)[0]?.extra.rowCount).toEqualTypeOf<number | undefined>();
        expectTypeOf(ctx.triggeringAssetEvents.get(outputs)).toEqualTypeOf<readonly AssetEvent[]>();
      });
    });
    expect(built.getTaskOrThrow("use_context").outlets).toEqual([orders, raw, outputs]);
    expect(built.settings.schedule).toEqual({
      kind: "assets",
      condition: { kind: "all", conditions: [orders.toConditionNode()] },
    });
  });

  it("rejects a wrong outlet extra and a wrong alias extra at compile time", () => {
    const built = dag({ dagId: "types_context_errors", schedule: null }, () => {
      task({ taskId: "wrong_extras", outlets: [orders, outputs] }, (ctx) => {
        // @ts-expect-error rowCount must be a number
        ctx.outletEvents.get(orders).extra = { rowCount: "3" };
        // @ts-expect-error the setter takes a whole Orders, and rowCount is required
        ctx.outletEvents.get(orders).extra = { source: "api" };

        const alias = ctx.outletEvents.get(outputs);
        expectTypeOf(alias).toEqualTypeOf<OutletAliasAccessor>();
        alias.add(orders, { rowCount: 1 });
        alias.add(orders);
        alias.add(raw, { k: "v" });
        // A ref's asset is unknown to the types: its extra is any JSON object.
        alias.add(Asset.ref({ name: "orders" }), { rowCount: "any JSON" });
        expectTypeOf(ctx.outletEvents.get(Asset.ref({ name: "orders" }))).toEqualTypeOf<
          OutletEventAccessor<JsonObject>
        >();
        expectTypeOf(ctx.triggeringAssetEvents.get(Asset.ref({ uri: "s3://b/o" }))).toEqualTypeOf<
          readonly AssetEvent[]
        >();
        // @ts-expect-error rowCount must be a number
        alias.add(orders, { rowCount: "1" });
        // @ts-expect-error the extra of an Asset<Orders> needs rowCount
        alias.add(orders, {});
        // @ts-expect-error an alias has no event extra to set: add assets to it instead
        ctx.outletEvents.get(outputs).extra = { k: "v" };
      });
    });
    expect([...built.tasks.keys()]).toEqual(["wrong_extras"]);
  });

  it("types a TaskContext parameter the same way outside a DAG", () => {
    // Never called here (no runtime in the SDK): only its body's types matter.
    // A parameter stands in for `declare const ctx`, which TypeScript does not allow inside a function.
    function contextShape(ctx: TaskContext): void {
      expectTypeOf(ctx.dagId).toBeString();
      expectTypeOf(ctx.params).toEqualTypeOf<Readonly<JsonObject>>();
      expectTypeOf(ctx.outletEvents.get(orders).extra).toEqualTypeOf<Partial<Orders>>();
    }
    expectTypeOf<TaskContext["triggeringAssetEvents"]["size"]>().toBeNumber();
    expectTypeOf(contextShape).parameter(0).toEqualTypeOf<TaskContext>();
    const built = dag({ dagId: "types_context_shape", schedule: null }, () => {
      task({ taskId: "shape", outlets: [orders] }, contextShape);
    });
    expect(built.getTaskOrThrow("shape").runner).toEqual({ kind: "function", fn: contextShape, thisArg: undefined });
  });
});

describe("functional task results", () => {
  it("pass each upstream result, typed, to the function's parameters in args order", () => {
    const built = dag({ dagId: "types_results", schedule: null }, () => {
      const extract = task({ taskId: "extract" }, () => ({ rows: 3, names: ["a"] }));
      const fetchText = task({ taskId: "fetch_text" }, async () => "payload");
      const countRows = task({ taskId: "count_rows" }, function* () {
        yield new Metadata(orders, { rowCount: 1 });
        return 42;
      });
      const listIds = task({ taskId: "list_ids" }, async function* () {
        yield new Metadata(orders, { rowCount: 2 });
        return [1, 2];
      });
      const nothing = task(function cleanup() {});

      expectTypeOf(extract).toEqualTypeOf<TaskHandle<{ rows: number; names: string[] }>>();
      expectTypeOf(fetchText).toEqualTypeOf<TaskHandle<string>>();
      expectTypeOf(countRows).toEqualTypeOf<TaskHandle<number>>();
      expectTypeOf(listIds).toEqualTypeOf<TaskHandle<number[]>>();
      expectTypeOf(nothing).toEqualTypeOf<TaskHandle<void>>();

      const load = task(
        { taskId: "load", args: [extract, fetchText, countRows, listIds], outlets: [orders] },
        (ctx, data, text, count, ids) => {
          expectTypeOf(data).toEqualTypeOf<{ rows: number; names: string[] }>();
          expectTypeOf(text).toEqualTypeOf<string>();
          expectTypeOf(count).toEqualTypeOf<number>();
          expectTypeOf(ids).toEqualTypeOf<number[]>();
          ctx.outletEvents.get(orders).extra = { rowCount: data.rows + count + ids.length };
          return text.length;
        },
      );
      expectTypeOf(load).toEqualTypeOf<TaskHandle<number>>();

      // @ts-expect-error extract returns an object, not a string
      task({ taskId: "wrong_param", args: [extract] }, (_ctx, data: string) => data);
      // @ts-expect-error only one result is passed, so there is no second parameter to require
      task({ taskId: "too_many_params", args: [extract] }, (_ctx, _data, extra: number) => extra);
    });
    expect(built.getTaskOrThrow("load").args).toEqual(["extract", "fetch_text", "count_rows", "list_ids"]);
    expect([...(built.upstream.get("load") ?? [])].sort()).toEqual(["count_rows", "extract", "fetch_text", "list_ids"]);
    expect(built.getTask("cleanup")?.taskId).toBe("cleanup");
  });
});
