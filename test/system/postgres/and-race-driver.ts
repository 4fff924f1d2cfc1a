/**
 * A child process of the 8-way AND race test: one `Scheduler` on the shared
 * store (a PostgreSQL schema, or a SQLite file), driven line by line over
 * stdin (JSON commands) and answering on stdout (JSON lines).
 *
 * Usage: `node and-race-driver.mjs <postgres-url> <schema> <id>`, or
 * `node and-race-driver.mjs <sqlite-file> - <id>` for a SQLite store.
 *
 * - start: opens the store (creating the schema and migrating it, like every
 *   other process at the same moment) and registers the workload; prints
 *   `{"kind":"ready"}`.
 * - `{"cmd":"claim","round":r,"quota":q}`: claims tries until it holds `q`
 *   (other processes claim at the same time); prints the keys.
 * - `{"cmd":"complete","round":r,"at":t}`: waits until the shared start time
 *   `t` (epoch ms), then completes every try it holds at once (one connection
 *   each), each recording its producer's event; prints the consumer runs this
 *   process created and when it started.
 * - `{"cmd":"exit"}`: closes the store and exits 0.
 */
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { Scheduler, type TaskInstanceKey } from "assetflow/scheduler";
import { andRaceManifest, producerAsset } from "./and-race-workload.js";

type Command =
  | { readonly cmd: "claim"; readonly round: number; readonly quota: number }
  | { readonly cmd: "complete"; readonly round: number; readonly at: number }
  | { readonly cmd: "exit" };

const say = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

async function main(): Promise<void> {
  const [url, schema, id] = process.argv.slice(2);
  if (!url || !schema || !id) throw new Error("usage: and-race-driver <store-url> <schema or -> <id>");
  const scheduler = await Scheduler.open(schema === "-" ? { url } : { url, postgresSchema: schema });
  await scheduler.registerManifest(andRaceManifest(), { kind: "file", fileloc: "/and-race/dags.ts" });
  say({ kind: "ready", pid: process.pid });

  let held: TaskInstanceKey[] = [];
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const command = JSON.parse(line) as Command;
    if (command.cmd === "exit") break;
    if (command.cmd === "claim") {
      const deadline = Date.now() + 15_000;
      for (let attempt = 0; held.length < command.quota && attempt < 1000 && Date.now() < deadline; attempt++) {
        const requests = await scheduler.claimTasks(`race-${id}`, command.quota - held.length);
        held.push(...requests.map((request) => request.key));
        if (requests.length === 0) await sleep(5);
      }
      say({ kind: "claimed", round: command.round, keys: held });
      continue;
    }
    // complete: all at the shared moment.
    const wait = command.at - Date.now();
    if (wait > 0) await sleep(wait);
    const startedAt = Date.now();
    const effects = await Promise.all(
      held.map((key) => {
        const index = Number(key.dagId.replace(/^producer_/, ""));
        const asset = producerAsset(index);
        return scheduler.completeTask(key, {
          state: "success",
          events: [
            {
              asset: { name: asset.name, uri: asset.uri, group: "asset", extra: {} },
              extra: { round: command.round, producer: index },
              aliases: [],
            },
          ],
        });
      }),
    );
    held = [];
    say({
      kind: "completed",
      round: command.round,
      startedAt,
      accepted: effects.filter((e) => e.accepted).length,
      runs: effects.flatMap((e) => e.runs),
    });
  }
  await scheduler.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`and-race-driver failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
