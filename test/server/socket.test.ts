/**
 * The one real-socket path: the server listens on an ephemeral port and is
 * spoken to with fetch, as clients do — auth, the seed's queued-event flow,
 * a streamed body over the limit, and the Assets view's files.
 */
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { enc, TOKEN, useApi } from "./support.js";

describe("over a real socket", () => {
  const start = useApi();

  it("serves the API, the queued-event flow and the Assets view on a listening port", async () => {
    const api = await start();
    await api.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = api.app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${TOKEN}` };

    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: "ok" });
    const refused = await fetch(`${base}/api/v1/dags`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="assetflow"');

    const recorded = await fetch(`${base}/api/v1/assets/events`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ uri: "asset-1", extra: { rows: 2 } }),
    });
    expect(recorded.status).toBe(201);
    const queued = `${base}/api/v1/dags/waiting_for_asset_1_and_2/assets/queuedEvent/${enc("asset-1")}`;
    const shown = await fetch(queued, { headers: auth });
    expect(shown.status).toBe(200);
    expect(shown.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await shown.json()).toEqual({
      dagId: "waiting_for_asset_1_and_2",
      uri: "asset-1",
      createdAt: "2025-01-01T00:00:00.000Z",
      count: 1,
    });
    const deleted = await fetch(queued, { method: "DELETE", headers: auth });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect((await fetch(queued, { headers: auth })).status).toBe(404);

    // A body streamed without Content-Length is still cut at the limit.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"uri":"asset-1","extra":{"blob":"'));
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(120));
        controller.enqueue(new TextEncoder().encode('"}}'));
        controller.close();
      },
    });
    const tooLarge = await fetch(`${base}/api/v1/assets/events`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ status: 413, title: "Payload Too Large" });

    const page = await fetch(`${base}/`);
    expect(page.url).toBe(`${base}/ui/`);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await page.text()).toContain("assetflow");
    const script = await fetch(`${base}/ui/static/app.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(10_000);
    expect(api.serverErrors).toEqual([]);
  });
});
