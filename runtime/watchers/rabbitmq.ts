/**
 * The `rabbitmq` watcher: an AMQP 0-9-1 queue (declared durable if missing).
 * Each message becomes an event with `{ body, messageId, routingKey }` (`body`
 * parsed as JSON when it is JSON) and is acknowledged only after the event
 * committed. The message key is its `messageId` property, or, without one, a
 * hash of its body: a message redelivered after a crash between the commit
 * and the ack is dropped, acknowledged, and not recorded twice. (Publishers
 * that may send identical bodies as distinct messages must set `messageId`.)
 */
import { createHash } from "node:crypto";
import amqp from "amqplib";
import type { JsonValue } from "../../sdk/json.js";
import type { RabbitMqWatcher, WatcherContext, WatcherDefinition } from "../../sdk/watchers.js";

function parseBody(content: Buffer): JsonValue {
  const text = content.toString("utf8");
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** The `rabbitmq` watcher. */
export const rabbitMqWatcher: WatcherDefinition = {
  kind: "rabbitmq",
  async start(ctx: WatcherContext) {
    const config = ctx.config as unknown as RabbitMqWatcher;
    const url = process.env[config.urlEnv ?? "AMQP_URL"] || "amqp://guest:guest@127.0.0.1:5672";
    const connection = await amqp.connect(url);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(config.queue, { durable: true });
      await channel.prefetch(100);
      let failure: unknown;
      let chain: Promise<void> = Promise.resolve();
      const closed = new Promise<void>((resolve) => {
        connection.on("close", () => resolve());
        connection.on("error", (error: unknown) => {
          failure = error;
          resolve();
        });
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await channel.consume(config.queue, (message) => {
        if (message === null) return;
        // One at a time, in delivery order.
        chain = chain.then(async () => {
          if (ctx.signal.aborted || failure) return;
          const messageId = message.properties.messageId as string | undefined;
          const key = messageId ?? `sha256:${createHash("sha256").update(message.content).digest("hex")}`;
          try {
            await ctx.emit(
              { body: parseBody(message.content), messageId: messageId ?? null, routingKey: message.fields.routingKey },
              key,
              { key },
            );
            channel.ack(message);
          } catch (error) {
            failure = error;
            await connection.close().catch(() => undefined);
          }
        });
      });
      await closed;
      await chain;
      if (failure && !ctx.signal.aborted) throw failure;
    } finally {
      await connection.close().catch(() => undefined);
    }
  },
};
