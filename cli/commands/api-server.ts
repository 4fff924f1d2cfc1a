import type { AddressInfo } from "node:net";
import type { Command } from "commander";
import type { Scheduler } from "../../scheduler/scheduler.js";
import { homePaths, openScheduler } from "../open.js";
import { CliError, CliErrorCode, createPrinter, parseCount, stopSignal } from "./common.js";

/** Options of `assetflow api-server`. */
export interface ApiServerCommandOptions {
  port: string;
  host: string;
  json?: boolean;
}

/**
 * Registers `assetflow api-server`.
 *
 * @example
 * ```ts
 * registerApiServer(program); // assetflow api-server --port 8080 --host 127.0.0.1
 * ```
 */
export function registerApiServer(program: Command): void {
  program
    .command("api-server")
    .description(
      "Serve the REST API (OpenAPI at /api/v1/openapi.json) and the web UI (/ui/) over the store. Runs no tasks: start `assetflow scheduler` and `assetflow worker` (or use `assetflow standalone`).",
    )
    .option("--port <n>", "port to listen on (0: any free port)", "8080")
    .option("--host <host>", "address to listen on (0.0.0.0 to serve beyond this machine)", "127.0.0.1")
    .option("--json", "print the addresses as one JSON line")
    .action(async (options: ApiServerCommandOptions) => {
      await runApiServer(options);
    });
}

/**
 * Runs the API server until SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * await runApiServer({ port: "0", host: "127.0.0.1", json: true });
 * ```
 */
export async function runApiServer(options: ApiServerCommandOptions): Promise<void> {
  const port = parsePort(options.port);
  const scheduler = await openScheduler();
  let server: StartedApiServer;
  try {
    server = await startApiServer({ scheduler, host: options.host, port });
  } catch (error) {
    await scheduler.close();
    throw error;
  }
  const print = createPrinter(options.json);
  print(`assetflow api-server\n  store    ${scheduler.store.location}\n${apiServerLines(server)}`, {
    kind: "started",
    store: scheduler.store.location,
    ...apiServerData(server),
  });
  await stopSignal();
  print("stopping", { kind: "stopping" });
  await server.close();
  await scheduler.close();
}

/** A listening API server, as the commands print it. */
export interface StartedApiServer {
  /** The API's base URL (`http://127.0.0.1:8080/api/v1`). */
  readonly apiUrl: string;
  /** The web UI's URL, with `#token=...` when the token is known to this process. */
  readonly viewUrl: string;
  /** The token in clear when it was generated now or comes from ASSETFLOW_API_TOKEN; else null. */
  readonly token: string | null;
  readonly tokenSource: "env" | "file" | "generated";
  /** Where the token's hash is kept, or null (ASSETFLOW_API_TOKEN). */
  readonly tokenFile: string | null;
  close(): Promise<void>;
}

/**
 * Starts the API server of `$ASSETFLOW_HOME` over `scheduler`: finds (or
 * generates) the token, and listens on `host:port` (port 0: any free port).
 *
 * @example
 * ```ts
 * const server = await startApiServer({ scheduler, host: "127.0.0.1", port: 0 });
 * console.log(server.viewUrl);
 * ```
 */
export async function startApiServer(options: {
  scheduler: Scheduler;
  host: string;
  port: number;
}): Promise<StartedApiServer> {
  // Loaded here, not at start-up, so that short commands stay fast.
  const { API_PREFIX, UI_PATH, createServer, resolveApiToken } = await import("../../server/index.js");
  const paths = homePaths();
  const resolved = resolveApiToken({ home: paths.home });
  const app = createServer({ scheduler: options.scheduler, auth: resolved.auth, logDir: paths.logs });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
      throw new CliError(
        CliErrorCode.invalidOption,
        `Cannot listen on ${options.host}:${options.port} (${code}): pass another --port (0 picks a free one) or --host.`,
      );
    }
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  const base = `http://${urlHost(options.host)}:${port}`;
  const fragment =
    resolved.source === "generated" && resolved.token ? `#token=${encodeURIComponent(resolved.token)}` : "";
  return {
    apiUrl: `${base}${API_PREFIX}`,
    viewUrl: `${base}${UI_PATH}${fragment}`,
    token: resolved.source === "generated" ? resolved.token : null,
    tokenSource: resolved.source,
    tokenFile: resolved.file,
    close: () => app.close(),
  };
}

/**
 * The lines `api-server` and `standalone` print about the server (the token only when it was just generated).
 *
 * @example
 * ```ts
 * process.stdout.write(`${apiServerLines(server)}\n`);
 * ```
 */
export function apiServerLines(server: StartedApiServer): string {
  const token =
    server.tokenSource === "generated"
      ? `${server.token} (shown once: only its hash is kept, in ${server.tokenFile})`
      : server.tokenSource === "env"
        ? "from ASSETFLOW_API_TOKEN"
        : `set at the first start (hash in ${server.tokenFile}; delete that file for a new token, or set ASSETFLOW_API_TOKEN)`;
  return [
    `  api      ${server.apiUrl} (OpenAPI: ${server.apiUrl}/openapi.json)`,
    `  view     ${server.viewUrl}`,
    `  token    ${token}`,
  ].join("\n");
}

/**
 * The same as {@link apiServerLines}, for `--json`.
 *
 * @example
 * ```ts
 * print(apiServerLines(server), { kind: "started", ...apiServerData(server) });
 * ```
 */
export function apiServerData(server: StartedApiServer): Record<string, unknown> {
  return {
    api: server.apiUrl,
    openapi: `${server.apiUrl}/openapi.json`,
    view: server.viewUrl,
    token: server.token,
    tokenSource: server.tokenSource,
    tokenFile: server.tokenFile,
  };
}

/**
 * Parses `--port`: 0 to 65535.
 *
 * @example
 * ```ts
 * parsePort("0"); // 0: any free port
 * ```
 */
export function parsePort(text: string): number {
  const port = parseCount(text, "--port", 0) ?? 8080;
  if (port > 65535) {
    throw new CliError(
      CliErrorCode.invalidOption,
      `--port must be at most 65535, got ${port}. For example --port 8080.`,
    );
  }
  return port;
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
