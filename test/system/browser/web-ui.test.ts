/// <reference lib="dom" />
/**
 * The web UI's main flows in a real browser (playwright-core driving
 * Debian's /usr/bin/chromium; no browser is downloaded), against the built
 * CLI as a user runs it: `node dist/cli/main.js standalone --dags <copy of
 * examples/functional plus an XSS fixture> --port 0 --trigger-producers` on
 * a temporary home. Flows: sign in with the printed link (the token leaves
 * the address bar) or the login page; open DAGs and search; open a DAG;
 * trigger it with conf and watch the run appear and finish without a
 * reload; open a try's log; open the asset it emitted; follow the lineage to
 * its consumer; see an asset named like an HTML tag as text; every text
 * with WCAG AA contrast (./contrast.ts); and no Content-Security-Policy
 * violation anywhere.
 *
 * Screenshots go to test/artifacts/ (git-ignored); `UPDATE_SCREENSHOTS=1`
 * also writes docs/ui-*.png for the README.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditContrast, type ContrastFailure } from "./contrast.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "dist/cli/main.js");
const ARTIFACTS = join(ROOT, "test/artifacts");
const XSS_NAME = "<img src=x onerror=alert(1)>";

const XSS_FIXTURE = `
import { Asset, dag, task } from "assetflow";

const xss = new Asset({ name: ${JSON.stringify(XSS_NAME)}, uri: "s3://xss/test" });

export const xssProducer = dag({ dagId: "xss-producer", schedule: null }, () => {
  task({ taskId: "write", outlets: [xss] }, (ctx) => {
    ctx.log("<b>not bold</b>");
    ctx.outletEvents.get(xss).extra = { note: "<script>alert(2)</script>", password: "hunter2", rows: 3 };
  });
});

export const xssConsumer = dag({ dagId: "xss-consumer", schedule: [xss] }, () => {
  task({ taskId: "noop" }, () => undefined);
});
`;

interface Started {
  api: { api: string; view: string; token: string };
}

let temp = "";
let standalone: ChildProcess | undefined;
let output = "";
let started: Started;
let browser: Browser;
const cspViolations: string[] = [];
const dialogs: string[] = [];

/** Starts standalone and resolves with its `started` line (`--json`). */
function startStandalone(dags: string, home: string): Promise<Started> {
  const child = spawn(
    process.execPath,
    [CLI, "standalone", "--dags", dags, "--port", "0", "--workers", "2", "--trigger-producers", "--json"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ASSETFLOW_HOME: home,
        ASSETFLOW_API_TOKEN: "",
        ASSETFLOW_DATABASE_URL: "",
        ASSETFLOW_CONN_SNOWFLAKE_DEFAULT: `sqlite://${join(home, "snowflake.db")}`,
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  standalone = child;
  return new Promise((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`standalone did not start in 60 s:\n${output}`)), 60_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split("\n")) {
        if (!line.startsWith("{")) continue;
        const data = JSON.parse(line) as { kind?: string } & Partial<Started>;
        if (data.kind === "started" && data.api) {
          clearTimeout(timer);
          resolveStarted(data as Started);
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`standalone exited with ${code} before it started:\n${output}`));
    });
  });
}

async function stopStandalone(): Promise<void> {
  const child = standalone;
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  process.kill(-child.pid, "SIGTERM");
  const timeout = setTimeout(() => {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  }, 20_000);
  await exited;
  clearTimeout(timeout);
}

/** Calls the API as a client would. */
async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`${started.api.api}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${started.api.token}`, "content-type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A signed-in page (the printed link's fragment carries the token). */
async function openSignedIn(path = "/ui/dags"): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  watch(page);
  await page.goto(started.api.view);
  await page.locator("header.top").waitFor();
  if (path !== "/ui/dags") await page.goto(new URL(path, started.api.view).href);
  return page;
}

function watch(page: Page): void {
  page.on("console", (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `ui-${name}.png`) });
  if (process.env.UPDATE_SCREENSHOTS === "1") {
    mkdirSync(join(ROOT, "docs"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "docs", `ui-${name}.png`) });
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the web UI test drives Debian's chromium (apt-get install chromium; CI installs it). No browser is downloaded.`,
    );
  }
  if (!existsSync(CLI) || !existsSync(join(ROOT, "dist/ui/static/app.js"))) {
    throw new Error("dist/ has no CLI or no built web UI: run `npm run build` first (`npm test` does).");
  }
  temp = mkdtempSync(join(tmpdir(), "assetflow-ui-"));
  cpSync(join(ROOT, "examples"), join(temp, "examples"), { recursive: true });
  writeFileSync(join(temp, "examples/functional/xss.ts"), XSS_FIXTURE);
  started = await startStandalone(join(temp, "examples/functional"), join(temp, "home"));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // The producers triggered at start have run (the seed's consumer ran after them).
  const deadline = Date.now() + 60_000;
  while ((await api<{ total: number }>("/dags/consumer/dagRuns")).total === 0) {
    if (Date.now() > deadline) throw new Error(`the seed's consumer did not run within 60 s:\n${output}`);
    await new Promise((resolveLater) => setTimeout(resolveLater, 250));
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopStandalone();
  if (temp) rmSync(temp, { recursive: true, force: true });
}, 60_000);

describe("the web UI", { timeout: 120_000 }, () => {
  it("takes the token from the printed link's fragment and removes it from the address bar", async () => {
    expect(started.api.view).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/#token=[\w-]+$/);
    const page = await openSignedIn();
    await page.locator("table.dags tbody tr").first().waitFor();
    expect(page.url()).not.toContain("token");
    expect(await page.evaluate(() => sessionStorage.getItem("assetflow.apiToken"))).toBe(started.api.token);
    await page.close();
  });

  it("asks for the token on the login page and says when it is refused", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    watch(page);
    await page.goto(started.api.view.replace(/#.*$/, ""));
    await page.locator("#token-input").fill("wrong-token-0123456789abcdef");
    await screenshot(page, "login");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#login-message").textContent()).toContain("refused");
    await page.locator("#token-input").fill(started.api.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("table.dags tbody tr").first().waitFor();
    await context.close();
  });

  it("lists DAGs with schedules in words, last runs and what consumers wait for, and searches them", async () => {
    await api("/dags/queued-events-asset-1-producer/dagRuns", { method: "POST", body: {} });
    const page = await openSignedIn();
    const row = (dagId: string) => page.locator(`table.dags tr[data-dag-id="${dagId}"]`);
    await row("waiting_for_asset_1_and_2").waitFor();
    await expect
      .poll(() => row("waiting_for_asset_1_and_2").locator("td.next").textContent())
      .toBe("Waiting for asset-2");
    expect(await row("waiting_for_asset_1_and_2").textContent()).toContain("On asset-1 and asset-2");
    expect(await row("producer").textContent()).toContain("@daily");
    await expect.poll(() => row("producer").locator(".badge").first().textContent()).toBe("success");
    await screenshot(page, "dags");

    await page.keyboard.press("/");
    await page.keyboard.type("consum");
    await expect.poll(() => page.url()).toContain("q=consum");
    await expect.poll(() => page.locator("table.dags tbody tr").count()).toBeLessThan(15);
    const ids = await page
      .locator("table.dags tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-dag-id")));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id?.includes("consum"))).toBe(true);
    await page.locator("select").nth(2).selectOption("assets");
    await expect.poll(() => page.url()).toContain("kind=assets");
    await page.close();
  });

  it("opens a DAG, triggers it with conf, watches the run appear and finish, and opens the try's log", async () => {
    const page = await openSignedIn();
    // A mark on the window survives in-page navigation only: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { notReloaded?: boolean }).notReloaded = true;
    });
    await page.locator('table.dags a[href="/ui/dags/producer"]').click();
    await page.locator('.dag-page[data-dag-id="producer"] h1').waitFor();
    await page.locator("table.grid .run-bar").first().waitFor();
    const runsBefore = await page.locator("table.grid .run-bar").count();
    await page.locator(".graph-canvas[data-laid-out=true] .box.kind-task").first().waitFor();
    await screenshot(page, "dag");

    await page.getByRole("button", { name: "▶ Trigger" }).click();
    await page.locator("#trigger-conf").fill('{"note": "from the UI"}');
    await page.getByRole("button", { name: "Trigger run" }).click();
    // The new run's page opens and follows the run to its end without a reload.
    await page.locator(".run-page").waitFor();
    await expect.poll(() => page.locator(".run-page").getAttribute("data-state"), { timeout: 60_000 }).toBe("success");
    expect(await page.locator(".run-page").textContent()).toContain("from the UI");
    await page.locator('table.tasks tr[data-task-id="producer"][data-state="success"]').waitFor();
    const log = page.locator(".log pre.log-text");
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain("writing s3://asset/example.csv");
    await page.locator('.events li.event[data-uri="s3://asset/example.csv"]').first().waitFor();
    await screenshot(page, "run");
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    await page.goBack();
    await expect.poll(() => page.locator("table.grid .run-bar").count(), { timeout: 30_000 }).toBe(runsBefore + 1);
    await page.close();
  });

  it("opens the asset a run emitted, and follows the lineage to its consumer", async () => {
    // External events with numeric extras, which the asset page plots over time.
    for (const [rowCount, bytes] of [
      [120, 5_100],
      [180, 7_400],
      [150, 6_000],
    ]) {
      await api("/assets/events", {
        method: "POST",
        body: { uri: "s3://asset/example.csv", extra: { rowCount, bytes } },
      });
    }
    const page = await openSignedIn("/ui/assets");
    await page.locator("table.assets tbody tr").first().waitFor();
    await page.keyboard.press("/");
    await page.keyboard.type("example.csv");
    await expect.poll(() => page.url()).toContain("q=example.csv");
    await screenshot(page, "assets");
    await page
      .locator('table.assets tr[data-uri="s3://asset/example.csv"][data-name="s3://asset/example.csv"] a')
      .first()
      .click();
    await page.locator('.asset-page[data-uri="s3://asset/example.csv"]').waitFor();
    expect(page.url()).toMatch(/\/ui\/assets\/s3%3A%2F%2Fasset%2Fexample\.csv$/);
    await page.locator('.producers li[data-dag-id="producer"]').waitFor();
    await page.locator('.consumers li[data-dag-id="consumer"]').waitFor();
    await page.locator(".events li.event").first().waitFor();
    await page.locator(".chart canvas").waitFor();
    await screenshot(page, "asset");

    await page.getByRole("link", { name: "Show lineage" }).click();
    await page.locator(".lineage-page .graph-canvas[data-laid-out=true]").waitFor();
    await expect.poll(() => page.url()).toContain("focus=both");
    await page.locator('.side .neighbours li[data-node-id="dag:consumer"] a').click();
    await expect.poll(() => page.url()).toContain("select=dag%3Aconsumer");
    await page.locator('.side .selection[data-node-id="dag:consumer"]').waitFor();
    await page.getByRole("link", { name: "Open DAG page" }).click();
    await page.locator('.dag-page[data-dag-id="consumer"]').waitFor();
    await page.close();
  });

  it("draws the lineage with AND and OR as distinct gates, and keeps the selection in the URL", async () => {
    const page = await openSignedIn("/ui/lineage");
    await page.locator(".graph-canvas[data-laid-out=true]").waitFor();
    const and = page.locator('.box.kind-and[data-dag-id="consume_1_and_2_with_asset_expressions"]');
    const or = page.locator('.box.kind-or[data-dag-id="consume_1_or_2_with_asset_expressions"]');
    expect(await and.count()).toBe(1);
    expect(await or.count()).toBe(1);
    expect(await and.textContent()).toBe("AND");
    expect(await or.textContent()).toBe("OR");
    await page.locator("input[aria-label='Find a node']").fill("waiting_for");
    await page.locator(".search-results button").first().click();
    await expect.poll(() => page.url()).toContain("select=dag%3Awaiting_for_asset_1_and_2");
    await screenshot(page, "lineage");
    // Labels are never drawn below 11 px: zoomed out, they are hidden.
    const fontPx = await page
      .locator(".box .line")
      .first()
      .evaluate((element) => {
        const zoom = new DOMMatrix(getComputedStyle(element.closest(".react-flow__viewport") as Element).transform).a;
        return Number.parseFloat(getComputedStyle(element).fontSize) * zoom;
      });
    expect(fontPx).toBeGreaterThanOrEqual(11);
    for (let i = 0; i < 6; i++) await page.getByRole("button", { name: "Zoom Out" }).click();
    await expect.poll(() => page.locator(".graph-canvas.labels-hidden").count()).toBe(1);
    const reloaded = await openSignedIn(page.url().replace(/^https?:\/\/[^/]+/, ""));
    await reloaded.locator('.side .selection[data-node-id="dag:waiting_for_asset_1_and_2"]').waitFor();
    await reloaded.close();
    await page.close();
  });

  it("shows an asset named like an HTML tag, its log and its extra as text (secrets masked)", async () => {
    await api("/dags/xss-producer/dagRuns", { method: "POST", body: {} });
    const page = await openSignedIn(`/ui/assets/${encodeURIComponent("s3://xss/test")}`);
    await expect.poll(() => page.locator(".asset-page h1").textContent()).toBe(XSS_NAME);
    const extra = page.locator(".events li.event pre.json");
    await extra.first().waitFor({ timeout: 30_000 });
    const text = await extra.first().textContent();
    expect(text).toContain("<script>alert(2)</script>");
    expect(text).toContain('"password": "***"');
    expect(text).not.toContain("hunter2");
    await page.locator(".events .source a").first().click();
    await expect
      .poll(() => page.locator(".log pre.log-text").textContent(), { timeout: 30_000 })
      .toContain("<b>not bold</b>");
    expect(await page.locator(".log b").count()).toBe(0);

    await page.goto(new URL("/ui/lineage", started.api.view).href);
    await page.locator("input[aria-label='Find a node']").fill("<img");
    expect(await page.locator(".search-results button").first().textContent()).toContain(XSS_NAME);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("main script").count()).toBe(0);
    await page.close();
  });

  it("draws every text with WCAG AA contrast (4.5:1, large text 3:1) on every page", async () => {
    const runs = await api<{ dagRuns: Array<{ runId: string }> }>("/dags/producer/dagRuns");
    const runId = runs.dagRuns[0]?.runId ?? "";
    const pages: Array<[string, string]> = [
      ["/ui/dags", "table.dags tbody tr"],
      ["/ui/dags/producer", ".graph-canvas[data-laid-out=true] .box.kind-task"],
      ["/ui/dags/consumer", ".dag-page h1"],
      [`/ui/dags/producer/runs/${encodeURIComponent(runId)}?task=producer`, ".log pre.log-text"],
      ["/ui/assets", "table.assets tbody tr"],
      [`/ui/assets/${encodeURIComponent("s3://asset/example.csv")}`, ".asset-page"],
      ["/ui/lineage", ".graph-canvas[data-laid-out=true] .react-flow__node"],
    ];
    const failures: Array<{ page: string } & ContrastFailure> = [];
    for (const [path, ready] of pages) {
      const page = await openSignedIn(path);
      await page.locator(ready).first().waitFor({ timeout: 30_000 });
      for (const failure of await page.evaluate(auditContrast)) failures.push({ page: path, ...failure });
      await page.close();
    }
    const context = await browser.newContext();
    const login = await context.newPage();
    await login.goto(new URL("/ui/dags", started.api.view).href);
    await login.locator("#token-input").waitFor();
    for (const failure of await login.evaluate(auditContrast)) failures.push({ page: "login", ...failure });
    await context.close();
    expect(failures).toEqual([]);
  });

  it("raised no Content-Security-Policy violation and no dialog on any page", () => {
    expect(cspViolations).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
