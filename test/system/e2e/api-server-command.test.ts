/**
 * `assetflow api-server`, as a user runs it (the built CLI on a temporary
 * home): it prints its addresses and the token once, keeps only the token's
 * hash, answers over HTTP, stops on SIGTERM, and says so clearly when its port
 * is taken.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "dist/cli/main.js");

interface Started {
  kind: "started";
  api: string;
  view: string;
  token: string | null;
  tokenSource: string;
  tokenFile: string | null;
}

describe("assetflow api-server", () => {
  const children: ChildProcess[] = [];
  const homes: string[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
        child.kill("SIGTERM");
        await exited;
      }
    }
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  function run(
    home: string,
    args: string[],
  ): { child: ChildProcess; started: Promise<Started>; exit: Promise<number> } {
    if (!existsSync(CLI) || !existsSync(join(ROOT, "dist/server/index.js"))) {
      throw new Error("dist/ has no CLI with the server: run `npm run build` first (`npm test` does).");
    }
    const child = spawn(process.execPath, [CLI, "api-server", "--json", ...args], {
      cwd: ROOT,
      env: { ...process.env, ASSETFLOW_HOME: home, ASSETFLOW_API_TOKEN: "", ASSETFLOW_DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exit = new Promise<number>((resolveExit) => child.once("exit", (code) => resolveExit(code ?? -1)));
    const started = new Promise<Started>((resolveStarted, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split("\n").find((text) => text.includes('"kind":"started"'));
        if (line) resolveStarted(JSON.parse(line) as Started);
      });
      void exit.then((code) => reject(new Error(`api-server exited with ${code}: ${stderr}`)));
    });
    return { child, started, exit };
  }

  it("prints the token once, keeps its hash, answers with it, and stops on SIGTERM", async () => {
    const home = mkdtempSync(join(tmpdir(), "assetflow-api-server-"));
    homes.push(home);
    const first = run(home, ["--port", "0"]);
    const started = await first.started;
    expect(started).toMatchObject({ tokenSource: "generated", tokenFile: join(home, "api-token.sha256") });
    expect(started.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    expect(started.view).toBe(`${started.api.replace(/\/api\/v1$/, "")}/ui/#token=${started.token}`);
    const token = started.token ?? "";
    expect(readFileSync(join(home, "api-token.sha256"), "utf8")).not.toContain(token);

    expect((await fetch(`${started.api}/dags`)).status).toBe(401);
    const dags = await fetch(`${started.api}/dags`, { headers: { authorization: `Bearer ${token}` } });
    expect(await dags.json()).toEqual({ dags: [], total: 0 });

    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);

    const second = run(home, ["--port", "0"]);
    const again = await second.started;
    expect(again).toMatchObject({ tokenSource: "file", token: null });
    expect(again.view).toMatch(/\/ui\/$/);
    const health = await fetch(`${again.api.replace(/\/api\/v1$/, "")}/health`);
    expect(await health.json()).toEqual({ status: "ok" });
    const stillValid = await fetch(`${again.api}/assets`, { headers: { authorization: `Bearer ${token}` } });
    expect(stillValid.status).toBe(200);
  });

  it("fails with a clear message when the port is taken", async () => {
    const home = mkdtempSync(join(tmpdir(), "assetflow-api-server-"));
    homes.push(home);
    const first = await run(home, ["--port", "0"]).started;
    const port = new URL(first.api).port;
    const child = spawn(process.execPath, [CLI, "api-server", "--port", port], {
      cwd: ROOT,
      env: { ...process.env, ASSETFLOW_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number>((resolveExit) =>
      child.once("exit", (exitCode) => resolveExit(exitCode ?? -1)),
    );
    expect(code).toBe(1);
    expect(stderr).toContain(`Cannot listen on 127.0.0.1:${port} (EADDRINUSE): pass another --port`);
  });
});
