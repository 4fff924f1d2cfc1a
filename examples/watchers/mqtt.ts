import { Asset, dag, defineWatcher, task } from "assetflow";
import mqtt from "mqtt";

defineWatcher({
  kind: "mqtt",
  async start(ctx) {
    const { url, topic, clientId } = ctx.config as unknown as { url: string; topic: string; clientId: string };
    const client = mqtt.connect(url, {
      protocolVersion: 5,
      clientId,
      // A persistent session: QoS 1 messages wait for it while no process runs the watcher.
      clean: false,
      properties: { sessionExpiryInterval: 7 * 24 * 3600 },
    });
    // mqtt.js acknowledges (PUBACK) a QoS 1 message when handleMessage calls back: emit first,
    // so that a crash before the commit leaves the message unacknowledged and the broker sends it again.
    // Set before connecting: the broker sends the session's waiting messages right after it accepts.
    let fail: (error: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => undefined); // a failure before the race below is still handled there
    client.handleMessage = (packet, done) => {
      const id = packet.properties?.userProperties?.id;
      const key = typeof id === "string" ? id : `${packet.topic}:${packet.payload.toString("base64")}`;
      ctx
        .emit({ topic: packet.topic, payload: packet.payload.toString("utf8") }, key, { key })
        .then(() => done(), fail);
    };
    client.on("error", fail);
    try {
      await Promise.race([new Promise((resolve) => client.once("connect", resolve)), failed]);
      await client.subscribeAsync(topic, { qos: 1 });
      // Until ctx.signal aborts, or a commit fails (the runner restarts the watcher; the message is not acknowledged).
      await Promise.race([ctx.stopped, failed]);
    } finally {
      await client.endAsync(true);
    }
  },
});

// The broker and the topic, from the environment (default: Mosquitto on this machine).
const topic = process.env.SENSORS_TOPIC ?? "sensors/temperature";
const readings = new Asset("mqtt://sensors/temperature", {
  watchers: [
    {
      kind: "mqtt",
      url: process.env.MQTT_URL ?? "mqtt://127.0.0.1:1883",
      topic,
      clientId: `assetflow-${topic.replaceAll("/", "-")}`,
    },
  ],
});

dag({ dagId: "on_reading", schedule: [readings] }, () => {
  task(function store(ctx) {
    for (const event of ctx.triggeringAssetEvents.get(readings) ?? []) console.log(event.extra.payload);
  });
});
