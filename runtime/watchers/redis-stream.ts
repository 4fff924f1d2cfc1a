/**
 * The `redis-stream` watcher: a Redis Stream read through a consumer group
 * (created at the stream's start if missing). Each entry becomes an event with
 * `{ id, stream, fields }`, keyed by its entry id, and is acknowledged (XACK)
 * only after the event committed. The group's consumer is always named
 * `assetflow`: one process holds the watcher at a time, and the next holder
 * re-reads the entries the previous one did not acknowledge (recorded ones are
 * dropped by their key, then acknowledged).
 */
import { Redis } from "ioredis";
import type { RedisStreamWatcher, WatcherContext, WatcherDefinition } from "../../sdk/watchers.js";

const CONSUMER = "assetflow";

type StreamReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/** The `redis-stream` watcher. */
export const redisStreamWatcher: WatcherDefinition = {
  kind: "redis-stream",
  async start(ctx: WatcherContext) {
    const config = ctx.config as unknown as RedisStreamWatcher;
    const url = process.env[config.urlEnv ?? "REDIS_URL"] || "redis://127.0.0.1:6379";
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const stop = (): void => redis.disconnect();
    ctx.signal.addEventListener("abort", stop, { once: true });
    try {
      await redis.connect();
      try {
        await redis.xgroup("CREATE", config.stream, config.group, "0", "MKSTREAM");
      } catch (error) {
        if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
      }
      // First what this consumer was given and did not acknowledge, then new entries.
      let cursor = "0";
      while (!ctx.signal.aborted) {
        // History (this consumer's unacknowledged entries) answers at once; new entries block up to 1 s.
        const reply = (
          cursor === ">"
            ? await redis.xreadgroup(
                "GROUP",
                config.group,
                CONSUMER,
                "COUNT",
                100,
                "BLOCK",
                1000,
                "STREAMS",
                config.stream,
                ">",
              )
            : await redis.xreadgroup("GROUP", config.group, CONSUMER, "COUNT", 100, "STREAMS", config.stream, cursor)
        ) as StreamReply;
        const entries = reply?.[0]?.[1] ?? [];
        if (cursor !== ">" && entries.length === 0) {
          cursor = ">";
          continue;
        }
        for (const [id, list] of entries) {
          if (ctx.signal.aborted) return;
          const fields: Record<string, string> = {};
          for (let index = 0; index + 1 < list.length; index += 2)
            fields[list[index] as string] = list[index + 1] as string;
          await ctx.emit({ id, stream: config.stream, fields }, id, { key: id });
          await redis.xack(config.stream, config.group, id);
        }
        if (cursor !== ">") cursor = entries.at(-1)?.[0] ?? ">";
      }
    } catch (error) {
      if (!ctx.signal.aborted) throw error;
    } finally {
      ctx.signal.removeEventListener("abort", stop);
      redis.disconnect();
    }
  },
};
