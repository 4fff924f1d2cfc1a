/**
 * The built-in watcher kinds, by kind. Each kind's module (and its client
 * library: picomatch, a broker client) is imported when a watcher of that kind
 * starts, so a process without such watchers, or `assetflow --help`, never loads them.
 */
import type { WatcherContext, WatcherDefinition } from "../../sdk/watchers.js";

const lazy = (kind: string, load: () => Promise<WatcherDefinition>): WatcherDefinition => ({
  kind,
  async start(ctx: WatcherContext) {
    await (await load()).start(ctx);
  },
});

/** Every built-in kind the runner runs (webhooks are received by the API server instead). */
export const BUILT_IN_WATCHERS: Readonly<Record<string, WatcherDefinition>> = {
  files: lazy("files", async () => (await import("./files.js")).filesWatcher),
  "redis-stream": lazy("redis-stream", async () => (await import("./redis-stream.js")).redisStreamWatcher),
  rabbitmq: lazy("rabbitmq", async () => (await import("./rabbitmq.js")).rabbitMqWatcher),
  nats: lazy("nats", async () => (await import("./nats.js")).natsWatcher),
  postgres: lazy("postgres", async () => (await import("./postgres.js")).postgresWatcher),
};
