/**
 * Watchers end to end, through `assetflow standalone` as a user runs it: for
 * each built-in kind the outside change happens (a file lands, a webhook is
 * delivered, a row is inserted, a message is published to Redis, RabbitMQ or
 * NATS) and the consumer DAG runs with the message in its event's extra.
 * The brokers run on 127.0.0.1 (Redis 6379, RabbitMQ 5672, NATS 4222,
 * PostgreSQL from ASSETFLOW_TEST_DATABASE_URL); each test has its own keys.
 */
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as connectNats } from "@nats-io/transport-node";
import amqp from "amqplib";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliEnv, cliJson, type RunJson, requireBuiltCli, Service, tempDir, waitForRuns } from "./support.js";

const suffix = randomBytes(4).toString("hex");
const home = tempDir("watchers");
const dags = tempDir("watchers-dags");
const incoming = join(home.path, "incoming");
const pgUrl = process.env.ASSETFLOW_TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
const table = `watched_rows_${suffix}`;
const stream = `assetflow-e2e-${suffix}`;
const queue = `assetflow-e2e-${suffix}`;
const natsStream = `AF_E2E_${suffix}`;
const secret = `s3cret-${suffix}`;
const env = cliEnv(home.path, { WEBHOOK_SECRET: secret, WATCHED_DB_URL: pgUrl });
let standalone: Service;
let api: { url: string; token: string };

const DAG_FILE = `
import { Asset, dag, task } from "assetflow";
const watched = {
  files: new Asset("file://incoming/csv", { watchers: [{ kind: "files", dir: ${JSON.stringify(incoming)}, glob: "*.csv", pollMs: 100 }] }),
  webhook: new Asset("hook://e2e/orders", { watchers: [{ kind: "webhook", secretEnv: "WEBHOOK_SECRET" }] }),
  postgres: new Asset("postgres://db/test/public/watched", { watchers: [{ kind: "postgres", urlEnv: "WATCHED_DB_URL", table: ${JSON.stringify(table)}, cursor: "id", channel: ${JSON.stringify(table)} }] }),
  redis: new Asset("redis://stream/e2e", { watchers: [{ kind: "redis-stream", stream: ${JSON.stringify(stream)}, group: "assetflow" }] }),
  rabbitmq: new Asset("amqp://queue/e2e", { watchers: [{ kind: "rabbitmq", queue: ${JSON.stringify(queue)} }] }),
  nats: new Asset("nats://stream/e2e", { watchers: [{ kind: "nats", stream: ${JSON.stringify(natsStream)}, durable: "assetflow" }] }),
};
for (const [kind, asset] of Object.entries(watched)) {
  dag({ dagId: "on_" + kind, schedule: [asset] }, () => {
    task(function work() {});
  });
}
`;

const extrasOf = (runs: RunJson[]) => runs.flatMap((run) => run.consumedEvents.map((event) => event.extra));

beforeAll(async () => {
  requireBuiltCli();
  mkdirSync(incoming, { recursive: true });
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, sku text NOT NULL)`);
  await admin.end();
  const nc = await connectNats({ servers: "127.0.0.1:4222" });
  await (await jetstreamManager(nc)).streams.add({ name: natsStream, subjects: [`${natsStream}.>`] });
  await nc.close();
  writeFileSync(join(dags.path, "watched.ts"), DAG_FILE);
  standalone = new Service(["standalone", "--dags", dags.path, "--port", "0", "--workers", "1"], env);
  const started = await standalone.started(90_000);
  const info = started.api as { url?: string; api?: string; token?: string };
  api = { url: String(info.api ?? info.url), token: String(info.token) };
}, 120_000);

afterAll(async () => {
  await standalone?.stop();
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.end();
  const redis = new Redis("redis://127.0.0.1:6379");
  await redis.del(stream);
  redis.disconnect();
  const nc = await connectNats({ servers: "127.0.0.1:4222" });
  await (await jetstreamManager(nc)).streams.delete(natsStream).catch(() => undefined);
  await nc.close();
  const connection = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await connection.close();
  home.remove();
  dags.remove();
});

describe("built-in watchers through assetflow standalone", () => {
  it("files: a new file in the folder runs the consumer with its path and size", async () => {
    writeFileSync(join(incoming, "ignored.txt"), "not matched");
    writeFileSync(join(incoming, "orders.csv"), "id,sku\n1,a\n");
    const extras = await waitForRuns("on_files", env, (runs) => (runs.length > 0 ? extrasOf(runs) : undefined));
    expect(extras).toEqual([
      expect.objectContaining({ name: "orders.csv", size: 11, path: join(incoming, "orders.csv") }),
    ]);
  }, 60_000);

  it("webhook: a signed delivery runs the consumer once; a replay and a bad signature do not", async () => {
    const body = JSON.stringify({ order: 42 });
    const endpoint = `${api.url}/watchers/${encodeURIComponent("hook://e2e/orders#webhook")}/webhook`;
    const deliver = (signature: string) =>
      fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", "x-delivery-id": "d-1", "x-hub-signature-256": signature },
        body,
      });
    const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    expect((await deliver(`sha256=${"0".repeat(64)}`)).status).toBe(401);
    const first = await deliver(signature);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ recorded: true });
    expect(await (await deliver(signature)).json()).toMatchObject({ recorded: false });
    const extras = await waitForRuns("on_webhook", env, (runs) => (runs.length > 0 ? extrasOf(runs) : undefined));
    expect(extras).toEqual([{ order: 42 }]);
  }, 60_000);

  it("postgres: an inserted row (with NOTIFY) runs the consumer with the row", async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`INSERT INTO ${table} (sku) VALUES ('abc')`);
    await client.query(`NOTIFY ${table}`);
    await client.end();
    const extras = await waitForRuns("on_postgres", env, (runs) => (runs.length > 0 ? extrasOf(runs) : undefined));
    expect(extras).toEqual([{ id: 1, sku: "abc" }]);
  }, 60_000);

  it("redis-stream: an entry runs the consumer, and is acknowledged", async () => {
    const redis = new Redis("redis://127.0.0.1:6379");
    const id = await redis.xadd(stream, "*", "sku", "r-1");
    const extras = await waitForRuns("on_redis", env, (runs) => (runs.length > 0 ? extrasOf(runs) : undefined));
    expect(extras).toEqual([{ id, stream, fields: { sku: "r-1" } }]);
    const pending = (await redis.xpending(stream, "assetflow")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    redis.disconnect();
  }, 60_000);

  it("rabbitmq: a message runs the consumer, and is acknowledged", async () => {
    const connection = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: true });
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ sku: "q-1" })), { messageId: "m-1" });
    const extras = await waitForRuns("on_rabbitmq", env, (runs) => (runs.length > 0 ? extrasOf(runs) : undefined));
    expect(extras).toEqual([{ body: { sku: "q-1" }, messageId: "m-1", routingKey: queue }]);
    const { messageCount } = await channel.checkQueue(queue);
    expect(messageCount).toBe(0);
    await connection.close();
  }, 60_000);

  it("nats: a JetStream message runs the consumer, and is acknowledged", async () => {
    const nc = await connectNats({ servers: "127.0.0.1:4222" });
    await jetstream(nc).publish(`${natsStream}.orders`, JSON.stringify({ sku: "n-1" }));
    const extras = await waitForRuns("on_nats", env, (runs) => (runs.length > 0 ? extrasOf(runs) : undefined));
    expect(extras).toEqual([{ subject: `${natsStream}.orders`, sequence: 1, data: { sku: "n-1" } }]);
    const info = await (await jetstreamManager(nc)).consumers.info(natsStream, "assetflow");
    expect(info.num_ack_pending).toBe(0);
    expect(info.config.ack_policy).toBe(AckPolicy.Explicit);
    await nc.close();
  }, 60_000);

  it("watchers list shows each watcher with its position and event count", async () => {
    const list = await cliJson<Array<{ name: string; kind: string; events: number; lastError: string | null }>>(
      ["watchers", "list"],
      env,
    );
    expect(list.map((w) => w.kind).sort()).toEqual([
      "files",
      "nats",
      "postgres",
      "rabbitmq",
      "redis-stream",
      "webhook",
    ]);
    for (const watcher of list) expect(watcher).toMatchObject({ events: 1, lastError: null });
    const response = await fetch(`${api.url}/watchers`, { headers: { authorization: `Bearer ${api.token}` } });
    const body = (await response.json()) as { watchers: Array<{ kind: string; state: string }> };
    expect(body.watchers.find((w) => w.kind === "files")?.state).toBe("running");
  }, 60_000);
});
