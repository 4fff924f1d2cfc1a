// @vitest-environment happy-dom
/**
 * The UI's pages rendered in happy-dom over the real API: a test
 * environment (private SQLite store, the seed's DAGs) and the real server,
 * reached in process with `fastify.inject` through the `fetch` the app is
 * given. Checks what each page shows and does; Chromium tests the flows
 * (test/system/browser/web-ui.test.ts).
 */

import { cleanup, configure, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Asset, dag, task } from "assetflow";
import { afterEach, describe, expect, it } from "vitest";
import { appendTaskLog } from "../../runtime/task-logs.js";
import { TOKEN_KEY } from "../../ui/api/token.js";
import { App } from "../../ui/app.js";
// The pages the app loads on first use (ui/pages/lazy-pages.ts), loaded up front so that
// transforming them is not counted against the waits below.
import "../../ui/pages/asset-page.js";
import "../../ui/pages/dag-page.js";
import "../../ui/pages/lineage-page.js";
import { type ApiHarness, TOKEN, useApi } from "../server/support.js";

// Each page's data comes from the real server and store: on a loaded machine an answer can take
// longer than Testing Library's default wait of 1 s (a findByRole gave up once at load 14).
configure({ asyncUtilTimeout: 5_000 });

afterEach(cleanup);

/** A `fetch` answered by the server in process. */
function injectFetch(api: ApiHarness): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input), "http://localhost");
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const response = await api.app.inject({
      method: (init?.method ?? "GET") as "GET",
      url: `${url.pathname}${url.search}`,
      headers,
      ...(init?.body === undefined ? {} : { payload: init.body as string }),
    });
    return new Response(response.statusCode === 204 ? null : response.body, {
      status: response.statusCode,
      headers: response.headers as Record<string, string>,
    });
  };
}

/** Renders the app at `path`, signed in unless `signedIn` is false. */
function renderApp(api: ApiHarness, path: string, options: { signedIn?: boolean } = {}) {
  window.sessionStorage.clear();
  window.localStorage.clear();
  if (options.signedIn !== false) window.sessionStorage.setItem(TOKEN_KEY, TOKEN);
  window.history.replaceState(null, "", path);
  return render(
    <App
      env={{
        win: window,
        storages: { session: window.sessionStorage, local: window.localStorage },
        fetch: injectFetch(api),
        retry: false,
      }}
    />,
  );
}

describe("the web UI's pages over the real API", () => {
  const start = useApi();

  it("signs in with a token the API accepts, and says when it refuses one", async () => {
    const api = await start();
    renderApp(api, "/ui/dags", { signedIn: false });
    fireEvent.change(screen.getByLabelText("API token"), { target: { value: "wrong-token-0123456789" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("refused"));
    fireEvent.change(screen.getByLabelText("API token"), { target: { value: TOKEN } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByRole("heading", { name: "DAGs" });
    expect(window.sessionStorage.getItem(TOKEN_KEY)).toBe(TOKEN);
    expect(window.location.href).not.toContain(TOKEN);
  });

  it("lists DAGs with their schedule in words and what a consumer waits for, and filters through the URL", async () => {
    const api = await start();
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    const { container } = renderApp(api, "/ui/dags");
    const row = await waitFor(() => {
      const found = container.querySelector('tr[data-dag-id="waiting_for_asset_1_and_2"]');
      if (!found) throw new Error("no row yet");
      return found as HTMLElement;
    });
    expect(row.textContent).toContain("On asset-1 and asset-2");
    expect(within(row).getByText("Waiting for asset-2")).toBeTruthy();
    expect(container.querySelector('tr[data-dag-id="asset-1-producer"] .badge')?.textContent).toBe("success");

    fireEvent.change(screen.getByLabelText("Search DAGs"), { target: { value: "waiting" } });
    await waitFor(() => expect(window.location.search).toBe("?q=waiting"));
    await waitFor(() => expect(container.querySelectorAll("table.dags tbody tr")).toHaveLength(1));
  });

  it("shows the DAGs page without a banner or an error when the server has no /dagWarnings (404)", async () => {
    const api = await start();
    const answered: Array<[string, number]> = [];
    const fetchThrough = injectFetch(api);
    window.sessionStorage.clear();
    window.sessionStorage.setItem(TOKEN_KEY, TOKEN);
    window.history.replaceState(null, "", "/ui/dags");
    const { container } = render(
      <App
        env={{
          win: window,
          storages: { session: window.sessionStorage, local: window.localStorage },
          // An older server: /dagWarnings goes to a path the real server has no route for.
          fetch: async (input, init) => {
            const path = new URL(String(input), "http://localhost").pathname;
            const sent = path === "/api/v1/dagWarnings" ? String(input).replace("dagWarnings", "noSuchRoute") : input;
            const response = await fetchThrough(sent, init);
            answered.push([path, response.status]);
            return response;
          },
          retry: false,
        }}
      />,
    );
    await waitFor(() => expect(container.querySelector('tr[data-dag-id="producer"]')).not.toBeNull());
    await waitFor(() => expect(answered).toContainEqual(["/api/v1/dagWarnings", 404]));
    expect(container.querySelector(".dag-warnings")).toBeNull();
    expect(container.querySelector(".error-box")).toBeNull();
    expect(container.textContent).not.toContain("DAG warning");
  });

  it("pauses a DAG with its switch", async () => {
    const api = await start();
    renderApp(api, "/ui/dags");
    const toggle = await screen.findByRole("switch", { name: "consumer: active" });
    fireEvent.click(toggle);
    await screen.findByRole("switch", { name: "consumer: paused" });
    expect((await api.get<{ isPaused: boolean }>("/api/v1/dags/consumer")).body.isPaused).toBe(true);
  });

  it("shows a DAG's grid and condition, refuses a conf that is not a JSON object, and triggers a run", async () => {
    const api = await start();
    await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    const { container } = renderApp(api, "/ui/dags/producer");
    await screen.findByRole("heading", { name: "producer" });
    await waitFor(() => expect(container.querySelectorAll("table.grid .cell.state-success")).toHaveLength(1));
    fireEvent.click(screen.getByRole("button", { name: "▶ Trigger" }));
    fireEvent.change(screen.getByLabelText("Conf (JSON object)"), { target: { value: "[1, 2]" } });
    fireEvent.click(screen.getByRole("button", { name: "Trigger run" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("JSON object"));
    fireEvent.change(screen.getByLabelText("Conf (JSON object)"), { target: { value: '{"day": "monday"}' } });
    fireEvent.click(screen.getByRole("button", { name: "Trigger run" }));
    await waitFor(() => expect(window.location.pathname).toMatch(/^\/ui\/dags\/producer\/runs\/manual__/));
    const runs = (await api.get<{ dagRuns: Array<{ conf: unknown }> }>("/api/v1/dags/producer/dagRuns")).body.dagRuns;
    expect(runs[0]?.conf).toEqual({ day: "monday" });
  });

  it("shows a consumer's condition tree with what is satisfied", async () => {
    const api = await start();
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    const { container } = renderApp(api, "/ui/dags/waiting_for_asset_1_and_2");
    await waitFor(() =>
      expect(container.querySelector('li[data-uri="asset-1"][data-satisfied="true"]')).not.toBeNull(),
    );
    expect(container.querySelector('li[data-uri="asset-2"][data-satisfied="false"]')).not.toBeNull();
    expect(container.textContent).toContain("1 event queued since");
    // Which rule waits: the AND condition (asset-2 is missing), under the default policy.
    expect(screen.getByTestId("consume-policy").textContent).toBe("Consumption: one run takes every pending event");
    expect(screen.getByTestId("waiting-on").textContent).toBe(
      "Waiting on the asset condition: ✗ marks what is still missing.",
    );
  });

  it("shows a run's task instances, a try's log as text, and the events it emitted with masked extras", async () => {
    const api = await start();
    const runId = await api.env.triggerDag("producer");
    await api.env.runUntilIdle();
    appendTaskLog(api.logDir, { dagId: "producer", runId, taskId: "producer", tryNumber: 1 }, "<b>wrote</b> the file");
    const { container } = renderApp(api, `/ui/dags/producer/runs/${encodeURIComponent(runId)}?task=producer`);
    await waitFor(() =>
      expect(container.querySelector('tr[data-task-id="producer"][data-state="success"]')).not.toBeNull(),
    );
    await waitFor(() => expect(container.querySelector(".log pre")?.textContent).toContain("<b>wrote</b> the file"));
    expect(container.querySelector(".log b")).toBeNull();
    const event = await waitFor(() => {
      const found = container.querySelector('li.event[data-uri="s3://asset/example.csv"]');
      if (!found) throw new Error("no event yet");
      return found;
    });
    expect(event.textContent).toContain('"password": "***"');
    expect(event.textContent).not.toContain("hunter2");
  });

  it("shows an asset's producers, consumers, queued events and events", async () => {
    const api = await start();
    await api.env.triggerDag("asset-1-producer");
    await api.env.runUntilIdle();
    const { container } = renderApp(api, "/ui/assets/asset-1");
    await waitFor(() =>
      expect(container.querySelector('.producers li[data-dag-id="asset-1-producer"]')).not.toBeNull(),
    );
    expect(container.querySelector('.consumers li[data-dag-id="waiting_for_asset_1_and_2"]')).not.toBeNull();
    await waitFor(() =>
      expect(container.querySelector('table.queued tr[data-dag-id="waiting_for_asset_1_and_2"]')).not.toBeNull(),
    );
    await waitFor(() => expect(container.querySelectorAll(".events li.event")).toHaveLength(1));
  });

  it("materializes an asset from its page: the producing DAG's run starts and its page opens", async () => {
    const api = await start();
    const { container } = renderApp(api, "/ui/assets/asset-1");
    const button = await screen.findByRole("button", { name: "Materialize" });
    expect(screen.queryByLabelText("Producing DAG to run")).toBeNull();
    fireEvent.click(button);
    await waitFor(() => expect(window.location.pathname).toMatch(/^\/ui\/dags\/asset-1-producer\/runs\//));
    const runs = await api.env.getDagRuns("asset-1-producer");
    expect(runs.map((run) => run.runType)).toEqual(["manual"]);
    expect(window.location.pathname).toBe(`/ui/dags/asset-1-producer/runs/${encodeURIComponent(runs[0]?.runId ?? "")}`);
    expect(container.querySelector(".error[role=alert]")).toBeNull();
  });

  it("offers no Materialize button for an asset no DAG produces", async () => {
    const orphan = new Asset("s3://orphan/drop.csv");
    const api = await start([
      dag({ dagId: "orphan_consumer", schedule: [orphan] }, () => {
        task({ taskId: "noop" }, () => undefined);
      }),
    ]);
    renderApp(api, `/ui/assets/${encodeURIComponent(orphan.uri)}`);
    await screen.findByRole("heading", { name: orphan.uri });
    expect(screen.queryByRole("button", { name: "Materialize" })).toBeNull();
  });

  it("searches the asset catalog by URI or name, with the filter in the URL", async () => {
    const api = await start();
    const { container } = renderApp(api, "/ui/assets?q=example");
    await waitFor(() => expect(container.querySelectorAll("table.assets tbody tr")).toHaveLength(1));
    expect(container.querySelector("table.assets tbody tr")?.getAttribute("data-uri")).toBe("s3://asset/example.csv");
    fireEvent.change(screen.getByLabelText("Search assets"), { target: { value: "asset-" } });
    await waitFor(() => expect(container.querySelectorAll("table.assets tbody tr")).toHaveLength(2));
    expect(window.location.search).toBe("?q=asset-");
  });
});
