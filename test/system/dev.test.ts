/**
 * `assetflow dev` in a project made by `assetflow init` (the repository's
 * build, linked as the project's `assetflow`): the URL and token in a box at
 * the end of start-up, the same token at the next start and from
 * `assetflow token`, a timestamp on every log line, runs and failures but no
 * per-try lines unless `--verbose`, and DAGs reloaded when a module they
 * import changes. Also: `assetflow assets emit` refuses an extra the asset's
 * schema refuses, and `standalone` stamps its lines too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../support/poll.js";
import { cliEntry, cliEnv, runCli } from "./e2e/support.js";
import { createStarterProject, type StarterProject } from "./starter.js";

let starter: StarterProject;
let project = "";
let home = "";
const started: ChildProcess[] = [];
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

beforeAll(async () => {
  starter = await createStarterProject("dev");
  project = starter.project;
  home = starter.home;
});

afterAll(() => {
  for (const child of started) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  starter?.remove();
});

/** A long-running command in the project, its output collected as text. */
function start(args: readonly string[]) {
  const child = spawn(process.execPath, [cliEntry, ...args], {
    cwd: project,
    env: cliEnv(home),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  started.push(child);
  const state = { output: "", stderr: "" };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    state.output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    state.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolveExit) => child.on("exit", resolveExit));
  return {
    child,
    state,
    exited,
    waitFor: (what: string, test: (output: string) => boolean, timeoutMs = 60_000) =>
      poll(
        what,
        async () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${state.output}${state.stderr}`);
          return test(state.output) ? state.output : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      ),
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** The lines that are log lines: not the box. */
const logLines = (output: string) =>
  output.split("\n").filter((line) => line.trim() !== "" && !/^[│┌└]/.test(line) && !/^ {10,}/.test(line));

function boxOf(output: string) {
  const token = /API token {2}(\S+)/.exec(output)?.[1] ?? "";
  const api = /REST API {3}(\S+)/.exec(output)?.[1] ?? "";
  return { token, api, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } };
}

describe("assetflow dev", () => {
  let firstToken = "";

  it("ends its start-up with the URL and token in a box, stamps every line, and prints runs but not tries", async () => {
    const dev = start(["dev", "--port", "0"]);
    const output = await dev.waitFor("the box", (text) => text.trimEnd().endsWith("┘"));
    const lastLines = output.trimEnd().split("\n");
    expect(lastLines.at(-1)).toMatch(/^└─+┘$/);
    expect(output).toMatch(/│ Web UI {5}http:\/\/127\.0\.0\.1:\d+\/ui\/#token=\S+ +│/);
    const { token, api, headers } = boxOf(output);
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    firstToken = token;
    for (const line of logLines(output)) expect(line).toMatch(TIME);

    // assetflow token shows the same box again.
    const shown = await runCli(["token"], cliEnv(home));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`API token  ${token}`);
    expect(shown.stdout).toContain(`REST API   ${api}`);

    const triggered = await fetch(`${api}/dags/load_orders/dagRuns`, { method: "POST", headers, body: "{}" });
    expect(triggered.status).toBe(201);
    const after = await dev.waitFor("the report run", (text) => /run done {3}orders_report \S+: success/.test(text));
    expect(after).toMatch(/run done {3}load_orders \S+: success/);
    expect(after).not.toMatch(/task {7}load_orders\.load try 1: success/);
    for (const line of logLines(after)) expect(line).toMatch(TIME);

    // --json writes times as the API does: ISO 8601 strings, the same instants.
    const listed = await runCli(["runs", "list", "load_orders", "--json"], cliEnv(home));
    const fromCli = JSON.parse(listed.stdout) as Array<{ runId: string; createdAt: string; dataIntervalEnd: string }>;
    const fromApi = (
      (await (await fetch(`${api}/dags/load_orders/dagRuns`, { headers })).json()) as {
        dagRuns: Array<{ runId: string; createdAt: string; dataIntervalEnd: string }>;
      }
    ).dagRuns;
    expect(fromCli.map(({ runId, createdAt, dataIntervalEnd }) => ({ runId, createdAt, dataIntervalEnd }))).toEqual(
      fromApi.map(({ runId, createdAt, dataIntervalEnd }) => ({ runId, createdAt, dataIntervalEnd })),
    );
    expect(fromCli[0]?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    // Editing a module the DAG files import (outside dags/) reloads them.
    const assets = join(project, "assets.ts");
    writeFileSync(assets, readFileSync(assets, "utf8").replace("orders-report.html", "orders-summary.html"));
    await dev.waitFor("the reload", (text) => /reloaded {3}dags\/report\.ts: orders_report/.test(text));
    const graph = (await (await fetch(`${api}/assets`, { headers })).json()) as { assets: Array<{ uri: string }> };
    expect(graph.assets.map((asset) => asset.uri)).toContain("s3://warehouse/orders-summary.html");
    expect(await dev.stop()).toBe(0);
  }, 180_000);

  it("keeps its token from one start to the next; --verbose prints each try, failures with their message", async () => {
    const failing = join(project, "dags/failing.ts");
    writeFileSync(
      failing,
      'import { dag, task } from "assetflow";\nexport const failing = dag({ dagId: "failing", schedule: null }, () => {\n  task({ taskId: "boom" }, () => {\n    throw new Error("the source is down");\n  });\n});\n',
    );
    const dev = start(["dev", "--port", "0", "--verbose"]);
    const output = await dev.waitFor("the box", (text) => text.trimEnd().endsWith("┘"));
    const { token, api, headers } = boxOf(output);
    expect(token).toBe(firstToken);
    await fetch(`${api}/dags/load_orders/dagRuns`, { method: "POST", headers, body: "{}" });
    await fetch(`${api}/dags/failing/dagRuns`, { method: "POST", headers, body: "{}" });
    const after = await dev.waitFor(
      "the tries",
      (text) => /task {7}load_orders\.load try 1: success/.test(text) && /failing\.boom try 1: failed/.test(text),
    );
    expect(after).toMatch(/task {7}failing\.boom try 1: failed — the source is down/);
    expect(await dev.stop()).toBe(0);
  }, 180_000);
});

describe("schemas from the command line", () => {
  it("assets emit refuses an extra the asset's schema refuses, naming asset, key and type", async () => {
    const bad = await runCli(
      ["assets", "emit", "s3://warehouse/orders.parquet", "--extra", '{"rowCount":"x"}'],
      cliEnv(home),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'error: The extra of asset "s3://warehouse/orders.parquet" given to `assetflow assets emit` does not match the asset\'s schema: key "rowCount": expected integer, got the string "x".',
    );
    expect(bad.stderr).toContain("[EXTRA_INVALID]");
    const good = await runCli(
      ["assets", "emit", "s3://warehouse/orders.parquet", "--extra", '{"rowCount":3}', "--json"],
      cliEnv(home),
    );
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ extra: { rowCount: 3 }, runs: [{ dagId: "orders_report" }] });
  });
});

describe("assetflow standalone", () => {
  it("stamps every line of its log with the time", async () => {
    const standalone = start(["standalone", "--dags", "dags", "--port", "0"]);
    const output = await standalone.waitFor("the start-up", (text) => /^ +token {4}/m.test(text));
    const stamped = output.split("\n").filter((line) => line.trim() !== "" && !line.startsWith(" "));
    expect(stamped.length).toBeGreaterThan(2);
    for (const line of stamped) expect(line).toMatch(TIME);
    expect(await standalone.stop()).toBe(0);
  }, 120_000);
});
