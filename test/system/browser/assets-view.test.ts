/**
 * The Assets view in a real browser (playwright-core driving Debian's
 * /usr/bin/chromium; no browser is downloaded), against the built CLI:
 * `node dist/cli/main.js standalone --dags <copy of examples/functional plus
 * an XSS fixture> --port 0` on a temporary home. It checks the seed's
 * producer → asset → consumer edges, that a run triggered through the API
 * appears without a reload, that an asset named like an HTML tag is shown as
 * text, and the token prompt. Screenshots go to test/artifacts/ (git-ignored);
 * `UPDATE_SCREENSHOTS=1` also rewrites docs/assets-view.png for the README.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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
    ctx.outletEvents.get(xss).extra = { note: "<script>alert(2)</script>", password: "hunter2" };
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

/** Starts standalone and resolves with its `started` line (`--json`). */
function startStandalone(dags: string, home: string): Promise<Started> {
  const child = spawn(
    process.execPath,
    [CLI, "standalone", "--dags", dags, "--port", "0", "--workers", "2", "--json"],
    {
      cwd: ROOT,
      env: { ...process.env, ASSETFLOW_HOME: home, ASSETFLOW_API_TOKEN: "", ASSETFLOW_DATABASE_URL: "" },
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
async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> {
  const response = await fetch(`${started.api.api}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${started.api.token}`, "content-type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function openView(page: Page): Promise<void> {
  await page.goto(started.api.view);
  await page.locator("#graph-svg g.node").first().waitFor({ timeout: 20_000 });
}

const node = (page: Page, selector: string) => page.locator(`#graph-svg g.node${selector}`);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the Assets view test drives Debian's chromium (apt-get install chromium; CI installs it). No browser is downloaded.`,
    );
  }
  if (!existsSync(CLI) || !existsSync(join(ROOT, "dist/server/ui/assets-view.js"))) {
    throw new Error(
      'dist/ has no CLI with the server and the Assets view: run `npm run build` first (`npm test` does), with "server" in tsconfig.build.json\'s include.',
    );
  }
  temp = mkdtempSync(join(tmpdir(), "assetflow-view-"));
  cpSync(join(ROOT, "examples"), join(temp, "examples"), { recursive: true });
  writeFileSync(join(temp, "examples/functional/xss.ts"), XSS_FIXTURE);
  started = await startStandalone(join(temp, "examples/functional"), join(temp, "home"));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stopStandalone();
  if (temp) rmSync(temp, { recursive: true, force: true });
}, 60_000);

describe("the Assets view", { timeout: 120_000 }, () => {
  it("prints a view URL with the token, which the page takes and removes from the address bar", async () => {
    expect(started.api.view).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/#token=[\w-]+$/);
    expect(started.api.token).toMatch(/^[\w-]{43}$/);
    const page = await browser.newPage();
    await openView(page);
    expect(page.url()).not.toContain("token");
    expect(await page.evaluate(() => sessionStorage.getItem("assetflow.apiToken"))).toBe(started.api.token);
    await page.close();
  });

  it("draws the seed's producer → asset → consumer edges", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await openView(page);
    const edge = (kind: string, source: string, target: string) =>
      page.locator(`#graph-svg path.edge[data-kind="${kind}"][data-source="${source}"][data-target="${target}"]`);
    const example = await node(
      page,
      '[data-uri="s3://asset/example.csv"][data-name="s3://asset/example.csv"]',
    ).getAttribute("data-node-id");
    expect(example).toMatch(/^asset:\d+$/);
    await expect.poll(() => edge("producer", "dag:producer", example ?? "").count()).toBe(1);
    expect(await edge("consumer", example ?? "", "dag:consumer").count()).toBe(1);
    for (const uri of ["asset-1", "asset-2"]) {
      const id = await node(page, `[data-uri="${uri}"]`).getAttribute("data-node-id");
      const producerDag = `dag:queued-events-${uri}-producer`;
      expect(await edge("producer", producerDag, id ?? "").count(), uri).toBe(1);
      expect(await edge("consumer", id ?? "", "dag:waiting_for_asset_1_and_2").count(), uri).toBe(1);
    }
    // Aliases: the producer emits through the alias; the alias consumer is scheduled on it.
    expect(await edge("producer", "dag:asset-alias-producer", "alias:example-alias").count()).toBe(1);
    expect(await edge("consumer", "alias:example-alias", "dag:asset-alias-consumer").count()).toBe(1);
    await page.close();
  });

  it("shows a consumer's new run, triggered through the API, without a reload", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    let navigations = 0;
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await openView(page);
    const loads = navigations;
    await node(page, '[data-dag-id="consumer"]').click();
    await expect.poll(() => page.locator("#details h2").textContent()).toBe("consumer");
    await page.locator("#details .none", { hasText: "No runs yet." }).waitFor();

    await api("/dags/producer/dagRuns", { method: "POST", body: { conf: {} } });
    const run = page.locator('#details .run[data-run-type="asset_triggered"]');
    await run.first().waitFor({ timeout: 30_000 });
    await expect.poll(() => run.first().getAttribute("data-state"), { timeout: 30_000 }).toBe("success");
    expect(await run.first().textContent()).toContain("s3://asset/example.csv");
    expect(navigations).toBe(loads);
    await page.close();
  });

  it("shows an asset named like an HTML tag as text, and its event's extra as text (secrets masked)", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await openView(page);
    const xss = node(page, '[data-uri="s3://xss/test"]');
    expect(await xss.getAttribute("data-name")).toBe(XSS_NAME);
    expect(await xss.locator("text.label").textContent()).toBe(XSS_NAME);
    await xss.click();
    await expect.poll(() => page.locator("#details h2").textContent()).toBe(XSS_NAME);

    await api("/dags/xss-producer/dagRuns", { method: "POST", body: {} });
    const extra = page.locator("#details .event pre.json");
    await extra.first().waitFor({ timeout: 30_000 });
    const text = await extra.first().textContent();
    expect(text).toContain("<script>alert(2)</script>");
    expect(text).toContain('"password": "***"');
    expect(text).not.toContain("hunter2");

    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("#details script, #graph script").count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it("asks for the token when the URL has none, and says when it is refused", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(started.api.view.replace(/#.*$/, ""));
    const login = page.locator("#login");
    await login.waitFor({ state: "visible" });
    await page.locator("#token-input").fill("wrong-token-0123456789abcdef");
    await page.locator('#login button[type="submit"]').click();
    await expect.poll(() => page.locator("#login-message").textContent()).toContain("refused");
    await page.locator("#token-input").fill(started.api.token);
    await page.locator('#login button[type="submit"]').click();
    await page.locator("#graph-svg g.node").first().waitFor();
    expect(await login.isVisible()).toBe(false);
    await context.close();
  });

  it("explains why a waiting consumer has not run (screenshot)", async () => {
    await api("/dags/queued-events-asset-1-producer/dagRuns", { method: "POST", body: {} });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await openView(page);
    await node(page, '[data-dag-id="waiting_for_asset_1_and_2"]').click();
    const leaf = (satisfied: boolean, uri: string) =>
      page.locator(`#details ul.condition li[data-kind="asset"][data-uri="${uri}"][data-satisfied="${satisfied}"]`);
    await leaf(true, "asset-1").waitFor({ timeout: 30_000 });
    expect(await leaf(false, "asset-2").count()).toBe(1);
    expect(await page.locator('#details ul.condition > li[data-kind="all"][data-satisfied="false"]').count()).toBe(1);
    expect(await page.locator("#details table.queued td", { hasText: "asset-1" }).count()).toBe(1);
    await expect
      .poll(() => node(page, '[data-dag-id="waiting_for_asset_1_and_2"] .badge').textContent())
      .toBe("1 queued");

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "assets-view.png") });
    if (process.env.UPDATE_SCREENSHOTS === "1") {
      mkdirSync(join(ROOT, "docs"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "docs/assets-view.png") });
    }
    await page.close();
  });
});
