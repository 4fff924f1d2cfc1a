/**
 * The `defineWatcher` example of docs/watchers.md (examples/watchers/mqtt.ts,
 * which the doc shows verbatim: test/package/docs-examples.test.ts) run as a
 * user runs it: `assetflow standalone --dags examples/watchers` against
 * Mosquitto on 127.0.0.1:1883. Published readings become events of the asset
 * with the message in the extra, and the consumer runs; a message delivered
 * twice (same `id`) is recorded once; a reading published while no process
 * runs the watcher waits in the persistent session and is recorded once the
 * watcher runs again.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { cliEnv, cliJson, type RunJson, requireBuiltCli, root, Service, tempDir, waitForRuns } from "./support.js";

const suffix = randomBytes(4).toString("hex");
const topic = `assetflow-e2e/${suffix}/temperature`;
const broker = "mqtt://127.0.0.1:1883";
/** The example's client id for the topic (its session on the broker). */
const clientId = `assetflow-${topic.replaceAll("/", "-")}`;
const home = tempDir("mqtt");
const env = cliEnv(home.path, { SENSORS_TOPIC: topic, MQTT_URL: broker });
const services: Service[] = [];

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  // End the watcher's persistent session on the broker.
  const client = await mqtt.connectAsync(broker, { protocolVersion: 5, clientId, clean: true });
  await client.endAsync();
  home.remove();
});

function standalone(): Service {
  const service = new Service(
    ["standalone", "--dags", join(root, "examples/watchers"), "--port", "0", "--workers", "1"],
    env,
  );
  services.push(service);
  return service;
}

async function publish(readings: Array<{ id: string; value: string }>): Promise<void> {
  const client = await mqtt.connectAsync(broker, { protocolVersion: 5, clientId: `publisher-${suffix}` });
  for (const { id, value } of readings) {
    await client.publishAsync(topic, value, { qos: 1, properties: { userProperties: { id } } });
  }
  await client.endAsync();
}

const payloads = (runs: RunJson[]) =>
  runs
    .flatMap((run) => run.consumedEvents.map((event) => event.extra))
    .sort((a, b) => (String(a.payload) < String(b.payload) ? -1 : 1));

describe("the MQTT defineWatcher example of docs/watchers.md", () => {
  it("records each reading once, including one published while no process runs the watcher", async () => {
    requireBuiltCli();
    // The watcher's session, as its first run leaves it: readings published before the watcher
    // has subscribed (on a loaded machine, seconds after its start line) wait in it.
    const session = await mqtt.connectAsync(broker, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    await session.subscribeAsync(topic, { qos: 1 });
    await session.endAsync();
    const first = standalone();
    await first.started(90_000);
    await first.waitForLine("the mqtt watcher to start", (line) => line.kind === "watcher_started", 60_000);
    await publish([
      { id: "r-1", value: "21.5" },
      { id: "r-1", value: "21.5" }, // delivered twice: one event
      { id: "r-2", value: "22.0" },
    ]);
    const extras = await waitForRuns("on_reading", env, (runs) => {
      const seen = payloads(runs);
      return seen.length >= 2 ? seen : undefined;
    });
    expect(extras).toEqual([
      { topic, payload: "21.5" },
      { topic, payload: "22.0" },
    ]);

    // No process runs the watcher: the broker keeps the reading for its session.
    await first.stop();
    await publish([{ id: "r-3", value: "22.5" }]);
    const second = standalone();
    await second.started(90_000);
    const all = await waitForRuns("on_reading", env, (runs) => {
      const seen = payloads(runs);
      return seen.length >= 3 ? seen : undefined;
    });
    expect(all.map((extra) => extra.payload)).toEqual(["21.5", "22.0", "22.5"]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [watcher] = await cliJson<Array<{ kind: string; events: number; lastError: string | null }>>(
      ["watchers", "list"],
      env,
    );
    expect(watcher).toMatchObject({ kind: "mqtt", events: 3, lastError: null });
  }, 300_000);
});
