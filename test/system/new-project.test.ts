/**
 * A new user's first five minutes, on this machine as on a fresh one:
 * `assetflow init` in an empty folder, the packed package (`npm pack`)
 * installed with the rest from the registry, then the generated project's
 * `npm test` (a functional and a decorator DAG, under whatever Vite npm picks:
 * Vite 8 today, which does not lower decorators by itself), `assetflow
 * compile --check`, the typecheck against the published types, and
 * `assetflow dev` answering with the URL and token it prints.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poll } from "../support/poll.js";
import { cliEntry, requireBuiltCli, root, tempDir } from "./e2e/support.js";

const work = tempDir("new-project");
const project = join(work.path, "my-pipelines");
const running: ChildProcess[] = [];

/** The environment of a user's shell: none of this test run's own variables. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|ASSETFLOW_|NODE_OPTIONS$|NODE_ENV$|TEST$|FORCE_COLOR$)/.test(key)) continue;
    env[key] = value;
  }
  env.NO_COLOR = "1";
  return env;
}

/** Text without terminal colors. */
function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character starts a color code.
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

interface Ran {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command to its end (killed after `timeoutMs`); stdout and stderr together. */
function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, output: plain(output) });
    });
  });
}

function expectSuccess(ran: Ran, what: string): void {
  if (ran.code !== 0) throw new Error(`${what} exited ${ran.code}:\n${ran.output.slice(-4000)}`);
}

let tarball = "";
let install: Ran;

beforeAll(async () => {
  requireBuiltCli();
  mkdirSync(join(work.path, "pack"));
  const packed = await run("npm", ["pack", "--json", "--pack-destination", join(work.path, "pack")], root, 120_000);
  expectSuccess(packed, "npm pack");
  const [info] = JSON.parse(packed.output.slice(packed.output.indexOf("["))) as Array<{ filename: string }>;
  tarball = join(work.path, "pack", info?.filename ?? "");

  const init = await run(process.execPath, [cliEntry, "init", project], work.path, 30_000);
  expectSuccess(init, "assetflow init");
  // The user installs the packed assetflow; npm installs everything else the project lists from the registry.
  install = await run("npm", ["install", "--no-audit", "--no-fund", tarball], project, 900_000);
  expectSuccess(install, "npm install");
}, 1_000_000);

afterAll(async () => {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  work.remove();
});

describe("a project made by assetflow init", () => {
  it("installs with no EBADENGINE warning, getting a Vite that does not lower decorators", () => {
    expect(install.output).not.toContain("EBADENGINE");
    const fromProject = createRequire(join(project, "package.json"));
    const versionOf = (resolver: NodeJS.Require, pkg: string) =>
      (JSON.parse(readFileSync(resolver.resolve(`${pkg}/package.json`), "utf8")) as { version: string }).version;
    expect(versionOf(fromProject, "assetflow")).toBe(
      JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version,
    );
    // The case of the issue: the Vite that vitest 4 gets from npm (8 today), not the repository's pin.
    const fromVitest = createRequire(fromProject.resolve("vitest/package.json"));
    expect(Number(versionOf(fromVitest, "vite").split(".")[0])).toBeGreaterThanOrEqual(8);
    expect(existsSync(join(project, "node_modules/better-sqlite3/build/Release/better_sqlite3.node"))).toBe(true);
  });

  it("npm test passes: the functional and the decorator DAG are both tested", async () => {
    const ran = await run("npm", ["test"], project, 300_000);
    expectSuccess(ran, "npm test");
    expect(ran.output).toMatch(/Tests\s+3 passed/);
    expect(ran.output).toContain("test/dags.test.ts");
  }, 320_000);

  it("assetflow compile --check passes on the DAG folder", async () => {
    const ran = await run("npx", ["assetflow", "compile", "dags", "--check"], project, 120_000);
    expectSuccess(ran, "assetflow compile dags --check");
    expectSuccess(await run("npm", ["run", "compile"], project, 120_000), "npm run compile");
  }, 260_000);

  it("typechecks against the published types", async () => {
    expectSuccess(await run("npm", ["run", "typecheck"], project, 180_000), "npm run typecheck");
  }, 200_000);

  it("npx assetflow dev serves the DAGs and ends its start-up with the URL and token, which `assetflow token` repeats", async () => {
    const dev = spawn("npx", ["assetflow", "dev", "--port", "0"], {
      cwd: project,
      env: userEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    running.push(dev);
    let output = "";
    dev.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    dev.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    const box = await poll(
      "assetflow dev to print its box",
      async () => {
        if (dev.exitCode !== null) throw new Error(`assetflow dev exited ${dev.exitCode}: ${output}`);
        return /API token {2}(\S+)/.test(output) && output.trimEnd().endsWith("┘") ? output : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    const token = /API token {2}(\S+)/.exec(box)?.[1] ?? "";
    const api = /REST API {3}(\S+)/.exec(box)?.[1] ?? "";
    // Every log line is stamped with its time.
    for (const line of box.split("\n").filter((text) => text !== "" && !/^[│┌└ ]/.test(text))) {
      expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /);
    }

    const shown = await run("npx", ["assetflow", "token", "--json"], project, 60_000);
    expectSuccess(shown, "assetflow token");
    expect(JSON.parse(shown.output)).toMatchObject({ running: true, token, api });

    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const dags = (await (await fetch(`${api}/dags`, { headers })).json()) as { dags: Array<{ dagId: string }> };
    expect(dags.dags.map((dag) => dag.dagId).sort()).toEqual(["load_orders", "orders_report"]);
    const triggered = await fetch(`${api}/dags/load_orders/dagRuns`, { method: "POST", headers, body: "{}" });
    expect(triggered.status).toBe(201);
    await poll(
      "the report run the load triggers to succeed",
      async () => {
        const runs = (await (await fetch(`${api}/dags/orders_report/dagRuns`, { headers })).json()) as {
          dagRuns: Array<{ state: string }>;
        };
        return runs.dagRuns.some((run) => run.state === "success") ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );

    const exited = new Promise((resolveExit) => dev.on("exit", resolveExit));
    if (dev.pid !== undefined) process.kill(-dev.pid, "SIGTERM");
    await exited;
  }, 300_000);
});
