/**
 * The chaos loop shared by the chaos tests: a fleet of `assetflow` processes
 * (each slot restarted as a new incarnation whenever it is killed), a killer
 * that SIGKILLs a random running process at a fixed period, a producer that
 * keeps producer runs flowing, and a bounded wait until the store is idle.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Scheduler } from "../../../scheduler/scheduler.js";
import { storeDatabase } from "../../../scheduler/scheduler.js";
import type { Child } from "./processes.js";
import { isQuiescent, producersInFlight, workloadCounts } from "./workload.js";

/** One process of the fleet: how to start an incarnation of it. */
export interface SlotSpec {
  readonly name: string;
  /** Kills never leave a role without a started process (when the fleet has several of it). */
  readonly role: string;
  /**
   * Whether the incarnation, up for `upMs`, has had a chance to do its job and may be
   * killed (default: always). Without this, on a slow machine processes die before
   * they finish starting, and nothing is tested but start-up.
   */
  readonly killable?: (child: Child, upMs: number) => boolean;
  /** Starts incarnation `n` (0 for the first). */
  readonly spawn: (incarnation: number) => Child;
}

/** A slot and its incarnations. */
export interface Slot extends SlotSpec {
  current: Child;
  incarnations: Child[];
  /** Incarnations that ended without being killed by the test (crashes). */
  readonly crashes: string[];
}

/** One kill. */
export interface KillRecord {
  readonly slot: string;
  readonly incarnation: number;
  /** Tries the killed process (a worker) still ran: the store must recover them. */
  readonly orphanedTries: number;
}

const killedByTest = new WeakSet<Child>();

function watchCrash(slot: Slot, child: Child): void {
  void child.exited.then((exit) => {
    if (!killedByTest.has(child)) {
      slot.crashes.push(
        `${child.name} exited on its own (${exit.signal ?? `code ${exit.code}`}): ${child.stderr.join("").slice(-1500)}`,
      );
    }
  });
}

/** Starts every slot at once (a fresh store sees concurrent migrations and registrations). */
export function startFleet(specs: readonly SlotSpec[]): Slot[] {
  return specs.map((spec) => {
    const child = spec.spawn(0);
    const slot: Slot = { ...spec, current: child, incarnations: [child], crashes: [] };
    watchCrash(slot, child);
    return slot;
  });
}

/** When the process printed its `started` line (epoch ms), or null. */
export function startedAt(child: Child): number | null {
  const index = child.messages.findIndex((message) => message.kind === "started");
  return index < 0 ? null : (child.messageTimes[index] ?? null);
}

/** Waits until every slot's current incarnation has started. */
export async function waitStarted(slots: readonly Slot[], timeoutMs: number): Promise<void> {
  await Promise.all(slots.map((slot) => slot.current.waitFor((m) => m.kind === "started", timeoutMs)));
}

/** SIGKILLs the slot's process and starts the next incarnation at once. */
export async function killAndRestart(
  slot: Slot,
  countOrphans: (victim: Child) => Promise<number>,
): Promise<KillRecord> {
  const victim = slot.current;
  killedByTest.add(victim);
  await victim.kill();
  const orphanedTries = await countOrphans(victim);
  const next = slot.spawn(slot.incarnations.length);
  slot.incarnations.push(next);
  slot.current = next;
  watchCrash(slot, next);
  return { slot: slot.name, incarnation: slot.incarnations.length - 2, orphanedTries };
}

/** Kills every process for good (end of test). */
export async function stopFleet(slots: readonly Slot[]): Promise<void> {
  await Promise.all(
    slots.map(async (slot) => {
      killedByTest.add(slot.current);
      await slot.current.kill();
    }),
  );
}

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  readonly slots: Slot[];
  /** The test's own scheduler on the store: it triggers producer runs and reads progress. */
  readonly scheduler: Scheduler;
  /** A kill every this many ms. */
  readonly killEveryMs: number;
  /** Stop once this many asset-triggered runs exist ... */
  readonly targetAssetRuns: number;
  /** ... and at least this many kills happened. */
  readonly minKills: number;
  /** Never trigger more producer runs than this (a safety bound: runs keep coming until the kills are done too). */
  readonly maxProducerRuns: number;
  /** Producer runs kept queued or running at once. */
  readonly producersInFlight: number;
  /** Give up (and fail) after this long. */
  readonly maxMs: number;
  /** How many of a killed process's tries were left running. */
  readonly countOrphans: (victim: Child) => Promise<number>;
  /** Progress lines go here. */
  readonly log: (line: string) => void;
}

/** What {@link runChaos} did. */
export interface ChaosResult {
  readonly kills: KillRecord[];
  readonly producerRuns: number;
  readonly chaosMs: number;
}

/**
 * Triggers producer runs (numbered 1, 2, ... in `conf.n`) until the target of
 * asset-triggered runs and of kills is reached, while killing a random
 * killable process every `killEveryMs` and restarting it. Bounded by `maxMs`.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const kills: KillRecord[] = [];
  let triggered = 0;
  let done = false;
  let lastProgress = 0;

  const killer = (async () => {
    for (let tick = 0; !done && tick < Math.ceil(options.maxMs / options.killEveryMs) + 1; tick++) {
      await sleep(options.killEveryMs);
      if (done) break;
      const now = Date.now();
      const isUp = (slot: Slot) => startedAt(slot.current) !== null && !slot.current.exitedYet();
      const candidates = options.slots.filter((slot) => {
        if (!isUp(slot) || !(slot.killable?.(slot.current, now - (startedAt(slot.current) ?? now)) ?? true))
          return false;
        const sameRole = options.slots.filter((other) => other.role === slot.role);
        // The last started scheduler (or worker) of several is spared: someone must do the recovering.
        return sameRole.length === 1 || sameRole.some((other) => other !== slot && isUp(other));
      });
      const slot = candidates[Math.floor(Math.random() * candidates.length)];
      if (slot) kills.push(await killAndRestart(slot, options.countOrphans));
    }
  })();

  try {
    for (let step = 0; step < 1_000_000; step++) {
      if (Date.now() - started > options.maxMs) {
        const counts = await workloadCounts(storeDatabase(options.scheduler));
        throw new Error(
          `chaos: target not reached within ${options.maxMs} ms: ${JSON.stringify(counts)} after ${triggered} producer runs and ${kills.length} kills`,
        );
      }
      const counts = await workloadCounts(storeDatabase(options.scheduler));
      if (Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        const tries = await storeDatabase(options.scheduler)
          .selectFrom("task_instance")
          .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
          .groupBy("state")
          .execute();
        const up = options.slots.filter((slot) => startedAt(slot.current) !== null).map((slot) => slot.name);
        options.log(
          `  +${((Date.now() - started) / 1000).toFixed(0)} s: ${counts.producerRuns} producer runs, ${counts.assetTriggeredRuns} asset-triggered runs, ${kills.length} kills; tries ${tries.map((t) => `${t.state} ${t.n}`).join(", ")}; up: ${up.join(" ")}`,
        );
      }
      if (counts.assetTriggeredRuns >= options.targetAssetRuns && kills.length >= options.minKills) break;
      if (triggered >= options.maxProducerRuns) {
        throw new Error(
          `chaos: ${triggered} producer runs triggered (the bound) with ${counts.assetTriggeredRuns} asset-triggered runs and ${kills.length} kills`,
        );
      }
      if ((await producersInFlight(storeDatabase(options.scheduler))) < options.producersInFlight) {
        triggered++;
        await options.scheduler.triggerDag("producer", { conf: { n: triggered } });
        continue;
      }
      await sleep(200);
    }
  } finally {
    done = true;
    await killer;
  }
  return { kills, producerRuns: triggered, chaosMs: Date.now() - started };
}

/** Waits (bounded) until the store is idle, checked twice in a row a second apart. */
export async function waitQuiescent(scheduler: Scheduler, maxMs: number): Promise<number> {
  const started = Date.now();
  let calm = 0;
  while (Date.now() - started < maxMs) {
    calm = (await isQuiescent(scheduler)) ? calm + 1 : 0;
    if (calm >= 2) return Date.now() - started;
    await sleep(1000);
  }
  const counts = await workloadCounts(storeDatabase(scheduler));
  const states = await storeDatabase(scheduler)
    .selectFrom("task_instance")
    .select(["dag_id", "task_id", "state", "try_number", "worker_id"])
    .where("state", "<>", "success")
    .limit(20)
    .execute();
  throw new Error(
    `the store did not settle within ${maxMs} ms: ${JSON.stringify(counts)}; unfinished tries: ${JSON.stringify(states)}`,
  );
}
