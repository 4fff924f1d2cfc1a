/**
 * Web UI benchmarks in headless Chromium (Debian's /usr/bin/chromium driven
 * by playwright-core), against the real API server over a SQLite store in a
 * temporary directory, with the UI as `npm run build` bundles it:
 *
 * 1. lineage: 2,000 assets and 1,000 DAGs (100 pipelines of 10 stages; each
 *    DAG updates 2 assets, later stages wait on AND / OR conditions of the
 *    stage before, one in ten also on another pipeline). From navigation to
 *    the graph drawn, then to a click on a node answered (the selection
 *    panel shows it): target < 2 s.
 * 2. dags: the DAGs page with 5,000 DAGs (cron and asset schedules, tags,
 *    500 with a run). From navigation to the first page of rows, then to a
 *    search answered: target < 1 s.
 *
 * Each is measured `--repeat` times (default 5) on a fresh page; the median
 * and the slowest are printed. Run `npm run build` first, then
 * `node bench/run.mjs ui [--quick] [--repeat=5] [--only=lineage,dags]`.
 * `--serve=lineage` (or `dags`) only serves that data set and prints its
 * address and token, to profile the page by hand.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { Scheduler } from "../scheduler/scheduler.js";
import type { ConditionNode, DagManifest, Manifest } from "../sdk/manifest/schema.js";
import { apiAuthFromToken, createServer } from "../server/index.js";
import { dagManifest, taskManifest } from "../test/support/manifests.js";
import { gitRevision, loadAverage, median } from "./support/measure.js";

const TOKEN = "bench-token-0123456789abcdef";
const CHROMIUM = "/usr/bin/chromium";
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const repeat = Number(/^--repeat=(\d+)$/.exec(args.find((arg) => arg.startsWith("--repeat=")) ?? "")?.[1] ?? 5);
const only = new Set(
  (args.find((arg) => arg.startsWith("--only="))?.slice("--only=".length) ?? "lineage,dags").split(","),
);

const asset = (pipeline: number, stage: number, k: number) => {
  const uri = `s3://lake/p${pipeline}/stage${stage}/part-${k}.parquet`;
  return { kind: "asset" as const, name: uri, uri };
};

/** `pipelines` x `stages` DAGs, 2 assets each; stage s > 0 waits on an AND / OR of stage s - 1. */
function lineageManifest(pipelines: number, stages: number): Manifest {
  const dags: DagManifest[] = [];
  const assets: Manifest["assets"] = [];
  for (let p = 0; p < pipelines; p++) {
    for (let s = 0; s < stages; s++) {
      const outlets = [asset(p, s, 0), asset(p, s, 1)];
      for (const outlet of outlets) assets.push({ ...outlet, group: `pipeline-${p % 10}`, extra: {} });
      let schedule: DagManifest["schedule"] = { kind: "cron", expression: "@hourly", timezone: "UTC" };
      if (s > 0) {
        const other = (p * 7 + s) % pipelines;
        const either: ConditionNode =
          s % 10 === 3 && other !== p
            ? { kind: "any", conditions: [asset(p, s - 1, 1), asset(other, s - 1, 1)] }
            : asset(p, s - 1, 1);
        const condition: ConditionNode =
          s % 2 === 0
            ? { kind: "all", conditions: [asset(p, s - 1, 0), either] }
            : { kind: "any", conditions: [asset(p, s - 1, 0), either] };
        schedule = { kind: "assets", condition };
      }
      dags.push(dagManifest(`p${p}_stage${s}`, schedule, [taskManifest("extract"), taskManifest("load", outlets)]));
    }
  }
  return { schemaVersion: 1, assets, aliases: [], dags };
}

/** `count` DAGs: one in three on assets, the rest on cron; tags by tens. */
function dagsManifest(count: number): Manifest {
  const dags: DagManifest[] = [];
  const assets: Manifest["assets"] = [];
  for (let i = 0; i < count; i++) {
    const uri = `s3://warehouse/table_${i}`;
    assets.push({ name: uri, uri, group: "asset", extra: {} });
    const schedule: DagManifest["schedule"] =
      i % 3 === 0 && i > 0
        ? {
            kind: "assets",
            condition: { kind: "asset", name: `s3://warehouse/table_${i - 1}`, uri: `s3://warehouse/table_${i - 1}` },
          }
        : { kind: "cron", expression: `${i % 60} * * * *`, timezone: "UTC" };
    const dag = dagManifest(`dag_${String(i).padStart(5, "0")}`, schedule, [
      taskManifest("extract"),
      { ...taskManifest("load", [{ kind: "asset", name: uri, uri }]), upstream: ["extract"] },
    ]);
    dags.push({ ...dag, tags: [`team-${i % 10}`, i % 2 === 0 ? "daily" : "hourly"], description: `Loads table ${i}` });
  }
  return { schemaVersion: 1, assets, aliases: [], dags };
}

async function serve(manifest: Manifest, runs: number): Promise<{ base: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "assetflow-bench-ui-"));
  const scheduler = await Scheduler.open({ url: join(dir, "store.db") });
  await scheduler.registerManifest(manifest);
  for (let i = 0; i < runs; i++) {
    const dag = manifest.dags[(i * 10) % manifest.dags.length];
    if (dag) await scheduler.triggerDag(dag.dagId);
  }
  const app = createServer({
    scheduler,
    auth: apiAuthFromToken(TOKEN),
    logDir: join(dir, "logs"),
    uiDir: join(process.cwd(), "dist/ui/static"),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await scheduler.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function timeFlow(
  newPage: () => Promise<Page>,
  flow: (page: Page) => Promise<{ shown: number; answered: number }>,
): Promise<{ shown: number[]; answered: number[] }> {
  const shown: number[] = [];
  const answered: number[] = [];
  // One warm-up (browser caches, the server's statement cache), then the measured runs.
  for (let i = 0; i <= repeat; i++) {
    const page = await newPage();
    page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
    const result = await flow(page).catch(async (error: unknown) => {
      await page.screenshot({ path: join(tmpdir(), "assetflow-bench-ui-failure.png") });
      throw error;
    });
    await page.close();
    if (i === 0) continue;
    shown.push(result.shown);
    answered.push(result.answered);
  }
  return { shown, answered };
}

function report(
  name: string,
  samples: { shown: number[]; answered: number[] },
  lines: { shown: string; answered: string; target: { on: "shown" | "answered"; ms: number } },
) {
  for (const key of ["shown", "answered"] as const) {
    const values = samples[key];
    const target =
      lines.target.on === key
        ? ` (target < ${lines.target.ms} ms: ${median(values) < lines.target.ms ? "meets" : "MISSES"})`
        : "";
    console.log(
      `${name}: ${lines[key]}: median ${Math.round(median(values))} ms, slowest ${Math.round(Math.max(...values))} ms${target}`,
    );
  }
}

const serveOnly = args.find((arg) => arg.startsWith("--serve="))?.slice("--serve=".length);
if (serveOnly !== undefined) {
  const server =
    serveOnly === "dags"
      ? await serve(dagsManifest(quick ? 500 : 5000), quick ? 50 : 500)
      : await serve(lineageManifest(quick ? 10 : 100, 10), 0);
  console.log(`serving ${serveOnly} at ${server.base}/ui/#token=${TOKEN} (Ctrl-C stops)`);
  await new Promise<never>(() => undefined);
}

const browser = await chromium.launch({
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
console.log(`commit ${gitRevision()}, load average ${loadAverage()}, ${cpus().length} cores, ${repeat} runs each`);
try {
  if (only.has("lineage")) {
    const [pipelines, stages] = quick ? [10, 10] : [100, 10];
    const server = await serve(lineageManifest(pipelines, stages), 0);
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.addInitScript(`sessionStorage.setItem("assetflow.apiToken", ${JSON.stringify(TOKEN)})`);
      const samples = await timeFlow(
        () => context.newPage(),
        async (page) => {
          const start = Date.now();
          await page.goto(`${server.base}/ui/lineage`);
          await page
            .locator('.graph-canvas[data-laid-out="true"] .react-flow__node')
            .first()
            .waitFor({ timeout: 60_000 });
          const shown = Date.now() - start;
          const node = page.locator(".react-flow__node .box.kind-dag").first();
          const id = await node.getAttribute("data-node-id");
          await node.click();
          await page.locator(`.side .selection[data-node-id="${id}"]`).waitFor({ timeout: 60_000 });
          return { shown, answered: Date.now() - start };
        },
      );
      const nodes = await (async () => {
        const page = await context.newPage();
        await page.goto(`${server.base}/ui/lineage`);
        await page.locator('.graph-canvas[data-laid-out="true"]').waitFor({ timeout: 60_000 });
        const count = await page.locator(".graph-canvas").getAttribute("data-node-count");
        await page.close();
        return count;
      })();
      console.log(
        `lineage: ${pipelines * stages * 2} assets, ${pipelines * stages} DAGs (${nodes} nodes with the gates)`,
      );
      report("lineage", samples, {
        shown: "navigation to graph drawn",
        answered: "navigation to a click on a node answered",
        target: { on: "answered", ms: 2000 },
      });
      await context.close();
    } finally {
      await server.close();
    }
  }
  if (only.has("dags")) {
    const count = quick ? 500 : 5000;
    const server = await serve(dagsManifest(count), count / 10);
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.addInitScript(`sessionStorage.setItem("assetflow.apiToken", ${JSON.stringify(TOKEN)})`);
      const samples = await timeFlow(
        () => context.newPage(),
        async (page) => {
          const start = Date.now();
          await page.goto(`${server.base}/ui/dags`);
          await page.locator("table.dags tbody tr").first().waitFor({ timeout: 60_000 });
          const shown = Date.now() - start;
          const wanted = count - 7;
          const searched = Date.now();
          await page.locator("input[data-search]").fill(`table ${wanted}`);
          await page
            .locator(`table.dags tbody tr[data-dag-id="dag_${String(wanted).padStart(5, "0")}"]`)
            .waitFor({ timeout: 60_000 });
          // The search box waits 250 ms for typing to pause: count from the end of that pause.
          return { shown, answered: Date.now() - searched - 250 };
        },
      );
      console.log(`dags: ${count} DAGs, ${count / 10} with a run`);
      report("dags", samples, {
        shown: "navigation to the first page of rows",
        answered: "a search answered (after the 250 ms typing pause)",
        target: { on: "shown", ms: 1000 },
      });
      await context.close();
    } finally {
      await server.close();
    }
  }
} finally {
  await browser.close();
}
