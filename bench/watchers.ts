/**
 * Watcher latency: from an outside change to the consumer's run created, per
 * source (webhook, Redis Streams, RabbitMQ, NATS JetStream, PostgreSQL rows
 * woken by NOTIFY). Target: p50 under 50 ms for each.
 *
 * Set-up: what `assetflow standalone` runs — a SQLite file store, the
 * scheduler, the watcher runner in the same process, and the API server on a
 * real port (webhooks); the brokers on 127.0.0.1 (Redis 6379, RabbitMQ 5672,
 * NATS 4222, PostgreSQL from ASSETFLOW_TEST_DATABASE_URL). Each sample makes
 * one change and waits for the consumer's `run_created`; samples are
 * sequential. Run: `node bench/run.mjs watchers [--samples=50]` after `npm run build`.
 */
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as connectNats } from "@nats-io/transport-node";
import amqp from "amqplib";
import { Redis } from "ioredis";
import pg from "pg";
import { WatcherRunner } from "../runtime/watchers/runner.js";
import { Scheduler } from "../scheduler/index.js";
import { Asset, dag, serializeDags, task } from "../sdk/index.js";
import { createServer } from "../server/index.js";
import { gitRevision, loadAverage, percentile } from "./support/measure.js";

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, "").split("=");
    return [key ?? "", value ?? "true"];
  }),
);
const SAMPLES = Number(args.get("samples") ?? 50);
const TARGET_MS = 50;
const pgUrl = process.env.ASSETFLOW_TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
const id = randomBytes(4).toString("hex");
const names = { stream: `bench-${id}`, queue: `bench-${id}`, nats: `BENCH_${id}`, table: `bench_rows_${id}` };
const secret = `bench-${id}`;
process.env.BENCH_WEBHOOK_SECRET = secret;
process.env.BENCH_DB_URL = pgUrl;

const assets = {
  webhook: new Asset("bench://watch/webhook", { watchers: [{ kind: "webhook", secretEnv: "BENCH_WEBHOOK_SECRET" }] }),
  redis: new Asset("bench://watch/redis", {
    watchers: [{ kind: "redis-stream", stream: names.stream, group: "bench" }],
  }),
  rabbitmq: new Asset("bench://watch/rabbitmq", { watchers: [{ kind: "rabbitmq", queue: names.queue }] }),
  nats: new Asset("bench://watch/nats", { watchers: [{ kind: "nats", stream: names.nats, durable: "bench" }] }),
  postgres: new Asset("bench://watch/postgres", {
    watchers: [
      {
        kind: "postgres",
        urlEnv: "BENCH_DB_URL",
        table: names.table,
        cursor: "id",
        channel: names.table,
        pollMs: 5000,
      },
    ],
  }),
};
const consumers = Object.entries(assets).map(([kind, asset]) =>
  dag({ dagId: `on_${kind}`, schedule: [asset], maxActiveRuns: 100_000 }, () => {
    task(function work() {});
  }),
);

const work = mkdtempSync(join(tmpdir(), "assetflow-watchers-bench-"));
const admin = new pg.Client({ connectionString: pgUrl });
await admin.connect();
await admin.query(`CREATE TABLE ${names.table} (id serial PRIMARY KEY, v int NOT NULL)`);
const nc = await connectNats({ servers: "127.0.0.1:4222" });
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: names.nats, subjects: [`${names.nats}.>`] });
const js = jetstream(nc);
const redis = new Redis("redis://127.0.0.1:6379");
const amqpConnection = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
const amqpChannel = await amqpConnection.createChannel();
await amqpChannel.assertQueue(names.queue, { durable: true });

const scheduler = await Scheduler.open({ url: join(work, "assetflow.db"), pollIntervalMs: 60_000 });
await scheduler.registerManifest(serializeDags(consumers));
const server = createServer({
  scheduler,
  auth: { kind: "token", hash: "unused" } as never,
  logDir: join(work, "logs"),
});
const address = await server.listen({ port: 0, host: "127.0.0.1" });
const runner = new WatcherRunner(scheduler, { leaseMs: 10_000 });
const created = new Map<string, () => void>();
scheduler.onActivity((activity) => {
  if (activity.kind === "run_created") created.get(activity.dagId)?.();
});
const runCreated = (dagId: string) => new Promise<void>((resolve) => created.set(dagId, resolve));

const change: Record<keyof typeof assets, (n: number) => Promise<unknown>> = {
  async webhook(n) {
    const body = JSON.stringify({ n });
    const response = await fetch(
      `${address}/api/v1/watchers/${encodeURIComponent("bench://watch/webhook#webhook")}/webhook`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-delivery-id": `d-${n}`,
          "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
        },
        body,
      },
    );
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  },
  redis: (n) => redis.xadd(names.stream, "*", "n", String(n)),
  rabbitmq: async (n) =>
    amqpChannel.sendToQueue(names.queue, Buffer.from(JSON.stringify({ n })), { messageId: `m-${n}` }),
  nats: (n) => js.publish(`${names.nats}.x`, JSON.stringify({ n })),
  postgres: (n) =>
    admin.query(`WITH r AS (INSERT INTO ${names.table} (v) VALUES ($1)) SELECT pg_notify($2, '')`, [n, names.table]),
};

try {
  runner.start();
  // Let every watcher connect (and create its group / consumer) before measuring.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  console.log("assetflow watcher latency (bench/watchers.ts): outside change → consumer run created");
  console.log(`  machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, node ${process.version}`);
  console.log(`  date:    ${new Date().toISOString()}   commit ${gitRevision()}`);
  console.log(`  load:    ${loadAverage()} (1/5/15 min)`);
  console.log(
    `  setup:   SQLite file store, watchers in the scheduler's process, ${SAMPLES} sequential samples each\n`,
  );
  for (const kind of Object.keys(change) as (keyof typeof assets)[]) {
    const times: number[] = [];
    for (let n = -3; n < SAMPLES; n++) {
      const done = runCreated(`on_${kind}`);
      const start = performance.now();
      await change[kind](n);
      await Promise.race([
        done,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`${kind}: no run after 10 s`)), 10_000)),
      ]);
      if (n >= 0) times.push(performance.now() - start); // the first 3 warm up
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p95 = percentile(times, 95);
    console.log(
      `  ${kind.padEnd(10)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms   target p50 < ${TARGET_MS} ms ${p50 < TARGET_MS ? "PASS" : "FAIL"}`,
    );
  }
} finally {
  await runner.stop();
  await server.close();
  await scheduler.close();
  await admin.query(`DROP TABLE IF EXISTS ${names.table}`);
  await admin.end();
  await jsm.streams.delete(names.nats).catch(() => undefined);
  await nc.close();
  await redis.del(names.stream);
  redis.disconnect();
  await amqpChannel.deleteQueue(names.queue);
  await amqpConnection.close();
  rmSync(work, { recursive: true, force: true });
}
