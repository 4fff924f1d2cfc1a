/**
 * The web UI's public routes: the page at `/ui/` and every address under it
 * (the script shows the view of the address), and the files `npm run build`
 * put in `dist/ui/static/`. None of them holds data, so none needs the
 * token; the page asks for it and sends it only in request headers.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { problem, sendProblem } from "../problems.js";
import type { ApiApp } from "../server.js";
import { UI_CSP, UI_HTML } from "./page.js";

/** Where the UI is served. */
export const UI_PATH = "/ui/";

/** Content types of the files the build writes. */
const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The folder of the built UI files: `dist/ui/static` beside the compiled
 * server, or under the repository when the server runs from source. Null
 * when the UI was not built.
 *
 * @example
 * ```ts
 * uiStaticDir(); // "/app/dist/ui/static"
 * ```
 */
export function uiStaticDir(): string | null {
  const candidates = ["../../ui/static/", "../../dist/ui/static/"].flatMap((relative) => {
    const url = new URL(relative, import.meta.url);
    // Not a file (a bundler or a test environment serving modules over http): no built UI beside it.
    return url.protocol === "file:" ? [fileURLToPath(url)] : [];
  });
  return candidates.find((dir) => existsSync(join(dir, "app.js"))) ?? null;
}

/**
 * Registers `/`, `/ui`, `/ui/*` (the page) and `/ui/static/*` (the built
 * files in `dir`; 503 when the UI was not built).
 *
 * @example
 * ```ts
 * app.register(async (publicApp) => uiRoutes(publicApp.withTypeProvider<ZodTypeProvider>(), uiStaticDir()));
 * ```
 */
export function uiRoutes(app: ApiApp, dir: string | null): void {
  const hide = { schema: { hide: true } };
  const page = async (_request: unknown, reply: import("fastify").FastifyReply) =>
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header("content-security-policy", UI_CSP)
      .header("x-frame-options", "DENY")
      .send(UI_HTML);
  app.get("/", hide, async (_request, reply) => reply.redirect(UI_PATH, 302));
  app.get("/ui", hide, async (_request, reply) => reply.redirect(UI_PATH, 302));
  app.get("/ui/", hide, page);
  app.get("/ui/*", hide, page);
  app.get("/ui/static/*", hide, async (request, reply) => {
    const name = (request.params as { "*": string })["*"];
    const type = CONTENT_TYPES[extname(name)];
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith(".") || type === undefined) {
      return sendProblem(reply, problem(404, `No UI file ${JSON.stringify(name.slice(0, 100))}.`));
    }
    if (dir === null) {
      return sendProblem(
        reply,
        problem(503, "The web UI is not built: run `npm run build` (it bundles ui/ into dist/ui/static)."),
      );
    }
    let body: Buffer;
    try {
      body = await readFile(join(dir, name));
    } catch {
      return sendProblem(reply, problem(404, `No UI file ${JSON.stringify(name)}.`));
    }
    // The names are not content-hashed: the browser revalidates each time (no-cache) and,
    // when the file did not change, gets a 304 and reuses its copy (and the code it compiled).
    const etag = `"${createHash("sha1").update(body).digest("base64url")}"`;
    reply
      .header("content-type", type)
      .header("cache-control", "no-cache")
      .header("etag", etag)
      .header("content-security-policy", UI_CSP);
    if (matchesEtag(request.headers["if-none-match"], etag)) return reply.code(304).send();
    return reply.send(body);
  });
}

/** Whether an `If-None-Match` header names `etag` (or is `*`). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === etag || tag === "*");
}
