/**
 * The `nats` watcher: a NATS JetStream stream read through a durable pull
 * consumer with explicit acks (created if missing). Each message becomes an
 * event with `{ subject, sequence, data }` (`data` parsed as JSON when it is
 * JSON), keyed by its stream sequence, and is acknowledged only after the event
 * committed; a message redelivered after a crash is dropped by its key and acknowledged.
 */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { JsonValue } from "../../sdk/json.js";
import type { NatsWatcher, WatcherContext, WatcherDefinition } from "../../sdk/watchers.js";

function parseData(data: Uint8Array): JsonValue {
  const text = new TextDecoder().decode(data);
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** The `nats` watcher. */
export const natsWatcher: WatcherDefinition = {
  kind: "nats",
  async start(ctx: WatcherContext) {
    const config = ctx.config as unknown as NatsWatcher;
    const servers = process.env[config.urlEnv ?? "NATS_URL"] || "127.0.0.1:4222";
    const nc = await connect({ servers: servers.split(",") });
    try {
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.consumers.info(config.stream, config.durable);
      } catch {
        await jsm.consumers.add(config.stream, { durable_name: config.durable, ack_policy: AckPolicy.Explicit });
      }
      const consumer = await jetstream(nc).consumers.get(config.stream, config.durable);
      const messages = await consumer.consume({ max_messages: 100 });
      const stop = (): void => void messages.close();
      ctx.signal.addEventListener("abort", stop, { once: true });
      try {
        for await (const message of messages) {
          if (ctx.signal.aborted) break;
          const sequence = message.seq;
          await ctx.emit({ subject: message.subject, sequence, data: parseData(message.data) }, sequence, {
            key: String(sequence),
          });
          message.ack();
          ctx.reportLag(message.info.pending);
        }
      } finally {
        ctx.signal.removeEventListener("abort", stop);
      }
    } finally {
      await nc.close().catch(() => undefined);
    }
  },
};
