/**
 * Extras checked against the asset's schema wherever an event is recorded in
 * user code: yielded Metadata, ctx.outletEvents (assets and aliases), and
 * env.emitAssetEvent of `assetflow/testing`. A mismatch fails the task (or
 * throws), names the asset, the key and the expected type, and records nothing.
 */
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import { Asset, AssetAlias, dag, ExtraSchemaError, Metadata, task } from "assetflow";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { useTestEnvironments } from "./support.js";

const orders = new Asset("s3://warehouse/orders.parquet", {
  name: "orders",
  schema: z.object({ rowCount: z.number().int(), source: z.string().optional() }),
});
const customers = new Asset("s3://warehouse/customers.parquet", {
  schema: toStandardJsonSchema(v.object({ rowCount: v.number() })),
});
const invoices = new Asset("s3://warehouse/invoices.parquet", { schema: type({ total: "number" }) });
const exports = new AssetAlias("schema-exports");

const reader = dag({ dagId: "reader", schedule: orders.or(customers, invoices) }, () => {
  task({ taskId: "read" }, () => undefined);
});

describe("extras checked against the asset's schema", () => {
  const start = useTestEnvironments();

  async function runProducer(producer: Parameters<typeof start>[0][number]) {
    const env = await start([producer, reader]);
    const runId = await env.triggerDag("producer");
    await env.runUntilIdle();
    const [write] = await env.getTaskInstances("producer", runId);
    return { env, write };
  }

  it("a valid extra is recorded as given", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, function* () {
        yield new Metadata(orders, { rowCount: 3, source: "api" });
      });
    });
    const { env, write } = await runProducer(producer);
    expect(write?.state).toBe("success");
    expect((await env.getAssetEvents(orders)).map((event) => event.extra)).toEqual([{ rowCount: 3, source: "api" }]);
    expect(await env.getDagRuns("reader")).toHaveLength(1);
  });

  it("yielded Metadata that does not match fails the task, names asset, key and type, and records nothing", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [orders] }, function* () {
        yield new Metadata(orders, { rowCount: "x" as unknown as number });
      });
    });
    const { env, write } = await runProducer(producer);
    expect(write?.state).toBe("failed");
    expect(write?.error?.code).toBe("EXTRA_INVALID");
    expect(write?.error?.message).toMatch(
      /^The extra of asset "orders" \(s3:\/\/warehouse\/orders\.parquet\) emitted by task "write" of DAG "producer" does not match the asset's schema: key "rowCount": .*expected number/,
    );
    expect(await env.getAssetEvents(orders)).toEqual([]);
    expect(await env.getDagRuns("reader")).toEqual([]);
  });

  it("ctx.outletEvents is checked too, with any Standard Schema validator (valibot, arktype)", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [customers] }, (ctx) => {
        ctx.outletEvents.get(customers).extra = { rowCount: "many" as unknown as number };
      });
    });
    const { write } = await runProducer(producer);
    expect(write?.state).toBe("failed");
    expect(write?.error?.message).toContain('asset "s3://warehouse/customers.parquet"');
    expect(write?.error?.message).toContain('key "rowCount"');
    expect(write?.error?.message.toLowerCase()).toContain("number");

    const arkProducer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [invoices] }, (ctx) => {
        ctx.outletEvents.get(invoices).extra = {} as never;
      });
    });
    const ark = await runProducer(arkProducer);
    expect(ark.write?.state).toBe("failed");
    expect(ark.write?.error?.message).toContain('key "total"');
  });

  it("an asset added through an alias is checked against its own schema", async () => {
    const producer = dag({ dagId: "producer", schedule: null }, () => {
      task({ taskId: "write", outlets: [exports] }, (ctx) => {
        ctx.outletEvents.get(exports).add(orders, { rowCount: 1.5 });
      });
    });
    const { env, write } = await runProducer(producer);
    expect(write?.state).toBe("failed");
    expect(write?.error?.message).toContain('key "rowCount"');
    expect(write?.error?.message).toContain("expected int");
    expect(await env.getAssetEvents(orders)).toEqual([]);
  });

  it("env.emitAssetEvent is typed by the asset and checks the extra", async () => {
    const env = await start([reader]);
    const error = await env
      // @ts-expect-error rowCount must be a number: the extra is typed by the asset's schema.
      .emitAssetEvent(orders, { extra: { rowCount: "x" } })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ExtraSchemaError);
    expect((error as Error).message).toContain('key "rowCount"');
    expect((error as Error).message).toContain("recorded by env.emitAssetEvent()");
    expect(await env.getAssetEvents(orders)).toEqual([]);

    const emitted = await env.emitAssetEvent(orders, { extra: { rowCount: 2 } });
    expect(emitted.runs).toHaveLength(1);
    expectTypeOf(env.emitAssetEvent<{ rowCount: number }>)
      .parameter(1)
      .toEqualTypeOf<{ extra?: { rowCount: number } } | undefined>();
  });

  it("an event given by URI only is checked against the schema the asset was registered with", async () => {
    const env = await start([reader]);
    await expect(
      env.emitAssetEvent({ uri: "s3://warehouse/orders.parquet", name: "orders" }, { extra: { rowCount: "x" } }),
    ).rejects.toThrow(/key "rowCount": expected integer, got the string "x"/);
    expect(await env.getAssetEvents(orders)).toEqual([]);
  });
});
