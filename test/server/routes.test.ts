/**
 * Every route of the API but the queued-event ones (see
 * queued-events.test.ts), in process with `fastify.inject`: assets, aliases,
 * asset events, DAGs, runs, task instances and logs, the graph, changes,
 * health and the web UI's page and built files, plus the masking of
 * secret-looking keys.
 */
import { Asset, dag, serializeDags, task } from "assetflow";
import { describe, expect, it, vi } from "vitest";
import { appendTaskLog } from "../../runtime/task-logs.js";
import { storeDatabase } from "../../scheduler/scheduler.js";
import { MASK } from "../../server/index.js";
import { type ApiHarness, consumer, enc, producer, SEED_DAGS, useApi } from "./support.js";

const T0 = "2025-01-01T00:00:00.000Z";
const EXAMPLE_URI = "s3://asset/example.csv";

interface Problem {
  status: number;
  title: string;
  detail: string;
}

function expectProblem(response: { status: number; body: unknown }, status: number, detail?: RegExp | string) {
  expect(response.status).toBe(status);
  const body = response.body as Problem;
  // `code`: the stable code of an assetflow error, when the error has one.
  expect(
    Object.keys(body)
      .filter((key) => key !== "code")
      .sort(),
  ).toEqual(["detail", "status", "title"]);
  expect(body.status).toBe(status);
  if (detail !== undefined) expect(body.detail).toMatch(detail);
}

/** Runs the producer once (its consumer runs too) and returns both runs. */
async function produceOnce(api: ApiHarness): Promise<{ producerRun: string; consumerRun: string }> {
  const producerRun = await api.env.triggerDag("producer");
  await api.env.runUntilIdle();
  const [consumerRun] = await api.env.getDagRuns("consumer");
  return { producerRun, consumerRun: consumerRun?.runId ?? "" };
}

describe("health and the web UI's files (public)", () => {
  const start = useApi();

  it("GET /health answers without a token", async () => {
    const api = await start();
    const response = await api.app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });

  it("serves the page at every UI address, and the built script, style sheet and layout worker, without a token; none holds data", async () => {
    const api = await start();
    await produceOnce(api);
    const root = await api.app.inject({ method: "GET", url: "/" });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe("/ui/");
    for (const url of ["/ui/", "/ui/dags", "/ui/dags/consumer/runs/r1?task=t", `/ui/assets/${enc(EXAMPLE_URI)}`]) {
      const page = await api.app.inject({ method: "GET", url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      const csp = String(page.headers["content-security-policy"]);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      // The boot script first (it starts the first request while the app's script loads), then the app.
      expect(page.body).toContain(
        '<script type="module" src="/ui/static/boot.js"></script>\n<script type="module" src="/ui/static/app.js"></script>',
      );
      expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<]/);
    }
    const bodies: string[] = [];
    for (const [file, type] of [
      ["app.js", "text/javascript; charset=utf-8"],
      ["boot.js", "text/javascript; charset=utf-8"],
      ["app.css", "text/css; charset=utf-8"],
      ["elk-worker.js", "text/javascript; charset=utf-8"],
    ]) {
      const response = await api.app.inject({ method: "GET", url: `/ui/static/${file}` });
      expect(response.statusCode, file).toBe(200);
      expect(response.headers["content-type"]).toBe(type);
      bodies.push(response.body);
    }
    // The script's chunks (the pages loaded on first use, shared code) are served the same way.
    const chunks = new Set<string>();
    for (let index = 0; index < bodies.length && index < 100; index++) {
      for (const [, chunk] of (bodies[index] as string).matchAll(/"\.\/(chunk-[A-Z0-9]+\.js)"/g)) {
        if (chunk === undefined || chunks.has(chunk)) continue;
        chunks.add(chunk);
        const response = await api.app.inject({ method: "GET", url: `/ui/static/${chunk}` });
        expect(response.statusCode, chunk).toBe(200);
        expect(response.headers["content-type"]).toBe("text/javascript; charset=utf-8");
        bodies.push(response.body);
      }
    }
    expect(chunks.size).toBeGreaterThan(0);
    expect(bodies.join("\n")).toContain("/api/v1");
    for (const body of bodies) {
      expect(body).not.toContain(EXAMPLE_URI);
      expect(body).not.toContain("waiting_for_asset_1_and_2");
    }
    // Revalidation: the same file again is a 304 without a body, a changed (or unknown) tag gets the file.
    const first = await api.app.inject({ method: "GET", url: "/ui/static/app.js" });
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers["cache-control"]).toBe("no-cache");
    const again = await api.app.inject({
      method: "GET",
      url: "/ui/static/app.js",
      headers: { "if-none-match": `W/"other", ${etag}` },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    expect(again.headers.etag).toBe(etag);
    const stale = await api.app.inject({
      method: "GET",
      url: "/ui/static/app.js",
      headers: { "if-none-match": '"stale"' },
    });
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toBe(first.body);
    for (const url of ["/ui/static/missing.js", "/ui/static/..%2Fserver.js", "/ui/static/app.ts", "/ui/static/.env"]) {
      const response = await api.app.inject({ method: "GET", url });
      expectProblem({ status: response.statusCode, body: response.json() }, 404);
    }
  });
});

describe("assets", () => {
  const start = useApi();

  it("GET /assets lists assets with producers, consumers, aliases and event counts; declared extras are masked", async () => {
    const api = await start();
    await produceOnce(api);
    const { status, body } = await api.get<{ assets: Array<Record<string, unknown>>; total: number }>("/api/v1/assets");
    expect(status).toBe(200);
    expect(body.total).toBe(body.assets.length);
    expect(body.assets.map((asset) => asset.uri)).toEqual(["asset-1", "asset-2", EXAMPLE_URI, "s3://bucket/my-task"]);
    expect(body.assets.find((asset) => asset.uri === EXAMPLE_URI)).toEqual({
      id: expect.any(Number),
      name: EXAMPLE_URI,
      uri: EXAMPLE_URI,
      group: "asset",
      extra: { team: "trainees", credentials: MASK },
      createdAt: T0,
      producingTasks: [{ dagId: "producer", taskId: "producer", alias: null }],
      consumingDags: ["consumer"],
      aliases: [],
      eventCount: 1,
      lastEventAt: T0,
    });
  });

  it("GET /assets filters by URI and name substrings (any case, wildcards literal), group and DAG, with paging", async () => {
    const api = await start();
    const uris = async (query: string) => {
      const { body } = await api.get<{ assets: Array<{ uri: string }>; total: number }>(`/api/v1/assets?${query}`);
      return [body.assets.map((asset) => asset.uri), body.total];
    };
    expect(await uris("uriPattern=S3%3A%2F%2F")).toEqual([[EXAMPLE_URI, "s3://bucket/my-task"], 2]);
    expect(await uris("namePattern=ASSET-")).toEqual([["asset-1", "asset-2"], 2]);
    expect(await uris("uriPattern=%25")).toEqual([[], 0]);
    expect(await uris("uriPattern=asset_1")).toEqual([[], 0]);
    expect(await uris("group=asset&limit=2&offset=1")).toEqual([["asset-2", EXAMPLE_URI], 4]);
    expect(await uris("dagId=producer")).toEqual([[EXAMPLE_URI], 1]);
    expect(await uris("dagId=waiting_for_asset_1_and_2")).toEqual([["asset-1", "asset-2"], 2]);
    expect(await uris("dagId=no-such-dag")).toEqual([[], 0]);
  });

  it("GET /assets/{uri} shows one asset with its latest event (extras masked), through an alias too", async () => {
    const api = await start();
    const before = await api.get<{ lastEvent: unknown }>(`/api/v1/assets/${enc(EXAMPLE_URI)}`);
    expect(before.status).toBe(200);
    expect(before.body.lastEvent).toBe(null);
    const { producerRun } = await produceOnce(api);
    const after = await api.get<{ lastEvent: Record<string, unknown> }>(`/api/v1/assets/${enc(EXAMPLE_URI)}`);
    expect(after.body.lastEvent).toMatchObject({
      assetUri: EXAMPLE_URI,
      sourceDagId: "producer",
      sourceTaskId: "producer",
      sourceRunId: producerRun,
      timestamp: T0,
      extra: {
        rowCount: 3,
        password: MASK,
        nested: { API_KEY: MASK, list: [{ accessToken: MASK, keep: 1 }], private_key: MASK },
      },
    });

    await api.env.triggerDag("asset-alias-producer");
    await api.env.runUntilIdle();
    const resolved = await api.get(`/api/v1/assets/${enc("s3://bucket/my-task")}`);
    expect(resolved.body).toMatchObject({
      producingTasks: [{ dagId: "asset-alias-producer", taskId: "produce_asset_events", alias: "example-alias" }],
      consumingDags: ["asset-alias-consumer", "asset-consumer"],
      aliases: ["example-alias"],
      lastEvent: { sourceAliases: ["example-alias"] },
    });
  });

  it("GET /assets/{uri} is 404 for an unknown URI, 409 when names share the URI, and ?name= chooses", async () => {
    const shared = dag({ dagId: "shared", schedule: null }, () => {
      task(
        {
          taskId: "write",
          outlets: [new Asset({ uri: "s3://shared/x", name: "a" }), new Asset({ uri: "s3://shared/x", name: "b" })],
        },
        () => undefined,
      );
    });
    const api = await start([...SEED_DAGS, shared]);
    expectProblem(await api.get(`/api/v1/assets/${enc("s3://no/such")}`), 404, /No asset with URI "s3:\/\/no\/such"/);
    expectProblem(await api.get(`/api/v1/assets/${enc("s3://shared/x")}`), 409, /2 assets share URI .*pass \?name=/);
    expect((await api.get(`/api/v1/assets/${enc("s3://shared/x")}?name=b`)).body).toMatchObject({ name: "b" });
    expectProblem(await api.get(`/api/v1/assets/${enc("s3://shared/x")}?name=c`), 404);
  });

  it("GET /assets/aliases and /assets/aliases/{name} show what an alias resolved to", async () => {
    const api = await start();
    const empty = {
      name: "example-alias",
      group: "asset",
      assets: [],
      producingTasks: [{ dagId: "asset-alias-producer", taskId: "produce_asset_events" }],
      consumingDags: ["asset-alias-consumer"],
    };
    expect(await api.get("/api/v1/assets/aliases")).toEqual({ status: 200, body: { aliases: [empty], total: 1 } });
    await api.env.triggerDag("asset-alias-producer");
    await api.env.runUntilIdle();
    expect(await api.get("/api/v1/assets/aliases/example-alias")).toEqual({
      status: 200,
      body: { ...empty, assets: [{ name: "s3://bucket/my-task", uri: "s3://bucket/my-task" }] },
    });
    expect((await api.get("/api/v1/assets/aliases?namePattern=nothing")).body).toEqual({ aliases: [], total: 0 });
    expectProblem(await api.get("/api/v1/assets/aliases/no-such-alias"), 404, /No asset alias "no-such-alias"/);
  });
});

describe("asset events", () => {
  const start = useApi();

  async function threeEvents(api: ApiHarness) {
    const { producerRun } = await produceOnce(api);
    api.env.clock.advance(60_000);
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    api.env.clock.advance(60_000);
    await api.request({ method: "POST", url: "/api/v1/assets/events", payload: { uri: "asset-2" } });
    return producerRun;
  }

  it("GET /assets/events lists events newest first, with filters on asset, source DAG, task, run and time", async () => {
    const api = await start();
    const producerRun = await threeEvents(api);
    const list = async (query = "") => {
      const { status, body } = await api.get<{ assetEvents: Array<{ assetUri: string }>; total: number }>(
        `/api/v1/assets/events${query}`,
      );
      expect(status).toBe(200);
      return [body.assetEvents.map((event) => event.assetUri), body.total];
    };
    expect(await list()).toEqual([["asset-2", "asset-1", EXAMPLE_URI], 3]);
    expect(await list("?order=asc&limit=2")).toEqual([[EXAMPLE_URI, "asset-1"], 3]);
    expect(await list("?limit=1&offset=1")).toEqual([["asset-1"], 3]);
    expect(await list(`?uri=${enc(EXAMPLE_URI)}`)).toEqual([[EXAMPLE_URI], 1]);
    expect(await list("?name=asset-1")).toEqual([["asset-1"], 1]);
    expect(await list("?sourceDagId=producer&sourceTaskId=producer")).toEqual([[EXAMPLE_URI], 1]);
    expect(await list(`?sourceRunId=${enc(producerRun)}`)).toEqual([[EXAMPLE_URI], 1]);
    expect(await list("?sourceTaskId=update_asset_1&sourceMapIndex=-1")).toEqual([["asset-1"], 1]);
    expect(await list("?since=2025-01-01T00:01:00Z")).toEqual([["asset-2", "asset-1"], 2]);
    expect(await list("?since=2025-01-01T00:01:00Z&before=2025-01-01T00:02:00Z")).toEqual([["asset-1"], 1]);
    expect(await list("?sourceDagId=nobody")).toEqual([[], 0]);
  });

  it("POST /assets/events records an external event with its extra and triggers consumers like a task's event", async () => {
    const api = await start();
    const first = await api.request({
      method: "POST",
      url: "/api/v1/assets/events",
      payload: { uri: "asset-1", extra: { rows: 5, token: "abc" } },
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      assetEvent: {
        id: expect.any(Number),
        assetName: "asset-1",
        assetUri: "asset-1",
        extra: { rows: 5, token: MASK },
        timestamp: T0,
        sourceDagId: null,
        sourceTaskId: null,
        sourceRunId: null,
        sourceMapIndex: null,
        sourceAliases: [],
        sourceRun: null,
      },
      queuedFor: ["waiting_for_asset_1_and_2"],
      triggeredDagRuns: [],
      warnings: [],
    });
    const second = await api.request({ method: "POST", url: "/api/v1/assets/events", payload: { uri: "asset-2" } });
    expect(second.statusCode).toBe(201);
    const [run] = await api.env.getDagRuns("waiting_for_asset_1_and_2");
    expect(second.json()).toMatchObject({
      queuedFor: ["waiting_for_asset_1_and_2"],
      triggeredDagRuns: [{ dagId: "waiting_for_asset_1_and_2", runId: run?.runId }],
    });
    const shown = await api.get<{ consumedEvents: Array<{ assetUri: string; extra: unknown }> }>(
      `/api/v1/dags/waiting_for_asset_1_and_2/dagRuns/${enc(run?.runId ?? "")}`,
    );
    expect(shown.body.consumedEvents.map((event) => [event.assetUri, event.extra])).toEqual([
      ["asset-1", { rows: 5, token: MASK }],
      ["asset-2", {}],
    ]);
    // The store keeps what was sent; only responses mask it.
    expect(run?.consumedEvents[0]?.extra).toEqual({ rows: 5, token: "abc" });
  });

  it("POST /assets/events sanitizes the URI: a password is dropped, never stored, and reported as a warning", async () => {
    const api = await start();
    const response = await api.request({
      method: "POST",
      url: "/api/v1/assets/events",
      payload: { uri: "s3://user:hunter2@asset/example.csv/" },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json() as { assetEvent: { assetUri: string }; warnings: string[] };
    expect(body.assetEvent.assetUri).toBe(EXAMPLE_URI);
    expect(body.warnings).toEqual([expect.stringContaining("contained a password: the password was removed")]);
    expect(JSON.stringify(body)).not.toContain("hunter2");
    const uris = await storeDatabase(api.env.scheduler).selectFrom("asset").select("uri").execute();
    expect(uris.filter((row) => row.uri.includes("hunter2"))).toEqual([]);

    const opaque = await api.request({
      method: "POST",
      url: "/api/v1/assets/events",
      payload: { uri: "x-vault://admin:hunter2@host/path", createIfMissing: true },
    });
    expectProblem({ status: opaque.statusCode, body: opaque.json() }, 400, /holds a password/);
    expect((await storeDatabase(api.env.scheduler).selectFrom("asset").select("uri").execute()).length).toBe(
      uris.length,
    );
  });

  it("POST /assets/events keeps extras exactly or refuses them: 1e400, lone surrogates, invalid UTF-8 are 400s naming the key", async () => {
    const api = await start();
    const post = (payload: string | Buffer) =>
      api.request({
        method: "POST",
        url: "/api/v1/assets/events",
        headers: { "content-type": "application/json" },
        payload,
      });
    const uri = JSON.stringify(EXAMPLE_URI);
    const cases: Array<[string | Buffer, RegExp]> = [
      [
        `{"uri": ${uri}, "extra": {"rows": 3, "big": 1e400}}`,
        /key "big" holds Infinity, a number JSON cannot carry exactly/,
      ],
      [
        `{"uri": ${uri}, "extra": {"nested": {"s": "a\\ud800"}}}`,
        /key "nested.s" holds a string that is not valid Unicode/,
      ],
      [
        Buffer.concat([
          Buffer.from(`{"uri": ${uri}, "extra": {"note": "a`),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}}'),
        ]),
        /not valid UTF-8 at key "extra.note"/,
      ],
    ];
    for (const [payload, detail] of cases) {
      const response = await post(payload);
      expectProblem({ status: response.statusCode, body: response.json() }, 400, detail);
    }
    expect(await storeDatabase(api.env.scheduler).selectFrom("asset_event").select("id").execute()).toEqual([]);
    // Exact values pass: big but finite numbers, emoji, U+FFFD written on purpose.
    const exact = { big: 1.7976931348623157e308, emoji: "😀", replacement: "\uFFFD" };
    const ok = await post(JSON.stringify({ uri: EXAMPLE_URI, extra: exact }));
    expect(ok.statusCode).toBe(201);
    expect((ok.json() as { assetEvent: { extra: unknown } }).assetEvent.extra).toEqual(exact);
  });

  it("POST /dags/{dagId}/dagRuns refuses a conf that JSON cannot carry exactly", async () => {
    const api = await start();
    const response = await api.request({
      method: "POST",
      url: "/api/v1/dags/producer/dagRuns",
      headers: { "content-type": "application/json" },
      payload: '{"conf": {"limit": -1e400}}',
    });
    expectProblem(
      { status: response.statusCode, body: response.json() },
      400,
      /key "limit" holds -Infinity, a number JSON/,
    );
  });

  it("POST /assets/events drops ?password= and a percent-encoded user%3Apass@ like a plain password", async () => {
    const api = await start();
    for (const uri of ["s3://asset/example.csv?password=hunter2", "s3://user%3Ahunter2@asset/example.csv"]) {
      const response = await api.request({ method: "POST", url: "/api/v1/assets/events", payload: { uri } });
      expect(response.statusCode, uri).toBe(201);
      const body = response.json() as { assetEvent: { assetUri: string }; warnings: string[] };
      expect(body.assetEvent.assetUri).toBe(EXAMPLE_URI);
      expect(body.warnings).toEqual([expect.stringContaining("Do not put credentials in asset URIs")]);
      expect(JSON.stringify(body)).not.toContain("hunter2");
    }
    for (const uri of ["x-vault://admin%3Ahunter2@host/path", "x-vault://host/path?token=hunter2"]) {
      const refused = await api.request({
        method: "POST",
        url: "/api/v1/assets/events",
        payload: { uri, createIfMissing: true },
      });
      expectProblem({ status: refused.statusCode, body: refused.json() }, 400, /holds a password or a secret query/);
      expect(refused.body).not.toContain("hunter2");
    }
    const uris = await storeDatabase(api.env.scheduler).selectFrom("asset").select("uri").execute();
    expect(uris.filter((row) => row.uri.includes("hunter2"))).toEqual([]);
  });

  it("POST /assets/events is 400 for an invalid URI and 404 for an unknown asset unless createIfMissing", async () => {
    const api = await start();
    const post = async (payload: object) => {
      const response = await api.request({ method: "POST", url: "/api/v1/assets/events", payload });
      return { status: response.statusCode, body: response.json() as unknown };
    };
    expectProblem(await post({ uri: "s3://" }), 400, /needs a bucket|has no bucket/);
    expectProblem(await post({ uri: "airflow://x" }), 400, /reserved/);
    expectProblem(await post({ uri: "s3://landing/drop.csv" }), 404, /No asset with URI "s3:\/\/landing\/drop.csv"/);
    const created = await post({ uri: "s3://landing/drop.csv", name: "landing-drop", createIfMissing: true });
    expect(created.status).toBe(201);
    const [run] = await api.env.getDagRuns("by-uri");
    expect(created.body).toMatchObject({
      assetEvent: { assetName: "landing-drop", assetUri: "s3://landing/drop.csv" },
      queuedFor: ["by-uri"],
      triggeredDagRuns: [{ dagId: "by-uri", runId: run?.runId }],
    });
  });
});

describe("DAGs", () => {
  const start = useApi();

  it("GET /dags lists DAGs by id with filters and paging; inactive DAGs only when asked", async () => {
    const api = await start();
    const ids = async (query = "") => {
      const { body } = await api.get<{ dags: Array<{ dagId: string; isActive: boolean }>; total: number }>(
        `/api/v1/dags${query}`,
      );
      return [body.dags.map((d) => d.dagId), body.total];
    };
    const all = SEED_DAGS.map((d) => d.dagId).sort();
    expect(await ids()).toEqual([all, all.length]);
    expect(await ids("?limit=2&offset=1")).toEqual([all.slice(1, 3), all.length]);
    expect(await ids("?dagIdPattern=ASSET-1")).toEqual([["asset-1-producer"], 1]);
    await api.request({ method: "PATCH", url: "/api/v1/dags/consumer", payload: { isPaused: true } });
    expect(await ids("?paused=true")).toEqual([["consumer"], 1]);
    expect((await ids("?paused=false"))[1]).toBe(all.length - 1);

    await api.env.scheduler.registerManifest(serializeDags(SEED_DAGS.filter((d) => d.dagId !== "by-uri")));
    expect((await ids())[0]).not.toContain("by-uri");
    const withInactive = await api.get<{ dags: Array<{ dagId: string; isActive: boolean }> }>(
      "/api/v1/dags?onlyActive=false&dagIdPattern=by-uri",
    );
    expect(withInactive.body.dags).toMatchObject([{ dagId: "by-uri", isActive: false }]);
  });

  it("GET /dags/{dagId} shows schedule, tasks with outlets, and the next time-based run", async () => {
    const api = await start();
    const { status, body } = await api.get(`/api/v1/dags/producer`);
    expect(status).toBe(200);
    expect(body).toEqual({
      dagId: "producer",
      description: null,
      fileloc: null,
      isPaused: false,
      isActive: true,
      maxActiveRuns: 16,
      tags: [],
      schedule: { kind: "cron", expression: "@daily", timezone: "UTC" },
      params: {},
      tasks: [
        {
          taskId: "producer",
          operator: "task",
          upstream: [],
          outlets: [{ kind: "asset", name: EXAMPLE_URI, uri: EXAMPLE_URI }],
          inlets: [],
          retries: 0,
          retryDelayMs: 300_000,
          executionTimeoutMs: null,
        },
      ],
      nextRunAt: expect.stringMatching(/^2025-01-0\dT00:00:00.000Z$/),
    });
    expectProblem(await api.get("/api/v1/dags/no-such-dag"), 404, 'No DAG "no-such-dag" is registered.');
  });

  it("PATCH /dags/{dagId} pauses (events keep queuing) and unpauses (the consumer runs at once)", async () => {
    const api = await start();
    const paused = await api.request({ method: "PATCH", url: "/api/v1/dags/consumer", payload: { isPaused: true } });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ dagId: "consumer", isPaused: true });
    await produceOnce(api);
    expect(await api.env.getDagRuns("consumer")).toEqual([]);
    expect((await api.get("/api/v1/dags/consumer/assets/queuedEvent")).body).toMatchObject({ total: 1 });
    const unpaused = await api.request({ method: "PATCH", url: "/api/v1/dags/consumer", payload: { isPaused: false } });
    expect(unpaused.json()).toMatchObject({ isPaused: false });
    expect(await api.env.getDagRuns("consumer")).toHaveLength(1);
    const unknown = await api.request({ method: "PATCH", url: "/api/v1/dags/nope", payload: { isPaused: true } });
    expect(unknown.statusCode).toBe(404);
  });

  it("GET /dags/{dagId}/assets/condition marks each leaf of a waiting consumer", async () => {
    const api = await start();
    expect((await api.get("/api/v1/dags/producer/assets/condition")).body).toEqual({
      dagId: "producer",
      isPaused: false,
      waiting: false,
      condition: null,
      consume: null,
      waitingOn: null,
      queuedEvents: [],
    });
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    expect(await api.get("/api/v1/dags/waiting_for_asset_1_and_2/assets/condition")).toEqual({
      status: 200,
      body: {
        dagId: "waiting_for_asset_1_and_2",
        isPaused: false,
        waiting: true,
        condition: {
          kind: "all",
          satisfied: false,
          conditions: [
            { kind: "asset", name: "asset-1", uri: "asset-1", satisfied: true },
            { kind: "asset", name: "asset-2", uri: "asset-2", satisfied: false },
          ],
        },
        consume: { kind: "all-pending" },
        waitingOn: { rule: "condition", until: null },
        queuedEvents: [{ dagId: "waiting_for_asset_1_and_2", uri: "asset-1", createdAt: T0, count: 1 }],
      },
    });
    expectProblem(await api.get("/api/v1/dags/nope/assets/condition"), 404);
  });

  it("GET /importErrors lists DAG files that failed to load", async () => {
    const api = await start();
    expect(await api.get("/api/v1/importErrors")).toEqual({ status: 200, body: { importErrors: [], total: 0 } });
    await api.env.scheduler.registerDagFile({
      ok: false,
      file: "/dags/broken.ts",
      error: { message: "SyntaxError: Unexpected token", line: 3, column: 1 },
    });
    expect((await api.get("/api/v1/importErrors")).body).toEqual({
      importErrors: [{ file: "/dags/broken.ts", message: "SyntaxError: Unexpected token", createdAt: T0 }],
      total: 1,
    });
  });
});

describe("DAG runs, task instances and logs", () => {
  const start = useApi();

  it("POST /dags/{dagId}/dagRuns triggers a manual run with conf (masked in the answer) and a chosen id", async () => {
    const api = await start();
    const response = await api.request({
      method: "POST",
      url: "/api/v1/dags/producer/dagRuns",
      payload: { conf: { day: "2025-01-01", db_password: "p" }, dagRunId: "backfill-2025-01-01" },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      dagId: "producer",
      runId: "backfill-2025-01-01",
      runType: "manual",
      conf: { day: "2025-01-01", db_password: MASK },
      createdAt: T0,
      consumedEvents: [],
    });
    const again = await api.request({
      method: "POST",
      url: "/api/v1/dags/producer/dagRuns",
      payload: { dagRunId: "backfill-2025-01-01" },
    });
    expectProblem({ status: again.statusCode, body: again.json() }, 409, /already has a run/);
    const generated = await api.request({ method: "POST", url: "/api/v1/dags/producer/dagRuns", payload: {} });
    expect(generated.json()).toMatchObject({ runId: expect.stringMatching(/^manual__/), conf: {} });
    const unknown = await api.request({ method: "POST", url: "/api/v1/dags/nope/dagRuns", payload: {} });
    expect(unknown.statusCode).toBe(404);
  });

  it("GET /dags/{dagId}/dagRuns lists runs newest first with the events each consumed; filters and paging", async () => {
    const api = await start();
    const first = await produceOnce(api);
    api.env.clock.advance(60_000);
    const second = await produceOnce(api);
    const list = async (dagId: string, query = "") => {
      const { status, body } = await api.get<{ dagRuns: Array<Record<string, unknown>>; total: number }>(
        `/api/v1/dags/${dagId}/dagRuns${query}`,
      );
      expect(status).toBe(200);
      return body;
    };
    const runs = await list("consumer");
    expect(runs.total).toBe(2);
    expect(runs.dagRuns.map((run) => run.runType)).toEqual(["asset_triggered", "asset_triggered"]);
    const [newest] = runs.dagRuns;
    expect(newest).toMatchObject({
      state: "success",
      consumedEvents: [{ assetUri: EXAMPLE_URI, sourceDagId: "producer", extra: { password: MASK } }],
    });
    const producerRuns = await list("producer", "?order=asc");
    expect(producerRuns.dagRuns.map((run) => run.runId)).toEqual([first.producerRun, second.producerRun]);
    expect((await list("producer", "?limit=1")).dagRuns.map((run) => run.runId)).toEqual([second.producerRun]);
    expect((await list("producer", "?state=failed")).total).toBe(0);
    expect((await list("producer", "?runType=manual")).total).toBe(2);
    expectProblem(await api.get("/api/v1/dags/nope/dagRuns"), 404);
  });

  it("GET /dags/{dagId}/dagRuns/{runId} shows one run with its consumed events; 404 for an unknown run", async () => {
    const api = await start();
    const { consumerRun } = await produceOnce(api);
    const { status, body } = await api.get(`/api/v1/dags/consumer/dagRuns/${enc(consumerRun)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      dagId: "consumer",
      runId: consumerRun,
      runType: "asset_triggered",
      consumedEvents: [{ assetUri: EXAMPLE_URI, sourceTaskId: "producer" }],
    });
    expectProblem(await api.get("/api/v1/dags/consumer/dagRuns/nope"), 404, /has no run "nope"/);
    expectProblem(await api.get(`/api/v1/dags/nope/dagRuns/${enc(consumerRun)}`), 404, /No DAG "nope"/);
  });

  it("task instances: list and one, with results masked; 404 for an unknown task", async () => {
    const api = await start();
    const { consumerRun } = await produceOnce(api);
    const base = `/api/v1/dags/consumer/dagRuns/${enc(consumerRun)}/taskInstances`;
    const expected = {
      dagId: "consumer",
      runId: consumerRun,
      taskId: "report",
      mapIndex: -1,
      state: "success",
      tryNumber: 1,
      maxTries: 0,
      startDate: T0,
      endDate: T0,
      error: null,
      result: { ok: true, secret: MASK },
    };
    expect(await api.get(base)).toEqual({ status: 200, body: { taskInstances: [expected], total: 1 } });
    expect(await api.get(`${base}/report`)).toEqual({ status: 200, body: expected });
    expectProblem(await api.get(`${base}/nope`), 404, /has no task "nope"/);
    expectProblem(await api.get("/api/v1/dags/consumer/dagRuns/nope/taskInstances"), 404);
  });

  it("task logs: each try's text, one try with tryNumber; 404 for an unknown task", async () => {
    const api = await start();
    const { producerRun } = await produceOnce(api);
    const key = { dagId: "producer", runId: producerRun, taskId: "producer" };
    appendTaskLog(api.logDir, { ...key, tryNumber: 1 }, "wrote s3://asset/example.csv");
    appendTaskLog(api.logDir, { ...key, tryNumber: 2 }, "second try");
    const base = `/api/v1/dags/producer/dagRuns/${enc(producerRun)}/taskInstances/producer/logs`;
    expect(await api.get(base)).toEqual({
      status: 200,
      body: {
        ...key,
        logs: [
          { tryNumber: 1, text: "wrote s3://asset/example.csv\n", offset: 0, nextOffset: 29, truncated: false },
          { tryNumber: 2, text: "second try\n", offset: 0, nextOffset: 11, truncated: false },
        ],
      },
    });
    expect((await api.get(`${base}?tryNumber=2`)).body).toMatchObject({ logs: [{ tryNumber: 2 }] });
    expect((await api.get(`${base}?tryNumber=3`)).body).toMatchObject({ logs: [] });
    expectProblem(await api.get(`/api/v1/dags/producer/dagRuns/${enc(producerRun)}/taskInstances/../logs`), 404);
  });

  it("task logs: the last lines with ?tail=, then what was appended since with ?offset=", async () => {
    const api = await start();
    const { producerRun } = await produceOnce(api);
    const key = { dagId: "producer", runId: producerRun, taskId: "producer", tryNumber: 1 };
    for (let line = 1; line <= 5; line++) appendTaskLog(api.logDir, key, `line ${line} é`);
    const base = `/api/v1/dags/producer/dagRuns/${enc(producerRun)}/taskInstances/producer/logs?tryNumber=1`;
    const tail = await api.get<{
      logs: Array<{ text: string; offset: number; nextOffset: number; truncated: boolean }>;
    }>(`${base}&tail=2`);
    const size = Buffer.byteLength("line 1 é\n") * 5;
    expect(tail.body.logs).toEqual([
      {
        tryNumber: 1,
        text: "line 4 é\nline 5 é\n",
        offset: size - 2 * Buffer.byteLength("line 1 é\n"),
        nextOffset: size,
        truncated: true,
      },
    ]);
    const nothingNew = await api.get<{ logs: Array<{ text: string; nextOffset: number }> }>(`${base}&offset=${size}`);
    expect(nothingNew.body.logs).toMatchObject([{ text: "", nextOffset: size }]);
    appendTaskLog(api.logDir, key, "line 6");
    const next = await api.get<{ logs: Array<{ text: string; offset: number; nextOffset: number }> }>(
      `${base}&offset=${size}`,
    );
    expect(next.body.logs).toMatchObject([{ text: "line 6\n", offset: size, nextOffset: size + 7 }]);
    expectProblem(await api.get(`${base}&offset=-1`), 400);
    expectProblem(await api.get(`${base}&tail=0`), 400);
  });
});

describe("the asset graph", () => {
  const start = useApi();

  it("GET /graph has producer (DAG → asset) and consumer (asset → DAG) edges, aliases and references", async () => {
    const api = await start();
    await api.env.triggerDag("asset-alias-producer");
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    const { status, body } = await api.get<{
      nodes: Array<Record<string, unknown> & { id: string; kind: string }>;
      edges: Array<{ kind: string; source: string; target: string; taskIds: string[] }>;
    }>("/api/v1/graph");
    expect(status).toBe(200);
    const assetId = (uri: string) => body.nodes.find((node) => node.kind === "asset" && node.uri === uri)?.id;
    const example = assetId(EXAMPLE_URI);
    expect(example).toMatch(/^asset:\d+$/);
    expect(body.edges).toEqual(
      expect.arrayContaining([
        { kind: "producer", source: "dag:producer", target: example, taskIds: ["producer"] },
        { kind: "consumer", source: example, target: "dag:consumer", taskIds: [] },
        {
          kind: "producer",
          source: "dag:asset-alias-producer",
          target: "alias:example-alias",
          taskIds: ["produce_asset_events"],
        },
        { kind: "alias", source: "alias:example-alias", target: assetId("s3://bucket/my-task"), taskIds: [] },
        { kind: "consumer", source: "alias:example-alias", target: "dag:asset-alias-consumer", taskIds: [] },
        { kind: "consumer", source: "ref:uri:s3://landing/drop.csv", target: "dag:by-uri", taskIds: [] },
      ]),
    );
    expect(body.nodes).toEqual(
      expect.arrayContaining([
        { kind: "ref", id: "ref:uri:s3://landing/drop.csv", refKind: "uri", value: "s3://landing/drop.csv" },
        { kind: "alias", id: "alias:example-alias", name: "example-alias" },
        expect.objectContaining({ kind: "asset", id: assetId("asset-1"), eventCount: 1, queuedEventCount: 1 }),
        expect.objectContaining({
          kind: "dag",
          id: "dag:waiting_for_asset_1_and_2",
          scheduleKind: "assets",
          queuedEventCount: 1,
          lastRun: null,
        }),
        expect.objectContaining({
          kind: "dag",
          id: "dag:asset-alias-consumer",
          lastRun: expect.objectContaining({ runType: "asset_triggered", state: "success" }),
        }),
      ]),
    );
    // Every edge joins two nodes of the graph.
    const ids = new Set(body.nodes.map((node) => node.id));
    expect(body.edges.filter((edge) => !ids.has(edge.source) || !ids.has(edge.target))).toEqual([]);
  });
});

describe("errors", () => {
  const start = useApi();

  it("unknown routes, other media types, bodies where none is taken and huge bodies are JSON errors", async () => {
    const api = await start();
    const send = async (options: Parameters<ApiHarness["request"]>[0]) => {
      const response = await api.request(options);
      expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
      return { status: response.statusCode, body: response.json() as unknown };
    };
    expectProblem(await send({ method: "GET", url: "/api/v1/nothing" }), 404, /No route GET \/api\/v1\/nothing/);
    expectProblem(
      await send({
        method: "POST",
        url: "/api/v1/assets/events",
        payload: "uri=asset-1",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
    );
    expectProblem(
      await send({ method: "DELETE", url: "/api/v1/dags/consumer/assets/queuedEvent", payload: { all: true } }),
      400,
      /takes no request body/,
    );
    expectProblem(
      await send({
        method: "POST",
        url: "/api/v1/assets/events",
        payload: JSON.stringify({ uri: "asset-1", extra: { blob: "x".repeat(1024 * 1024) } }),
        headers: { "content-type": "application/json" },
      }),
      413,
    );
    expect(api.serverErrors).toEqual([]);
  });

  it("an error inside a handler is a 500 JSON problem without internals, reported to onServerError", async () => {
    const api = await start([producer, consumer]);
    const failing = vi
      .spyOn(api.env.scheduler, "listImportErrors")
      .mockRejectedValue(new Error("disk on fire at /var/lib/secret/path"));
    const response = await api.request({ method: "GET", url: "/api/v1/importErrors" });
    failing.mockRestore();
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      status: 500,
      title: "Internal Server Error",
      detail: "The server failed to answer this request; the server log has the details.",
    });
    expect(response.body).not.toContain("disk on fire");
    expect(api.serverErrors).toEqual([new Error("disk on fire at /var/lib/secret/path")]);
    api.serverErrors.length = 0;

    const storeDown = vi.spyOn(api.env.scheduler, "ping").mockRejectedValue(new Error("store down"));
    const health = await api.app.inject({ method: "GET", url: "/health" });
    storeDown.mockRestore();
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 503, title: "Service Unavailable" });
  });
});
