/**
 * BullMQ (Redis) side of the peers bench, written the way its docs show:
 * a Queue to add jobs, a Worker with a processor, jobs removed once done.
 */
import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { benchGone, forkRole, now, toBench } from "./child.js";
import type { ChainRig, HopRig, NoopRig } from "./rigs.js";

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true } as const;

const connectionOf = (port: number) => ({ host: "127.0.0.1", port });

/**
 * One hop across processes: a worker in this process (A) runs "first", whose
 * processor adds the "second" job as its last step; a worker in process B
 * runs "second". The figure: from A's add to B's processor starting.
 */
export async function bullmqHop(port: number): Promise<HopRig> {
  const connection = connectionOf(port);
  const suffix = randomBytes(4).toString("hex");
  const first = new Queue(`hop-first-${suffix}`, { connection, defaultJobOptions: JOB_OPTIONS });
  const second = new Queue(`hop-second-${suffix}`, { connection, defaultJobOptions: JOB_OPTIONS });
  const b = await forkRole("bullmq-hop-b", { "redis-port": String(port), queue: second.name });
  const worker = new Worker(
    first.name,
    async () => {
      await second.add("next", { t0: now() });
    },
    { connection, concurrency: 1 },
  );
  await worker.waitUntilReady();
  return {
    hop: async () => {
      await first.add("go", {});
      const started = await b.next<{ type: string; at: number; t0: number }>("started", 10_000);
      return started.at - started.t0;
    },
    close: async () => {
      await b.close();
      await worker.close();
      await first.obliterate({ force: true });
      await second.obliterate({ force: true });
      await first.close();
      await second.close();
    },
  };
}

/** Process B of {@link bullmqHop}: a worker on the "second" queue reporting when each processor starts. */
export async function bullmqHopB(flags: Map<string, string>): Promise<void> {
  const connection = connectionOf(Number(flags.get("redis-port")));
  const worker = new Worker(
    flags.get("queue") as string,
    async (job) => {
      toBench({ type: "started", at: now(), t0: (job.data as { t0: number }).t0 });
    },
    { connection, concurrency: 1 },
  );
  await worker.waitUntilReady();
  toBench({ type: "ready" });
  await benchGone();
  await worker.close();
}

/** 10 chained jobs in one queue, each processor adding the next: from the first add to the last completed. */
export async function bullmqChain(port: number, steps: number, concurrency: number): Promise<ChainRig> {
  const connection = connectionOf(port);
  const queue = new Queue(`chain-${randomBytes(4).toString("hex")}`, { connection, defaultJobOptions: JOB_OPTIONS });
  let done: (() => void) | null = null;
  const worker = new Worker(
    queue.name,
    async (job) => {
      const step = (job.data as { step: number }).step;
      if (step + 1 < steps) await queue.add("step", { step: step + 1 });
    },
    { connection, concurrency },
  );
  worker.on("completed", (job) => {
    if ((job.data as { step: number }).step === steps - 1) done?.();
  });
  await worker.waitUntilReady();
  return {
    chain: async () => {
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      const started = performance.now();
      await queue.add("step", { step: 0 });
      await finished;
      return performance.now() - started;
    },
    close: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

/** No-op jobs: `count` added in bulk, then processed by one worker at `concurrency`; jobs per second from the add. */
export async function bullmqNoop(port: number, concurrency: number): Promise<NoopRig> {
  const connection = connectionOf(port);
  const queue = new Queue(`noop-${randomBytes(4).toString("hex")}`, { connection, defaultJobOptions: JOB_OPTIONS });
  let remaining = 0;
  let done: (() => void) | null = null;
  const worker = new Worker(queue.name, async () => undefined, { connection, concurrency });
  worker.on("completed", () => {
    remaining--;
    if (remaining === 0) done?.();
  });
  await worker.waitUntilReady();
  return {
    noop: async (count) => {
      remaining = count;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      const started = performance.now();
      for (let first = 0; first < count; first += 1000) {
        const size = Math.min(1000, count - first);
        await queue.addBulk(Array.from({ length: size }, () => ({ name: "noop", data: {} })));
      }
      await finished;
      return count / ((performance.now() - started) / 1000);
    },
    close: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}
